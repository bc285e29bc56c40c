//! The EC2 launch template calls amiflow makes in one (Region, account), each a small method so
//! that request shapes can be checked with aws-smithy-mocks where moto falls short.

use amiflow_common::clients::ec2_as;
use amiflow_common::{every_page, send_as, AccountClient, CallError, CallLimit};
use amiflow_model::decide::TemplateVersion;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{
    Filter, LaunchTemplate, LaunchTemplateVersion, RequestLaunchTemplateData,
};
use aws_sdk_ec2::Client;

/// DescribeLaunchTemplates / DescribeLaunchTemplateVersions page size (the API's maximum).
const PAGE: i32 = 200;
/// DeleteLaunchTemplateVersions takes at most 200 versions a call.
pub const DELETE_BATCH: usize = 200;
/// The tag that lets amiflow change a template (the IAM condition of both templates says the same).
pub const MANAGED_TAG: (&str, &str) = ("amiflow:managed", "true");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRef {
    pub id: String,
    pub name: String,
    /// Tagged `amiflow:managed = true`: amiflow may write to it.
    pub managed: bool,
}

/// How a template is looked up.
pub enum Lookup<'a> {
    Id(&'a str),
    Filter(Filter),
}

/// Why a template's versions could not be read.
#[derive(Debug, thiserror::Error)]
pub enum VersionsError {
    #[error("no launch template {0}")]
    NotFound(String),
    #[error(transparent)]
    Call(#[from] CallError),
}

/// The launch template calls of one (Region, account), under the executor's call limit.
pub struct Ec2 {
    pub ec2: AccountClient<Client>,
    pub limit: CallLimit,
}

fn template_ref(t: &LaunchTemplate) -> Option<TemplateRef> {
    let (key, value) = MANAGED_TAG;
    Some(TemplateRef {
        id: t.launch_template_id()?.to_string(),
        name: t.launch_template_name().unwrap_or_default().to_string(),
        managed: t
            .tags()
            .iter()
            .any(|tag| tag.key() == Some(key) && tag.value() == Some(value)),
    })
}

fn template_version(v: &LaunchTemplateVersion) -> Option<TemplateVersion> {
    Some(TemplateVersion {
        number: v.version_number()?,
        image_id: v
            .launch_template_data()
            .and_then(|d| d.image_id())
            .map(String::from),
        description: v.version_description().map(String::from),
    })
}

fn is_not_found(code: Option<&str>) -> bool {
    code.is_some_and(|c| c.starts_with("InvalidLaunchTemplateId.") || c.contains("NotFound"))
}

impl Ec2 {
    /// The override that makes a call as this placement's account.
    fn account(&self) -> aws_sdk_ec2::config::Builder {
        ec2_as(&self.ec2.credentials)
    }

    /// The templates a lookup finds (an unknown id finds none), across every page.
    pub async fn find(&self, lookup: Lookup<'_>) -> Result<Vec<TemplateRef>, CallError> {
        const OPERATION: &str = "DescribeLaunchTemplates";
        let request = self.ec2.client.describe_launch_templates();
        let templates = match lookup {
            // By id the answer is one template or an error: no paging (the API refuses
            // MaxResults beside ids).
            Lookup::Id(id) => {
                match send_as!(self.limit, request.launch_template_ids(id), self.account()) {
                    Ok(out) => out.launch_templates().to_vec(),
                    Err(e) if is_not_found(e.code()) => Vec::new(),
                    Err(e) => return Err(CallError::new(OPERATION, e)),
                }
            }
            Lookup::Filter(filter) => {
                let request = request.filters(filter).max_results(PAGE);
                let pages = every_page!(self.limit, request, self.account(), OPERATION)?;
                pages
                    .iter()
                    .flat_map(|page| page.launch_templates())
                    .cloned()
                    .collect()
            }
        };
        Ok(templates.iter().filter_map(template_ref).collect())
    }

