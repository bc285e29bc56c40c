//! The EC2 launch template calls amiflow makes in one (Region, account), each a small method so
//! that request shapes can be checked with aws-smithy-mocks where moto falls short.

use amiflow_common::aws::clients::AccountClient;
use amiflow_common::aws::limit::CallLimit;
use amiflow_common::error::call_failure;
use amiflow_common::{every_page, override_as, send_as};
use amiflow_model::decide::tags::{MANAGED_TAG, RECORD_TAG, VERSION_TAG};
use amiflow_model::decide::template::TemplateVersion;
use amiflow_model::decide::template_tags::{fits_a_tag, tagged_version};
use amiflow_model::report::detail::CallFailure;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{
    Filter, LaunchTemplate, LaunchTemplateVersion, RequestLaunchTemplateData, Tag,
};
use aws_sdk_ec2::Client;

/// DescribeLaunchTemplates / DescribeLaunchTemplateVersions page size (the API's maximum).
const PAGE: i32 = 200;
/// DeleteLaunchTemplateVersions takes at most 200 versions a call.
pub const DELETE_BATCH: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRef {
    pub id: String,
    pub name: String,
    /// Tagged `amiflow:managed = true`: amiflow may write to it.
    pub managed: bool,
    /// The default and latest version, where the template's tags say what they hold.
    pub known: Option<TemplateVersion>,
    /// The default and latest version numbers, as DescribeLaunchTemplates lists them.
    pub default_version: Option<i64>,
    pub latest_version: Option<i64>,
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
    Call(#[from] CallFailure),
}

/// The launch template calls of one (Region, account), under the executor's call limit.
pub struct Ec2 {
    pub ec2: AccountClient<Client>,
    pub limit: CallLimit,
}

fn template_ref(t: &LaunchTemplate) -> Option<TemplateRef> {
    let tag = |key: &str| {
        t.tags()
            .iter()
            .find(|tag| tag.key() == Some(key))
            .and_then(|tag| tag.value())
    };
    let (key, value) = MANAGED_TAG;
    Some(TemplateRef {
        id: t.launch_template_id()?.to_string(),
        name: t.launch_template_name().unwrap_or_default().to_string(),
        managed: tag(key) == Some(value),
        known: tagged_version(
            t.default_version_number(),
            t.latest_version_number(),
            tag(VERSION_TAG),
            tag(RECORD_TAG),
        ),
        default_version: t.default_version_number(),
        latest_version: t.latest_version_number(),
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
        override_as!(aws_sdk_ec2, self.ec2.credentials)
    }

    /// The templates a lookup finds (an unknown id finds none), across every page.
    pub async fn find(&self, lookup: Lookup<'_>) -> Result<Vec<TemplateRef>, CallFailure> {
        const OPERATION: &str = "DescribeLaunchTemplates";
        let request = self.ec2.client.describe_launch_templates();
        let templates = match lookup {
            // By id the answer is one template or an error: no paging (the API refuses
            // MaxResults beside ids).
            Lookup::Id(id) => {
                match send_as!(self.limit, request.launch_template_ids(id), self.account()) {
                    Ok(out) => out.launch_templates().to_vec(),
                    Err(e) if is_not_found(e.code()) => Vec::new(),
                    Err(e) => return Err(call_failure(OPERATION, &e)),
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
            Err(e) => return Err(call_failure("DescribeLaunchTemplateVersions", &e).into()),
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
    ) -> Result<i64, CallFailure> {
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
            .map_err(|e| call_failure(OPERATION, &e))?;
        created
            .launch_template_version()
            .and_then(|v| v.version_number())
            .ok_or_else(|| CallFailure::incomplete(OPERATION, "version number"))
    }

    pub async fn make_default(&self, template_id: &str, version: i64) -> Result<(), CallFailure> {
        let modify = self
            .ec2
            .client
            .modify_launch_template()
            .launch_template_id(template_id)
            .default_version(version.to_string());
        send_as!(self.limit, modify, self.account())
            .map(|_| ())
            .map_err(|e| call_failure("ModifyLaunchTemplate", &e))
    }

    /// Tags the template with the version amiflow created and the record in its description, so
    /// that the next find says what the template holds. Nothing where the record is too long
    /// for a tag.
    pub async fn tag_version(
        &self,
        template_id: &str,
        version: i64,
        description: &str,
    ) -> Result<(), CallFailure> {
        if !fits_a_tag(description) {
            return Ok(());
        }
        let tag = |key: &str, value: String| Tag::builder().key(key).value(value).build();
        let create = self
            .ec2
            .client
            .create_tags()
            .resources(template_id)
            .tags(tag(VERSION_TAG, version.to_string()))
            .tags(tag(RECORD_TAG, description.to_string()));
        send_as!(self.limit, create, self.account())
            .map(|_| ())
            .map_err(|e| call_failure("CreateTags", &e))
    }

    /// Every version number of one template.
    pub async fn all_versions(&self, template_id: &str) -> Result<Vec<i64>, CallFailure> {
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
    ) -> Result<Vec<i64>, CallFailure> {
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
                .map_err(|e| call_failure(OPERATION, &e))?;
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
                let message = format!(
                    "could not delete version {}: {reason}",
                    failed.version_number().unwrap_or_default()
                );
                return Err(CallFailure::new(OPERATION, None, &message));
            }
        }
        Ok(deleted)
    }
}
