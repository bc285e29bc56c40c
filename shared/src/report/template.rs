//! Why a launch template target ended as it did (update-launch-templates).

use std::fmt;

use super::action::Outcome;
use super::detail::CallFailure;
use crate::decide::forbidden::Forbidden;
use crate::decide::record::rollback_note;
use crate::decide::tags::{MANAGED_TAG, VERSION_TAG};
use crate::input::arn::ImageBuildVersionArn;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateDetail {
    /// A version created from the default with the AMI; the default now, unless
    /// `setDefaultVersion` is false. `untagged`: the version tags could not be written.
    Created {
        version: i64,
        source_version: i64,
        made_default: bool,
        rolled_back_from: Option<ImageBuildVersionArn>,
        untagged: Option<CallFailure>,
    },
    /// A version an earlier attempt created, made the default.
    MadeDefault {
        version: i64,
        untagged: Option<CallFailure>,
    },
    /// The default version already uses the AMI.
    DefaultHolds {
        version: i64,
        ami: String,
    },
    /// The latest version uses the AMI, and the default stays (`setDefaultVersion` is false).
    LatestHolds {
        latest: i64,
        ami: String,
        default: i64,
    },
    /// The no-regression rule keeps the AMI of this version.
    Kept {
        version: i64,
        why: Forbidden,
    },
    /// The default version takes its AMI from an SSM parameter.
    FromSsm {
        version: i64,
        parameter: String,
    },
    /// Not tagged as amiflow's to change, but Image Builder's own distribution settings keep it.
    LeftToImageBuilder,
    /// A dry run's make-default of a version an earlier attempt created.
    WouldMakeDefault {
        version: i64,
    },
    /// A dry run's new version.
    WouldCreate {
        source_version: i64,
        make_default: bool,
        rolled_back_from: Option<ImageBuildVersionArn>,
    },
    NoSuchId {
        id: String,
        account: String,
        region: String,
    },
    NoSuchName {
        name: String,
        account: String,
        region: String,
    },
    /// The policy names it, but it is not tagged as amiflow's to change.
    Unmanaged,
    CreateFailed(CallFailure),
    /// Making a version the default failed (after creating it, where `created`).
    DefaultFailed {
        created: Option<i64>,
        error: CallFailure,
    },
    /// What was done, and then pruning old versions failed.
    PruneFailed {
        done: Box<TemplateDetail>,
        error: CallFailure,
    },
    /// What was done, and the old versions pruned (or, in a dry run, that would be).
    Pruned {
        done: Box<TemplateDetail>,
        versions: Vec<i64>,
        dry_run: bool,
    },
    /// What was done, under the template's name.
    Named {
        name: String,
        done: Box<TemplateDetail>,
    },
}

impl TemplateDetail {
    pub fn outcome(&self) -> Outcome {
        use TemplateDetail::*;
        match self {
            Created { .. } | MadeDefault { .. } => Outcome::Updated,
            DefaultHolds { .. } | LatestHolds { .. } => Outcome::Unchanged,
            Kept { .. } | FromSsm { .. } | LeftToImageBuilder => Outcome::Skipped,
            WouldMakeDefault { .. } | WouldCreate { .. } => Outcome::Planned,
            NoSuchId { .. }
            | NoSuchName { .. }
            | Unmanaged
            | CreateFailed(_)
            | DefaultFailed { .. }
            | PruneFailed { .. } => Outcome::Failed,
            Pruned { done, .. } | Named { done, .. } => done.outcome(),
        }
    }

    /// The reason beneath the name and pruning notes.
    pub fn done(&self) -> &TemplateDetail {
        match self {
            TemplateDetail::Pruned { done, .. } | TemplateDetail::Named { done, .. } => done.done(),
            other => other,
        }
    }
}

/// ` (not tagged amiflow:version=<n>: <error>; ...)`, where the version tags failed.
fn untagged_note(version: i64, untagged: &Option<CallFailure>) -> String {
    untagged
        .as_ref()
        .map(|e| {
            format!(" (not tagged {VERSION_TAG}={version}: {e}; the next run reads its versions instead)")
        })
        .unwrap_or_default()
}

fn list(versions: &[i64]) -> String {
    let shown: Vec<String> = versions.iter().map(i64::to_string).collect();
    shown.join(", ")
}

impl fmt::Display for TemplateDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use TemplateDetail::*;
        let (key, value) = MANAGED_TAG;
        match self {
            Created {
                version,
                source_version,
                made_default,
                rolled_back_from,
                untagged,
            } => {
                let note = rollback_note(rolled_back_from.as_ref());
                match made_default {
                    true => write!(
                        f,
                        "{note}version {version} from version {source_version}, now the default{}",
                        untagged_note(*version, untagged)
                    ),
                    false => write!(
                        f,
                        "{note}version {version} from version {source_version} (setDefaultVersion is false: not the default)"
                    ),
                }
            }
            MadeDefault { version, untagged } => write!(
                f,
                "made version {version} (created by an earlier attempt) the default{}",
                untagged_note(*version, untagged)
            ),
            DefaultHolds { version, ami } => {
                write!(f, "default version {version} already uses {ami}")
            }
            LatestHolds {
                latest,
                ami,
                default,
            } => write!(
                f,
                "version {latest} already uses {ami} (setDefaultVersion is false: the default stays {default})"
            ),
            Kept { version, why } => match why {
                Forbidden::NewerTag { .. } => write!(f, "default version {version}: {why}"),
                _ => write!(f, "version {version} holds an AMI {why}"),
            },
            FromSsm { version, parameter } => write!(
                f,
                "its default version {version} takes its AMI from SSM parameter {parameter} (resolve:ssm:); \
                 amiflow leaves that indirection alone: keep the parameter current instead \
                 (update-ssm-parameters does, where the policy names it)"
            ),
            LeftToImageBuilder => write!(
                f,
                "not tagged {key}={value}: Image Builder's own distribution settings update it; \
                 tag it to let amiflow keep it too"
            ),
            WouldMakeDefault { version } => write!(
                f,
                "would make version {version} (created by an earlier attempt) the default"
            ),
            WouldCreate {
                source_version,
                make_default,
                rolled_back_from,
            } => {
                let then = if *make_default {
                    " and make it the default"
                } else {
                    ""
                };
                let note = rollback_note(rolled_back_from.as_ref());
                write!(f, "{note}would create a version from version {source_version}{then}")
            }
            NoSuchId {
                id,
                account,
                region,
            } => write!(f, "no launch template {id} in {account}/{region}"),
            NoSuchName {
                name,
                account,
                region,
            } => write!(f, "no launch template named {name} in {account}/{region}"),
            Unmanaged => write!(
                f,
                "not tagged {key}={value}, which amiflow needs to change a launch template: \
                 tag it, or take it out of the policy"
            ),
            CreateFailed(error) => error.fmt(f),
            DefaultFailed { created, error } => match created {
                Some(version) => write!(f, "created version {version}, but {error}"),
                None => error.fmt(f),
            },
            PruneFailed { done, error } => write!(f, "{done}, but pruning failed: {error}"),
            Pruned {
                done,
                versions,
                dry_run,
            } => match dry_run {
                true => write!(f, "{done}; would prune versions {}", list(versions)),
                false => write!(f, "{done}; pruned versions {}", list(versions)),
            },
            Named { name, done } => write!(f, "{name} ({done})"),
        }
    }
}
