//! The invocation flow every amiflow function shares, written once: classify the input, read the
//! image, let the executor plan and apply, then log and answer the report.

use std::sync::Arc;
use std::time::Instant;

use amiflow_model::event::Invocation;
use amiflow_model::plan::Planner;
use amiflow_model::{Answer, InputError, Policy, Report};
use aws_config::SdkConfig;
use lambda_runtime::{service_fn, Context, LambdaEvent};
use serde_json::Value;

use crate::clients::{load_base_config, AwsContext};
use crate::deadline::Deadline;
use crate::error::FunctionError;
use crate::executor::{Executor, Plan};
use crate::imagebuilder::ImageBuilder;
use crate::metrics;
use crate::settings::{PolicySource, Settings, POLICY, POLICY_PARAMETER};

/// What a function holds while warm besides its executor: settings, the validated policy, the
/// AWS configuration and the Image Builder reader.
pub struct Pipeline {
    pub settings: Settings,
    pub policy: Policy,
    pub aws: Arc<AwsContext>,
    images: ImageBuilder,
}

/// Runs a function: cold start (settings, policy, executor), then the Lambda runtime loop.
///
/// The functions' `main` starts a current-thread Tokio runtime: the work is waiting on AWS, and
/// Lambda gives a small function a fraction of one vCPU; two workers spent much of their CPU
/// waking each other (README, Benchmarks).
pub async fn run<E: Executor>(
    executor: impl FnOnce(&Pipeline) -> Result<E, FunctionError>,
) -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let pipeline = Pipeline::from_env()
        .await
        .inspect_err(|e| tracing::error!(error = %e, "init failed"))?;
    let executor =
        executor(&pipeline).inspect_err(|e| tracing::error!(error = %e, "init failed"))?;
    let (pipeline, executor) = (&pipeline, &executor);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        pipeline
            .handle(&event.payload, &event.context, executor)
            .await
    }))
    .await
}

impl Pipeline {
    /// Cold start: settings from the environment, SDK configuration, and the policy (validated once).
    pub async fn from_env() -> Result<Self, FunctionError> {
        let settings = Settings::from_env()?;
        let base = load_base_config(settings.call_timeout).await;
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

    /// One invocation, start to end. Ignored input is a success; failed targets are an error
    /// (so Lambda retries) that carries the report.
    pub async fn handle<E: Executor>(
        &self,
        input: &Value,
        context: &Context,
        executor: &E,
    ) -> Result<Answer, FunctionError> {
        let started = Instant::now();
        let (subject, work) = match Invocation::classify(input)? {
            Invocation::Ignore { reason } => return Ok(ignored(reason)),
            Invocation::Distribute(call) => (
                call.source_image.clone(),
                executor.plan_direct(&self.policy, call)?,
            ),
            Invocation::Act(request) => {
                if request.rollback && !E::ROLLS_BACK {
                    return Err(InputError::new(
                        "rollback",
                        format!(
                            "{} has nothing to roll back; roll back with update-ssm-parameters and update-launch-templates",
                            E::KIND.function_name()
                        ),
                    )
                    .into());
                }
                let image = self.images.get_image(&request.image).await?;
                if !image.is_available() {
                    return Ok(ignored(format!(
                        "image {} is {}; only AVAILABLE images are acted on",
                        request.image,
                        image.status()
                    )));
                }
                if let Some(reason) = image.container_reason() {
                    return Ok(ignored(reason));
                }
                let image = image.resolve()?;
                let own_account = own_account(context).unwrap_or_else(|| image.owner().to_string());
                let planner = Planner::new(&self.policy, &image, &own_account);
                match executor.plan(&planner, &request) {
                    Plan::Ignore(reason) => return Ok(ignored(reason)),
                    Plan::Work(work) => (image.arn.to_string(), work),
                }
            }
        };
        // One target may take a call (retries included) and, for SSM, the read-back window.
        let margin = self.settings.call_timeout + self.settings.read_back;
        let actions = executor
            .apply(work, Deadline::from_context(context, margin))
            .await;
        let report = Report::new(subject, self.settings.dry_run, actions);
        let function = metrics::function_name(context, E::KIND);
        let emf = metrics::record(&function, E::KIND, &report.summary, started.elapsed());
        if !emf.is_empty() {
            // CloudWatch reads the record from the log line as it is; a tracing line would wrap it.
            println!("{emf}");
        }
        finish(report)
    }
}

fn ignored(reason: String) -> Answer {
    tracing::info!(ignored = true, reason = %reason, "input ignored");
    Answer::Ignored { reason }
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

/// Logs one line per action and the report, and answers it, or the error that makes Lambda retry.
pub fn finish(report: Report) -> Result<Answer, FunctionError> {
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
            Ok(Answer::Report(report))
        }
        Some(message) => {
            tracing::error!(report = %line, "amiflow report: {message}");
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
            product: None,
        };
        let ok = finish(Report::new(
            "arn",
            false,
            vec![action(Outcome::Updated, "lt-a")],
        ))
        .unwrap();
        assert_eq!(ok.report().unwrap().summary.updated, 1);
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
        assert_eq!(err.report().unwrap().summary.failed, 1);
        let message = err.to_string();
        assert!(
            message.contains("lt-missing") && !message.contains("lt-a "),
            "{message}"
        );
    }
}
