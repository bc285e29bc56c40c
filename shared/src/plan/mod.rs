//! Pure planning: (policy, image, own account, scope, organization) in, the targets of each
//! function out. No I/O: every expansion rule of the policy (docs/policy.md) lives here.

pub mod distribute;
pub mod newest;
pub mod organization;
pub mod scope;
pub mod target;
pub mod token;
pub mod unique;

use std::hash::Hash;
use std::sync::Arc;

use crate::input::distribution::Distribution;
use crate::input::ignore::IgnoreReason;
use crate::input::image::ResolvedImage;
use crate::policy::accounts::Accounts;
use crate::policy::parameter_name::parameter_name_problem;
use crate::policy::{placeholder, Policy, Rule};
use distribute::{distribute_call, loop_guard};
use organization::Organization;
use scope::Scope;
use target::{
    Build, DistributeCall, NoAmi, Origin, ParameterTarget, Placed, Placement, TemplateSelector,
    TemplateTarget,
};
use token::client_token;
use unique::unique_by;

/// Plans one image build's targets for one invocation.
pub struct Planner<'a> {
    pub policy: &'a Policy,
    pub image: &'a ResolvedImage,
    pub own_account: &'a str,
    pub build: Arc<Build>,
    /// The rules and accounts the request covers.
    pub scope: &'a Scope,
    /// The accounts under the organizational units the policy names.
    pub organization: &'a Organization,
}

const DEFAULT_DATA_TYPE: &str = "aws:ec2:image";

static EVERYTHING: Scope = Scope {
    rules: None,
    accounts: None,
};
static NO_ORGANIZATION: std::sync::LazyLock<Organization> =
    std::sync::LazyLock::new(Organization::default);

impl<'a> Planner<'a> {
    /// What an event for `build` plans: every rule and account, with no unit read.
    pub fn everything(
        policy: &'a Policy,
        image: &'a ResolvedImage,
        own_account: &'a str,
        build: Build,
    ) -> Self {
        Self {
            policy,
            image,
            own_account,
            build: Arc::new(build),
            scope: &EVERYTHING,
            organization: &NO_ORGANIZATION,
        }
    }

    /// The rules this plan applies: those matching the image, within the scope.
    fn rules(&self) -> impl Iterator<Item = &'a Rule> + '_ {
        let scope = self.scope;
        self.policy
            .matching(&self.image.image)
            .filter(move |rule| scope.covers_rule(&rule.name))
    }

    fn place(&self, region: &str, account: &str) -> Placement {
        let ami = match self.image.ami_for(region, account) {
            Some(ami) => match ami.unavailable() {
                None => Ok(ami.image_id.clone()),
                Some(reason) => Err(reason),
            },
            None if self.image.regions().is_empty() => Err(NoAmi::NoAmis),
            None => Err(NoAmi::NotInRegion {
                region: region.to_string(),
                regions: self.image.regions().iter().map(|r| r.to_string()).collect(),
            }),
        };
        Placement {
            region: region.to_string(),
            account_id: account.to_string(),
            ami,
            cross_account: account != self.own_account,
        }
    }

    /// A target in an organizational unit that resolved to no account: it fails, naming the unit.
    fn unresolved(&self, region: &str, unit: &str, why: String) -> Placement {
        Placement {
            region: region.to_string(),
            account_id: unit.to_string(),
            ami: Err(NoAmi::Unit {
                id: unit.to_string(),
                why,
            }),
            cross_account: true,
        }
    }

