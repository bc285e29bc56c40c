//! Image Builder distribution configuration, every field of the API (the CLI input documents are
//! checked against their schemas in `distribution_schema`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Distribution {
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ami_distribution_configuration: Option<AmiDistributionConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_distribution_configuration: Option<ContainerDistributionConfiguration>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub license_configuration_arns: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub launch_template_configurations: Vec<LaunchTemplateConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_export_configuration: Option<S3ExportConfiguration>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fast_launch_configurations: Vec<FastLaunchConfiguration>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ssm_parameter_configurations: Vec<SsmParameterConfiguration>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AmiDistributionConfiguration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_account_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ami_tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_permission: Option<LaunchPermissionConfiguration>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LaunchPermissionConfiguration {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organization_arns: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organizational_unit_arns: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDistributionConfiguration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub container_tags: Vec<String>,
    pub target_repository: TargetContainerRepository,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetContainerRepository {
    /// Only `ECR` exists today.
    pub service: String,
    pub repository_name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LaunchTemplateConfiguration {
    pub launch_template_id: String,
    /// Absent means the image owner's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Absent means false (the API's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_default_version: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3ExportConfiguration {
    pub role_name: String,
    /// `VMDK`, `RAW` or `VHD`.
    pub disk_image_format: String,
    pub s3_bucket: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_prefix: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FastLaunchConfiguration {
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_configuration: Option<FastLaunchSnapshotConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_parallel_launches: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_template: Option<FastLaunchLaunchTemplateSpecification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FastLaunchSnapshotConfiguration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_resource_count: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FastLaunchLaunchTemplateSpecification {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_template_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_template_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_template_version: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SsmParameterConfiguration {
    /// Absent means the image owner's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ami_account_id: Option<String>,
    pub parameter_name: String,
    /// `text` or `aws:ec2:image`; absent means `aws:ec2:image`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
}
