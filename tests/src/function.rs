//! A function under test: the shared pipeline with one executor, invoked as Lambda invokes it.

use amiflow_common::error::FunctionError;
use amiflow_common::executor::Executor;
use amiflow_common::pipeline::Pipeline;
use amiflow_common::settings::Settings;
use amiflow_model::input::ignore::IgnoreReason;
use amiflow_model::report::answer::Answer;
use amiflow_model::report::Report;

use crate::{env, lambda_context, HOME_ACCOUNT};

/// The settings tests run with: dry run on or off, the cross-account role, a short read-back.
pub fn settings(dry_run: bool, role: Option<&str>) -> Settings {
    Settings {
        dry_run,
        cross_account_role: role.map(String::from),
        max_concurrency: 4,
        read_back: std::time::Duration::from_secs(2),
        ..Settings::default()
    }
}

/// A pipeline for tests: `policy` (validated), `settings`, and SDK configuration from the
/// emulators' environment.
pub async fn pipeline(policy: serde_json::Value, settings: Settings) -> Pipeline {
    pipeline_in(crate::HOME_REGION, policy, settings).await
}

/// As `pipeline`, for a function whose own Region is `region`: its STS calls are signed for it,
/// so a test can fault them alone while others run beside it.
pub async fn pipeline_in(region: &str, policy: serde_json::Value, settings: Settings) -> Pipeline {
    env();
    let policy = amiflow_model::policy::Policy::from_value(&policy).expect("test policy is valid");
    let base = amiflow_common::aws::config::load_base_config(settings.call_timeout).await;
    let base = base
        .to_builder()
        .region(aws_config::Region::new(region.to_string()))
        .build();
    Pipeline::new(settings, policy, base)
}

/// One function under test: the shared pipeline and the function's own executor, invoked as the
/// Lambda runtime invokes it, with typed answers.
pub struct Function<E> {
    pub pipeline: Pipeline,
    pub executor: E,
}

impl<E: Executor> Function<E> {
    /// Builds the function for `policy`; `executor` makes its executor from the pipeline, as
    /// the function's `main` does.
    pub async fn new(
        policy: serde_json::Value,
        dry_run: bool,
        role: Option<&str>,
        executor: impl FnOnce(&Pipeline) -> E,
    ) -> Self {
        Self::with_settings(policy, settings(dry_run, role), executor).await
    }

    /// As `new`, with every setting given.
    pub async fn with_settings(
        policy: serde_json::Value,
        settings: Settings,
        executor: impl FnOnce(&Pipeline) -> E,
    ) -> Self {
        Self::in_region(crate::HOME_REGION, policy, settings, executor).await
    }

    /// As `with_settings`, for a function whose own Region is `region` (`pipeline_in`).
    pub async fn in_region(
        region: &str,
        policy: serde_json::Value,
        settings: Settings,
        executor: impl FnOnce(&Pipeline) -> E,
    ) -> Self {
        let pipeline = pipeline_in(region, policy, settings).await;
        let executor = executor(&pipeline);
        Self { pipeline, executor }
    }

    /// The function's name, as its ARN in the Lambda context carries it.
    pub fn name() -> &'static str {
        E::KIND.function_name()
    }

    pub async fn invoke(&self, input: serde_json::Value) -> Result<Answer, FunctionError> {
        let context = lambda_context(Self::name(), HOME_ACCOUNT);
        self.pipeline.handle(&input, &context, &self.executor).await
    }

    /// As `invoke`, with `left` until Lambda's deadline for the invocation.
    pub async fn invoke_ending_in(
        &self,
        input: serde_json::Value,
        left: std::time::Duration,
    ) -> Result<Answer, FunctionError> {
        let mut context = lambda_context(Self::name(), HOME_ACCOUNT);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        context.deadline = (now + left).as_millis() as u64;
        self.pipeline.handle(&input, &context, &self.executor).await
    }

    /// The report of an invocation that acted, whether every target succeeded or some failed.
    pub async fn report(&self, input: serde_json::Value) -> Report {
        match self.invoke(input).await {
            Ok(Answer::Report(report)) => report,
            Ok(Answer::Ignored(reason)) => {
                panic!("expected a report, the input was ignored: {reason}")
            }
            Err(e) => e
                .report()
                .cloned()
                .unwrap_or_else(|| panic!("expected a report, got {e}")),
        }
    }

    /// The error of an invocation that must fail.
    pub async fn error(&self, input: serde_json::Value) -> FunctionError {
        match self.invoke(input).await {
            Ok(answer) => panic!("expected an error, got {answer:?}"),
            Err(e) => e,
        }
    }

    /// The reason an input was ignored.
    pub async fn ignored(&self, input: serde_json::Value) -> IgnoreReason {
        match self.invoke(input).await {
            Ok(Answer::Ignored(reason)) => reason,
            other => panic!("expected the input to be ignored, got {other:?}"),
        }
    }
}

/// Clients of one service for `pipeline` whose calls `rules` answer instead of the network.
pub fn mocked_clients<C: Clone>(
    pipeline: &Pipeline,
    session: amiflow_common::aws::sessions::Session,
    rules: Vec<aws_smithy_mocks::Rule>,
    client: impl Fn(&aws_config::SdkConfig, &[aws_smithy_mocks::Rule]) -> C + Send + Sync + 'static,
) -> amiflow_common::placement::PlacedClients<C> {
    amiflow_common::placement::PlacedClients::new(pipeline, session, move |config| {
        client(config, &rules)
    })
}

/// An SSM client whose calls `rules` answer.
pub fn mocked_ssm(
    config: &aws_config::SdkConfig,
    rules: &[aws_smithy_mocks::Rule],
) -> aws_sdk_ssm::Client {
    let conf = aws_sdk_ssm::config::Builder::from(config)
        .http_client(aws_smithy_mocks::create_mock_http_client())
        .interceptor(mock_interceptor(rules));
    aws_sdk_ssm::Client::from_conf(conf.build())
}

/// An EC2 client whose calls `rules` answer.
pub fn mocked_ec2(
    config: &aws_config::SdkConfig,
    rules: &[aws_smithy_mocks::Rule],
) -> aws_sdk_ec2::Client {
    let mut conf = aws_sdk_ec2::config::Builder::from(config);
    conf.set_http_client(Some(aws_smithy_mocks::create_mock_http_client()));
    aws_sdk_ec2::Client::from_conf(conf.interceptor(mock_interceptor(rules)).build())
}

/// DescribeImages answering that no AMI asked about carries a build tag (or exists).
pub fn images_without_build_tags() -> aws_smithy_mocks::Rule {
    aws_smithy_mocks::mock!(aws_sdk_ec2::Client::describe_images).then_output(|| {
        aws_sdk_ec2::operation::describe_images::DescribeImagesOutput::builder().build()
    })
}

/// An interceptor that answers the calls `rules` match, for a client built with
/// `aws_smithy_mocks::create_mock_http_client()`.
pub fn mock_interceptor(
    rules: &[aws_smithy_mocks::Rule],
) -> aws_smithy_mocks::MockResponseInterceptor {
    rules.iter().fold(
        aws_smithy_mocks::MockResponseInterceptor::new()
            .rule_mode(aws_smithy_mocks::RuleMode::MatchAny),
        |interceptor, rule| interceptor.with_rule(rule),
    )
}