    /// Expands `regions` and `accounts`: `*` Regions are those with an AMI; `*` accounts are those
    /// with an AMI of their own in that Region; a unit is every account under it; the default
    /// account is the owner. A named Region with no AMI at all still gets a target (the owner's,
    /// failing and naming it), so every target the policy names is in the report.
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
            for entry in accounts {
                match Accounts::of(entry) {
                    Accounts::WithAmi => {
                        let found = self.image.accounts_in(&region);
                        if found.is_empty() {
                            account_list.push(self.image.owner().to_string());
                        }
                        account_list.extend(found.into_iter().map(String::from));
                    }
                    Accounts::One(account) => account_list.push(account.to_string()),
                    Accounts::Under(unit) => match self.organization.accounts(unit) {
                        Ok(found) => account_list.extend(found.iter().cloned()),
                        Err(why) => out.push(self.unresolved(&region, unit, why)),
                    },
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

    /// Whether the request's scope covers a target at `placement`.
    fn covers(&self, placement: &Placement) -> bool {
        self.scope.covers_account(&placement.account_id)
    }

    /// The targets this invocation's scope covers, each once: one named by several rules (or by
    /// a rule and the distribution settings) is one target, and the first one wins.
    fn covered_once<T: Placed, K: Eq + Hash>(
        &self,
        mut out: Vec<T>,
        name: impl Fn(&T) -> K,
    ) -> Vec<T> {
        out.retain(|t| self.covers(t.placement()));
        unique_by(out, |t| {
            let placement = t.placement();
            (
                placement.region.clone(),
                placement.account_id.clone(),
                name(t),
            )
        })
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
        if self.policy.follow_distribution_settings && self.scope.covers_distribution_settings() {
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
            build: self.build.clone(),
            name: name.to_string(),
            name_problem,
            data_type: data_type.unwrap_or(DEFAULT_DATA_TYPE).to_string(),
            origin,
        }
    }

    pub fn parameters(&self) -> Vec<ParameterTarget> {
        let mut out: Vec<ParameterTarget> = Vec::new();
        for rule in self.rules() {
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
        self.covered_once(out, |t| t.name.clone())
    }

    pub fn launch_templates(&self) -> Vec<TemplateTarget> {
        let mut out: Vec<TemplateTarget> = Vec::new();
        let target =
            |placement, selector, set_default_version, keep_versions, origin| TemplateTarget {
                placement,
                build: self.build.clone(),
                selector,
                set_default_version,
                keep_versions,
                origin,
            };
        for rule in self.rules() {
            for lt in &rule.launch_templates {
                let origin = Origin::Rule(rule.name.clone());
                let set_default_version = lt.set_default_version.unwrap_or(true);
                let at = |placement, selector| {
                    let keep = lt.keep_versions;
                    target(
                        placement,
                        selector,
                        set_default_version,
                        keep,
                        origin.clone(),
                    )
                };
                // A template named by id or name lives in one place; a tag is looked for in each.
                let region = lt.region.as_deref().unwrap_or_default();
                let account = lt.account_id.as_deref().unwrap_or(self.image.owner());
                if let Some(id) = &lt.launch_template_id {
                    let selector = TemplateSelector::Id(id.clone());
                    out.push(at(self.place(region, account), selector));
                } else if let Some(name) = &lt.launch_template_name {
                    let selector = TemplateSelector::Name(name.clone());
                    out.push(at(self.place(region, account), selector));
                } else if let Some(tag) = &lt.tag {
                    for placement in self.expand(lt.regions.as_deref(), lt.accounts.as_deref()) {
                        out.push(at(placement, TemplateSelector::Tag(tag.clone())));
                    }
                }
            }
        }
        for dist in self.own_distributions() {
            for conf in &dist.launch_template_configurations {
                let account = conf.account_id.as_deref().unwrap_or(self.image.owner());
                out.push(target(
                    self.place(&dist.region, account),
                    TemplateSelector::Id(conf.launch_template_id.clone()),
                    conf.set_default_version.unwrap_or(false),
                    None,
                    Origin::DistributionSettings,
                ));
            }
        }
        self.covered_once(out, |t| t.selector.clone())
    }

    /// DistributeImage calls for the policy's `distribute` entries, or why the image is left alone.
    pub fn distributions(&self) -> Result<Vec<DistributeCall>, IgnoreReason> {
        if let Some(reason) = loop_guard(&self.image.image.tags) {
            return Err(reason);
        }
        let source = self.image.arn.to_string();
        let mut out = Vec::new();
        for rule in self.rules() {
            for entry in &rule.distribute {
                let tags = serde_json::to_string(&entry.tags).unwrap_or_default();
                out.push(distribute_call(
                    &source,
                    &entry.distribution_configuration_arn,
                    &entry.execution_role,
                    &entry.tags,
                    // Every request field is in the token: a policy edit between Lambda's retries
                    // is a new request, not an IdempotentParameterMismatch.
                    client_token(&[
                        &self.build.token_seed,
                        &entry.distribution_configuration_arn,
                        &entry.execution_role,
                        &tags,
                    ]),
                    Origin::Rule(rule.name.clone()),
                ));
            }
        }
        Ok(out)
    }
}
