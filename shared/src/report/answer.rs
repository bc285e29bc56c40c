//! What a function answers, bounded: a Lambda destination delivers the answer to EventBridge,
//! which takes at most 256 KB an entry (the record around it included). A report of thousands of
//! targets is larger, so the answer keeps the summary, then the failed and changed targets while
//! they fit in `ANSWER_BYTES`, and counts the rest (`leftOut`); the function's log has every
//! action, one line each, and the whole report in parts.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::action::{Action, Outcome};
use super::Report;
use crate::input::ignore::IgnoreReason;

/// The most bytes an answer takes: room under EventBridge's 256 KB for the destination record's
/// own fields and the request it repeats.
pub const ANSWER_BYTES: usize = 200_000;

/// Room kept for everything in the answer but its actions.
const FRAME_BYTES: usize = 2_000;

/// What a function answers: a report of its actions, or why the input was left alone
/// (`{"ignored": true, "reason": ...}`), both successes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Ignored(IgnoreReason),
    Report(Report),
}

impl Answer {
    /// The report, if the input was acted on.
    pub fn report(&self) -> Option<&Report> {
        match self {
            Answer::Report(report) => Some(report),
            Answer::Ignored(_) => None,
        }
    }
}

impl Serialize for Answer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Answer::Report(report) => Bounded::of(report).serialize(serializer),
            Answer::Ignored(reason) => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("ignored", &true)?;
                map.serialize_entry("reason", &reason.to_string())?;
                map.end()
            }
        }
    }
}

/// A report as answered: every action where all fit, else the failed and changed ones that fit.
struct Bounded<'a> {
    report: &'a Report,
    listed: Vec<&'a Action>,
    left_out: usize,
}

impl<'a> Bounded<'a> {
    fn of(report: &'a Report) -> Self {
        let size = |a: &Action| serde_json::to_string(a).map_or(0, |s| s.len() + 1);
        let budget = ANSWER_BYTES - FRAME_BYTES - report.subject.len();
        // Each action serialized once: the candidates below are sized from these.
        let sizes: Vec<usize> = report.actions.iter().map(size).collect();
        if sizes.iter().sum::<usize>() <= budget {
            return Self {
                report,
                listed: report.actions.iter().collect(),
                left_out: 0,
            };
        }
        let sized = || report.actions.iter().zip(sizes.iter().copied());
        let first = |(a, _): &(&Action, usize)| a.outcome() == Outcome::Failed;
        let then = |(a, _): &(&Action, usize)| a.outcome().is_change();
        let candidates = sized().filter(first).chain(sized().filter(then));
        let mut listed = Vec::new();
        let mut used = 0;
        for (action, size) in candidates {
            used += size;
            if used > budget {
                break;
            }
            listed.push(action);
        }
        let left_out = report.actions.len() - listed.len();
        Self {
            report,
            listed,
            left_out,
        }
    }
}

impl Serialize for Bounded<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let report = self.report;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("image", &report.subject)?;
        map.serialize_entry("dryRun", &report.dry_run)?;
        if report.reconcile {
            map.serialize_entry("reconcile", &true)?;
            map.serialize_entry("drift", &report.drift())?;
        }
        map.serialize_entry("actions", &self.listed)?;
        map.serialize_entry("summary", &report.summary)?;
        if self.left_out > 0 {
            map.serialize_entry("leftOut", &self.left_out)?;
            map.serialize_entry(
                "log",
                &format!(
                    "{} actions are too many for one answer: the failed and changed ones that fit are listed \
                     and {} left out; the function's log has every action (one `action` line each) and the \
                     whole report in parts",
                    report.actions.len(),
                    self.left_out
                ),
            )?;
        }
        map.end()
    }
}

/// The report's actions in parts of at most `per_part`, for a log whose events are limited in
/// size (CloudWatch Logs takes 256 KB an event). A report without actions is one empty part, so
/// its summary is logged too.
pub fn parts(report: &Report, per_part: usize) -> impl Iterator<Item = &[Action]> {
    let actions = report.actions.as_slice();
    let none = actions.is_empty().then_some(actions);
    actions.chunks(per_part.max(1)).chain(none)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::parameter::ParameterDetail;
    use crate::report::tests::{action, failed};

    fn updated(i: usize) -> Action {
        let detail = ParameterDetail::Updated {
            version: 2,
            was: "ami-0123456789abcdef0".into(),
            rolled_back_from: None,
        };
        action(&format!("/amiflow/golden-al2023/latest-{i}"), detail)
    }

    fn unchanged(i: usize) -> Action {
        action(
            &format!("/unchanged/{i}"),
            ParameterDetail::Holds {
                ami: "ami-1".into(),
            },
        )
    }

    #[test]
    fn a_small_report_is_answered_whole() {
        let report = Report::new("arn", false, false, vec![updated(0), unchanged(1)]);
        let json = serde_json::to_value(Answer::Report(report)).unwrap();
        assert_eq!(json["actions"].as_array().unwrap().len(), 2);
        assert!(json.get("leftOut").is_none());
        assert_eq!(json["summary"]["updated"], 1);
    }

    #[test]
    fn a_large_report_keeps_failed_and_changed_targets_within_the_bound() {
        let mut actions: Vec<Action> = (0..3_200).map(unchanged).collect();
        actions.extend((0..3_200).map(updated));
        actions.push(failed("/broken", "AccessDenied"));
        let report = Report::new("arn", false, false, actions);
        let text = serde_json::to_string(&Answer::Report(report)).unwrap();
        assert!(text.len() <= ANSWER_BYTES, "{} bytes", text.len());
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let listed = json["actions"].as_array().unwrap();
        assert_eq!(listed[0]["target"], "/broken", "failures first");
        assert!(listed.iter().skip(1).all(|a| a["outcome"] == "updated"));
        let left_out = json["leftOut"].as_u64().unwrap() as usize;
        assert_eq!(listed.len() + left_out, 6_401);
        assert_eq!(
            json["summary"]["unchanged"], 3_200,
            "the summary counts every target"
        );
        assert!(json["log"].as_str().unwrap().contains("every action"));
    }

    #[test]
    fn ignored_answers_serialize_as_the_contract_says() {
        let ignored = Answer::Ignored(IgnoreReason::EventState {
            status: "FAILED".into(),
        });
        assert_eq!(
            serde_json::to_value(&ignored).unwrap(),
            serde_json::json!({"ignored": true,
                "reason": "image state is FAILED; only AVAILABLE images are acted on"})
        );
    }

    #[test]
    fn parts_cover_every_action_once() {
        let report = Report::new("arn", false, false, (0..250).map(unchanged).collect());
        let sizes: Vec<usize> = parts(&report, 100).map(<[Action]>::len).collect();
        assert_eq!(sizes, [100, 100, 50]);
        let empty = Report::new("arn", false, false, Vec::new());
        let sizes: Vec<usize> = parts(&empty, 100).map(<[Action]>::len).collect();
        assert_eq!(
            sizes,
            [0],
            "a report without actions is still logged, as one part"
        );
    }
}
