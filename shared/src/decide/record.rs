//! The record amiflow writes beside every value (a parameter's `Description`, a launch template
//! version's `VersionDescription`): the AMI it wrote, the build that AMI is from, and the newer
//! build a rollback left. Reading it back is how the no-regression rule knows a value's build.

use super::forbidden::Forbidden;
use crate::input::arn::ImageBuildVersionArn;

/// What amiflow recorded beside a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// `None` in records written before amiflow named the AMI (`amiflow: AMI of <build>`).
    pub ami: Option<String>,
    pub build: ImageBuildVersionArn,
    pub rolled_back_from: Option<ImageBuildVersionArn>,
}

const RECORD_PREFIX: &str = "amiflow: ";
const ROLLED_BACK_FROM: &str = "rolled back from ";

/// The record amiflow writes beside `ami` of `image`. It names the AMI, so that a record found
/// beside that same AMI explains the value with no further read. A rollback names the newer build
/// by its version alone (it is always of the same image): a `VersionDescription` holds 255
/// characters, and two full ARNs of a long image name do not fit.
pub fn write_record(
    image: &ImageBuildVersionArn,
    ami: &str,
    rolled_back_from: Option<&ImageBuildVersionArn>,
) -> String {
    match rolled_back_from {
        None => format!("{RECORD_PREFIX}{ami} of {image}"),
        Some(newer) if newer.same_image_as(image) => format!(
            "{RECORD_PREFIX}{ami} of {image}, {ROLLED_BACK_FROM}{}",
            newer.version
        ),
        Some(newer) => format!("{RECORD_PREFIX}{ami} of {image}, {ROLLED_BACK_FROM}{newer}"),
    }
}

/// How an action's detail opens when it rolls a target back: `rolled back from <newer>; `.
pub fn rollback_note(rolled_back_from: Option<&ImageBuildVersionArn>) -> String {
    rolled_back_from
        .map(|newer| format!("{ROLLED_BACK_FROM}{newer}; "))
        .unwrap_or_default()
}

/// What a description says its value came from, if amiflow (or anyone following the same
/// convention) wrote one.
pub fn read_record(description: &str) -> Option<Record> {
    let build = ImageBuildVersionArn::find_in(description)?;
    // A version of the same image; records written before amiflow shortened them hold an ARN.
    let rolled_back_from = description
        .split_once(ROLLED_BACK_FROM)
        .and_then(|(_, rest)| {
            ImageBuildVersionArn::find_in(rest).or_else(|| {
                let version = rest.split_whitespace().next()?;
                build.at_version(version.trim_end_matches(['.', ',', ';']))
            })
        });
    let ami = description
        .strip_prefix(RECORD_PREFIX)
        .and_then(|rest| rest.split_once(" of "))
        .map(|(ami, _)| ami)
        .filter(|ami| ami.starts_with("ami-"))
        .map(str::to_string);
    Some(Record {
        ami,
        build,
        rolled_back_from,
    })
}

/// Whether `description` is a record written beside `value` itself: then it says which build
/// `value` is from, and no build tag need be read.
pub fn explains(description: Option<&str>, value: &str) -> bool {
    description
        .and_then(read_record)
        .is_some_and(|r| r.explains(value))
}

impl Record {
    /// Whether this record was written beside `value`. AMI ids are never reused, so whoever
    /// wrote `value` last, the AMI is of the recorded build.
    pub fn explains(&self, value: &str) -> bool {
        self.ami.as_deref() == Some(value)
    }

    /// Why a forward write of `image` must not replace this value, if it must not.
    pub(crate) fn forbids(&self, image: &ImageBuildVersionArn) -> Option<Forbidden> {
        if let Some(from) = &self.rolled_back_from {
            if !image.is_newer_than(from) && self.build.same_image_as(image) {
                return Some(Forbidden::RolledBack {
                    to: self.build.version,
                    from: from.clone(),
                });
            }
        }
        self.build
            .is_newer_than(image)
            .then(|| Forbidden::NewerRecord {
                build: self.build.clone(),
                writing: image.version,
            })
    }

    /// The newest build this record knows of that is newer than `image`.
    pub(crate) fn newer_than(&self, image: &ImageBuildVersionArn) -> Option<ImageBuildVersionArn> {
        super::newest_above(
            [Some(self.build.clone()), self.rolled_back_from.clone()],
            image,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::tests::arn;

    #[test]
    fn a_record_round_trips() {
        let recorded = read_record(&write_record(
            &arn("3.2.1/4"),
            "ami-0123456789abcdef0",
            None,
        ))
        .unwrap();
        assert_eq!(recorded.build, arn("3.2.1/4"));
        assert_eq!(recorded.ami.as_deref(), Some("ami-0123456789abcdef0"));
        assert!(recorded.explains("ami-0123456789abcdef0"));
        assert!(!recorded.explains("ami-0fedcba9876543210"));
    }

    #[test]
    fn a_rollback_record_of_a_long_image_name_fits_a_version_description() {
        // Image Builder names are up to 128 characters; EC2 keeps 255 of a VersionDescription.
        let name = "a".repeat(120);
        let at = |build: &str| -> ImageBuildVersionArn {
            format!("arn:aws:imagebuilder:ap-southeast-2:123456789012:image/{name}/{build}")
                .parse()
                .unwrap()
        };
        let rolled = write_record(
            &at("1.1.0/1"),
            "ami-0123456789abcdef0",
            Some(&at("12.10.3/14")),
        );
        assert!(rolled.len() <= 255, "{} characters: {rolled}", rolled.len());
        let recorded = read_record(&rolled).unwrap();
        assert_eq!(recorded.build, at("1.1.0/1"));
        assert_eq!(recorded.rolled_back_from, Some(at("12.10.3/14")));
        // Records that named the newer build by its whole ARN still read the same.
        let whole = format!(
            "amiflow: AMI of {}, rolled back from {}",
            at("1.1.0/1"),
            at("12.10.3/14")
        );
        assert_eq!(
            read_record(&whole).unwrap().rolled_back_from,
            Some(at("12.10.3/14"))
        );
    }

    #[test]
    fn a_record_from_before_amiflow_named_the_ami_explains_no_value() {
        let old =
            "amiflow: AMI of arn:aws:imagebuilder:us-east-1:123456789012:image/golden/1.0.0/2";
        let recorded = read_record(old).unwrap();
        assert_eq!((recorded.ami, recorded.build), (None, arn("1.0.0/2")));
        // Nor does another tool's text that happens to hold an ARN.
        let foreign =
            "deployed ami-1 of arn:aws:imagebuilder:us-east-1:123456789012:image/golden/1.0.0/2";
        assert_eq!(read_record(foreign).and_then(|r| r.ami), None);
    }
}
