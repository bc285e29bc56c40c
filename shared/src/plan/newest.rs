//! Which builds a reconcile applies: for every rule and every image name it matches, the newest
//! build (highest x.y.z compared as numbers, then highest build number) that is AVAILABLE and
//! an AMI, among the builds Image Builder's list calls returned.

use std::collections::BTreeMap;

use crate::input::arn::ImageBuildVersionArn;
use crate::policy::glob::glob_match;
use crate::policy::Rule;

/// One image build as a list call shows it: what a rule's match and the choice read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub arn: ImageBuildVersionArn,
    /// The image's name, as `match.imageName` globs match it.
    pub name: String,
    pub state: String,
    /// `AMI` or `DOCKER`.
    pub image_type: String,
    pub tags: BTreeMap<String, String>,
    /// The pipeline that built it, where the list call says (ListImagePipelineImages).
    pub pipeline: Option<String>,
}

impl Candidate {
    /// An AVAILABLE AMI: a container image or a build that did not finish is never applied.
    pub fn usable(&self) -> bool {
        self.state == "AVAILABLE" && self.image_type == "AMI"
    }
}

/// Whether `rule` may match images named `name` (its `imageName` glob, if any).
pub fn matches_name(rule: &Rule, name: &str) -> bool {
    rule.matcher
        .as_ref()
        .and_then(|m| m.image_name.as_deref())
        .is_none_or(|glob| glob_match(glob, name))
}

/// The pipeline a rule matches on, if it names one: its builds are listed by pipeline.
pub fn pipeline(rule: &Rule) -> Option<&str> {
    rule.matcher
        .as_ref()
        .and_then(|m| m.pipeline_arn.as_deref())
}

/// Whether `rule`'s match holds for `candidate`, as it would for the image's event.
pub fn matches(rule: &Rule, candidate: &Candidate) -> bool {
    rule.matcher.as_ref().is_none_or(|m| {
        m.holds(
            &candidate.name,
            candidate.pipeline.as_deref(),
            &candidate.tags,
        )
    })
}

/// x.y.z as numbers, for ordering image versions (1.10.0 after 1.9.0); `None` if not x.y.z.
pub fn semantic_version(version: &str) -> Option<(u64, u64, u64)> {
    let mut parts = version.split('.').map(|p| p.parse::<u64>().ok());
    let key = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(key)
}

/// For each image name among `candidates` that `rule` matches, its newest usable build.
pub fn newest_per_name(rule: &Rule, candidates: &[Candidate]) -> Vec<ImageBuildVersionArn> {
    let mut newest: BTreeMap<&str, &ImageBuildVersionArn> = BTreeMap::new();
    for candidate in candidates.iter().filter(|c| c.usable() && matches(rule, c)) {
        let slot = newest.entry(&candidate.name).or_insert(&candidate.arn);
        if candidate.arn.version > slot.version {
            *slot = &candidate.arn;
        }
    }
    newest.into_values().cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;
    use serde_json::json;

    fn candidate(name: &str, version: &str, state: &str, kind: &str) -> Candidate {
        let segment = crate::input::arn::arn_name_segment(name);
        let arn = format!("arn:aws:imagebuilder:us-east-1:123456789012:image/{segment}/{version}");
        Candidate {
            arn: arn.parse().unwrap(),
            name: name.into(),
            state: state.into(),
            image_type: kind.into(),
            tags: BTreeMap::new(),
            pipeline: None,
        }
    }

    fn rule(matcher: serde_json::Value) -> Rule {
        let policy = Policy::from_value(&json!({"rules": [{"name": "r", "match": matcher}]}));
        policy.unwrap().rules.remove(0)
    }

    #[test]
    fn the_newest_available_ami_of_each_name_compared_as_numbers() {
        let candidates = [
            candidate("golden", "1.9.0/7", "AVAILABLE", "AMI"),
            candidate("golden", "1.10.0/1", "AVAILABLE", "AMI"),
            candidate("golden", "1.10.0/2", "FAILED", "AMI"),
            candidate("golden", "1.11.0/1", "AVAILABLE", "DOCKER"),
            candidate("golden-arm", "2.0.0/3", "AVAILABLE", "AMI"),
            candidate("silver", "9.0.0/1", "AVAILABLE", "AMI"),
        ];
        let chosen = newest_per_name(&rule(json!({"imageName": "golden*"})), &candidates);
        let versions: Vec<String> = chosen
            .iter()
            .map(|a| format!("{}/{}", a.name, a.version))
            .collect();
        assert_eq!(versions, ["golden/1.10.0/1", "golden-arm/2.0.0/3"]);
    }

    #[test]
    fn tags_and_pipelines_match_as_they_do_for_events() {
        let mut tagged = candidate("web", "1.0.0/2", "AVAILABLE", "AMI");
        tagged.tags.insert("Stage".into(), "prod".into());
        let untagged = candidate("web", "1.0.0/3", "AVAILABLE", "AMI");
        let by_tag = rule(json!({"tags": {"Stage": "prod"}}));
        assert_eq!(
            newest_per_name(&by_tag, &[tagged.clone(), untagged.clone()]),
            [tagged.arn.clone()]
        );
        let pipeline = "arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/web";
        let by_pipeline = rule(json!({"pipelineArn": pipeline}));
        assert!(newest_per_name(&by_pipeline, std::slice::from_ref(&untagged)).is_empty());
        let mut built = untagged;
        built.pipeline = Some(pipeline.into());
        assert_eq!(newest_per_name(&by_pipeline, &[built.clone()]), [built.arn]);
    }

    #[test]
    fn versions_order_as_numbers() {
        assert!(semantic_version("1.10.0") > semantic_version("1.9.0"));
        assert_eq!(semantic_version("1.2"), None);
        assert_eq!(semantic_version("1.2.3.4"), None);
        assert_eq!(semantic_version("1.x.3"), None);
    }
}
