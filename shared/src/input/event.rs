//! EventBridge events: Image Builder's Image State Change, and the Lambda destination record that
//! carries update-launch-templates' result. Any other source or detail-type is ignored.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::arn::ImageBuildVersionArn;
use super::destination::{self, DESTINATION_SOURCE, DESTINATION_SUCCESS};
use super::ignore::IgnoreReason;
use super::{ImageAsked, ImageRequest, Request};
use crate::error::InputError;

pub const IMAGE_BUILDER_SOURCE: &str = "aws.imagebuilder";
pub const IMAGE_STATE_CHANGE: &str = "EC2 Image Builder Image State Change";

/// `detail` of the Image State Change event. Unknown fields are ignored: the service adds them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageStateChangeDetail {
    pub state: StateDetail,
    #[serde(
        rename = "previous-state",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub previous_state: Option<StateDetail>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StateDetail {
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

pub type ImageStateChangeEvent = EventBridgeEvent<ImageStateChangeDetail>;

/// A string member of the event, required.
pub(super) fn text<'a>(input: &'a Value, field: &str) -> Result<&'a str, InputError> {
    match input.get(field) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(InputError::new(field, "must be a string")),
        None => Err(InputError::new(
            field,
            "is required in an EventBridge event",
        )),
    }
}

/// Classifies an EventBridge event by its source and detail-type.
pub(super) fn classify(input: &Value) -> Result<Request, InputError> {
    if input.get("rollback").is_some() {
        return Err(InputError::new(
            "rollback",
            "is for a direct request ({\"imageBuildVersionArn\": ..., \"rollback\": true}), never an EventBridge event",
        ));
    }
    let source = text(input, "source")?;
    let detail_type = text(input, "detail-type")?;
    match (source, detail_type) {
        (IMAGE_BUILDER_SOURCE, IMAGE_STATE_CHANGE) => image_state_change(input),
        (DESTINATION_SOURCE, DESTINATION_SUCCESS) => destination::classify(input),
        (IMAGE_BUILDER_SOURCE, other) => Ok(Request::Ignore(IgnoreReason::OtherDetailType {
            detail_type: other.to_string(),
        })),
        (other, _) => Ok(Request::Ignore(IgnoreReason::OtherSource {
            source: other.to_string(),
        })),
    }
}

fn image_state_change(input: &Value) -> Result<Request, InputError> {
    let resource = match input.get("resources") {
        None => {
            return Err(InputError::new(
                "resources",
                "is required: it carries the image build version ARN",
            ))
        }
        Some(Value::Array(list)) => match list.first() {
            Some(Value::String(s)) => s.as_str(),
            Some(_) => return Err(InputError::new("resources[0]", "must be a string")),
            None => {
                return Err(InputError::new(
                    "resources",
                    "must hold the image build version ARN, is empty",
                ))
            }
        },
        Some(_) => return Err(InputError::new("resources", "must be an array")),
    };
    let image = ImageBuildVersionArn::parse_field(resource, "resources[0]")?;
    match input.pointer("/detail/state/status") {
        Some(Value::String(_)) => {}
        Some(_) => return Err(InputError::new("detail.state.status", "must be a string")),
        None => return Err(InputError::new("detail.state.status", "is required")),
    }
    let event: ImageStateChangeEvent = serde_json::from_value(input.clone()).map_err(|e| {
        InputError::new("input", format!("is not an Image State Change event: {e}"))
    })?;
    let status = event.detail.state.status;
    if status != "AVAILABLE" {
        return Ok(Request::Ignore(IgnoreReason::EventState { status }));
    }
    let id = event.id.unwrap_or_else(|| format!("event:{image}"));
    Ok(Request::Image(ImageRequest {
        image,
        asked: ImageAsked::Event { id },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(status: &str) -> Value {
        json!({
            "version": "0",
            "id": "e1e7a8b2-0000-4000-8000-000000000001",
            "detail-type": "EC2 Image Builder Image State Change",
            "source": "aws.imagebuilder",
            "account": "123456789012",
            "time": "2026-11-20T10:00:00Z",
            "region": "us-east-1",
            "resources": ["arn:aws:imagebuilder:us-east-1:123456789012:image/golden-al2023/1.0.0/2"],
            "detail": {
                "previous-state": {"status": "DISTRIBUTING"},
                "state": {"status": status},
                "a-field-added-later": {"x": 1}
            }
        })
    }

    #[test]
    fn available_event_acts_with_event_id() {
        let Request::Image(request) = Request::classify(&event("AVAILABLE")).unwrap() else {
            panic!("should act")
        };
        assert_eq!(request.image.name, "golden-al2023");
        assert_eq!(
            request.asked,
            ImageAsked::Event {
                id: "e1e7a8b2-0000-4000-8000-000000000001".into()
            }
        );
    }

    #[test]
    fn other_states_sources_and_types_are_ignored_with_reason() {
        let with = |key: &str, value: &str| {
            let mut e = event("AVAILABLE");
            e[key] = json!(value);
            e
        };
        let ignored = |input: Value| match Request::classify(&input).unwrap() {
            Request::Ignore(reason) => reason,
            other => panic!("expected ignore, got {other:?}"),
        };
        assert_eq!(
            ignored(event("FAILED")),
            IgnoreReason::EventState {
                status: "FAILED".into()
            }
        );
        assert_eq!(
            ignored(with("source", "aws.ec2")),
            IgnoreReason::OtherSource {
                source: "aws.ec2".into()
            }
        );
        let cve = ignored(with("detail-type", "EC2 Image Builder CVE Detected"));
        assert_eq!(
            cve.to_string(),
            "detail-type is \"EC2 Image Builder CVE Detected\", not \"EC2 Image Builder Image State Change\""
        );
    }

    #[test]
    fn malformed_events_name_the_field() {
        let mut missing = event("AVAILABLE");
        missing.as_object_mut().unwrap().remove("resources");
        let mut bad_arn = event("AVAILABLE");
        bad_arn["resources"] = json!(["arn:aws:imagebuilder:us-east-1:123456789012:image/x"]);
        let mut no_status = event("AVAILABLE");
        no_status["detail"] = json!({"state": {}});
        let mut numeric_source = event("AVAILABLE");
        numeric_source["source"] = json!(7);
        for (input, field) in [
            (missing, "`resources`"),
            (
                bad_arn,
                "`resources[0]`: must be an image build version ARN",
            ),
            (no_status, "`detail.state.status`: is required"),
            (numeric_source, "`source`: must be a string"),
        ] {
            let err = Request::classify(&input).unwrap_err().to_string();
            assert!(err.contains(field), "{err} should name {field}");
        }
    }

    #[test]
    fn rollback_is_never_an_event() {
        let mut with_rollback = event("AVAILABLE");
        with_rollback["rollback"] = json!(true);
        let err = Request::classify(&with_rollback).unwrap_err().to_string();
        assert!(err.contains("`rollback`: is for a direct request"), "{err}");
    }
}
