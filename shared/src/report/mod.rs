//! The report every function returns and logs: one action per target with its typed reason, and
//! the counts of each outcome.

pub mod action;
pub mod answer;
pub mod detail;
pub mod distribute;
pub mod parameter;
pub mod refresh;
pub mod template;

use serde::Serialize;

use action::{Action, Outcome};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub skipped: usize,
    pub planned: usize,
    pub failed: usize,
}

impl Summary {
    fn count(&mut self, outcome: Outcome) {
        let count = match outcome {
            Outcome::Created => &mut self.created,
            Outcome::Updated => &mut self.updated,
            Outcome::Unchanged => &mut self.unchanged,
            Outcome::Skipped => &mut self.skipped,
            Outcome::Planned => &mut self.planned,
            Outcome::Failed => &mut self.failed,
        };
        *count += 1;
    }
}

/// What one invocation did: the subject (an image build, a direct call's source, or a
/// reconcile), and one action per target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The image build version ARN acted on, the source image of a direct DistributeImage
    /// request, or `reconcile` (each action then names its build).
    pub subject: String,
    pub dry_run: bool,
    pub reconcile: bool,
    pub actions: Vec<Action>,
    pub summary: Summary,
}

/// The subject of a reconcile's report.
pub const RECONCILE_SUBJECT: &str = "reconcile";

impl Report {
    /// The report of `actions`. A reconcile's actions, and those of several builds, name each
    /// its build; a report of one image names it once, as its subject.
    pub fn new(
        subject: impl Into<String>,
        dry_run: bool,
        reconcile: bool,
        mut actions: Vec<Action>,
    ) -> Self {
        let first = actions.first().and_then(|a| a.image.clone());
        let one_build = actions.iter().all(|a| a.image == first);
        let mut summary = Summary::default();
        for action in &mut actions {
            summary.count(action.outcome());
            if one_build && !reconcile {
                action.image = None;
            }
        }
        Self {
            subject: subject.into(),
            dry_run,
            reconcile,
            actions,
            summary,
        }
    }

    /// Each action's outcome, in order.
    pub fn outcomes(&self) -> Vec<Outcome> {
        self.actions.iter().map(Action::outcome).collect()
    }

    pub fn failed(&self) -> impl Iterator<Item = &Action> {
        self.actions
            .iter()
            .filter(|a| a.outcome() == Outcome::Failed)
    }

    /// The targets a reconcile found out of place: repaired, or in a dry run, to be repaired.
    /// An event's changes are no drift: that is what events are for.
    pub fn drift(&self) -> usize {
        match self.reconcile {
            true => self
                .actions
                .iter()
                .filter(|a| a.outcome().is_change())
                .count(),
            false => 0,
        }
    }

    /// One line per failed target, for the error that makes Lambda retry.
    /// It names at most `FAILURES_NAMED` targets, each detail cut to `DETAIL_CHARS`, so that the
    /// error stays far below Lambda's 256 KB error and 6 MB payload limits however many fail; the
    /// report (logged) has them all.
    pub fn failure_message(&self) -> Option<String> {
        const FAILURES_NAMED: usize = 20;
        const DETAIL_CHARS: usize = 300;
        let count = self.failed().count();
        let named: Vec<String> = self
            .failed()
            .take(FAILURES_NAMED)
            .map(|a| {
                let detail = shorten(&a.detail.to_string(), DETAIL_CHARS);
                let (kind, target) = (a.kind.as_str(), &a.target);
                format!("{kind} {target} in {}/{}: {detail}", a.account_id, a.region)
            })
            .collect();
        let more = match count.saturating_sub(FAILURES_NAMED) {
            0 => String::new(),
            rest => format!("; and {rest} more (the logged report names every one)"),
        };
        (count > 0).then(|| {
            format!(
                "{count} of {} targets failed: {}{more}",
                self.actions.len(),
                named.join("; ")
            )
        })
    }
}

/// `text` cut to its first `max_chars` characters, marked ` [...]` where something was cut: for
/// words that a report repeats (service errors, target details) and that could be long.
pub fn shorten(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{} [...]", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::action::ActionKind;
    use super::detail::{CallFailure, Detail};
    use super::parameter::ParameterDetail;
    use super::*;

    /// A parameter action with `detail`, at a fixed place.
    pub(crate) fn action(target: &str, detail: impl Into<Detail>) -> Action {
        Action {
            kind: ActionKind::SsmParameter,
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            target: target.into(),
            ami: Some("ami-1".into()),
            detail: detail.into(),
            product: None,
            image: Some("arn:aws:imagebuilder:us-east-1:123456789012:image/x/1.0.0/1".into()),
        }
    }

    pub(crate) fn failed(target: &str, why: &str) -> Action {
        action(
            target,
            ParameterDetail::WriteFailed(CallFailure::new("PutParameter", None, why)),
        )
    }

    #[test]
    fn summary_counts_outcomes_and_serializes_as_specified() {
        let report = Report::new(
            "arn:img",
            false,
            false,
            vec![
                action("/a", ParameterDetail::Created { version: 1 }),
                failed("/b", "why"),
                failed("/c", "why"),
            ],
        );
        let json = serde_json::to_value(&report.actions).unwrap();
        assert_eq!((report.summary.created, report.summary.failed), (1, 2));
        assert_eq!(json[0]["kind"], "ssm-parameter");
        assert_eq!(json[0]["accountId"], "123456789012");
        assert_eq!(json[0]["outcome"], "created");
        assert_eq!(json[0]["detail"], "version 1");
        assert!(json[0].get("image").is_none(), "one image: named once");
        assert_eq!(json[1]["detail"], "PutParameter failed: why");
        let message = report.failure_message().unwrap();
        assert!(message.starts_with("2 of 3 targets failed"), "{message}");
        assert!(
            message.contains("/b") && message.contains("/c") && !message.contains("/a"),
            "{message}"
        );
        assert_eq!(report.drift(), 0, "an event's changes are no drift");
    }

    #[test]
    fn a_reconcile_names_each_actions_build_and_counts_its_changes_as_drift() {
        let report = Report::new(
            RECONCILE_SUBJECT,
            false,
            true,
            vec![
                action("/a", ParameterDetail::Created { version: 1 }),
                action(
                    "/b",
                    ParameterDetail::Holds {
                        ami: "ami-1".into(),
                    },
                ),
            ],
        );
        assert_eq!(report.drift(), 1);
        let json = serde_json::to_value(&report.actions).unwrap();
        assert!(json[0]["image"].as_str().unwrap().ends_with("x/1.0.0/1"));
    }

    #[test]
    fn shorten_cuts_at_characters_and_marks_the_cut() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "abc [...]");
        assert_eq!(shorten("ééééé", 2), "éé [...]");
        assert_eq!(shorten("", 0), "");
    }

    #[test]
    fn the_failure_message_stays_small_however_many_fail() {
        let long = "x".repeat(5_000);
        let mut actions: Vec<Action> = (0..3_000)
            .map(|i| failed(&format!("/p{i}"), "why"))
            .collect();
        actions[0] = failed("/p0", &long);
        let report = Report::new("x", false, false, actions);
        let message = report.failure_message().unwrap();
        assert!(
            message.starts_with("3000 of 3000 targets failed"),
            "{}",
            &message[..40]
        );
        assert!(message.ends_with("and 2980 more (the logged report names every one)"));
        assert!(message.len() < 10_000, "{} bytes", message.len());
        assert!(message.contains("/p19") && !message.contains("/p20:"));
        assert_eq!(
            Report::new("x", true, false, vec![]).failure_message(),
            None
        );
    }
}
