//! Pure planning: (policy, image, own account) in, the targets of each function out.
//! No I/O: every rule of the README's "The policy" and "What each function does, exactly" that
//! can be decided from the inputs lives here.

use std::collections::BTreeMap;

use crate::distribution::Distribution;
use crate::image::ResolvedImage;
use crate::placeholder;
use crate::policy::{Policy, TagFilter};
use crate::report::{Action, ActionKind, Outcome};
use crate::token::client_token;
use crate::unique::unique_by;
use crate::SOURCE_IMAGE_TAG;

/// Where a target came from, for the report and the logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Rule(String),
    DistributionSettings,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Rule(name) => write!(f, "rule {name:?}"),
            Origin::DistributionSettings => f.write_str("the image's distribution settings"),
        }
    }
}

/// A (Region, account) pair with the AMI it should use, or why it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub region: String,
    pub account_id: String,
    /// `Err` names why no AMI fits: such a target fails, named in the report.
    pub ami: Result<String, String>,
    /// True when the account is not the function's own: reaching it needs the cross-account role.
    pub cross_account: bool,
}

impl Placement {
    /// The report line for a target here.
    pub fn action(
        &self,
        kind: ActionKind,
        target: impl Into<String>,
        outcome: Outcome,
        detail: impl Into<String>,
    ) -> Action {
        Action {
            kind,
            region: self.region.clone(),
            account_id: self.account_id.clone(),
            target: target.into(),
            ami: self.ami.clone().ok(),
            outcome,
            detail: detail.into(),
            product: None,
        }
    }
}

/// A target that lives in one (Region, account).
pub trait Placed {
    fn placement(&self) -> &Placement;
}

impl Placed for ParameterTarget {
    fn placement(&self) -> &Placement {
        &self.placement
    }
}

