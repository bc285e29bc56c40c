//! Pure planning: (policy, image, own account) in, the targets of each function out.
//! No I/O: every rule of the README's "The policy" and "What each function does, exactly" that
//! can be decided from the inputs lives here.

use std::collections::BTreeMap;

use crate::distribution::Distribution;
use crate::image::ResolvedImage;
use crate::parameter_name::parameter_name_problem;
use crate::placeholder;
use crate::policy::Policy;
use crate::token::client_token;
use crate::unique::unique_by;
use crate::SOURCE_IMAGE_TAG;

pub use crate::target::{
    DistributeCall, Origin, ParameterTarget, Placed, Placement, TemplateSelector, TemplateTarget,
};

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
            Some(ami) => match ami.unavailable() {
                None => Ok(ami.image_id.clone()),
                Some(reason) => Err(format!("{reason}; it is not used")),
            },
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
    /// A named Region with no AMI at all still gets a target (the owner's, failing and naming it),
    /// so every target the policy names is in the report.
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
                    let found = self.image.accounts_in(&region);
                    if found.is_empty() {
                        account_list.push(self.image.owner().to_string());
                    }
                    account_list.extend(found.into_iter().map(String::from));
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
    /// The name is the image build version ARN's name segment (`Golden AL2023` is
    /// `golden-al2023`), which is a valid SSM name part for every name Image Builder allows.
    pub fn render(&self, template: &str) -> String {
        let arn = &self.image.arn;
        placeholder::render(template, |name| match name {
            "imagebuilder:name" => Some(arn.name.clone()),
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

    /// A parameter target, with why SSM would refuse its name there (a rendered name can still
    /// break SSM's rules, and the length limit counts the parameter's ARN).
    fn parameter(
        &self,
        placement: Placement,
        name: &str,
        data_type: Option<&str>,
        origin: Origin,
    ) -> ParameterTarget {
        let name_problem = parameter_name_problem(
            name,
            &self.image.arn.partition,
            &placement.region,
            &placement.account_id,
        );
        ParameterTarget {
            placement,
            name: name.to_string(),
            name_problem,
            data_type: data_type.unwrap_or(DEFAULT_DATA_TYPE).to_string(),
            origin,
        }
    }

    pub fn parameters(&self) -> Vec<ParameterTarget> {
        let mut out: Vec<ParameterTarget> = Vec::new();
        let image = &self.image.image;
        for rule in self.policy.matching(image) {
            for param in &rule.ssm_parameters {
                let name = self.render(&param.name);
                for placement in self.expand(param.regions.as_deref(), param.accounts.as_deref()) {
                    out.push(self.parameter(
                        placement,
                        &name,
                        param.data_type.as_deref(),
                        Origin::Rule(rule.name.clone()),
                    ));
                }
            }
        }
        for dist in self.own_distributions() {
            for conf in &dist.ssm_parameter_configurations {
                let account = conf.ami_account_id.as_deref().unwrap_or(self.image.owner());
                out.push(self.parameter(
                    self.place(&dist.region, account),
                    &conf.parameter_name,
                    conf.data_type.as_deref(),
                    Origin::DistributionSettings,
                ));
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
                    // Every request field is in the token: a policy edit between Lambda's retries
                    // is a new request, not an IdempotentParameterMismatch.
                    client_token(&[
                        event_id,
                        &entry.distribution_configuration_arn,
                        &entry.execution_role,
                        &serde_json::to_string(&entry.tags).unwrap_or_default(),
                    ]),
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
