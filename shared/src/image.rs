//! The image as GetImage returns it (`{"image": {...}}`), with only what amiflow reads made typed.
//! Unknown fields are ignored: the service adds fields over time.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::arn::ImageBuildVersionArn;
use crate::distribution::Distribution;
use crate::error::InputError;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetImageResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub image: Image,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    pub arn: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<ImageState>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_pipeline_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_resources: Option<OutputResources>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution_configuration: Option<ImageDistributionConfiguration>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageState {
    #[serde(default)]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputResources {
    #[serde(default)]
    pub amis: Vec<Ami>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ami {
    pub region: String,
    pub image: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Absent means the image owner's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

/// The distribution configuration as embedded in an image (the resource, not a create input).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageDistributionConfiguration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub distributions: Vec<Distribution>,
}

/// An image that amiflow can act on: its ARN parsed, its AMIs with the owner filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedImage {
    pub image: Image,
    pub arn: ImageBuildVersionArn,
    pub amis: Vec<OwnedAmi>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedAmi {
    pub region: String,
    pub account_id: String,
    pub image_id: String,
}

impl Image {
    pub fn is_available(&self) -> bool {
        self.state.as_ref().is_some_and(|s| s.status == "AVAILABLE")
    }

    pub fn status(&self) -> &str {
        self.state.as_ref().map_or("UNKNOWN", |s| s.status.as_str())
    }

    pub fn resolve(self) -> Result<ResolvedImage, InputError> {
        let arn = ImageBuildVersionArn::parse_field(&self.arn, "image.arn")?;
        let amis = self
            .output_resources
            .iter()
            .flat_map(|o| o.amis.iter())
            .map(|ami| OwnedAmi {
                region: ami.region.clone(),
                account_id: ami
                    .account_id
                    .clone()
                    .unwrap_or_else(|| arn.account.clone()),
                image_id: ami.image.clone(),
            })
            .collect();
        Ok(ResolvedImage {
            image: self,
            arn,
            amis,
        })
    }
}

impl ResolvedImage {
    pub fn owner(&self) -> &str {
        &self.arn.account
    }

    /// The AMI a target in (`region`, `account`) should use: the account's own copy, else the
    /// owner's AMI in that Region (shared with the account by launch permission).
    pub fn ami_for(&self, region: &str, account: &str) -> Option<&OwnedAmi> {
        let in_region = || self.amis.iter().filter(|a| a.region == region);
        in_region()
            .find(|a| a.account_id == account)
            .or_else(|| in_region().find(|a| a.account_id == self.arn.account))
    }

    /// Regions that have any AMI, in first-seen order.
    pub fn regions(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for ami in &self.amis {
            if !out.contains(&ami.region.as_str()) {
                out.push(&ami.region);
            }
        }
        out
    }

    /// Accounts that have an AMI of their own in `region`.
    pub fn accounts_in(&self, region: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for ami in self.amis.iter().filter(|a| a.region == region) {
            if !out.contains(&ami.account_id.as_str()) {
                out.push(&ami.account_id);
            }
        }
        out
    }

    pub fn distributions(&self) -> &[Distribution] {
        self.image
            .distribution_configuration
            .as_ref()
            .map_or(&[], |d| d.distributions.as_slice())
    }
}