impl Placed for TemplateTarget {
    fn placement(&self) -> &Placement {
        &self.placement
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterTarget {
    pub placement: Placement,
    pub name: String,
    pub data_type: String,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TemplateSelector {
    Id(String),
    Name(String),
    /// Resolved at run time with DescribeLaunchTemplates in the placement's (Region, account).
    Tag(TagFilter),
}

impl std::fmt::Display for TemplateSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateSelector::Id(id) => f.write_str(id),
            TemplateSelector::Name(name) => write!(f, "name {name}"),
            TemplateSelector::Tag(t) => write!(f, "tag {}={}", t.key, t.value),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateTarget {
    pub placement: Placement,
    pub selector: TemplateSelector,
    pub set_default_version: bool,
    pub keep_versions: Option<u32>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributeCall {
    pub source_image: String,
    pub distribution_configuration_arn: String,
    pub execution_role: String,
    pub tags: BTreeMap<String, String>,
    pub client_token: String,
    pub origin: Origin,
}

pub struct Planner<'a> {
    pub policy: &'a Policy,
    pub image: &'a ResolvedImage,
    pub own_account: &'a str,
}

const DEFAULT_DATA_TYPE: &str = "aws:ec2:image";

impl<'a> Planner<'a> {
    pub fn new(policy: &'a Policy, image: &'a ResolvedImage, own_account: &'a str) -> Self {
        Self {
            policy,
            image,
            own_account,
        }
    }

    fn place(&self, region: &str, account: &str) -> Placement {
        let ami = match self.image.ami_for(region, account) {
            Some(ami) => Ok(ami.image_id.clone()),
            None if self.image.regions().is_empty() => {
                Err("the image has no AMIs (outputResources.amis is empty)".into())
            }
            None => Err(format!(
                "the image has no AMI in {region} (it has AMIs in {})",
                self.image.regions().join(", ")
            )),
        };
        Placement {
            region: region.to_string(),
            account_id: account.to_string(),
            ami,
            cross_account: account != self.own_account,
        }
    }

    /// Expands `regions` and `accounts` (README, "The policy"): `*` Regions are those with an AMI; `*`
    /// accounts are those with an AMI of their own in that Region; the default account is the owner.
    fn expand(&self, regions: Option<&[String]>, accounts: Option<&[String]>) -> Vec<Placement> {
        let all = ["*".to_string()];
        let regions = regions.unwrap_or(&all);
        let owner = [self.image.owner().to_string()];
        let accounts = accounts.unwrap_or(&owner);
        let mut region_list: Vec<String> = Vec::new();
        for region in regions {
            if region == "*" {
                region_list.extend(self.image.regions().into_iter().map(String::from));
            } else {
                region_list.push(region.clone());
            }
        }
        let mut out: Vec<Placement> = Vec::new();
        for region in unique_by(region_list, String::clone) {
            let mut account_list: Vec<String> = Vec::new();
            for account in accounts {
                if account == "*" {
                    account_list.extend(
                        self.image
                            .accounts_in(&region)
                            .into_iter()
                            .map(String::from),
                    );
                } else {
                    account_list.push(account.clone());
                }
            }
            out.extend(
                unique_by(account_list, String::clone)
                    .into_iter()
                    .map(|account| self.place(&region, &account)),
            );
        }
        out
    }

    /// Renders `{{imagebuilder:name}}`, `{{imagebuilder:version}}` and `{{imagebuilder:buildVersion}}`.
    pub fn render(&self, template: &str) -> String {
        let arn = &self.image.arn;
        placeholder::render(template, |name| match name {
            "imagebuilder:name" if self.image.image.name.is_empty() => Some(arn.name.clone()),
            "imagebuilder:name" => Some(self.image.image.name.clone()),
            "imagebuilder:version" => Some(arn.semantic_version()),
            "imagebuilder:buildVersion" => Some(arn.version.build.to_string()),
            _ => None, // validation rejected unknown placeholders already
        })
    }

    fn own_distributions(&self) -> &[Distribution] {
        if self.policy.follow_distribution_settings {
            self.image.distributions()
        } else {
            &[]
        }
    }

    pub fn parameters(&self) -> Vec<ParameterTarget> {
        let mut out: Vec<ParameterTarget> = Vec::new();
        let image = &self.image.image;
        for rule in self.policy.matching(image) {
            for param in &rule.ssm_parameters {
                let name = self.render(&param.name);
                for placement in self.expand(param.regions.as_deref(), param.accounts.as_deref()) {
                    out.push(ParameterTarget {
                        placement,
                        name: name.clone(),
                        data_type: param
                            .data_type
                            .clone()
                            .unwrap_or_else(|| DEFAULT_DATA_TYPE.into()),
                        origin: Origin::Rule(rule.name.clone()),
                    });
                }
            }
        }
        for dist in self.own_distributions() {
            for conf in &dist.ssm_parameter_configurations {
                let account = conf.ami_account_id.as_deref().unwrap_or(self.image.owner());
                out.push(ParameterTarget {
                    placement: self.place(&dist.region, account),
                    name: conf.parameter_name.clone(),
                    data_type: conf
                        .data_type
                        .clone()
                        .unwrap_or_else(|| DEFAULT_DATA_TYPE.into()),
                    origin: Origin::DistributionSettings,
                });
            }
        }
        // One parameter is one target, however many rules name it: the first one wins.
        unique_by(out, |t| {
            (
                t.placement.region.clone(),
                t.placement.account_id.clone(),
                t.name.clone(),
            )
        })
    }

    pub fn launch_templates(&self) -> Vec<TemplateTarget> {
        let mut out: Vec<TemplateTarget> = Vec::new();
        let image = &self.image.image;
        for rule in self.policy.matching(image) {
            for lt in &rule.launch_templates {
                let origin = Origin::Rule(rule.name.clone());
                let set_default_version = lt.set_default_version.unwrap_or(true);
                let single = |selector: TemplateSelector| {
                    let region = lt.region.as_deref().unwrap_or_default();
                    let account = lt.account_id.as_deref().unwrap_or(self.image.owner());
                    TemplateTarget {
                        placement: self.place(region, account),
                        selector,
                        set_default_version,
                        keep_versions: lt.keep_versions,
                        origin: origin.clone(),
                    }
                };
                if let Some(id) = &lt.launch_template_id {
                    out.push(single(TemplateSelector::Id(id.clone())));
                } else if let Some(name) = &lt.launch_template_name {
                    out.push(single(TemplateSelector::Name(name.clone())));
                } else if let Some(tag) = &lt.tag {
                    for placement in self.expand(lt.regions.as_deref(), lt.accounts.as_deref()) {
                        out.push(TemplateTarget {
                            placement,
                            selector: TemplateSelector::Tag(tag.clone()),
                            set_default_version,
                            keep_versions: lt.keep_versions,
                            origin: origin.clone(),
                        });
                    }
                }
            }
        }
        for dist in self.own_distributions() {
            for conf in &dist.launch_template_configurations {
                let account = conf.account_id.as_deref().unwrap_or(self.image.owner());
                out.push(TemplateTarget {
                    placement: self.place(&dist.region, account),
                    selector: TemplateSelector::Id(conf.launch_template_id.clone()),
                    set_default_version: conf.set_default_version.unwrap_or(false),
                    keep_versions: None,
                    origin: Origin::DistributionSettings,
                });
            }
        }
        unique_by(out, |t| {
            (
                t.placement.region.clone(),
                t.placement.account_id.clone(),
                t.selector.clone(),
            )
        })
    }

    /// DistributeImage calls for the policy's `distribute` entries, or why the image is left alone.
    pub fn distributions(&self, event_id: &str) -> Result<Vec<DistributeCall>, String> {
        if let Some(reason) = loop_guard(&self.image.image.tags) {
            return Err(reason);
        }
        let source = self.image.arn.to_string();
        let mut out = Vec::new();
        for rule in self.policy.matching(&self.image.image) {
            for entry in &rule.distribute {
                out.push(distribute_call(
                    &source,
                    &entry.distribution_configuration_arn,
                    &entry.execution_role,
                    &entry.tags,
                    client_token(&[event_id, &entry.distribution_configuration_arn]),
                    Origin::Rule(rule.name.clone()),
                ));
            }
        }
        Ok(out)
    }
}

/// The reason to leave an image alone when it is a product of amiflow's own DistributeImage.
fn loop_guard(tags: &BTreeMap<String, String>) -> Option<String> {
    tags.get(SOURCE_IMAGE_TAG).map(|source| {
        format!("the image carries the {SOURCE_IMAGE_TAG} tag (distributed by amiflow from {source}); not distributing it again")
    })
}

/// A DistributeImage call: the given tags plus the loop-guard tag.
pub fn distribute_call(
    source_image: &str,
    configuration: &str,
    role: &str,
    tags: &BTreeMap<String, String>,
    client_token: String,
    origin: Origin,
) -> DistributeCall {
    let mut tags = tags.clone();
    tags.insert(SOURCE_IMAGE_TAG.to_string(), source_image.to_string());
    DistributeCall {
        source_image: source_image.to_string(),
        distribution_configuration_arn: configuration.to_string(),
        execution_role: role.to_string(),
        tags,
        client_token,
        origin,
    }
}
