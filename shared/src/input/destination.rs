//! update-launch-templates' success result, as EventBridge delivers a Lambda destination record
//! (source `lambda`, detail-type `Lambda Function Invocation Result - Success`): its
//! `detail.responsePayload` is the report, and the templates it changed are the ones whose Auto
//! Scaling groups have a new default version to roll to.

use serde_json::Value;

use super::arn::ImageBuildVersionArn;
use super::event::text;
use super::ignore::IgnoreReason;
use super::Request;
use crate::error::InputError;
use crate::plan::unique::unique_by;
use crate::report::action::{ActionKind, Outcome};

pub const DESTINATION_SOURCE: &str = "lambda";
pub const DESTINATION_SUCCESS: &str = "Lambda Function Invocation Result - Success";

/// The launch templates a result changed, by image build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedTemplates {
    /// EventBridge's id of the destination event.
    pub event_id: String,
    pub templates: Vec<ChangedTemplate>,
    /// False when the answer left actions out (a very large run): then every template of the
    /// named builds is looked at, not only the changed ones.
    pub complete: bool,
}

/// One template the result made a new default version of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedTemplate {
    pub image: ImageBuildVersionArn,
    pub region: String,
    pub account_id: String,
    pub template_id: String,
}

impl ChangedTemplates {
    /// The builds named, each once, in first-seen order.
    pub fn builds(&self) -> Vec<ImageBuildVersionArn> {
        unique_by(self.templates.iter().map(|t| t.image.clone()), Clone::clone)
    }

    /// Whether the result changed this template (always, when it left actions out).
    pub fn includes(&self, region: &str, account: &str, template_id: &str) -> bool {
        !self.complete
            || self.templates.iter().any(|t| {
                t.region == region && t.account_id == account && t.template_id == template_id
            })
    }
}

/// Reads the destination record's report; a result that changed nothing is ignored.
pub(super) fn classify(input: &Value) -> Result<Request, InputError> {
    let event_id = text(input, "id")?.to_string();
    let Some(report) = input.pointer("/detail/responsePayload") else {
        return Err(InputError::new(
            "detail.responsePayload",
            "is required: a Lambda destination record carries the function's answer there",
        ));
    };
    if report.get("ignored") == Some(&Value::Bool(true)) {
        return Ok(Request::Ignore(IgnoreReason::NothingChanged));
    }
    let subject = report
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(Value::Array(actions)) = report.get("actions") else {
        return Err(InputError::new(
            "detail.responsePayload.actions",
            "is required: the result is an amiflow report",
        ));
    };
    let mut templates = Vec::new();
    for (i, action) in actions.iter().enumerate() {
        let field = |name: &str| action.get(name).and_then(Value::as_str).unwrap_or_default();
        let changed = field("kind") == ActionKind::LaunchTemplate.as_str()
            && field("outcome") == Outcome::Updated.as_str();
        if !changed {
            continue;
        }
        let image = match action.get("image").and_then(Value::as_str) {
            Some(image) => image,
            None => subject,
        };
        let path = format!("detail.responsePayload.actions[{i}].image");
        templates.push(ChangedTemplate {
            image: ImageBuildVersionArn::parse_field(image, &path)?,
            region: field("region").to_string(),
            account_id: field("accountId").to_string(),
            template_id: field("target").to_string(),
        });
    }
    let left_out = report.get("leftOut").and_then(Value::as_u64).unwrap_or(0);
    if templates.is_empty() && left_out == 0 {
        return Ok(Request::Ignore(IgnoreReason::NothingChanged));
    }
    Ok(Request::Changed(ChangedTemplates {
        event_id,
        templates,
        complete: left_out == 0,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const IMAGE: &str = "arn:aws:imagebuilder:us-east-1:123456789012:image/golden/1.0.0/2";

    fn record(report: Value) -> Value {
        json!({
            "version": "0", "id": "d1", "source": "lambda",
            "detail-type": "Lambda Function Invocation Result - Success",
            "account": "123456789012", "region": "us-east-1", "time": "2026-12-01T00:00:00Z",
            "resources": ["arn:aws:events:us-east-1:123456789012:event-bus/default"],
            "detail": {"version": "1.0", "requestContext": {"condition": "Success",
                "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:update-launch-templates:$LATEST"},
                "responseContext": {"statusCode": 200}, "responsePayload": report}
        })
    }

    fn template(target: &str, outcome: &str) -> Value {
        json!({"kind": "launch-template", "region": "eu-west-1", "accountId": "210987654321",
               "target": target, "outcome": outcome, "detail": "..."})
    }

    #[test]
    fn only_the_templates_it_updated_are_changed() {
        let report = json!({"image": IMAGE, "dryRun": false, "summary": {"updated": 1},
            "actions": [template("lt-0aaaaaaaaaaaaaaaa", "updated"), template("lt-0bbbbbbbbbbbbbbbb", "unchanged")]});
        let Request::Changed(changed) = Request::classify(&record(report)).unwrap() else {
            panic!("changed templates")
        };
        assert!(changed.complete);
        assert_eq!(changed.templates.len(), 1);
        assert!(changed.includes("eu-west-1", "210987654321", "lt-0aaaaaaaaaaaaaaaa"));
        assert!(!changed.includes("eu-west-1", "210987654321", "lt-0bbbbbbbbbbbbbbbb"));
        assert_eq!(
            changed.builds(),
            [IMAGE.parse::<ImageBuildVersionArn>().unwrap()]
        );
    }

    #[test]
    fn a_result_that_changed_nothing_or_was_ignored_is_ignored() {
        for report in [
            json!({"image": IMAGE, "actions": [template("lt-0aaaaaaaaaaaaaaaa", "unchanged")]}),
            json!({"ignored": true, "reason": "image state is FAILED"}),
        ] {
            assert_eq!(
                Request::classify(&record(report)).unwrap(),
                Request::Ignore(IgnoreReason::NothingChanged)
            );
        }
    }

    #[test]
    fn a_result_that_left_actions_out_covers_every_template() {
        let report = json!({"image": IMAGE, "leftOut": 900,
            "actions": [template("lt-0aaaaaaaaaaaaaaaa", "updated")]});
        let Request::Changed(changed) = Request::classify(&record(report)).unwrap() else {
            panic!("changed templates")
        };
        assert!(!changed.complete);
        assert!(changed.includes("us-east-1", "123456789012", "lt-0ccccccccccccccccc"));
    }

    #[test]
    fn a_record_without_a_report_names_the_field() {
        let mut bad = record(json!({}));
        bad["detail"]
            .as_object_mut()
            .unwrap()
            .remove("responsePayload");
        let err = Request::classify(&bad).unwrap_err().to_string();
        assert!(
            err.contains("`detail.responsePayload`: is required"),
            "{err}"
        );
        let err = Request::classify(&record(json!({"image": IMAGE})))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`detail.responsePayload.actions`"), "{err}");
    }
}
