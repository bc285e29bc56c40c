//! What a function is invoked with, and what Image Builder says about an image. Classifying an
//! input is pure: act on it, ignore it with a reason, or refuse it as malformed, naming the field.

pub mod arn;
pub mod destination;
pub mod distribute;
pub mod distribution;
pub mod event;
pub mod ignore;
pub mod image;
pub mod reconcile;

use serde_json::Value;

use crate::error::InputError;
use crate::plan::target::DistributeCall;
use crate::schema::{check, Field, Schema, Text};
use arn::ImageBuildVersionArn;
use destination::ChangedTemplates;
use ignore::IgnoreReason;
use reconcile::ReconcileRequest;

/// What a function was asked to do: every input kind, classified in one place.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Act on one image build: its Image State Change event, or a direct request.
    Image(ImageRequest),
    /// Hold every target on the newest build of the images the policy's rules match.
    Reconcile(ReconcileRequest),
    /// A direct DistributeImage request (`{sourceImage, distributionConfigurationArn, ...}`).
    Distribute(DistributeCall),
    /// update-launch-templates' success result, delivered by EventBridge: the templates it changed.
    Changed(ChangedTemplates),
    /// Answer success without any AWS call.
    Ignore(IgnoreReason),
}

/// One image build to act on, and how it was asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageRequest {
    pub image: ImageBuildVersionArn,
    pub asked: ImageAsked,
}

/// How an image request came: the seed of its client tokens, and whether it rolls back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageAsked {
    /// An Image State Change event, with EventBridge's event id.
    Event { id: String },
    /// `{"imageBuildVersionArn": ...}`: the same request twice gives the same tokens.
    Direct,
    /// `{"imageBuildVersionArn": ..., "rollback": true}`: move every target back to this build.
    Rollback,
}

impl ImageRequest {
    /// What client tokens are derived from: the event id, or the request itself.
    pub fn token_seed(&self) -> String {
        match &self.asked {
            ImageAsked::Event { id } => id.clone(),
            ImageAsked::Direct => format!("direct:{}", self.image),
            ImageAsked::Rollback => format!("rollback:{}", self.image),
        }
    }

    pub fn is_rollback(&self) -> bool {
        self.asked == ImageAsked::Rollback
    }
}

static DIRECT_REQUEST: Schema = Schema::Object(&[
    Field::required("imageBuildVersionArn", &Schema::Text(Text::len(1, 1024))),
    Field::optional("rollback", &Schema::Bool),
]);

impl Request {
    /// Classifies an EventBridge event (an Image State Change, or a Lambda destination record), a
    /// reconcile request, a direct DistributeImage request or a direct
    /// `{"imageBuildVersionArn": ...}` request.
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
            return event::classify(input);
        }
        if map.contains_key("reconcile") {
            return ReconcileRequest::parse(input).map(Request::Reconcile);
        }
        if distribute::is_direct_distribution(input) {
            return distribute::direct_distribution(input).map(Request::Distribute);
        }
        let mut violations = Vec::new();
        check(input, &DIRECT_REQUEST, "", &mut violations);
        if !violations.is_empty() {
            return Err(violations.into());
        }
        let arn = input["imageBuildVersionArn"].as_str().unwrap_or_default();
        let image = ImageBuildVersionArn::parse_field(arn, "imageBuildVersionArn")?;
        let asked = match input.get("rollback") == Some(&Value::Bool(true)) {
            true => ImageAsked::Rollback,
            false => ImageAsked::Direct,
        };
        Ok(Request::Image(ImageRequest { image, asked }))
    }

    /// The id of what was asked, for logs: the event id, or the request's own name.
    pub fn id(&self) -> String {
        match self {
            Request::Image(request) => request.token_seed(),
            Request::Reconcile(_) => "reconcile".into(),
            Request::Distribute(call) => format!("distribute:{}", call.client_token),
            Request::Changed(changed) => changed.event_id.clone(),
            Request::Ignore(_) => "ignored".into(),
        }
    }

    /// Whether this request asks for a plan only (`"dryRun": true` in a reconcile request).
    pub fn asks_dry_run(&self) -> bool {
        matches!(self, Request::Reconcile(r) if r.dry_run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn direct_request_acts_and_rejects_unknown_keys() {
        let arn = "arn:aws:imagebuilder:us-east-1:123456789012:image/x/1.2.3/4";
        let Request::Image(request) =
            Request::classify(&json!({"imageBuildVersionArn": arn})).unwrap()
        else {
            panic!("should act")
        };
        assert_eq!(request.asked, ImageAsked::Direct);
        assert_eq!(request.token_seed(), format!("direct:{arn}"));
        let err = Request::classify(&json!({"imageBuildVersionArm": arn}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean `imageBuildVersionArn`"), "{err}");
    }

    #[test]
    fn rollback_is_a_direct_request_with_its_own_tokens() {
        let arn = "arn:aws:imagebuilder:us-east-1:123456789012:image/x/1.2.3/4";
        let Request::Image(request) =
            Request::classify(&json!({"imageBuildVersionArn": arn, "rollback": true})).unwrap()
        else {
            panic!("should act")
        };
        assert!(request.is_rollback());
        assert_ne!(request.token_seed(), format!("direct:{arn}"));
        let err = Request::classify(&json!({"imageBuildVersionArn": arn, "rollback": "yes"}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`rollback`"), "{err}");
    }

    #[test]
    fn every_input_kind_is_told_apart() {
        let distribute = json!({"sourceImage": "ami-0123456789abcdef0",
            "distributionConfigurationArn": "arn:aws:imagebuilder:us-east-1:123456789012:distribution-configuration/prod",
            "executionRole": "DistributionRole"});
        assert!(matches!(
            Request::classify(&distribute),
            Ok(Request::Distribute(_))
        ));
        assert!(matches!(
            Request::classify(&json!({"reconcile": true})),
            Ok(Request::Reconcile(_))
        ));
        assert!(matches!(
            Request::classify(&json!({"sourceImage": "ami-1"})),
            Err(e) if e.to_string().contains("`distributionConfigurationArn`: is required")
        ));
        for not_an_object in [json!([1, 2]), json!("text"), json!(null)] {
            let err = Request::classify(&not_an_object).unwrap_err().to_string();
            assert!(err.contains("`input`: must be a JSON object"), "{err}");
        }
    }
}
