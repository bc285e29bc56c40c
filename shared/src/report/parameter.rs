//! Why an SSM parameter target ended as it did (update-ssm-parameters).

use std::fmt;

use super::action::Outcome;
use super::detail::CallFailure;
use crate::decide::forbidden::Forbidden;
use crate::decide::record::rollback_note;
use crate::input::arn::ImageBuildVersionArn;
use crate::plan::target::Origin;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterDetail {
    /// A new parameter, at this version.
    Created {
        version: i64,
    },
    /// Overwritten: its new version, the value it held, and the newer build a rollback left.
    Updated {
        version: i64,
        was: String,
        rolled_back_from: Option<ImageBuildVersionArn>,
    },
    /// Already holds the AMI: no write.
    Holds {
        ami: String,
    },
    /// Holds `value`, which the no-regression rule keeps.
    Kept {
        value: String,
        why: Forbidden,
    },
    /// A dry run's write: over `was`, or a new parameter where `was` is `None`.
    WouldWrite {
        was: Option<String>,
        rolled_back_from: Option<ImageBuildVersionArn>,
        data_type: String,
        origin: Origin,
    },
    /// SSM would refuse the rendered name here.
    InvalidName {
        problem: String,
    },
    /// Outside the only path this function may write under.
    OutsidePrefix {
        prefix: String,
    },
    /// SSM cannot change a parameter's data type.
    DataType {
        existing: String,
        wanted: String,
    },
    WriteFailed(CallFailure),
    /// Written, but SSM's asynchronous validation of the `aws:ec2:image` value did not show it
    /// within the read-back window.
    NotValidated {
        written: Box<ParameterDetail>,
        window_secs: u64,
        account: String,
        region: String,
    },
}

impl ParameterDetail {
    pub fn outcome(&self) -> Outcome {
        match self {
            ParameterDetail::Created { .. } => Outcome::Created,
            ParameterDetail::Updated { .. } => Outcome::Updated,
            ParameterDetail::Holds { .. } => Outcome::Unchanged,
            ParameterDetail::Kept { .. } => Outcome::Skipped,
            ParameterDetail::WouldWrite { .. } => Outcome::Planned,
            ParameterDetail::InvalidName { .. }
            | ParameterDetail::OutsidePrefix { .. }
            | ParameterDetail::DataType { .. }
            | ParameterDetail::WriteFailed(_)
            | ParameterDetail::NotValidated { .. } => Outcome::Failed,
        }
    }
}

impl fmt::Display for ParameterDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParameterDetail::Created { version } => write!(f, "version {version}"),
            ParameterDetail::Updated {
                version,
                was,
                rolled_back_from,
            } => {
                let note = rollback_note(rolled_back_from.as_ref());
                write!(f, "{note}version {version} (was {was})")
            }
            ParameterDetail::Holds { ami } => write!(f, "already holds {ami}"),
            ParameterDetail::Kept { value, why } => match why {
                Forbidden::NewerTag { .. } => why.fmt(f),
                _ => write!(f, "holds {value}, {why}"),
            },
            ParameterDetail::WouldWrite {
                was,
                rolled_back_from,
                data_type,
                origin,
            } => {
                let note = rollback_note(rolled_back_from.as_ref());
                let what = match was {
                    Some(was) => format!("would update from {was}"),
                    None => "would create".to_string(),
                };
                write!(f, "{note}{what} ({data_type}, {origin})")
            }
            ParameterDetail::InvalidName { problem } => f.write_str(problem),
            ParameterDetail::OutsidePrefix { prefix } => write!(
                f,
                "outside {prefix}, the only path this function may write under (AMIFLOW_PARAMETER_PATH_PREFIX, \
                 and its IAM policy): name it under {prefix}/, or widen the stack's ParameterPathPrefix"
            ),
            ParameterDetail::DataType { existing, wanted } => write!(
                f,
                "exists with data type {existing}, and SSM cannot change a parameter's data type to {wanted}: \
                 set dataType to {existing} for it in the policy, or delete the parameter"
            ),
            ParameterDetail::WriteFailed(error) => error.fmt(f),
            ParameterDetail::NotValidated {
                written,
                window_secs,
                account,
                region,
            } => write!(
                f,
                "{written}, but after {window_secs} s SSM still shows the old value: it validates an \
                 aws:ec2:image value after the write (the AMI must exist and be shared with {account} in \
                 {region}), so it is pending or was rejected; the retry confirms it or writes it again"
            ),
        }
    }
}
