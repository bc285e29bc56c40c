//! The end of an invocation: one log line per action, the whole report in parts (a CloudWatch
//! Logs event holds 256 KB), and the answer, or the error that makes Lambda retry.

use amiflow_model::report::action::Action;
use amiflow_model::report::answer::{parts, Answer};
use amiflow_model::report::Report;

use crate::error::FunctionError;

/// Actions per logged part of the report: far below 256 KB even with long details.
const ACTIONS_PER_PART: usize = 200;

/// Logs every action and the report, and answers it, or the error that makes Lambda retry.
pub fn finish(report: Report) -> Result<Answer, FunctionError> {
    for action in &report.actions {
        tracing::info!(
            kind = action.kind.as_str(),
            region = %action.region,
            account_id = %action.account_id,
            target = %action.target,
            image = action.image.as_deref().unwrap_or(""),
            ami = action.ami.as_deref().unwrap_or(""),
            outcome = action.outcome().as_str(),
            detail = %action.detail,
            "action"
        );
    }
    let summary = serde_json::to_string(&report.summary).unwrap_or_default();
    let parts: Vec<&[Action]> = parts(&report, ACTIONS_PER_PART).collect();
    for (i, actions) in parts.iter().enumerate() {
        let actions = serde_json::to_string(actions).unwrap_or_default();
        tracing::info!(image = %report.subject, part = i + 1, parts = parts.len(),
            summary = %summary, actions = %actions, "amiflow report");
    }
    match report.failure_message() {
        None => Ok(Answer::Report(report)),
        Some(message) => {
            tracing::error!(image = %report.subject, summary = %summary, "amiflow report: {message}");
            Err(FunctionError::PartialFailure {
                message,
                report: Box::new(report),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use amiflow_model::plan::target::Placement;
    use amiflow_model::report::action::{Action, ActionKind};
    use amiflow_model::report::template::TemplateDetail;

    fn action(target: &str, detail: TemplateDetail) -> Action {
        let placement = Placement {
            region: "eu-west-1".into(),
            account_id: "210987654321".into(),
            ami: Ok("ami-1".into()),
            cross_account: true,
        };
        Action::at(ActionKind::LaunchTemplate, &placement, target, None, detail)
    }

    #[test]
    fn failed_targets_become_a_partial_failure_naming_them() {
        let updated = || {
            action(
                "lt-a",
                TemplateDetail::MadeDefault {
                    version: 2,
                    untagged: None,
                },
            )
        };
        let missing = action(
            "lt-missing",
            TemplateDetail::NoSuchId {
                id: "lt-missing".into(),
                account: "210987654321".into(),
                region: "eu-west-1".into(),
            },
        );
        let ok = finish(Report::new("arn", false, false, vec![updated()])).unwrap();
        assert_eq!(ok.report().unwrap().summary.updated, 1);
        let err = finish(Report::new("arn", false, false, vec![updated(), missing])).unwrap_err();
        assert_eq!(err.error_type(), "PartialFailure");
        assert_eq!(err.report().unwrap().summary.failed, 1);
        let message = err.to_string();
        assert!(
            message.contains("lt-missing") && !message.contains("lt-a "),
            "{message}"
        );
    }
}
