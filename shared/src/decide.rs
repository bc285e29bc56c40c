//! The decision every write makes (README, "What each function does, exactly"): leave a target that already holds the AMI,
//! never move one backwards to an older build, otherwise write, recording where the value came from.

use crate::arn::ImageBuildVersionArn;
pub use crate::template_decision::{
    decide_template, versions_to_prune, TemplateDecision, TemplateVersion,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Already holds the AMI: no write.
    Unchanged,
    /// Holds a value of a newer build of the same image (or one rolled back from): no write.
    Skip(String),
    /// Does not exist yet.
    Create,
    /// Holds another value that is not newer: write. A rollback names the newer build it leaves.
    Update {
        rolled_back_from: Option<ImageBuildVersionArn>,
    },
}

/// Why a build is written: an image moving its targets forward, or a sanctioned rollback to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Intent {
    #[default]
    Forward,
    Rollback,
}

/// What amiflow recorded beside a value: the AMI it wrote, the build that AMI is from, and the
/// newer build a rollback left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// `None` in records written before amiflow named the AMI (`amiflow: AMI of <build>`).
    pub ami: Option<String>,
    pub build: ImageBuildVersionArn,
    pub rolled_back_from: Option<ImageBuildVersionArn>,
}

const RECORD_PREFIX: &str = "amiflow: ";
const ROLLED_BACK_FROM: &str = "rolled back from ";

/// The provenance amiflow writes beside a value (parameter `Description`, launch template
/// `VersionDescription`); `record` reads it back. It names the AMI, so that a record found beside
/// that same AMI explains the value with no further read. A rollback names the newer build by its
/// version alone (it is always of the same image): a `VersionDescription` holds 255 characters,
/// and two full ARNs of a long image name do not fit.
pub fn provenance(
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
pub fn record(description: &str) -> Option<Record> {
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
        .and_then(record)
        .is_some_and(|r| r.explains(value))
}

impl Record {
    /// Whether this record was written beside `value`: then it says which build `value` is from,
    /// and no build tag need be read. AMI ids are never reused, so whoever wrote `value` last, the
    /// AMI is of the recorded build.
    pub fn explains(&self, value: &str) -> bool {
        self.ami.as_deref() == Some(value)
    }

    /// Why a forward write of `image` must not replace this value, if it must not.
    pub(crate) fn forbids(&self, image: &ImageBuildVersionArn) -> Option<String> {
        if let Some(from) = &self.rolled_back_from {
            if !image.is_newer_than(from) && self.build.same_image_as(image) {
                return Some(format!(
                    "rolled back to {} from {from}; only a build newer than {} moves it forward",
                    self.build.version, from.version
                ));
            }
        }
        self.build.is_newer_than(image).then(|| {
            format!(
                "from a newer build ({}); not moving it back to {}",
                self.build, image.version
            )
        })
    }

    /// The newest build this record knows of that is newer than `image`.
    pub(crate) fn newer_than(&self, image: &ImageBuildVersionArn) -> Option<ImageBuildVersionArn> {
        newest_above(
            [Some(self.build.clone()), self.rolled_back_from.clone()],
            image,
        )
    }
}

/// A target's current value and what is known of where it came from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Current<'a> {
    pub value: &'a str,
    pub description: Option<&'a str>,
    /// The build the value's AMI was made by, by its `Ec2ImageBuilderArn` tag, where known.
    pub built_from: Option<&'a ImageBuildVersionArn>,
}

/// Why the value's own AMI forbids moving it back to `image`: it is of a newer build, whoever
/// wrote it (Image Builder's distribution settings, a person, another tool).
pub(crate) fn tag_forbids(
    value: &str,
    built_from: Option<&ImageBuildVersionArn>,
    image: &ImageBuildVersionArn,
) -> Option<String> {
    let built = built_from.filter(|b| b.is_newer_than(image))?;
    Some(format!(
        "holds {value}, an AMI of a newer build ({built}, by its Ec2ImageBuilderArn tag); not moving it back to {}",
        image.version
    ))
}

