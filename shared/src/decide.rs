//! The decision every write makes (SPEC section 5): leave a target that already holds the AMI,
//! never move one backwards to an older build, otherwise write, recording where the value came from.

use crate::arn::ImageBuildVersionArn;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Already holds the AMI: no write.
    Unchanged,
    /// Holds a value written for a newer build of the same image: no write, with the reason.
    Skip(String),
    /// Does not exist yet.
    Create,
    /// Holds another value that is not newer: write.
    Update,
}

/// The provenance amiflow writes beside a value (parameter `Description`, launch template
/// `VersionDescription`); `recorded_image` reads it back.
pub fn provenance(image: &ImageBuildVersionArn) -> String {
    format!("amiflow: AMI of {image}")
}

/// The image build version a description says its value came from, if amiflow (or anyone
/// following the same convention) wrote one.
pub fn recorded_image(description: &str) -> Option<ImageBuildVersionArn> {
    ImageBuildVersionArn::find_in(description)
}

/// Decides what to do with a target whose current value and description are given (`None`:
/// the target does not exist yet).
pub fn decide(
    current: Option<(&str, Option<&str>)>,
    ami: &str,
    image: &ImageBuildVersionArn,
) -> Decision {
    let Some((value, description)) = current else {
        return Decision::Create;
    };
    if value == ami {
        return Decision::Unchanged;
    }
    match description.and_then(recorded_image) {
        Some(recorded) if recorded.is_newer_than(image) => Decision::Skip(format!(
            "holds {value} from a newer build ({recorded}); not moving it back to {}",
            image.version
        )),
        _ => Decision::Update,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arn(build: &str) -> ImageBuildVersionArn {
        format!("arn:aws:imagebuilder:us-east-1:123456789012:image/golden/{build}")
            .parse()
            .unwrap()
    }

    #[test]
    fn missing_is_created_same_is_unchanged() {
        assert_eq!(decide(None, "ami-new", &arn("1.0.0/2")), Decision::Create);
        assert_eq!(
            decide(Some(("ami-new", None)), "ami-new", &arn("1.0.0/2")),
            Decision::Unchanged
        );
    }

    #[test]
    fn never_moves_back_to_an_older_build() {
        let newer = provenance(&arn("1.0.0/2"));
        let decision = decide(Some(("ami-2", Some(&newer))), "ami-1", &arn("1.0.0/1"));
        let Decision::Skip(reason) = decision else {
            panic!("expected skip, got {decision:?}")
        };
        assert!(
            reason.contains("newer build") && reason.contains("ami-2"),
            "{reason}"
        );
        let semver_newer = provenance(&arn("1.10.0/1"));
        assert!(matches!(
            decide(Some(("x", Some(&semver_newer))), "y", &arn("1.9.0/7")),
            Decision::Skip(_)
        ));
    }

    #[test]
    fn older_foreign_or_unrecorded_values_are_updated() {
        let older = provenance(&arn("1.0.0/1"));
        assert_eq!(
            decide(Some(("ami-1", Some(&older))), "ami-2", &arn("1.0.0/2")),
            Decision::Update
        );
        let other_image =
            "amiflow: AMI of arn:aws:imagebuilder:us-east-1:123456789012:image/other/9.0.0/9";
        assert_eq!(
            decide(Some(("ami-9", Some(other_image))), "ami-2", &arn("1.0.0/2")),
            Decision::Update
        );
        assert_eq!(
            decide(
                Some(("ami-0", Some("set by hand"))),
                "ami-2",
                &arn("1.0.0/2")
            ),
            Decision::Update
        );
        assert_eq!(
            decide(Some(("ami-0", None)), "ami-2", &arn("1.0.0/2")),
            Decision::Update
        );
    }

    #[test]
    fn provenance_round_trips() {
        assert_eq!(
            recorded_image(&provenance(&arn("3.2.1/4"))),
            Some(arn("3.2.1/4"))
        );
    }
}
