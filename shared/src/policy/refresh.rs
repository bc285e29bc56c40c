//! The policy's defaults for instance refreshes (`instanceRefresh`): what refresh-instances asks
//! StartInstanceRefresh for, unless a group's own `amiflow:refresh:*` tags say otherwise.

use serde::Deserialize;

use crate::schema::fields::BOOL;
use crate::schema::{Field, Schema};

/// Preferences of the refreshes amiflow starts. `SkipMatching` is always on: instances already on
/// the version are never replaced.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshPreferences {
    /// The share of the group kept in service while instances are replaced (the service's own
    /// default is 90).
    #[serde(default = "min_healthy")]
    pub min_healthy_percentage: i32,
    pub max_healthy_percentage: Option<i32>,
    /// Seconds a new instance is given before it counts as healthy (the group's own by default).
    pub instance_warmup: Option<i32>,
    /// Pause points, in percent of instances replaced, ascending; the last one 100.
    #[serde(default)]
    pub checkpoint_percentages: Vec<i32>,
    pub checkpoint_delay: Option<i32>,
    /// Seconds to wait after the last replacement before the refresh counts as done.
    pub bake_time: Option<i32>,
    /// CloudWatch alarms that fail the refresh when they go off (at most 10).
    #[serde(default)]
    pub alarms: Vec<String>,
    /// Roll the group back when the refresh fails. Works because amiflow names the version as a
    /// number, never `$Default` or `$Latest`.
    #[serde(default = "yes")]
    pub auto_rollback: bool,
}

fn min_healthy() -> i32 {
    90
}

fn yes() -> bool {
    true
}

impl Default for RefreshPreferences {
    fn default() -> Self {
        Self {
            min_healthy_percentage: min_healthy(),
            max_healthy_percentage: None,
            instance_warmup: None,
            checkpoint_percentages: Vec::new(),
            checkpoint_delay: None,
            bake_time: None,
            alarms: Vec::new(),
            auto_rollback: yes(),
        }
    }
}

impl RefreshPreferences {
    /// What the service would refuse across fields, by field: checkpoints ascending, unique and
    /// ending at 100 (so that every instance is replaced); the healthy range at most 100 wide.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let checkpoints = &self.checkpoint_percentages;
        if !checkpoints.is_empty() {
            if checkpoints.windows(2).any(|w| w[0] >= w[1]) {
                out.push((
                    "checkpointPercentages",
                    format!("must ascend without repeats, got {checkpoints:?}"),
                ));
            }
            if checkpoints.last() != Some(&100) {
                out.push((
                    "checkpointPercentages",
                    format!(
                        "must end at 100, so that every instance is replaced, got {checkpoints:?}"
                    ),
                ));
            }
        }
        if let Some(max) = self.max_healthy_percentage {
            if max - self.min_healthy_percentage > 100 {
                out.push((
                    "maxHealthyPercentage",
                    format!(
                        "may be at most 100 above minHealthyPercentage ({}), got {max}",
                        self.min_healthy_percentage
                    ),
                ));
            }
        }
        out
    }
}

/// Seconds a refresh may pause at a checkpoint or bake: the service takes up to two days.
pub const MAX_WAIT_SECONDS: i64 = 172_800;
/// The service's bounds, which the policy's `instanceRefresh` and a group's own tags share.
pub const MIN_HEALTHY: (i64, i64) = (0, 100);
pub const MAX_HEALTHY: (i64, i64) = (100, 200);
pub const WARMUP_SECONDS: (i64, i64) = (0, 86_400);
pub const CHECKPOINT: (i64, i64) = (1, 100);
pub const MAX_ALARMS: usize = 10;

pub static INSTANCE_REFRESH: Schema = Schema::Object(&[
    Field::optional(
        "minHealthyPercentage",
        &Schema::Integer {
            min: MIN_HEALTHY.0,
            max: MIN_HEALTHY.1,
        },
    ),
    Field::optional(
        "maxHealthyPercentage",
        &Schema::Integer {
            min: MAX_HEALTHY.0,
            max: MAX_HEALTHY.1,
        },
    ),
    Field::optional(
        "instanceWarmup",
        &Schema::Integer {
            min: WARMUP_SECONDS.0,
            max: WARMUP_SECONDS.1,
        },
    ),
    Field::optional(
        "checkpointPercentages",
        &Schema::Array {
            items: &Schema::Integer {
                min: CHECKPOINT.0,
                max: CHECKPOINT.1,
            },
            min: 1,
            max: 100,
        },
    ),
    Field::optional(
        "checkpointDelay",
        &Schema::Integer {
            min: 0,
            max: MAX_WAIT_SECONDS,
        },
    ),
    Field::optional(
        "bakeTime",
        &Schema::Integer {
            min: 0,
            max: MAX_WAIT_SECONDS,
        },
    ),
    Field::optional(
        "alarms",
        &Schema::Array {
            items: &Schema::Text(crate::schema::Text::len(1, 255)),
            min: 0,
            max: MAX_ALARMS,
        },
    ),
    Field::optional("autoRollback", &BOOL),
]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_cross_field_rules() {
        let defaults = RefreshPreferences::default();
        assert_eq!(
            (defaults.min_healthy_percentage, defaults.auto_rollback),
            (90, true)
        );
        assert!(defaults.problems().is_empty());
        let bad = RefreshPreferences {
            checkpoint_percentages: vec![50, 50, 90],
            max_healthy_percentage: Some(200),
            min_healthy_percentage: 50,
            ..RefreshPreferences::default()
        };
        let fields: Vec<&str> = bad.problems().iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "checkpointPercentages",
                "checkpointPercentages",
                "maxHealthyPercentage"
            ]
        );
    }
}
