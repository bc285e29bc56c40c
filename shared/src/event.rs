//! What a function was invoked with: the Image State Change event from EventBridge, or a direct
//! request. Classifying it is pure: act on an image, ignore with a reason, or refuse as malformed.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::arn::ImageBuildVersionArn;
use crate::distribute::{direct_distribution, is_direct_distribution};
use crate::error::InputError;
use crate::plan::DistributeCall;
use crate::schema::{check, Field, Schema, Text};

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

/// A classified invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    /// Act on this image. `event_id` seeds deterministic client tokens.
    Act(Request),
    /// A direct DistributeImage request (`{sourceImage, distributionConfigurationArn, ...}`):
    /// only distribute-image takes it.
    Distribute(DistributeCall),
    /// Answer success without any AWS call.
    Ignore { reason: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub image: ImageBuildVersionArn,
    /// The EventBridge event id, or `direct:<arn>` for a direct request (the same request twice
    /// gives the same tokens).
    pub event_id: String,
    /// Move every target back to this build (a direct request only).
    pub rollback: bool,
}

static DIRECT_REQUEST: Schema = Schema::Object(&[
    Field::required("imageBuildVersionArn", &Schema::Text(Text::len(1, 1024))),
    Field::optional("rollback", &Schema::Bool),
]);

impl Request {
    /// What writing this request's build means: moving forward, or a sanctioned rollback.
    pub fn intent(&self) -> crate::decide::Intent {
        match self.rollback {
            true => crate::decide::Intent::Rollback,
            false => crate::decide::Intent::Forward,
        }
    }
}

impl Invocation {
    pub fn ignore(reason: impl Into<String>) -> Self {
        Invocation::Ignore {
            reason: reason.into(),
        }
    }

    /// Classifies an EventBridge event, a direct `{"imageBuildVersionArn": ...}` request, or a
    /// direct DistributeImage request: every input kind, in one place.
    pub fn classify(input: &Value) -> Result<Self, InputError> {
        let Value::Object(map) = input else {
            return Err(InputError::new(
                "input",
                "must be a JSON object (an EventBridge event or a direct request)",
            ));
        };
        if map.contains_key("detail-type")
            || map.contains_key("source")
            || map.contains_key("detail")
        {
            return classify_event(input);
        }
        if is_direct_distribution(input) {
            return direct_distribution(input).map(Invocation::Distribute);
        }
        let mut violations = Vec::new();
        check(input, &DIRECT_REQUEST, "", &mut violations);
        if !violations.is_empty() {
            return Err(violations.into());
        }
        let arn = input["imageBuildVersionArn"].as_str().unwrap_or_default();
        let image = ImageBuildVersionArn::parse_field(arn, "imageBuildVersionArn")?;
        let rollback = input.get("rollback") == Some(&Value::Bool(true));
        Ok(Invocation::Act(Request {
            event_id: match rollback {
                true => format!("rollback:{image}"),
                false => format!("direct:{image}"),
            },
            image,
            rollback,
        }))
    }
}

