//! Test harness for amiflow: moto in server mode (SSM, EC2, STS) and an Image Builder stand-in
//! that speaks the service's REST-JSON wire format. Both are started once per test binary, on
//! 127.0.0.1, and the real SDK clients reach them through `AWS_ENDPOINT_URL` and
//! `AWS_ENDPOINT_URL_IMAGEBUILDER` with dummy credentials.

pub mod moto;
pub mod standin;

use std::sync::OnceLock;

pub use moto::Moto;
pub use standin::{Recorded, StandIn};

/// moto's default account: what the dummy credentials act as.
pub const HOME_ACCOUNT: &str = "123456789012";
/// A second account, reached through the assumed cross-account role.
pub const TARGET_ACCOUNT: &str = "210987654321";
pub const HOME_REGION: &str = "us-east-1";

pub struct TestEnv {
    pub moto: Moto,
    pub standin: StandIn,
}

/// Starts moto and the stand-in (once per test binary) and points the SDK's environment at them.
pub fn env() -> &'static TestEnv {
    static ENV: OnceLock<TestEnv> = OnceLock::new();
    ENV.get_or_init(|| {
        let moto = Moto::start().unwrap_or_else(|e| panic!("cannot start moto: {e}"));
        let standin = StandIn::start_background()
            .unwrap_or_else(|e| panic!("cannot start the Image Builder stand-in: {e}"));
        // Set once, before any test builds an SDK configuration (they all wait on this lock).
        for (key, value) in [
            ("AWS_ENDPOINT_URL", moto.url.as_str()),
            ("AWS_ENDPOINT_URL_IMAGEBUILDER", standin.url.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", HOME_REGION),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ] {
            std::env::set_var(key, value);
        }
        for key in [
            "AWS_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_ROLE_ARN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
        ] {
            std::env::remove_var(key);
        }
        TestEnv { moto, standin }
    })
}

/// A Lambda context as the runtime gives it, for a function in `account`.
pub fn lambda_context(function: &str, account: &str) -> lambda_runtime::Context {
    let mut context = lambda_runtime::Context::default();
    context.request_id = format!("test-{}", std::process::id());
    context.invoked_function_arn =
        format!("arn:aws:lambda:{HOME_REGION}:{account}:function:{function}");
    context
}

/// A name unique to this test run, so tests sharing one emulator never see each other's resources.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("{prefix}-{}-{n}", std::process::id())
}

/// SDK configuration acting as `account` in `region`: the dummy credentials for the home account,
/// credentials from STS AssumeRole (as moto grants them) for any other.
pub async fn sdk_config_as(account: &str, region: &str) -> aws_config::SdkConfig {
    env();
    let base = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .load()
        .await;
    if account == HOME_ACCOUNT {
        return base;
    }
    let assumed = aws_sdk_sts::Client::new(&base)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/AmiflowTarget"))
        .role_session_name("amiflow-test")
        .send()
        .await
        .expect("moto assumes any role");
    let creds = assumed.credentials().expect("credentials");
    base.to_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new(
                    creds.access_key_id(),
                    creds.secret_access_key(),
                    Some(creds.session_token().to_string()),
                    None,
                    "assumed-for-test",
                ),
            ),
        )
        .build()
}

async fn ssm_client(account: &str, region: &str) -> aws_sdk_ssm::Client {
    aws_sdk_ssm::Client::new(&sdk_config_as(account, region).await)
}

/// A parameter as SSM holds it in one account and Region.
pub struct StoredParameter {
    pub value: String,
    pub version: i64,
    pub data_type: String,
    pub description: String,
}

