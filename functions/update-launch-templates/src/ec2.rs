//! The EC2 launch template calls amiflow makes, each a small function of a plain client so that
//! request shapes can be checked with aws-smithy-mocks where moto falls short.

use std::collections::HashMap;

use std::future::Future;

use amiflow_common::{CallError, CallLimit};
use amiflow_model::decide::TemplateVersion;
use aws_sdk_ec2::types::{Filter, RequestLaunchTemplateData};
use aws_sdk_ec2::Client;

/// DescribeLaunchTemplates / DescribeLaunchTemplateVersions page size (the API's maximum).
const PAGE: i32 = 200;
/// DeleteLaunchTemplateVersions takes at most 200 versions a call.
pub const DELETE_BATCH: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRef {
    pub id: String,
    pub name: String,
}

/// Collects every page of a paginated call while holding one call permit.
async fn all_pages<T, E: std::error::Error>(
    limit: &CallLimit,
    operation: &'static str,
    pages: impl Future<Output = Result<Vec<T>, E>>,
) -> Result<Vec<T>, CallError> {
    limit
        .call(pages)
        .await
        .map_err(|e| CallError::new(operation, e))
}

/// Templates matching `filter` (a tag or name filter), across every page.
pub async fn find_templates(
    client: &Client,
    limit: &CallLimit,
    filter: Filter,
) -> Result<Vec<TemplateRef>, CallError> {
    let pages = client
        .describe_launch_templates()
        .filters(filter)
        .max_results(PAGE)
        .into_paginator();
    let templates = all_pages(
        limit,
        "DescribeLaunchTemplates",
        pages.items().send().try_collect(),
    )
    .await?;
    Ok(templates
        .iter()
        .filter_map(|t| {
            Some(TemplateRef {
                id: t.launch_template_id()?.to_string(),
                name: t.launch_template_name().unwrap_or_default().to_string(),
            })
        })
        .collect())
}

/// The default and latest version of every template in the client's (Region, account), in as
/// few calls as the API allows: no template id, `Versions = [$Default, $Latest]`.
pub async fn default_and_latest(
    client: &Client,
    limit: &CallLimit,
) -> Result<HashMap<String, (TemplateVersion, TemplateVersion)>, CallError> {
    let pages = client
        .describe_launch_template_versions()
        .versions("$Default")
        .versions("$Latest")
        .max_results(PAGE)
        .into_paginator();
    let versions = all_pages(
        limit,
        "DescribeLaunchTemplateVersions",
        pages.items().send().try_collect(),
    )
    .await?;
    let mut seen: HashMap<String, (Option<TemplateVersion>, Option<TemplateVersion>)> =
        HashMap::new();
    for v in &versions {
        let (Some(id), Some(number)) = (v.launch_template_id(), v.version_number()) else {
            continue;
        };
        let version = TemplateVersion {
            number,
            image_id: v
                .launch_template_data()
                .and_then(|d| d.image_id())
                .map(String::from),
            description: v.version_description().map(String::from),
        };
        let entry = seen.entry(id.to_string()).or_default();
        if v.default_version() == Some(true) {
            entry.0 = Some(version.clone());
        }
        if entry.1.as_ref().is_none_or(|latest| latest.number < number) {
            entry.1 = Some(version);
        }
    }
    Ok(seen
        .into_iter()
        .filter_map(|(id, (default, latest))| {
            let latest = latest?;
            Some((id, (default.unwrap_or_else(|| latest.clone()), latest)))
        })
        .collect())
}

/// A new version from `source_version` with only the AMI changed, idempotent by `client_token`.
pub async fn create_version(
    client: &Client,
    limit: &CallLimit,
    template_id: &str,
    source_version: i64,
    ami: &str,
    description: &str,
    client_token: &str,
) -> Result<i64, CallError> {
    let created = limit
        .call(
            client
                .create_launch_template_version()
                .launch_template_id(template_id)
                .source_version(source_version.to_string())
                .launch_template_data(RequestLaunchTemplateData::builder().image_id(ami).build())
                .version_description(description)
                .client_token(client_token)
                .send(),
        )
        .await
        .map_err(|e| CallError::new("CreateLaunchTemplateVersion", e))?;
    created
        .launch_template_version()
        .and_then(|v| v.version_number())
        .ok_or_else(|| CallError::incomplete("CreateLaunchTemplateVersion", "version number"))
}

pub async fn make_default(
    client: &Client,
    limit: &CallLimit,
    template_id: &str,
    version: i64,
) -> Result<(), CallError> {
    limit
        .call(
            client
                .modify_launch_template()
                .launch_template_id(template_id)
                .default_version(version.to_string())
                .send(),
        )
        .await
        .map(|_| ())
        .map_err(|e| CallError::new("ModifyLaunchTemplate", e))
}

/// Every version number of one template.
pub async fn all_versions(
    client: &Client,
    limit: &CallLimit,
    template_id: &str,
) -> Result<Vec<i64>, CallError> {
    let pages = client
        .describe_launch_template_versions()
        .launch_template_id(template_id)
        .max_results(PAGE)
        .into_paginator();
    let versions = all_pages(
        limit,
        "DescribeLaunchTemplateVersions",
        pages.items().send().try_collect(),
    )
    .await?;
    Ok(versions.iter().filter_map(|v| v.version_number()).collect())
}

/// Deletes `versions`, at most 200 a call; returns what was deleted.
pub async fn delete_versions(
    client: &Client,
    limit: &CallLimit,
    template_id: &str,
    versions: &[i64],
) -> Result<Vec<i64>, CallError> {
    let mut deleted = Vec::new();
    for chunk in versions.chunks(DELETE_BATCH) {
        let out = limit
            .call(
                client
                    .delete_launch_template_versions()
                    .launch_template_id(template_id)
                    .set_versions(Some(chunk.iter().map(i64::to_string).collect()))
                    .send(),
            )
            .await
            .map_err(|e| CallError::new("DeleteLaunchTemplateVersions", e))?;
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
                operation: "DeleteLaunchTemplateVersions",
                message: format!(
                    "could not delete version {}: {reason}",
                    failed.version_number().unwrap_or_default()
                ),
            });
        }
    }
    Ok(deleted)
}
