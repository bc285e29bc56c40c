//! The report every function returns and logs (README, "The report").

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    SsmParameter,
    LaunchTemplate,
    DistributeImage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
    Skipped,
    Planned,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    pub kind: ActionKind,
    pub region: String,
    pub account_id: String,
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ami: Option<String>,
    pub outcome: Outcome,
    pub detail: String,
    /// What the action made, where it made something to follow up on: the image build version
    /// ARN a DistributeImage call returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub skipped: usize,
    pub planned: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub image: String,
    pub dry_run: bool,
    pub actions: Vec<Action>,
    pub summary: Summary,
}

impl Report {
    pub fn new(image: impl Into<String>, dry_run: bool, actions: Vec<Action>) -> Self {
        let mut summary = Summary::default();
        for action in &actions {
            let count = match action.outcome {
                Outcome::Created => &mut summary.created,
                Outcome::Updated => &mut summary.updated,
                Outcome::Unchanged => &mut summary.unchanged,
                Outcome::Skipped => &mut summary.skipped,
                Outcome::Planned => &mut summary.planned,
                Outcome::Failed => &mut summary.failed,
            };
            *count += 1;
        }
        Self {
            image: image.into(),
            dry_run,
            actions,
            summary,
        }
    }

    /// Each action's outcome, in order.
    pub fn outcomes(&self) -> Vec<Outcome> {
        self.actions.iter().map(|a| a.outcome).collect()
    }

    pub fn failed(&self) -> impl Iterator<Item = &Action> {
        self.actions.iter().filter(|a| a.outcome == Outcome::Failed)
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
                let detail = shorten(&a.detail, DETAIL_CHARS);
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

/// What a function answers: a report of its actions, or why the input was left alone
/// (`{"ignored": true, "reason": ...}`), both successes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Ignored { reason: String },
    Report(Report),
}

impl Answer {
    /// The report, if the input was acted on.
    pub fn report(&self) -> Option<&Report> {
        match self {
            Answer::Report(report) => Some(report),
            Answer::Ignored { .. } => None,
        }
    }
}

impl Serialize for Answer {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Answer::Report(report) => report.serialize(serializer),
            Answer::Ignored { reason } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("ignored", &true)?;
                map.serialize_entry("reason", reason)?;
                map.end()
            }
        }
    }
}

impl ActionKind {
    /// The function that acts on this kind of target, as it is deployed by default.
    pub fn function_name(self) -> &'static str {
        match self {
            ActionKind::SsmParameter => "update-ssm-parameters",
            ActionKind::LaunchTemplate => "update-launch-templates",
            ActionKind::DistributeImage => "distribute-image",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::SsmParameter => "ssm-parameter",
            ActionKind::LaunchTemplate => "launch-template",
            ActionKind::DistributeImage => "distribute-image",
        }
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
mod tests {
    use super::*;

    fn action(outcome: Outcome, target: &str) -> Action {
        Action {
            kind: ActionKind::SsmParameter,
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            target: target.into(),
            ami: Some("ami-1".into()),
            outcome,
            detail: "why".into(),
            product: None,
        }
    }

    #[test]
    fn summary_counts_outcomes_and_serializes_as_specified() {
        let report = Report::new(
            "arn:img",
            false,
            vec![
                action(Outcome::Updated, "/a"),
                action(Outcome::Failed, "/b"),
                action(Outcome::Failed, "/c"),
            ],
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["summary"]["updated"], 1);
        assert_eq!(json["summary"]["failed"], 2);
        assert_eq!(json["dryRun"], false);
        assert_eq!(json["actions"][0]["kind"], "ssm-parameter");
        assert_eq!(json["actions"][0]["accountId"], "123456789012");
        assert_eq!(json["actions"][0]["outcome"], "updated");
        let message = report.failure_message().unwrap();
        assert!(message.starts_with("2 of 3 targets failed"), "{message}");
        assert!(
            message.contains("/b") && message.contains("/c") && !message.contains("/a"),
            "{message}"
        );
    }

    #[test]
    fn no_failure_message_without_failures() {
        assert_eq!(
            Report::new("x", true, vec![action(Outcome::Planned, "/a")]).failure_message(),
            None
        );
    }

    #[test]
    fn answers_serialize_as_the_contract_says() {
        let ignored = Answer::Ignored {
            reason: "not AVAILABLE".into(),
        };
        assert_eq!(
            serde_json::to_value(&ignored).unwrap(),
            serde_json::json!({"ignored": true, "reason": "not AVAILABLE"})
        );
        let report = Report::new("x", false, vec![action(Outcome::Created, "/a")]);
        let json = serde_json::to_value(Answer::Report(report.clone())).unwrap();
        assert_eq!(json, serde_json::to_value(&report).unwrap());
        assert!(json["actions"][0].get("product").is_none());
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
            .map(|i| action(Outcome::Failed, &format!("/p{i}")))
            .collect();
        actions[0].detail = long;
        let message = Report::new("x", false, actions).failure_message().unwrap();
        assert!(
            message.starts_with("3000 of 3000 targets failed"),
            "{}",
            &message[..40]
        );
        assert!(message.ends_with("and 2980 more (the logged report names every one)"));
        assert!(message.len() < 10_000, "{} bytes", message.len());
        assert!(message.contains("/p19") && !message.contains("/p20:"));
    }
}
