//! Whether an opted-in Auto Scaling group needs an instance refresh to its launch template's
//! default version, and with which preferences (the policy's, overridden by the group's tags).

use std::collections::BTreeMap;

use super::preferences;
use crate::policy::refresh::RefreshPreferences;

/// A group as DescribeAutoScalingGroups shows it, with what the decision reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupView {
    pub name: String,
    /// Its launch template, or its mixed instances policy's; `None`: a launch configuration.
    pub template: Option<TemplateSetting>,
    pub instances: Vec<InstanceView>,
    pub tags: BTreeMap<String, String>,
}

/// A launch template as a group or an instance names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateSetting {
    pub id: Option<String>,
    pub name: Option<String>,
    /// `$Default`, `$Latest` or a number.
    pub version: Option<String>,
}

/// An instance, with the launch template version it was launched with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceView {
    pub id: String,
    pub template: Option<TemplateSetting>,
}

/// A template amiflow keeps, with its versions as EC2 shows them now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptTemplate {
    pub id: String,
    pub name: String,
    pub default_version: i64,
    pub latest_version: i64,
}

/// A refresh DescribeInstanceRefreshes shows for the group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PastRefresh {
    pub id: String,
    pub status: String,
    pub reason: Option<String>,
    /// The launch template its desired configuration named.
    pub desired: Option<TemplateSetting>,
}

