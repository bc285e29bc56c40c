//! The shape every amiflow function shares: classify the input, read the image, plan, execute,
//! report. Functions supply only the planning and execution of their own targets.

use std::sync::Arc;

use amiflow_model::event::Invocation;
use amiflow_model::image::ResolvedImage;
use amiflow_model::{Policy, Report, Request};
use aws_config::SdkConfig;
use lambda_runtime::Context;
use serde_json::{json, Value};

use crate::clients::{load_base_config, AwsContext};
use crate::error::FunctionError;
use crate::imagebuilder::ImageBuilder;
use crate::settings::{PolicySource, Settings, POLICY, POLICY_PARAMETER};

/// What a function holds while warm: settings, the validated policy, and its AWS clients.
pub struct Runtime {
    pub settings: Settings,
    pub policy: Policy,
    pub aws: Arc<AwsContext>,
    pub images: ImageBuilder,
}

/// An invocation ready to act on, or the answer for one that is ignored.
pub enum Prepared {
    Ignored(Value),
    Act(Box<Target>),
}

pub struct Target {
    pub request: Request,
    pub image: ResolvedImage,
    /// The account of the invoked function: targets in any other account need the assumed role.
    pub own_account: String,
}

/// The success answer for input that is left alone: `{"ignored": true, "reason": ...}`.
pub fn ignored_answer(reason: impl Into<String>) -> Value {
    let reason = reason.into();
    tracing::info!(ignored = true, reason = %reason, "input ignored");
    json!({ "ignored": true, "reason": reason })
}

pub fn ignored(reason: impl Into<String>) -> Prepared {
    Prepared::Ignored(ignored_answer(reason))
}

impl Runtime {
    /// Cold start: settings from the environment, SDK configuration, and the policy (validated once).
    pub async fn from_env() -> Result<Self, FunctionError> {
        let settings = Settings::from_env()?;
        let base = load_base_config().await;
        let policy = load_policy(&settings.policy, &base).await?;
        Ok(Self::new(settings, policy, base))
    }

    pub fn new(settings: Settings, policy: Policy, base: SdkConfig) -> Self {
        let aws = Arc::new(AwsContext::new(base, settings.cross_account_role.clone()));
        Self {
            images: ImageBuilder::new(aws.clone()),
            settings,
            policy,
            aws,
        }
    }

    /// Classifies `input`, and for an image to act on reads it with GetImage.
    pub async fn prepare(
        &self,
        input: &Value,
        context: &Context,
    ) -> Result<Prepared, FunctionError> {
        let request = match Invocation::classify(input)? {
            Invocation::Ignore { reason } => return Ok(ignored(reason)),
            Invocation::Act(request) => request,
        };
        self.prepare_request(request, context).await
    }

    pub async fn prepare_request(
        &self,
        request: Request,
        context: &Context,
    ) -> Result<Prepared, FunctionError> {
        let image = self.images.get_image(&request.image).await?;
        if !image.is_available() {
            return Ok(ignored(format!(
                "image {} is {}; only AVAILABLE images are acted on",
                request.image,
                image.status()
            )));
        }
        let image = image.resolve()?;
        let own_account = own_account(context).unwrap_or_else(|| image.owner().to_string());
        Ok(Prepared::Act(Box::new(Target {
            request,
            image,
            own_account,
        })))
    }
}

/// The account in the invoked function's ARN (`arn:aws:lambda:<region>:<account>:function:<name>`).
pub fn own_account(context: &Context) -> Option<String> {
    context
        .invoked_function_arn
        .split(':')
        .nth(4)
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
}

/// Reads the policy from where the settings say, validating all of it before anything runs.
pub async fn load_policy(source: &PolicySource, base: &SdkConfig) -> Result<Policy, FunctionError> {
    match source {
        PolicySource::None => Ok(Policy::default()),
        PolicySource::Inline(text) => {
            Policy::parse(text).map_err(|e| FunctionError::Configuration(format!("{POLICY}: {e}")))
        }
        PolicySource::Parameter(name) => {
            let ssm = aws_sdk_ssm::Client::new(base);
            let response = ssm
                .get_parameter()
                .name(name)
                .with_decryption(true)
                .send()
                .await
                .map_err(|e| {
                    FunctionError::Configuration(format!(
                        "{POLICY_PARAMETER}: cannot read parameter {name}: {}",
                        aws_sdk_ssm::error::DisplayErrorContext(&e)
                    ))
                })?;
            let text = response
                .parameter()
                .and_then(|p| p.value())
                .unwrap_or_default();
            Policy::parse(text).map_err(|e| {
                FunctionError::Configuration(format!("{POLICY_PARAMETER} ({name}): {e}"))
            })
        }
    }
}

/// Logs the report as one JSON line and returns it, or the error that makes Lambda retry.
pub fn finish(report: Report) -> Result<Value, FunctionError> {
    for action in &report.actions {
        tracing::info!(
            kind = action.kind.as_str(),
            region = %action.region,
            account_id = %action.account_id,
            target = %action.target,
            ami = action.ami.as_deref().unwrap_or(""),
            outcome = ?action.outcome,
            detail = %action.detail,
            "action"
        );
    }
    let line = serde_json::to_string(&report).unwrap_or_default();
    match report.failure_message() {
        None => {
            tracing::info!(report = %line, "amiflow report");
            Ok(serde_json::to_value(&report).unwrap_or_default())
        }
        Some(message) => {
            tracing::error!(report = %line, "amiflow report: {message}");
            Err(FunctionError::PartialFailure(message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use amiflow_model::{Action, ActionKind, Outcome};

    #[test]
    fn own_account_comes_from_the_function_arn() {
        let mut context = Context::default();
        context.invoked_function_arn =
            "arn:aws:lambda:us-east-1:123456789012:function:update-ssm-parameters".into();
        assert_eq!(own_account(&context).as_deref(), Some("123456789012"));
        context.invoked_function_arn = String::new();
        assert_eq!(own_account(&context), None);
    }

    #[test]
    fn failed_targets_become_a_partial_failure_naming_them() {
        let action = |outcome, target: &str| Action {
            kind: ActionKind::LaunchTemplate,
            region: "eu-west-1".into(),
            account_id: "210987654321".into(),
            target: target.into(),
            ami: None,
            outcome,
            detail: "no such launch template".into(),
        };
        let ok = finish(Report::new(
            "arn",
            false,
            vec![action(Outcome::Updated, "lt-a")],
        ))
        .unwrap();
        assert_eq!(ok["summary"]["updated"], 1);
        let err = finish(Report::new(
            "arn",
            false,
            vec![
                action(Outcome::Updated, "lt-a"),
                action(Outcome::Failed, "lt-missing"),
            ],
        ))
        .unwrap_err();
        assert_eq!(err.error_type(), "PartialFailure");
        let message = err.to_string();
        assert!(
            message.contains("lt-missing") && !message.contains("lt-a "),
            "{message}"
        );
    }
}
