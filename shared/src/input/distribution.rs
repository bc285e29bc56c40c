//! Image Builder distribution configuration, every field of the API (the CLI input documents are
//! checked against their schemas in `distribution_schema`).

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Distribution {
    pub region: String,
    pub ami_distribution_configuration: Option<AmiDistributionConfiguration>,
    pub container_distribution_configuration: Option<ContainerDistributionConfiguration>,
    #[serde(default)]
    pub license_configuration_arns: Vec<String>,
    #[serde(default)]
    pub launch_template_configurations: Vec<LaunchTemplateConfiguration>,
    pub s3_export_configuration: Option<S3ExportConfiguration>,
    #[serde(default)]
    pub fast_launch_configurations: Vec<FastLaunchConfiguration>,
    #[serde(default)]
    pub ssm_parameter_configurations: Vec<SsmParameterConfiguration>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AmiDistributionConfiguration {
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub target_account_ids: Vec<String>,
    #[serde(default)]
    pub ami_tags: BTreeMap<String, String>,
    pub kms_key_id: Option<String>,
    pub launch_permission: Option<LaunchPermissionConfiguration>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LaunchPermissionConfiguration {
    #[serde(default)]
    pub user_ids: Vec<String>,
    #[serde(default)]
    pub user_groups: Vec<String>,
    #[serde(default)]
    pub organization_arns: Vec<String>,
    #[serde(default)]
    pub organizational_unit_arns: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDistributionConfiguration {
    pub description: Option<String>,
    #[serde(default)]
    pub container_tags: Vec<String>,
    pub target_repository: TargetContainerRepository,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetContainerRepository {
    /// Only `ECR` exists today.
    pub service: String,
    pub repository_name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LaunchTemplateConfiguration {
    pub launch_template_id: String,
    /// Absent means the image owner's account.
    pub account_id: Option<String>,
    /// Absent means false (the API's default).
    pub set_default_version: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3ExportConfiguration {
    pub role_name: String,
    /// `VMDK`, `RAW` or `VHD`.
    pub disk_image_format: String,
    pub s3_bucket: String,
    pub s3_prefix: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FastLaunchConfiguration {
    pub enabled: bool,
    pub snapshot_configuration: Option<FastLaunchSnapshotConfiguration>,
    pub max_parallel_launches: Option<i64>,
    pub launch_template: Option<FastLaunchLaunchTemplateSpecification>,
    pub account_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FastLaunchSnapshotConfiguration {
    pub target_resource_count: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FastLaunchLaunchTemplateSpecification {
    pub launch_template_id: Option<String>,
    pub launch_template_name: Option<String>,
    pub launch_template_version: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SsmParameterConfiguration {
    /// Absent means the image owner's account.
    pub ami_account_id: Option<String>,
    pub parameter_name: String,
    /// `text` or `aws:ec2:image`; absent means `aws:ec2:image`.
    pub data_type: Option<String>,
}