/// Reads parameter `name` in (`account`, `region`) with its description, or `None` if absent.
pub async fn parameter(account: &str, region: &str, name: &str) -> Option<StoredParameter> {
    let client = ssm_client(account, region).await;
    let got = client.get_parameter().name(name).send().await.ok()?;
    let p = got.parameter()?;
    let described = client
        .describe_parameters()
        .parameter_filters(
            aws_sdk_ssm::types::ParameterStringFilter::builder()
                .key("Name")
                .option("Equals")
                .values(name)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    Some(StoredParameter {
        value: p.value().unwrap_or_default().to_string(),
        version: p.version(),
        data_type: p.data_type().unwrap_or_default().to_string(),
        description: described
            .parameters()
            .first()
            .and_then(|d| d.description())
            .unwrap_or_default()
            .to_string(),
    })
}

/// A GetImage-shaped image named `name`, build `version` (`x.y.z/n`), owned by the home account,
/// with one AMI per (Region, account) given. AMI ids are derived from all three, so builds differ.
pub fn image_json(name: &str, version: &str, amis: &[(&str, &str)]) -> serde_json::Value {
    let arn = format!("arn:aws:imagebuilder:{HOME_REGION}:{HOME_ACCOUNT}:image/{name}/{version}");
    let amis: Vec<serde_json::Value> = amis
        .iter()
        .map(|(region, account)| {
            serde_json::json!({
                "region": region,
                "image": ami_id(name, version, region, account),
                "accountId": account,
                "name": format!("{name} {version}"),
            })
        })
        .collect();
    serde_json::json!({
        "arn": arn,
        "name": name,
        "version": version,
        "type": "AMI",
        "state": { "status": "AVAILABLE" },
        "tags": {},
        "dateCreated": "2026-11-22T10:00:00.000Z",
        "outputResources": { "amis": amis },
    })
}

/// Puts `image_json(name, version, amis)` into the stand-in; returns the image's ARN.
pub fn publish(name: &str, version: &str, amis: &[(&str, &str)]) -> String {
    let image = image_json(name, version, amis);
    let arn = image["arn"].as_str().unwrap_or_default().to_string();
    env().standin.put_image(image);
    arn
}

/// The AMI id `image_json` gives the image in (`region`, `account`).
pub fn ami_id(name: &str, version: &str, region: &str, account: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (name, version, region, account).hash(&mut hasher);
    format!("ami-{:017x}", hasher.finish() & 0x0fff_ffff_ffff_ffff)
}

/// The Image State Change event EventBridge delivers for `arn` in `status`.
pub fn event_json(arn: &str, status: &str) -> serde_json::Value {
    serde_json::json!({
        "version": "0",
        "id": format!("{}-{status}", unique("event")),
        "detail-type": "EC2 Image Builder Image State Change",
        "source": "aws.imagebuilder",
        "account": HOME_ACCOUNT,
        "time": "2026-11-22T10:00:00Z",
        "region": HOME_REGION,
        "resources": [arn],
        "detail": { "previous-state": { "status": "DISTRIBUTING" }, "state": { "status": status } }
    })
}

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
        match E::KIND {
            amiflow_model::ActionKind::SsmParameter => "update-ssm-parameters",
            amiflow_model::ActionKind::LaunchTemplate => "update-launch-templates",
            amiflow_model::ActionKind::DistributeImage => "distribute-image",
        }
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

/// Each action's target and outcome, in order.
pub fn outcomes_by_target(report: &amiflow_model::Report) -> Vec<(String, amiflow_model::Outcome)> {
    report
        .actions
        .iter()
        .map(|a| (a.target.clone(), a.outcome))
        .collect()
}

/// Clients of one service for `pipeline` whose calls `rules` answer instead of the network.
pub fn mocked_clients<C: Clone>(
    pipeline: &amiflow_common::Pipeline,
    rules: Vec<aws_smithy_mocks::Rule>,
    client: impl Fn(&aws_config::SdkConfig, aws_smithy_mocks::MockResponseInterceptor) -> C
        + Send
        + Sync
        + 'static,
) -> amiflow_common::placement::PlacedClients<C> {
    amiflow_common::placement::PlacedClients::new(pipeline, move |config| {
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
