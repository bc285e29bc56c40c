//! A group's own refresh preferences: its `amiflow:refresh:<preference>` tags, over the policy's.

use std::collections::BTreeMap;

use crate::policy::refresh::{
    RefreshPreferences, CHECKPOINT, MAX_ALARMS, MAX_HEALTHY, MAX_WAIT_SECONDS, MIN_HEALTHY,
    WARMUP_SECONDS,
};

/// The prefix of the tags that set a group's own preferences.
pub const PREFERENCE_TAG_PREFIX: &str = "amiflow:refresh:";

/// The policy's preferences with the group's `amiflow:refresh:<preference>` tags applied, or the
/// first tag that holds no valid value.
pub fn preferences(
    tags: &BTreeMap<String, String>,
    defaults: &RefreshPreferences,
) -> Result<RefreshPreferences, (String, String)> {
    let mut out = defaults.clone();
    for (tag, value) in tags {
        let Some(preference) = tag.strip_prefix(PREFERENCE_TAG_PREFIX) else {
            continue;
        };
        let bad = |problem: String| (tag.clone(), problem);
        let number = |(min, max): (i64, i64)| -> Result<i32, (String, String)> {
            match value.trim().parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n as i32),
                _ => Err(bad(format!(
                    "must be a whole number from {min} to {max}, got {value:?}"
                ))),
            }
        };
        match preference {
            "min-healthy-percentage" => out.min_healthy_percentage = number(MIN_HEALTHY)?,
            "max-healthy-percentage" => out.max_healthy_percentage = Some(number(MAX_HEALTHY)?),
            "instance-warmup" => out.instance_warmup = Some(number(WARMUP_SECONDS)?),
            "checkpoint-delay" => out.checkpoint_delay = Some(number((0, MAX_WAIT_SECONDS))?),
            "bake-time" => out.bake_time = Some(number((0, MAX_WAIT_SECONDS))?),
            "checkpoints" => {
                out.checkpoint_percentages = value
                    .split(',')
                    .map(|p| match p.trim().parse::<i64>() {
                        Ok(n) if (CHECKPOINT.0..=CHECKPOINT.1).contains(&n) => Ok(n as i32),
                        _ => Err(bad(format!(
                            "must be percentages from {} to {}, comma separated, got {value:?}",
                            CHECKPOINT.0, CHECKPOINT.1
                        ))),
                    })
                    .collect::<Result<_, _>>()?
            }
            "alarms" => {
                out.alarms = value
                    .split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
                    .collect();
                // The policy's alarms are counted by its schema; a tag's here.
                if out.alarms.len() > MAX_ALARMS {
                    let count = out.alarms.len();
                    return Err(bad(format!("at most {MAX_ALARMS} alarms, got {count}")));
                }
            }
            "auto-rollback" => {
                out.auto_rollback = match value.trim() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad(format!("must be true or false, got {value:?}"))),
                }
            }
            _ => {
                return Err(bad(format!(
                    "is no preference amiflow knows: {PREFERENCE_TAG_PREFIX}min-healthy-percentage, \
                     max-healthy-percentage, instance-warmup, checkpoints, checkpoint-delay, bake-time, \
                     alarms or auto-rollback"
                )))
            }
        }
    }
    if let Some((field, problem)) = out.problems().into_iter().next() {
        return Err((format!("{PREFERENCE_TAG_PREFIX}* ({field})"), problem));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_tags_override_the_policy_and_bad_values_are_named() {
        let tags: BTreeMap<String, String> = [
            ("amiflow:refresh:min-healthy-percentage", "50"),
            ("amiflow:refresh:checkpoints", "20, 100"),
            ("amiflow:refresh:alarms", "cpu-high,errors"),
            ("amiflow:refresh:auto-rollback", "false"),
            ("Name", "web"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let got = preferences(&tags, &RefreshPreferences::default()).unwrap();
        assert_eq!(got.min_healthy_percentage, 50);
        assert_eq!(got.checkpoint_percentages, [20, 100]);
        assert_eq!(got.alarms, ["cpu-high", "errors"]);
        assert!(!got.auto_rollback);
        for (tag, value, words) in [
            (
                "amiflow:refresh:min-healthy-percentage",
                "lots",
                "from 0 to 100",
            ),
            ("amiflow:refresh:checkpoints", "50", "must end at 100"),
            ("amiflow:refresh:warmup", "60", "is no preference"),
            (
                "amiflow:refresh:alarms",
                "a,b,c,d,e,f,g,h,i,j,k",
                "at most 10 alarms, got 11",
            ),
        ] {
            let tags = BTreeMap::from([(tag.to_string(), value.to_string())]);
            let (_, problem) = preferences(&tags, &RefreshPreferences::default()).unwrap_err();
            assert!(problem.contains(words), "{problem}");
        }
    }
}