fn classify_event(input: &Value) -> Result<Invocation, InputError> {
    let text = |field: &str| -> Result<&str, InputError> {
        match input.get(field) {
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(InputError::new(field, "must be a string")),
            None => Err(InputError::new(
                field,
                "is required in an EventBridge event",
            )),
        }
    };
    if input.get("rollback").is_some() {
        return Err(InputError::new(
            "rollback",
            "is for a direct request ({\"imageBuildVersionArn\": ..., \"rollback\": true}), never an EventBridge event",
        ));
    }
    let source = text("source")?;
    let detail_type = text("detail-type")?;
    if source != IMAGE_BUILDER_SOURCE {
        return Ok(Invocation::ignore(format!(
            "source is {source:?}, not {IMAGE_BUILDER_SOURCE:?}"
        )));
    }
    if detail_type != IMAGE_STATE_CHANGE {
        return Ok(Invocation::ignore(format!(
            "detail-type is {detail_type:?}, not {IMAGE_STATE_CHANGE:?}"
        )));
    }
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
    let status = event.detail.state.status.as_str();
    if status != "AVAILABLE" {
        return Ok(Invocation::ignore(format!(
            "image state is {status}; only AVAILABLE images are acted on"
        )));
    }
    Ok(Invocation::Act(Request {
        event_id: event.id.unwrap_or_else(|| format!("event:{image}")),
        image,
        rollback: false,
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
        let Invocation::Act(request) = Invocation::classify(&event("AVAILABLE")).unwrap() else {
            panic!("should act")
        };
        assert_eq!(request.image.name, "golden-al2023");
        assert_eq!(request.event_id, "e1e7a8b2-0000-4000-8000-000000000001");
    }

    #[test]
    fn other_states_sources_and_types_are_ignored_with_reason() {
        for (input, words) in [
            (event("FAILED"), "FAILED"),
            (event("BUILDING"), "BUILDING"),
            (
                {
                    let mut e = event("AVAILABLE");
                    e["source"] = json!("aws.ec2");
                    e
                },
                "aws.ec2",
            ),
            (
                {
                    let mut e = event("AVAILABLE");
                    e["detail-type"] = json!("EC2 Image Builder CVE Detected");
                    e
                },
                "CVE Detected",
            ),
        ] {
            match Invocation::classify(&input).unwrap() {
                Invocation::Ignore { reason } => assert!(reason.contains(words), "{reason}"),
                other => panic!("expected ignore, got {other:?}"),
            }
        }
    }

    #[test]
    fn malformed_events_name_the_field() {
        let mut missing = event("AVAILABLE");
        missing.as_object_mut().unwrap().remove("resources");
        let mut bad_arn = event("AVAILABLE");
        bad_arn["resources"] = json!(["arn:aws:imagebuilder:us-east-1:123456789012:image/x"]);
        let mut no_status = event("AVAILABLE");
        no_status["detail"] = json!({"state": {}});
        for (input, field) in [
            (missing, "`resources`"),
            (
                bad_arn,
                "`resources[0]`: must be an image build version ARN",
            ),
            (no_status, "`detail.state.status`: is required"),
            (json!([1, 2]), "`input`: must be a JSON object"),
            (json!("text"), "`input`"),
        ] {
            let err = Invocation::classify(&input).unwrap_err().to_string();
            assert!(err.contains(field), "{err} should name {field}");
        }
    }

    #[test]
    fn direct_request_acts_and_rejects_unknown_keys() {
        let arn = "arn:aws:imagebuilder:us-east-1:123456789012:image/x/1.2.3/4";
        let Invocation::Act(request) =
            Invocation::classify(&json!({"imageBuildVersionArn": arn})).unwrap()
        else {
            panic!("should act")
        };
        assert_eq!(request.event_id, format!("direct:{arn}"));
        let err = Invocation::classify(&json!({"imageBuildVersionArm": arn}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean `imageBuildVersionArn`"), "{err}");
    }

    #[test]
    fn direct_distribution_requests_are_classified_once() {
        let request = json!({"sourceImage": "ami-0123456789abcdef0",
            "distributionConfigurationArn": "arn:aws:imagebuilder:us-east-1:123456789012:distribution-configuration/prod",
            "executionRole": "DistributionRole"});
        let Invocation::Distribute(call) = Invocation::classify(&request).unwrap() else {
            panic!("should be a direct distribution")
        };
        assert_eq!(call.source_image, "ami-0123456789abcdef0");
        let err = Invocation::classify(&json!({"sourceImage": "ami-1"}))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`distributionConfigurationArn`: is required"),
            "{err}"
        );
    }

    #[test]
    fn rollback_is_a_direct_request_only() {
        let arn = "arn:aws:imagebuilder:us-east-1:123456789012:image/x/1.2.3/4";
        let Invocation::Act(request) =
            Invocation::classify(&json!({"imageBuildVersionArn": arn, "rollback": true})).unwrap()
        else {
            panic!("should act")
        };
        assert!(request.rollback);
        assert_ne!(request.event_id, format!("direct:{arn}"), "its own tokens");
        let mut with_rollback = event("AVAILABLE");
        with_rollback["rollback"] = json!(true);
        let err = Invocation::classify(&with_rollback)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`rollback`: is for a direct request"), "{err}");
        let err = Invocation::classify(&json!({"imageBuildVersionArn": arn, "rollback": "yes"}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`rollback`"), "{err}");
    }
}
