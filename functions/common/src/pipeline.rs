//! The invocation flow every amiflow function shares, written once: classify the input, let the
//! executor admit it, plan its targets from the image builds it names, apply them, then log and
//! answer the report.

use std::sync::Arc;
use std::time::Instant;

use amiflow_model::input::ignore::IgnoreReason;
use amiflow_model::input::Request;
use amiflow_model::policy::Policy;
use amiflow_model::report::answer::Answer;
use amiflow_model::report::Report;
use aws_config::SdkConfig;
use lambda_runtime::{service_fn, Context as LambdaContext, LambdaEvent};
use serde_json::Value;

use crate::aws::config::load_base_config;
use crate::aws::AwsContext;
use crate::context::Context;
use crate::deadline::Deadline;
use crate::error::FunctionError;
use crate::executor::{admit, Admission, Executor};
use crate::finish::finish;
use crate::imagebuilder::ImageBuilder;
use crate::metrics;
use crate::planning::Planned;
use crate::policy_source::load_policy;
use crate::settings::Settings;
use crate::units::Units;

/// What a function holds while warm besides its executor: settings, the validated policy, the
/// AWS configuration, the Image Builder reader, and the organization's units.
pub struct Pipeline {
    pub settings: Settings,
    pub policy: Policy,
    pub aws: Arc<AwsContext>,
    /// Image Builder in the function's own account, shared with an executor that calls it.
    pub images: Arc<ImageBuilder>,
    pub(crate) units: Units,
}

/// Runs a function: cold start (settings, policy, executor), then the Lambda runtime loop.
///
/// The functions' `main` starts a current-thread Tokio runtime: the work is waiting on AWS, and
/// Lambda gives a small function a fraction of one vCPU; two workers spent much of their CPU
/// waking each other (docs/benchmarks.md).
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
            images: Arc::new(ImageBuilder::new(aws.clone())),
            units: Units::new(aws.clone(), settings.organization_role.clone()),
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
        lambda: &LambdaContext,
        executor: &E,
    ) -> Result<Answer, FunctionError> {
        let started = Instant::now();
        let request = Request::classify(input)?;
        match admit(E::KIND, E::TAKES, &request) {
            Admission::Act => {}
            Admission::Ignore(reason) => return Ok(ignored(reason)),
            Admission::Refuse(error) => return Err(error.into()),
        }
        if let Request::Reconcile(reconcile) = &request {
            reconcile.check_rules(&self.policy)?;
        }
        let context = self.context(request, lambda);
        let (subject, targets) = match self.plan(executor, &context).await? {
            Planned::Targets { subject, targets } => (subject, targets),
            Planned::Ignored(reason) => return Ok(ignored(reason)),
        };
        let actions = executor.apply(targets, &context).await;
        let report = Report::new(subject, context.dry_run, context.reconciles(), actions);
        let function = metrics::function_name(lambda, E::KIND);
        let emf = metrics::record(&function, E::KIND, &report, started.elapsed());
        if !emf.is_empty() {
            // CloudWatch reads the record from the log line as it is; a tracing line would wrap it.
            println!("{emf}");
        }
        finish(report)
    }

    fn context(&self, request: Request, lambda: &LambdaContext) -> Context {
        // One target may take a call (retries included) and, for SSM, the read-back window.
        let margin = self.settings.call_timeout + self.settings.read_back;
        Context {
            dry_run: self.settings.dry_run || request.asks_dry_run(),
            request,
            deadline: Deadline::from_context(lambda, margin),
            own_account: own_account(lambda),
            invocation: self.aws.next_invocation(),
        }
    }
}

fn ignored(reason: IgnoreReason) -> Answer {
    tracing::info!(ignored = true, reason = %reason, "input ignored");
    Answer::Ignored(reason)
}

/// The account in the invoked function's ARN (`arn:aws:lambda:<region>:<account>:function:<name>`).
pub fn own_account(context: &LambdaContext) -> Option<String> {
    context
        .invoked_function_arn
        .split(':')
        .nth(4)
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_account_comes_from_the_function_arn() {
        let mut context = LambdaContext::default();
        context.invoked_function_arn =
            "arn:aws:lambda:us-east-1:123456789012:function:update-ssm-parameters".into();
        assert_eq!(own_account(&context).as_deref(), Some("123456789012"));
        context.invoked_function_arn = String::new();
        assert_eq!(own_account(&context), None);
    }
}
