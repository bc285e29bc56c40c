//! The decision every write makes: leave a target that already holds the AMI, never move one
//! backwards to an older build (whoever wrote it), otherwise write, recording where the value came
//! from. A sanctioned rollback is the one way back, and its record holds until a newer build.

pub mod forbidden;
pub mod preferences;
pub mod record;
pub mod refresh;
pub mod tags;
pub mod template;
pub mod template_tags;

use forbidden::Forbidden;
use record::read_record;

use crate::input::arn::ImageBuildVersionArn;

/// What to do with a parameter-like target: one value, replaced by a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Already holds the AMI: no write.
    Unchanged,
    /// Holds a value of a newer build of the same image (or one a rollback holds): no write.
    Skip(Forbidden),
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
) -> Option<Forbidden> {
    let built = built_from.filter(|b| b.is_newer_than(image))?;
    Some(Forbidden::NewerTag {
        value: value.to_string(),
        built: built.clone(),
        writing: image.version,
    })
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
    let recorded = current.description.and_then(read_record);
    if intent == Intent::Rollback {
        let from_record = recorded.and_then(|r| r.newer_than(image));
        return Decision::Update {
            rolled_back_from: newest_above([from_record, current.built_from.cloned()], image),
        };
    }
    if let Some(why) = recorded.and_then(|r| r.forbids(image)) {
        return Decision::Skip(why);
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
    use super::record::write_record;
    use super::*;

    use Intent::{Forward, Rollback};

    fn cur<'a>(value: &'a str, description: Option<&'a str>) -> Current<'a> {
        Current {
            value,
            description,
            built_from: None,
        }
    }

    /// A build of the image `golden`: `build` is `<version>/<build number>`.
    pub(crate) fn arn(build: &str) -> ImageBuildVersionArn {
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
        let newer = write_record(&arn("1.0.0/2"), "ami-2", None);
        assert_eq!(
            over("ami-2", Some(&newer), "ami-1", "1.0.0/1", Forward),
            Decision::Skip(Forbidden::NewerRecord {
                build: arn("1.0.0/2"),
                writing: arn("1.0.0/1").version
            })
        );
        let semver_newer = write_record(&arn("1.10.0/1"), "x", None);
        assert!(matches!(
            over("x", Some(&semver_newer), "y", "1.9.0/7", Forward),
            Decision::Skip(Forbidden::NewerRecord { .. })
        ));
    }

    #[test]
    fn older_foreign_or_unrecorded_values_are_updated() {
        let older = write_record(&arn("1.0.0/1"), "ami-1", None);
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
    fn a_rollback_moves_back_and_holds_until_a_newer_build() {
        let bad = write_record(&arn("1.2.0/1"), "ami-bad", None);
        let decision = over("ami-bad", Some(&bad), "ami-good", "1.1.0/1", Rollback);
        assert_eq!(
            decision,
            Decision::Update {
                rolled_back_from: Some(arn("1.2.0/1"))
            }
        );
        let rolled = write_record(&arn("1.1.0/1"), "ami-good", Some(&arn("1.2.0/1")));
        // A late or repeated event for the bad build, or an older one, is skipped...
        for build in ["1.2.0/1", "1.1.5/1", "1.0.0/1"] {
            let decision = over("ami-good", Some(&rolled), "ami-x", build, Forward);
            assert_eq!(
                decision,
                Decision::Skip(Forbidden::RolledBack {
                    to: arn("1.1.0/1").version,
                    from: arn("1.2.0/1")
                }),
                "{build}"
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
                matches!(&decision, Decision::Skip(Forbidden::NewerTag { value, .. }) if value == "ami-2"),
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

    #[test]
    fn reasons_read_as_the_report_words_them() {
        let why = Forbidden::NewerRecord {
            build: arn("1.0.0/2"),
            writing: arn("1.0.0/1").version,
        };
        assert_eq!(
            why.to_string(),
            "from a newer build (arn:aws:imagebuilder:us-east-1:123456789012:image/golden/1.0.0/2); \
             not moving it back to 1.0.0/1"
        );
    }
}
