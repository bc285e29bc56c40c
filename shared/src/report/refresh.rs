//! Why an Auto Scaling group ended as it did (refresh-instances).

use std::fmt;

use super::action::Outcome;
use super::detail::CallFailure;
use crate::decide::tags::{MANAGED_TAG, REFRESH_TAG};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshDetail {
    /// An instance refresh to the template's default version was started.
    Started {
        id: String,
        template: String,
        version: i64,
        replacing: usize,
    },
    /// A dry run's refresh.
    WouldStart {
        template: String,
        version: i64,
        replacing: usize,
    },
    /// Every instance already runs the default version.
    OnVersion {
        template: String,
        version: i64,
    },
    /// A refresh is active; the next run starts one once it has ended, if still needed.
    InProgress {
        id: String,
        status: String,
    },
    /// The last refresh to this very version failed, was cancelled or rolled back: not retried.
    EndedBefore {
        id: String,
        status: String,
        reason: Option<String>,
        template: String,
        version: i64,
    },
    /// The group's launch template is not one amiflow keeps.
    NotKept {
        template: String,
    },
    /// The group runs no launch template (a launch configuration).
    NoTemplate,
    /// A preference tag of the group does not hold a valid value.
    BadTag {
        tag: String,
        problem: String,
    },
    StartFailed(CallFailure),
}

impl RefreshDetail {
    pub fn outcome(&self) -> Outcome {
        match self {
            // Left alone: a refresh is running, ended, or the group is not amiflow's to roll.
            RefreshDetail::InProgress { .. }
            | RefreshDetail::EndedBefore { .. }
            | RefreshDetail::NotKept { .. }
            | RefreshDetail::NoTemplate => Outcome::Skipped,
            RefreshDetail::BadTag { .. } | RefreshDetail::StartFailed(_) => Outcome::Failed,
            RefreshDetail::Started { .. } => Outcome::Created,
            RefreshDetail::WouldStart { .. } => Outcome::Planned,
            RefreshDetail::OnVersion { .. } => Outcome::Unchanged,
        }
    }
}

impl fmt::Display for RefreshDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefreshDetail::Started {
                id,
                template,
                version,
                replacing,
            } => write!(
                f,
                "started instance refresh {id}: {replacing} instances not on version {version} of {template} \
                 are replaced (SkipMatching)"
            ),
            RefreshDetail::WouldStart {
                template,
                version,
                replacing,
            } => write!(
                f,
                "would start an instance refresh: {replacing} instances not on version {version} of {template}"
            ),
            RefreshDetail::OnVersion { template, version } => write!(
                f,
                "every instance runs version {version} of {template}, its default"
            ),
            RefreshDetail::InProgress { id, status } => write!(
                f,
                "refresh {id} in progress ({status}); the next run starts one once it has ended, if still needed"
            ),
            RefreshDetail::EndedBefore {
                id,
                status,
                reason,
                template,
                version,
            } => {
                let reason = reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
                write!(
                    f,
                    "refresh {id} to version {version} of {template} ended {status}{reason}; not retried on \
                     its own for this version: fix the cause, then start a refresh by hand or publish a new version"
                )
            }
            RefreshDetail::NotKept { template } => {
                let (key, value) = MANAGED_TAG;
                write!(
                    f,
                    "its launch template {template} is not one amiflow keeps (named by the policy's \
                     launchTemplates and tagged {key}={value}); untag {REFRESH_TAG} or keep the template"
                )
            }
            RefreshDetail::NoTemplate => write!(
                f,
                "runs no launch template (a launch configuration): amiflow refreshes only groups on a \
                 launch template it keeps"
            ),
            RefreshDetail::BadTag { tag, problem } => {
                write!(f, "tag {tag}: {problem}; no refresh started")
            }
            RefreshDetail::StartFailed(error) => error.fmt(f),
        }
    }
}
