//! Why the no-regression rule keeps a target's value: it is of a newer build of the same image,
//! or a sanctioned rollback holds it.

use std::fmt;

use crate::input::arn::{BuildVersion, ImageBuildVersionArn};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forbidden {
    /// amiflow's record says the value is of a newer build than the one being written.
    NewerRecord {
        build: ImageBuildVersionArn,
        writing: BuildVersion,
    },
    /// A rollback to `to` from `from` holds until a build newer than `from`.
    RolledBack {
        to: BuildVersion,
        from: ImageBuildVersionArn,
    },
    /// The value's AMI carries the `Ec2ImageBuilderArn` tag of a newer build, whoever wrote it.
    NewerTag {
        value: String,
        built: ImageBuildVersionArn,
        writing: BuildVersion,
    },
}

impl fmt::Display for Forbidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Forbidden::NewerRecord { build, writing } => {
                write!(f, "from a newer build ({build}); not moving it back to {writing}")
            }
            Forbidden::RolledBack { to, from } => write!(
                f,
                "rolled back to {to} from {from}; only a build newer than {} moves it forward",
                from.version
            ),
            Forbidden::NewerTag {
                value,
                built,
                writing,
            } => write!(
                f,
                "holds {value}, an AMI of a newer build ({built}, by its Ec2ImageBuilderArn tag); not moving it back to {writing}"
            ),
        }
    }
}
