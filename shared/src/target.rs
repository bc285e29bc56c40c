//! What the planner plans: targets, each placed in one (Region, account), and DistributeImage
//! calls. The planner (`plan.rs`) makes them; the functions' executors apply them.

use std::collections::BTreeMap;

use crate::policy::TagFilter;
use crate::report::{Action, ActionKind, Outcome};

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
    /// Why SSM would refuse `name` here (its rules, `parameter_name`): such a target fails alone,
    /// with no call.
    pub name_problem: Option<String>,
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
