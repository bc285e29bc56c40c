//! A function under test: the shared pipeline with one executor, invoked as Lambda invokes it.

use crate::{env, lambda_context, HOME_ACCOUNT};

/// A pipeline for tests: `policy` (validated), dry run on or off, the cross-account role, and SDK
/// configuration from the emulators' environment.
pub async fn pipeline(
    policy: serde_json::Value,
    dry_run: bool,
    role: Option<&str>,
) -> amiflow_common::Pipeline {
    env();
    let settings = amiflow_common::Settings {
        policy: amiflow_common::settings::PolicySource::None,
        dry_run,
        cross_account_role: role.map(String::from),
        max_concurrency: 4,
    };
    let policy = amiflow_model::Policy::from_value(&policy).expect("test policy is valid");
    amiflow_common::Pipeline::new(
        settings,
        policy,
        amiflow_common::clients::load_base_config().await,
    )
}

/// One function under test: the shared pipeline and the function's own executor, invoked as the
/// Lambda runtime invokes it, with typed answers.
pub struct Function<E> {
    pub pipeline: amiflow_common::Pipeline,
    pub executor: E,
}

impl<E: amiflow_common::Executor> Function<E> {
    /// Builds the function for `policy`; `executor` makes its executor from the pipeline, as
    /// the function's `main` does.
    pub async fn new(
        policy: serde_json::Value,
        dry_run: bool,
        role: Option<&str>,
        executor: impl FnOnce(&amiflow_common::Pipeline) -> E,
    ) -> Self {
        let pipeline = pipeline(policy, dry_run, role).await;
        let executor = executor(&pipeline);
        Self { pipeline, executor }
    }

    /// The function's name, as its ARN in the Lambda context carries it.
    pub fn name() -> &'static str {
        E::KIND.function_name()
    }

    pub async fn invoke(
        &self,
        input: serde_json::Value,
    ) -> Result<amiflow_model::Answer, amiflow_common::FunctionError> {
        self.pipeline
            .handle(
                &input,
                &lambda_context(Self::name(), HOME_ACCOUNT),
                &self.executor,
            )
            .await
    }

    /// The report of an invocation that acted, whether every target succeeded or some failed.
    pub async fn report(&self, input: serde_json::Value) -> amiflow_model::Report {
        match self.invoke(input).await {
            Ok(amiflow_model::Answer::Report(report)) => report,
            Ok(amiflow_model::Answer::Ignored { reason }) => {
                panic!("expected a report, the input was ignored: {reason}")
            }
            Err(e) => e
                .report()
                .cloned()
                .unwrap_or_else(|| panic!("expected a report, got {e}")),
        }
    }

    /// The reason an input was ignored.
    pub async fn ignored(&self, input: serde_json::Value) -> String {
        match self.invoke(input).await {
            Ok(amiflow_model::Answer::Ignored { reason }) => reason,
            other => panic!("expected the input to be ignored, got {other:?}"),
        }
    }
}

/// Clients of one service for `pipeline` whose calls `rules` answer instead of the network.
pub fn mocked_clients<C: Clone>(
    pipeline: &amiflow_common::Pipeline,
    session: amiflow_common::Session,
    rules: Vec<aws_smithy_mocks::Rule>,
    client: impl Fn(&aws_config::SdkConfig, aws_smithy_mocks::MockResponseInterceptor) -> C
        + Send
        + Sync
        + 'static,
) -> amiflow_common::placement::PlacedClients<C> {
    amiflow_common::placement::PlacedClients::new(pipeline, session, move |config| {
        client(config, mock_interceptor(&rules))
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