    /// The default and the latest version of one template.
    pub async fn default_and_latest(
        &self,
        template_id: &str,
    ) -> Result<(TemplateVersion, TemplateVersion), VersionsError> {
        let read = self
            .ec2
            .client
            .describe_launch_template_versions()
            .launch_template_id(template_id)
            .versions("$Default")
            .versions("$Latest");
        let out = match send_as!(self.limit, read, self.account()) {
            Ok(out) => out,
            Err(e) if is_not_found(e.code()) => {
                return Err(VersionsError::NotFound(template_id.to_string()))
            }
            Err(e) => return Err(CallError::new("DescribeLaunchTemplateVersions", e).into()),
        };
        let versions = out.launch_template_versions();
        let latest = versions
            .iter()
            .filter_map(template_version)
            .max_by_key(|v| v.number)
            .ok_or_else(|| VersionsError::NotFound(template_id.to_string()))?;
        let default = versions
            .iter()
            .filter(|v| v.default_version() == Some(true))
            .find_map(template_version)
            .unwrap_or_else(|| latest.clone());
        Ok((default, latest))
    }

    /// A new version from `source_version` with only the AMI changed, idempotent by `client_token`.
    pub async fn create_version(
        &self,
        template_id: &str,
        source_version: i64,
        ami: &str,
        description: &str,
        client_token: &str,
    ) -> Result<i64, CallError> {
        const OPERATION: &str = "CreateLaunchTemplateVersion";
        let create = self
            .ec2
            .client
            .create_launch_template_version()
            .launch_template_id(template_id)
            .source_version(source_version.to_string())
            .launch_template_data(RequestLaunchTemplateData::builder().image_id(ami).build())
            .version_description(description)
            .client_token(client_token);
        let created = send_as!(self.limit, create, self.account())
            .map_err(|e| CallError::new(OPERATION, e))?;
        created
            .launch_template_version()
            .and_then(|v| v.version_number())
            .ok_or_else(|| CallError::incomplete(OPERATION, "version number"))
    }

    pub async fn make_default(&self, template_id: &str, version: i64) -> Result<(), CallError> {
        let modify = self
            .ec2
            .client
            .modify_launch_template()
            .launch_template_id(template_id)
            .default_version(version.to_string());
        send_as!(self.limit, modify, self.account())
            .map(|_| ())
            .map_err(|e| CallError::new("ModifyLaunchTemplate", e))
    }

    /// Every version number of one template.
    pub async fn all_versions(&self, template_id: &str) -> Result<Vec<i64>, CallError> {
        let request = self
            .ec2
            .client
            .describe_launch_template_versions()
            .launch_template_id(template_id)
            .max_results(PAGE);
        let pages = every_page!(
            self.limit,
            request,
            self.account(),
            "DescribeLaunchTemplateVersions"
        )?;
        Ok(pages
            .iter()
            .flat_map(|page| page.launch_template_versions())
            .filter_map(|v| v.version_number())
            .collect())
    }

    /// Deletes `versions`, at most 200 a call; returns what was deleted.
    pub async fn delete_versions(
        &self,
        template_id: &str,
        versions: &[i64],
    ) -> Result<Vec<i64>, CallError> {
        const OPERATION: &str = "DeleteLaunchTemplateVersions";
        let mut deleted = Vec::new();
        for chunk in versions.chunks(DELETE_BATCH) {
            let delete = self
                .ec2
                .client
                .delete_launch_template_versions()
                .launch_template_id(template_id)
                .set_versions(Some(chunk.iter().map(i64::to_string).collect()));
            let out = send_as!(self.limit, delete, self.account())
                .map_err(|e| CallError::new(OPERATION, e))?;
            deleted.extend(
                out.successfully_deleted_launch_template_versions()
                    .iter()
                    .filter_map(|d| d.version_number()),
            );
            if let Some(failed) = out
                .unsuccessfully_deleted_launch_template_versions()
                .first()
            {
                let reason = failed
                    .response_error()
                    .and_then(|e| e.message())
                    .unwrap_or("no reason given");
                return Err(CallError {
                    operation: OPERATION,
                    message: format!(
                        "could not delete version {}: {reason}",
                        failed.version_number().unwrap_or_default()
                    ),
                });
            }
        }
        Ok(deleted)
    }
}