/// The newest of `builds` that is newer than `image`.
pub(crate) fn newest_above(
    builds: impl IntoIterator<Item = Option<ImageBuildVersionArn>>,
    image: &ImageBuildVersionArn,
) -> Option<ImageBuildVersionArn> {
    builds
        .into_iter()
        .flatten()
        .filter(|b| b.is_newer_than(image))
        .max_by(|a, b| a.version.cmp(&b.version))
}

/// Decides what to do with a target (`None`: it does not exist yet).
pub fn decide(
    current: Option<Current<'_>>,
    ami: &str,
    image: &ImageBuildVersionArn,
    intent: Intent,
) -> Decision {
    let Some(current) = current else {
        return Decision::Create;
    };
    if current.value == ami {
        return Decision::Unchanged;
    }
    let recorded = current.description.and_then(record);
    if intent == Intent::Rollback {
        let from_record = recorded.and_then(|r| r.newer_than(image));
        return Decision::Update {
            rolled_back_from: newest_above([from_record, current.built_from.cloned()], image),
        };
    }
    if let Some(why) = recorded.and_then(|r| r.forbids(image)) {
        return Decision::Skip(format!("holds {}, {why}", current.value));
    }
    match tag_forbids(current.value, current.built_from, image) {
        Some(why) => Decision::Skip(why),
        None => Decision::Update {
            rolled_back_from: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use Intent::{Forward, Rollback};

    fn cur<'a>(value: &'a str, description: Option<&'a str>) -> Current<'a> {
        Current {
            value,
            description,
            built_from: None,
        }
    }

    fn arn(build: &str) -> ImageBuildVersionArn {
        format!("arn:aws:imagebuilder:us-east-1:123456789012:image/golden/{build}")
            .parse()
            .unwrap()
    }

    /// The decision for writing `new` (of `build`) over `value`, recorded as `description`.
    fn over(
        value: &str,
        description: Option<&str>,
        new: &str,
        build: &str,
        intent: Intent,
    ) -> Decision {
        decide(Some(cur(value, description)), new, &arn(build), intent)
    }

    const PLAIN_UPDATE: Decision = Decision::Update {
        rolled_back_from: None,
    };

    #[test]
    fn missing_is_created_same_is_unchanged() {
        assert_eq!(
            decide(None, "ami-new", &arn("1.0.0/2"), Forward),
            Decision::Create
        );
        assert_eq!(
            over("ami-new", None, "ami-new", "1.0.0/2", Forward),
            Decision::Unchanged
        );
    }

    #[test]
    fn never_moves_back_to_an_older_build() {
        let newer = provenance(&arn("1.0.0/2"), "ami-2", None);
        let decision = over("ami-2", Some(&newer), "ami-1", "1.0.0/1", Forward);
        let Decision::Skip(reason) = decision else {
            panic!("expected skip, got {decision:?}")
        };
        assert!(
            reason.contains("newer build") && reason.contains("ami-2"),
            "{reason}"
        );
        let semver_newer = provenance(&arn("1.10.0/1"), "x", None);
        assert!(matches!(
            over("x", Some(&semver_newer), "y", "1.9.0/7", Forward),
            Decision::Skip(_)
        ));
    }

    #[test]
    fn older_foreign_or_unrecorded_values_are_updated() {
        let older = provenance(&arn("1.0.0/1"), "ami-1", None);
        let other_image =
            "amiflow: AMI of arn:aws:imagebuilder:us-east-1:123456789012:image/other/9.0.0/9";
        for (value, description) in [
            ("ami-1", Some(older.as_str())),
            ("ami-9", Some(other_image)),
            ("ami-0", Some("set by hand")),
            ("ami-0", None),
        ] {
            assert_eq!(
                over(value, description, "ami-2", "1.0.0/2", Forward),
                PLAIN_UPDATE,
                "{description:?}"
            );
        }
    }

    #[test]
    fn provenance_round_trips() {
        let recorded = record(&provenance(&arn("3.2.1/4"), "ami-0123456789abcdef0", None)).unwrap();
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
        let rolled = provenance(
            &at("1.1.0/1"),
            "ami-0123456789abcdef0",
            Some(&at("12.10.3/14")),
        );
        assert!(rolled.len() <= 255, "{} characters: {rolled}", rolled.len());
        let recorded = record(&rolled).unwrap();
        assert_eq!(recorded.build, at("1.1.0/1"));
        assert_eq!(recorded.rolled_back_from, Some(at("12.10.3/14")));
        // Records that named the newer build by its whole ARN still read the same.
        let whole = format!(
            "amiflow: AMI of {}, rolled back from {}",
            at("1.1.0/1"),
            at("12.10.3/14")
        );
        assert_eq!(
            record(&whole).unwrap().rolled_back_from,
            Some(at("12.10.3/14"))
        );
    }

    #[test]
    fn a_record_from_before_amiflow_named_the_ami_explains_no_value() {
        let old =
            "amiflow: AMI of arn:aws:imagebuilder:us-east-1:123456789012:image/golden/1.0.0/2";
        let recorded = record(old).unwrap();
        assert_eq!((recorded.ami, recorded.build), (None, arn("1.0.0/2")));
        // Nor does another tool's text that happens to hold an ARN.
        let foreign =
            "deployed ami-1 of arn:aws:imagebuilder:us-east-1:123456789012:image/golden/1.0.0/2";
        assert_eq!(record(foreign).and_then(|r| r.ami), None);
    }

    #[test]
    fn a_rollback_moves_back_and_holds_until_a_newer_build() {
        let bad = provenance(&arn("1.2.0/1"), "ami-bad", None);
        let decision = over("ami-bad", Some(&bad), "ami-good", "1.1.0/1", Rollback);
        assert_eq!(
            decision,
            Decision::Update {
                rolled_back_from: Some(arn("1.2.0/1"))
            }
        );
        let rolled = provenance(&arn("1.1.0/1"), "ami-good", Some(&arn("1.2.0/1")));
        assert_eq!(
            record(&rolled),
            Some(Record {
                ami: Some("ami-good".into()),
                build: arn("1.1.0/1"),
                rolled_back_from: Some(arn("1.2.0/1"))
            })
        );
        // A late or repeated event for the bad build, or an older one, is skipped...
        for build in ["1.2.0/1", "1.1.5/1", "1.0.0/1"] {
            let decision = over("ami-good", Some(&rolled), "ami-x", build, Forward);
            assert!(
                matches!(&decision, Decision::Skip(why) if why.contains("rolled back")),
                "{build}: {decision:?}"
            );
        }
        // ...and only a newer build moves it forward again.
        assert_eq!(
            over("ami-good", Some(&rolled), "ami-next", "1.2.0/2", Forward),
            PLAIN_UPDATE
        );
        // Rolling back where nothing newer is recorded is a plain update.
        assert_eq!(
            over("ami-0", None, "ami-good", "1.1.0/1", Rollback),
            PLAIN_UPDATE
        );
    }

    #[test]
    fn an_ami_tagged_with_a_newer_build_is_never_replaced_by_an_older_one() {
        let newer = arn("1.0.0/2");
        // Image Builder wrote it (no amiflow record), or a person did ("set by hand").
        for description in [None, Some("set by hand")] {
            let current = Current {
                value: "ami-2",
                description,
                built_from: Some(&newer),
            };
            let decision = decide(Some(current), "ami-1", &arn("1.0.0/1"), Forward);
            assert!(
                matches!(&decision, Decision::Skip(why) if why.contains("Ec2ImageBuilderArn")),
                "{decision:?}"
            );
        }
        let current = Current {
            value: "ami-1",
            description: None,
            built_from: Some(&arn("1.0.0/1")),
        };
        assert_eq!(
            decide(Some(current), "ami-2", &newer, Forward),
            PLAIN_UPDATE
        );
        let on_bad = Current {
            value: "ami-2",
            description: None,
            built_from: Some(&newer),
        };
        assert_eq!(
            decide(Some(on_bad), "ami-1", &arn("1.0.0/1"), Rollback),
            Decision::Update {
                rolled_back_from: Some(newer.clone())
            }
        );
    }
}
