//! The image as GetImage returns it (`{"image": {...}}`), with only what amiflow reads made typed.
//! Unknown fields are ignored: the service adds fields over time.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::arn::ImageBuildVersionArn;
use super::distribution::Distribution;
use super::ignore::IgnoreReason;
use crate::error::InputError;
use crate::plan::target::NoAmi;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetImageResponse {
    pub request_id: Option<String>,
    pub image: Image,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    pub arn: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
    /// `AMI` or `DOCKER` (a container image, with containers instead of AMIs).
    #[serde(rename = "type")]
    pub image_type: Option<String>,
    pub state: Option<ImageState>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub source_pipeline_arn: Option<String>,
    pub date_created: Option<String>,
    pub output_resources: Option<OutputResources>,
    pub distribution_configuration: Option<ImageDistributionConfiguration>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageState {
    #[serde(default)]
    pub status: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputResources {
    #[serde(default)]
    pub amis: Vec<Ami>,
    #[serde(default)]
    pub containers: Vec<Container>,
}

/// A container image's output: where its images were pushed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    pub region: Option<String>,
    #[serde(default)]
    pub image_uris: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ami {
    pub region: String,
    pub image: String,
    pub name: Option<String>,
    pub description: Option<String>,
    /// Absent means the image owner's account.
    pub account_id: Option<String>,
    /// The AMI's own state; only an `AVAILABLE` AMI is used (absent is taken as available).
    pub state: Option<ImageState>,
}

/// The distribution configuration as embedded in an image (the resource, not a create input).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageDistributionConfiguration {
    pub arn: Option<String>,
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
    pub state: Option<ImageState>,
}

impl OwnedAmi {
    /// Why this AMI is not used as a target's value: its state is not `AVAILABLE`.
    pub fn unavailable(&self) -> Option<NoAmi> {
        let state = self.state.as_ref().filter(|s| s.status != "AVAILABLE")?;
        Some(NoAmi::Unavailable {
            ami: self.image_id.clone(),
            account: self.account_id.clone(),
            region: self.region.clone(),
            status: state.status.clone(),
            reason: state.reason.clone(),
        })
    }
}

impl Image {
    pub fn is_available(&self) -> bool {
        self.state.as_ref().is_some_and(|s| s.status == "AVAILABLE")
    }

    pub fn status(&self) -> &str {
        self.state.as_ref().map_or("UNKNOWN", |s| s.status.as_str())
    }

    /// Why amiflow leaves this image alone: it is not AVAILABLE, or it is a container image
    /// (`type: DOCKER`, or containers and no AMIs in its output), with no AMI to put anywhere.
    pub fn ignore_reason(&self) -> Option<IgnoreReason> {
        if !self.is_available() {
            return Some(IgnoreReason::ImageState {
                image: self.arn.clone(),
                status: self.status().to_string(),
            });
        }
        let (amis, containers) = self
            .output_resources
            .as_ref()
            .map_or((0, 0), |o| (o.amis.len(), o.containers.len()));
        let container = match self.image_type.as_deref() {
            Some(kind) => kind == "DOCKER",
            None => amis == 0 && containers > 0,
        };
        container.then(|| IgnoreReason::Container {
            image: self.arn.clone(),
            image_type: self.image_type.clone(),
            containers,
        })
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
                state: ami.state.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn image(value: serde_json::Value) -> Image {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn container_images_are_told_by_type_or_by_their_outputs() {
        let arn = "arn:aws:imagebuilder:us-east-1:123456789012:image/app/1.0.0/1";
        let available = json!({"status": "AVAILABLE"});
        let docker = image(
            json!({"arn": arn, "type": "DOCKER", "state": available, "outputResources": {
            "containers": [{"region": "us-east-1", "imageUris": ["123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.0.0-1"]}]}}),
        );
        let reason = docker.ignore_reason().unwrap();
        assert_eq!(
            reason,
            IgnoreReason::Container {
                image: arn.into(),
                image_type: Some("DOCKER".into()),
                containers: 1
            }
        );
        assert!(reason
            .to_string()
            .contains("container image (type DOCKER, 1 container outputs"));
        let untyped = image(
            json!({"arn": arn, "state": available, "outputResources": {"containers": [{"imageUris": []}]}}),
        );
        assert!(untyped.ignore_reason().is_some());
        let ami = image(
            json!({"arn": arn, "type": "AMI", "state": available, "outputResources": {"amis": [{"region": "us-east-1", "image": "ami-1"}]}}),
        );
        assert_eq!(ami.ignore_reason(), None);
        assert_eq!(
            image(json!({"arn": arn, "state": {"status": "DEPRECATED"}})).ignore_reason(),
            Some(IgnoreReason::ImageState {
                image: arn.into(),
                status: "DEPRECATED".into()
            })
        );
    }

    #[test]
    fn an_ami_is_used_only_when_available_or_its_state_is_not_given() {
        let arn = "arn:aws:imagebuilder:us-east-1:123456789012:image/x/1.0.0/1";
        let resolved = image(json!({"arn": arn, "outputResources": {"amis": [
            {"region": "us-east-1", "image": "ami-1", "state": {"status": "AVAILABLE"}},
            {"region": "eu-west-1", "image": "ami-2"},
            {"region": "us-west-2", "image": "ami-3", "state": {"status": "FAILED", "reason": "copy failed"}}
        ]}}))
        .resolve()
        .unwrap();
        assert_eq!(resolved.amis[0].unavailable(), None);
        assert_eq!(resolved.amis[1].unavailable(), None);
        assert_eq!(
            resolved.amis[2].unavailable().map(|r| r.to_string()).as_deref(),
            Some("the AMI ami-3 of account 123456789012 in us-west-2 is FAILED (copy failed), not AVAILABLE; it is not used")
        );
    }
}
