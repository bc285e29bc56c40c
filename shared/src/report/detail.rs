//! Why an action ended as it did: one typed reason per action, shown as the report's `detail`.
//! Each function's own reasons live beside this file; the failures every function shares live here.

use std::fmt;

use super::action::Outcome;
use super::distribute::DistributeDetail;
use super::parameter::ParameterDetail;
use super::refresh::RefreshDetail;
use super::shorten;
use super::template::TemplateDetail;
use crate::plan::target::NoAmi;

/// An action's reason. Its outcome follows from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// A failure any function can meet.
    Failed(Failure),
    Parameter(ParameterDetail),
    Template(TemplateDetail),
    Distribute(DistributeDetail),
    Refresh(RefreshDetail),
}

impl Detail {
    pub fn outcome(&self) -> Outcome {
        match self {
            Detail::Failed(_) => Outcome::Failed,
            Detail::Parameter(d) => d.outcome(),
            Detail::Template(d) => d.outcome(),
            Detail::Distribute(d) => d.outcome(),
            Detail::Refresh(d) => d.outcome(),
        }
    }
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Detail::Failed(d) => d.fmt(f),
            Detail::Parameter(d) => d.fmt(f),
            Detail::Template(d) => d.fmt(f),
            Detail::Distribute(d) => d.fmt(f),
            Detail::Refresh(d) => d.fmt(f),
        }
    }
}

macro_rules! into_detail {
    ($($variant:ident($reason:ty)),*) => {$(
        impl From<$reason> for Detail {
            fn from(reason: $reason) -> Self {
                Detail::$variant(reason)
            }
        }
    )*};
}
into_detail!(
    Failed(Failure),
    Parameter(ParameterDetail),
    Template(TemplateDetail),
    Distribute(DistributeDetail),
    Refresh(RefreshDetail)
);

impl From<NoAmi> for Detail {
    fn from(reason: NoAmi) -> Self {
        Detail::Failed(Failure::NoAmi(reason))
    }
}

impl From<Unreachable> for Detail {
    fn from(reason: Unreachable) -> Self {
        Detail::Failed(Failure::Unreachable(reason))
    }
}

/// A failure any function can meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The target's (Region, account) has no AMI to hold.
    NoAmi(NoAmi),
    /// No credentials for the target's account.
    Unreachable(Unreachable),
    /// Too little of the invocation is left to start the target.
    Deadline { margin_secs: u64 },
    /// A read that every target of a (Region, account) waits on failed.
    Read { what: Read, error: CallFailure },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::NoAmi(reason) => reason.fmt(f),
            Failure::Unreachable(reason) => reason.fmt(f),
            Failure::Deadline { margin_secs } => write!(
                f,
                "not attempted: deadline (less than {margin_secs} s of the invocation left, and a target may \
                 take that long); the retry picks it up"
            ),
            Failure::Read { what, error } => write!(f, "{what}: {error}"),
        }
    }
}

/// The reads a whole (Region, account) waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    ParameterDescriptions,
    ParameterValues,
    ParameterBuildTags,
    TemplateBuildTags,
    TemplateVersions,
    Templates,
    Groups,
    Refreshes,
}

impl Read {
    /// This read failed with `error`: every target that waited on it fails so.
    pub fn failed(self, error: CallFailure) -> Failure {
        Failure::Read { what: self, error }
    }
}

impl fmt::Display for Read {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Read::ParameterDescriptions => "cannot describe parameters",
            Read::ParameterValues => "cannot read parameters",
            Read::ParameterBuildTags => {
                "cannot read the build tags of the AMIs the parameters hold"
            }
            Read::TemplateBuildTags => "cannot read the build tags of the templates' AMIs",
            Read::TemplateVersions => "cannot describe launch template versions",
            Read::Templates => "cannot describe launch templates",
            Read::Groups => "cannot describe Auto Scaling groups",
            Read::Refreshes => "cannot describe instance refreshes",
        })
    }
}

/// An AWS call that failed, named by its operation, with the service's own words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation} failed: {message}")]
pub struct CallFailure {
    pub operation: &'static str,
    /// The service's error code, where it gave one.
    pub code: Option<String>,
    pub message: String,
}

impl CallFailure {
    /// The service's words, cut to `MESSAGE_CHARS`: an SDK error's full context can carry a whole
    /// response body, which a report repeats for every target.
    pub fn new(operation: &'static str, code: Option<&str>, message: &str) -> Self {
        const MESSAGE_CHARS: usize = 500;
        Self {
            operation,
            code: code.map(str::to_string),
            message: shorten(message, MESSAGE_CHARS),
        }
    }

    /// A call that answered without what it must return.
    pub fn incomplete(operation: &'static str, missing: &str) -> Self {
        Self {
            operation,
            code: None,
            message: format!("the answer has no {missing}"),
        }
    }
}

/// Why no credentials can be had for an account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreachable {
    #[error(
        "account {account} is not this function's own account, and AMIFLOW_CROSS_ACCOUNT_ROLE is not set: \
         set it to the role name deployed by target-account-role.yaml in {account}"
    )]
    NoCrossAccountRole { account: String },
    /// STS refused: the role does not exist (yet), does not trust this function, or the home
    /// stack's bounds leave the account out. Remembered for a minute.
    #[error(
        "cannot assume {role_arn} in account {account}: {message}. The home stack's TargetAccountIds \
         and OrganizationId parameters bound the accounts amiflow may assume a role in (add {account}, \
         or its organization), and the role must be deployed in {account} by target-account-role.yaml \
         with this function's role among its TrustedRoleArns (a new account's role may not be deployed \
         yet: the next reconcile tries again)"
    )]
    Refused {
        account: String,
        role_arn: String,
        message: String,
    },
    /// Throttling, a server error, a timeout or a dropped connection: not a refusal, and not
    /// remembered; the next attempt asks again.
    #[error(
        "cannot assume {role_arn} in account {account} now: {message}. This is no refusal (throttling, \
         a server error or a timeout): the retry asks STS again"
    )]
    Transient {
        account: String,
        role_arn: String,
        message: String,
    },
}
