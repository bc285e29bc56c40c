//! The decision every write makes (README, "What each function does, exactly"): leave a target that already holds the AMI,
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

/// One launch template version as DescribeLaunchTemplateVersions shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateVersion {
    pub number: i64,
    pub image_id: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateDecision {
    Unchanged(String),
    Skip(String),
    /// An earlier attempt created this version with the AMI but stopped before making it default.
    MakeDefault(i64),
    /// Create a version from `source_version` (so every other setting is inherited) with the AMI.
    Create {
        source_version: i64,
    },
}

/// What a launch template needs so that its default version uses `ami`.
pub fn decide_template(
    default: &TemplateVersion,
    latest: &TemplateVersion,
    ami: &str,
    image: &ImageBuildVersionArn,
    set_default_version: bool,
) -> TemplateDecision {
    if default.image_id.as_deref() == Some(ami) {
        return TemplateDecision::Unchanged(format!(
            "default version {} already uses {ami}",
            default.number
        ));
    }
    for version in [default, latest] {
        if let Some(recorded) = version.description.as_deref().and_then(recorded_image) {
            if recorded.is_newer_than(image) {
                return TemplateDecision::Skip(format!(
                    "version {} holds an AMI of a newer build ({recorded}); not moving it back to {}",
                    version.number, image.version
                ));
            }
        }
    }
    if latest.number != default.number && latest.image_id.as_deref() == Some(ami) {
        if !set_default_version {
            return TemplateDecision::Unchanged(format!(
                "version {} already uses {ami} (setDefaultVersion is false: the default stays {})",
                latest.number, default.number
            ));
        }
        if latest
            .description
            .as_deref()
            .and_then(recorded_image)
            .as_ref()
            == Some(image)
        {
            return TemplateDecision::MakeDefault(latest.number);
        }
    }
    TemplateDecision::Create {
        source_version: default.number,
    }
}

/// The oldest versions beyond `keep`, never the default nor the latest one.
pub fn versions_to_prune(versions: &[i64], default: i64, latest: i64, keep: u32) -> Vec<i64> {
    let mut sorted = versions.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let excess = sorted.len().saturating_sub(keep as usize);
    sorted
        .into_iter()
        .filter(|v| *v != default && *v != latest)
        .take(excess)
        .collect()
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

    fn version(number: i64, ami: &str, description: Option<String>) -> TemplateVersion {
        TemplateVersion {
            number,
            image_id: Some(ami.into()),
            description,
        }
    }

    #[test]
    fn template_decisions() {
        let image = arn("1.0.0/2");
        let ours = Some(provenance(&image));
        let v1 = version(1, "ami-old", None);
        assert!(matches!(
            decide_template(&version(1, "ami-new", None), &v1, "ami-new", &image, true),
            TemplateDecision::Unchanged(_)
        ));
        assert_eq!(
            decide_template(&v1, &v1, "ami-new", &image, true),
            TemplateDecision::Create { source_version: 1 }
        );
        let half_done = version(2, "ami-new", ours.clone());
        assert_eq!(
            decide_template(&v1, &half_done, "ami-new", &image, true),
            TemplateDecision::MakeDefault(2)
        );
        assert!(matches!(
            decide_template(&v1, &half_done, "ami-new", &image, false),
            TemplateDecision::Unchanged(_)
        ));
        let newer = version(3, "ami-newer", Some(provenance(&arn("1.0.0/3"))));
        assert!(matches!(
            decide_template(&newer, &newer, "ami-new", &image, true),
            TemplateDecision::Skip(_)
        ));
        assert!(matches!(
            decide_template(&v1, &newer, "ami-new", &image, true),
            TemplateDecision::Skip(_)
        ));
        // Someone else's version that happens to hold the AMI is not taken as ours to promote.
        let foreign = version(2, "ami-new", Some("by hand".into()));
        assert_eq!(
            decide_template(&v1, &foreign, "ami-new", &image, true),
            TemplateDecision::Create { source_version: 1 }
        );
    }

    #[test]
    fn pruning_keeps_the_newest_and_never_default_or_latest() {
        assert_eq!(versions_to_prune(&[1, 2, 3, 4, 5, 6], 6, 6, 3), [1, 2, 3]);
        assert_eq!(versions_to_prune(&[6, 5, 4, 3, 2, 1], 2, 6, 3), [1, 3, 4]);
        assert_eq!(versions_to_prune(&[1, 2, 3], 3, 3, 3), Vec::<i64>::new());
        assert_eq!(
            versions_to_prune(&[1, 2], 1, 2, 1),
            Vec::<i64>::new(),
            "default and latest always stay"
        );
    }
}