/// Refreshes that are still running: only one may be active per group.
const ACTIVE: &[&str] = &[
    "Pending",
    "InProgress",
    "Cancelling",
    "RollbackInProgress",
    "Baking",
];
/// Ends a person must look at: a refresh to the same version is not started again on its own.
const ENDED_BADLY: &[&str] = &[
    "Failed",
    "Cancelled",
    "RollbackSuccessful",
    "RollbackFailed",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshDecision {
    /// The group runs a launch configuration.
    NoTemplate,
    /// Its template is not one amiflow keeps.
    NotKept {
        template: String,
    },
    /// A preference tag holds no valid value.
    BadTag {
        tag: String,
        problem: String,
    },
    InProgress {
        id: String,
        status: String,
    },
    /// Every instance, and the group's own setting, are on the default version.
    OnVersion,
    /// The last refresh to this very version ended badly.
    EndedBefore {
        id: String,
        status: String,
        reason: Option<String>,
    },
    /// Start a refresh to the default version: `replacing` instances are not on it.
    Start {
        replacing: usize,
        preferences: RefreshPreferences,
    },
}

impl TemplateSetting {
    /// Whether this names `kept` (by id, else by name).
    pub fn names(&self, kept: &KeptTemplate) -> bool {
        match (&self.id, &self.name) {
            (Some(id), _) => id == &kept.id,
            (None, Some(name)) => name == &kept.name,
            (None, None) => false,
        }
    }

    /// The version number this setting runs, `$Default` and `$Latest` resolved as EC2 has them now.
    fn resolved(&self, kept: &KeptTemplate) -> Option<i64> {
        match self.version.as_deref() {
            None | Some("$Default") => Some(kept.default_version),
            Some("$Latest") => Some(kept.latest_version),
            Some(number) => number.parse().ok(),
        }
    }

    fn runs_default_of(&self, kept: &KeptTemplate) -> bool {
        self.names(kept) && self.resolved(kept) == Some(kept.default_version)
    }
}

/// What `group` needs, given the template amiflow keeps that it names (if any) and its refreshes
/// (newest first).
pub fn decide_refresh(
    group: &GroupView,
    kept: Option<&KeptTemplate>,
    refreshes: &[PastRefresh],
    defaults: &RefreshPreferences,
) -> RefreshDecision {
    let Some(setting) = &group.template else {
        return RefreshDecision::NoTemplate;
    };
    let Some(kept) = kept.filter(|k| setting.names(k)) else {
        let template = setting
            .id
            .clone()
            .or(setting.name.clone())
            .unwrap_or_default();
        return RefreshDecision::NotKept { template };
    };
    let preferences = match preferences::preferences(&group.tags, defaults) {
        Ok(preferences) => preferences,
        Err((tag, problem)) => return RefreshDecision::BadTag { tag, problem },
    };
    if let Some(active) = refreshes
        .iter()
        .find(|r| ACTIVE.contains(&r.status.as_str()))
    {
        return RefreshDecision::InProgress {
            id: active.id.clone(),
            status: active.status.clone(),
        };
    }
    let replacing = group
        .instances
        .iter()
        .filter(|i| !i.template.as_ref().is_some_and(|t| t.runs_default_of(kept)))
        .count();
    if replacing == 0 && setting.runs_default_of(kept) {
        return RefreshDecision::OnVersion;
    }
    if let Some(last) = refreshes.first() {
        let same_version = last.desired.as_ref().is_some_and(|d| {
            d.names(kept) && d.version.as_deref() == Some(&kept.default_version.to_string())
        });
        if same_version && ENDED_BADLY.contains(&last.status.as_str()) {
            return RefreshDecision::EndedBefore {
                id: last.id.clone(),
                status: last.status.clone(),
                reason: last.reason.clone(),
            };
        }
    }
    RefreshDecision::Start {
        replacing,
        preferences,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LT: &str = "lt-0123456789abcdef0";

    fn kept(default: i64, latest: i64) -> KeptTemplate {
        KeptTemplate {
            id: LT.into(),
            name: "web".into(),
            default_version: default,
            latest_version: latest,
        }
    }

    fn setting(version: &str) -> TemplateSetting {
        TemplateSetting {
            id: Some(LT.into()),
            name: Some("web".into()),
            version: Some(version.into()),
        }
    }

    fn group(on: &str, instances: &[&str]) -> GroupView {
        GroupView {
            name: "web".into(),
            template: Some(setting(on)),
            instances: instances
                .iter()
                .enumerate()
                .map(|(i, v)| InstanceView {
                    id: format!("i-{i}"),
                    template: Some(setting(v)),
                })
                .collect(),
            tags: BTreeMap::new(),
        }
    }

    fn refresh(status: &str, version: &str) -> PastRefresh {
        PastRefresh {
            id: format!("r-{status}"),
            status: status.into(),
            reason: Some("health checks failed".into()),
            desired: Some(setting(version)),
        }
    }

    fn decide(g: &GroupView, refreshes: &[PastRefresh]) -> RefreshDecision {
        decide_refresh(
            g,
            Some(&kept(3, 3)),
            refreshes,
            &RefreshPreferences::default(),
        )
    }

    #[test]
    fn a_group_with_instances_on_an_older_version_is_refreshed() {
        let decision = decide(&group("$Default", &["2", "2", "3"]), &[]);
        assert!(
            matches!(decision, RefreshDecision::Start { replacing: 2, .. }),
            "{decision:?}"
        );
    }

    #[test]
    fn a_group_on_the_default_version_is_left_alone() {
        assert_eq!(
            decide(&group("$Default", &["3", "3"]), &[]),
            RefreshDecision::OnVersion
        );
        assert_eq!(decide(&group("3", &["3"]), &[]), RefreshDecision::OnVersion);
        // A group pinned to an older version launches old instances: refresh its setting.
        assert!(matches!(
            decide(&group("2", &[]), &[]),
            RefreshDecision::Start { replacing: 0, .. }
        ));
    }

    #[test]
    fn an_active_refresh_is_waited_for_and_a_bad_end_is_not_retried() {
        let g = group("$Default", &["2"]);
        assert_eq!(
            decide(&g, &[refresh("InProgress", "3")]),
            RefreshDecision::InProgress {
                id: "r-InProgress".into(),
                status: "InProgress".into()
            }
        );
        assert!(matches!(
            decide(&g, &[refresh("RollbackSuccessful", "3")]),
            RefreshDecision::EndedBefore { .. }
        ));
        // A bad end for an older version does not hold back the new one.
        assert!(matches!(
            decide(&g, &[refresh("Failed", "2")]),
            RefreshDecision::Start { .. }
        ));
        assert!(matches!(
            decide(&g, &[refresh("Successful", "3")]),
            RefreshDecision::Start { .. }
        ));
    }

    #[test]
    fn templates_amiflow_does_not_keep_and_launch_configurations_are_skipped() {
        let mut other = group("$Default", &["1"]);
        other.template = Some(TemplateSetting {
            id: Some("lt-0fffffffffffffff0".into()),
            ..TemplateSetting::default()
        });
        assert_eq!(
            decide(&other, &[]),
            RefreshDecision::NotKept {
                template: "lt-0fffffffffffffff0".into()
            }
        );
        other.template = None;
        assert_eq!(decide(&other, &[]), RefreshDecision::NoTemplate);
    }
}
