//! The decision for a launch template: leave a default that already uses the AMI, never move one
//! back to an older build, finish a half-done earlier attempt, otherwise create a version.

use super::forbidden::Forbidden;
use super::record::read_record;
use super::{newest_above, tag_forbids, Intent};
use crate::input::arn::ImageBuildVersionArn;

/// One launch template version as DescribeLaunchTemplateVersions shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateVersion {
    pub number: i64,
    pub image_id: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateDecision {
    /// The default version already uses the AMI.
    DefaultHolds,
    /// The latest version uses the AMI, and the default is to stay (`setDefaultVersion` false).
    LatestHolds { latest: i64 },
    /// The no-regression rule keeps the AMI of this version.
    Skip { version: i64, why: Forbidden },
    /// An earlier attempt created this version with the AMI but stopped before making it default.
    MakeDefault(i64),
    /// Create a version from `source_version` (so every other setting is inherited) with the AMI.
    /// A rollback names the newer build it leaves.
    Create {
        source_version: i64,
        rolled_back_from: Option<ImageBuildVersionArn>,
    },
}

/// What a launch template needs so that its default version uses `ami`.
pub fn decide_template(
    default: &TemplateVersion,
    latest: &TemplateVersion,
    ami: &str,
    image: &ImageBuildVersionArn,
    set_default_version: bool,
    intent: Intent,
    default_built_from: Option<&ImageBuildVersionArn>,
) -> TemplateDecision {
    if default.image_id.as_deref() == Some(ami) {
        return TemplateDecision::DefaultHolds;
    }
    let records =
        [default, latest].map(|v| (v.number, v.description.as_deref().and_then(read_record)));
    if intent == Intent::Forward {
        for (version, recorded) in &records {
            if let Some(why) = recorded.as_ref().and_then(|r| r.forbids(image)) {
                let version = *version;
                return TemplateDecision::Skip { version, why };
            }
        }
        let default_ami = default.image_id.as_deref().unwrap_or_default();
        if let Some(why) = tag_forbids(default_ami, default_built_from, image) {
            let version = default.number;
            return TemplateDecision::Skip { version, why };
        }
    }
    if latest.number != default.number && latest.image_id.as_deref() == Some(ami) {
        if !set_default_version {
            return TemplateDecision::LatestHolds {
                latest: latest.number,
            };
        }
        if records[1].1.as_ref().map(|r| &r.build) == Some(image) {
            return TemplateDecision::MakeDefault(latest.number);
        }
    }
    let rolled_back_from = match intent {
        Intent::Forward => None,
        Intent::Rollback => newest_above(
            records
                .iter()
                .map(|(_, r)| r.as_ref().and_then(|r| r.newer_than(image)))
                .chain([default_built_from.cloned()]),
            image,
        ),
    };
    TemplateDecision::Create {
        source_version: default.number,
        rolled_back_from,
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
    use crate::decide::record::write_record as provenance;
    use crate::decide::tests::arn;
    use Intent::{Forward, Rollback};

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
        let ours = Some(provenance(&image, "ami-new", None));
        let v1 = version(1, "ami-old", None);
        assert!(matches!(
            decide_template(
                &version(1, "ami-new", None),
                &v1,
                "ami-new",
                &image,
                true,
                Forward,
                None
            ),
            TemplateDecision::DefaultHolds
        ));
        assert_eq!(
            decide_template(&v1, &v1, "ami-new", &image, true, Forward, None),
            TemplateDecision::Create {
                source_version: 1,
                rolled_back_from: None
            }
        );
        let half_done = version(2, "ami-new", ours.clone());
        assert_eq!(
            decide_template(&v1, &half_done, "ami-new", &image, true, Forward, None),
            TemplateDecision::MakeDefault(2)
        );
        assert_eq!(
            decide_template(&v1, &half_done, "ami-new", &image, false, Forward, None),
            TemplateDecision::LatestHolds { latest: 2 }
        );
        let newer = version(
            3,
            "ami-newer",
            Some(provenance(&arn("1.0.0/3"), "ami-newer", None)),
        );
        assert!(matches!(
            decide_template(&newer, &newer, "ami-new", &image, true, Forward, None),
            TemplateDecision::Skip {
                version: 3,
                why: Forbidden::NewerRecord { .. }
            }
        ));
        assert!(matches!(
            decide_template(&v1, &newer, "ami-new", &image, true, Forward, None),
            TemplateDecision::Skip {
                version: 3,
                why: Forbidden::NewerRecord { .. }
            }
        ));
        // Someone else's version that happens to hold the AMI is not taken as ours to promote.
        let foreign = version(2, "ami-new", Some("by hand".into()));
        assert_eq!(
            decide_template(&v1, &foreign, "ami-new", &image, true, Forward, None),
            TemplateDecision::Create {
                source_version: 1,
                rolled_back_from: None
            }
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

    #[test]
    fn a_template_rollback_names_the_newest_build_it_leaves() {
        let good = arn("1.1.0/1");
        let bad = version(
            3,
            "ami-bad",
            Some(provenance(&arn("1.2.0/1"), "ami-bad", None)),
        );
        assert_eq!(
            decide_template(&bad, &bad, "ami-good", &good, true, Rollback, None),
            TemplateDecision::Create {
                source_version: 3,
                rolled_back_from: Some(arn("1.2.0/1"))
            }
        );
        let rolled = version(
            4,
            "ami-good",
            Some(provenance(&good, "ami-good", Some(&arn("1.2.0/1")))),
        );
        assert!(matches!(
            decide_template(
                &rolled,
                &rolled,
                "ami-bad",
                &arn("1.2.0/1"),
                true,
                Forward,
                None
            ),
            TemplateDecision::Skip {
                version: 4,
                why: Forbidden::RolledBack { .. }
            }
        ));
    }

    #[test]
    fn a_default_whose_ami_is_tagged_with_a_newer_build_is_not_moved_back() {
        let newer = arn("1.0.0/2");
        let foreign = version(1, "ami-2", None);
        assert!(matches!(
            decide_template(
                &foreign,
                &foreign,
                "ami-1",
                &arn("1.0.0/1"),
                true,
                Forward,
                Some(&newer)
            ),
            TemplateDecision::Skip {
                version: 1,
                why: Forbidden::NewerTag { .. }
            }
        ));
    }
}
