//! What the planner plans: targets, each placed in one (Region, account) and planned for one image
//! build, and DistributeImage calls. The planner (`plan/mod.rs`) makes them; executors apply them.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::decide::Intent;
use crate::input::arn::ImageBuildVersionArn;
use crate::plan::Planner;
use crate::policy::TagFilter;

/// Where a target came from, for the report and the logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Rule(String),
    DistributionSettings,
    /// A direct DistributeImage request.
    DirectRequest,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Rule(name) => write!(f, "rule {name:?}"),
            Origin::DistributionSettings => f.write_str("the image's distribution settings"),
            Origin::DirectRequest => f.write_str("rule \"direct request\""),
        }
    }
}

/// The image build a target is planned for: what it writes, whether that is a sanctioned
/// rollback, and what its client tokens are derived from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    pub arn: ImageBuildVersionArn,
    pub intent: Intent,
    /// The event id, or the request's own name: the same seed always gives the same tokens.
    pub token_seed: String,
}

/// Why a (Region, account) has no AMI to hold: such a target fails, named in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoAmi {
    /// The AMI there is not AVAILABLE (its copy failed, or it is still pending).
    Unavailable {
        ami: String,
        account: String,
        region: String,
        status: String,
        reason: Option<String>,
    },
    /// The image has no AMIs at all.
    NoAmis,
    /// The image has no AMI in the Region.
    NotInRegion {
        region: String,
        regions: Vec<String>,
    },
    /// An organizational unit or root of the policy that resolves to no account.
    Unit { id: String, why: String },
}

impl fmt::Display for NoAmi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoAmi::Unavailable {
                ami,
                account,
                region,
                status,
                reason,
            } => {
                let reason = reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                write!(
                    f,
                    "the AMI {ami} of account {account} in {region} is {status}{reason}, not AVAILABLE; it is not used"
                )
            }
            NoAmi::NoAmis => f.write_str("the image has no AMIs (outputResources.amis is empty)"),
            NoAmi::NotInRegion { region, regions } => write!(
                f,
                "the image has no AMI in {region} (it has AMIs in {})",
                regions.join(", ")
            ),
            NoAmi::Unit { id, why } => write!(f, "{id} names no account to write in: {why}"),
        }
    }
}

/// A (Region, account) pair with the AMI it should use, or why it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub region: String,
    /// The account; for a target that failed to resolve an organizational unit, the unit's id.
    pub account_id: String,
    pub ami: Result<String, NoAmi>,
    /// True when the account is not the function's own: reaching it needs the cross-account role.
    pub cross_account: bool,
}

/// A target that lives in one (Region, account) and is planned for one build.
pub trait Placed: Sized {
    fn placement(&self) -> &Placement;
    fn build(&self) -> &Build;
    /// How a report names the target as planned, before anything is looked up.
    fn planned_name(&self) -> String;
    /// Every target of this kind the policy plans for one build.
    fn planned(planner: &Planner<'_>) -> Vec<Self>;
}

macro_rules! placed {
    ($($target:ty => $name:expr, $plan:expr);*) => {$(
        impl Placed for $target {
            fn placement(&self) -> &Placement {
                &self.placement
            }
            fn build(&self) -> &Build {
                &self.build
            }
            fn planned_name(&self) -> String {
                $name(self)
            }
            fn planned(planner: &Planner<'_>) -> Vec<Self> {
                $plan(planner)
            }
        }
    )*};
}
placed!(
    ParameterTarget => |t: &ParameterTarget| t.name.clone(), Planner::parameters;
    TemplateTarget => |t: &TemplateTarget| t.selector.to_string(), Planner::launch_templates
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterTarget {
    pub placement: Placement,
    pub build: Arc<Build>,
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

impl fmt::Display for TemplateSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
    pub build: Arc<Build>,
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
