//! Test harness for amiflow: moto in server mode (SSM, EC2, STS, Auto Scaling, Organizations)
//! with the project's fake front in its process (Image Builder, instance refreshes, injected
//! faults, STS refusals: tests/fake), started once per test binary on 127.0.0.1; the real SDK
//! clients reach it through `AWS_ENDPOINT_URL` with dummy credentials.

pub mod calls;
pub mod front;
pub mod function;
pub mod groups;
pub mod http;
pub mod moto;
pub mod organization;
pub mod resources;
pub mod rollback;
pub mod runtime;
pub mod sessions;

use std::sync::OnceLock;

use front::Front;
use moto::Moto;

/// moto's default account: what the dummy credentials act as.
pub const HOME_ACCOUNT: &str = "123456789012";
/// A second account, reached through the assumed cross-account role.
pub const TARGET_ACCOUNT: &str = "210987654321";
pub const HOME_REGION: &str = "us-east-1";

pub struct TestEnv {
    pub moto: Moto,
    pub front: Front,
}

/// Starts moto with its front (once per test binary) and points the SDK's environment at it.
pub fn env() -> &'static TestEnv {
    static ENV: OnceLock<TestEnv> = OnceLock::new();
    ENV.get_or_init(|| {
        let moto = Moto::start().unwrap_or_else(|e| panic!("cannot start moto: {e}"));
        let front = Front {
            url: moto.url.clone(),
        };
        // Set once, before any test builds an SDK configuration (they all wait on this lock).
        for (key, value) in [
            ("AWS_ENDPOINT_URL", moto.url.as_str()),
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
            "AWS_ENDPOINT_URL_IMAGEBUILDER",
            "AWS_ENDPOINT_URL_STS",
        ] {
            std::env::remove_var(key);
        }
        front.refuse_roles_in(&[sessions::REFUSED_ACCOUNT]);
        TestEnv { moto, front }
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

/// The image build version ARN Image Builder gives build `version` (`x.y.z/n`) of the image
/// named `name`, owned by the home account: its name segment is the name in lowercase, spaces as `-`.
pub fn image_arn(name: &str, version: &str) -> String {
    let segment = amiflow_model::input::arn::arn_name_segment(name);
    format!("arn:aws:imagebuilder:{HOME_REGION}:{HOME_ACCOUNT}:image/{segment}/{version}")
}

/// A GetImage-shaped image named `name`, build `version` (`x.y.z/n`), owned by the home account,
/// with one AMI per (Region, account) given, each `AVAILABLE` as the service reports it. AMI ids
/// are derived from all three, so builds differ.
pub fn image_json(name: &str, version: &str, amis: &[(&str, &str)]) -> serde_json::Value {
    let amis: Vec<serde_json::Value> = amis
        .iter()
        .map(|(region, account)| {
            serde_json::json!({
                "region": region,
                "image": ami_id(name, version, region, account),
                "accountId": account,
                "name": format!("{name} {version}"),
                "state": { "status": "AVAILABLE" },
            })
        })
        .collect();
    serde_json::json!({
        "arn": image_arn(name, version),
        "name": name,
        "version": version,
        "type": "AMI",
        "state": { "status": "AVAILABLE" },
        "tags": {},
        "dateCreated": "2026-11-22T10:00:00.000Z",
        "outputResources": { "amis": amis },
    })
}

/// A container image as GetImage returns one: `type: DOCKER`, its images pushed to ECR in each
/// Region given (`outputResources.containers`), and no AMIs.
pub fn container_image_json(name: &str, version: &str, regions: &[&str]) -> serde_json::Value {
    let segment = amiflow_model::input::arn::arn_name_segment(name);
    let tag = version.replace('/', "-");
    let containers: Vec<serde_json::Value> = regions
        .iter()
        .map(|region| {
            serde_json::json!({
                "region": region,
                "imageUris": [format!("{HOME_ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{segment}:{tag}")],
            })
        })
        .collect();
    let mut image = image_json(name, version, &[]);
    image["type"] = serde_json::json!("DOCKER");
    image["outputResources"] = serde_json::json!({ "containers": containers });
    image
}

/// Publishes an image as Image Builder leaves one: its AMIs registered in moto in each (Region,
/// account), tagged `Ec2ImageBuilderArn` (the image build version ARN) and `CreatedBy`, as Image
/// Builder tags every output AMI; and `image_json` with those AMI ids in the stand-in. Returns the
/// image's ARN.
pub fn publish(name: &str, version: &str, amis: &[(&str, &str)]) -> String {
    env();
    let arn = image_arn(name, version);
    let registered = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime")
                    .block_on(resources::register_amis(&arn, amis))
            })
            .join()
            .expect("AMI registration")
    });
    let mut known = registered_amis();
    for ((region, account), id) in amis.iter().zip(registered) {
        let key = (
            name.into(),
            version.into(),
            region.to_string(),
            account.to_string(),
        );
        known.insert(key, id);
    }
    drop(known);
    env().front.put_image(image_json(name, version, amis));
    arn
}

type AmiKey = (String, String, String, String);

fn registered_amis() -> std::sync::MutexGuard<'static, std::collections::HashMap<AmiKey, String>> {
    static AMIS: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<AmiKey, String>>> =
        std::sync::OnceLock::new();
    AMIS.get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

/// The AMI id of the image in (`region`, `account`): the one moto registered when it was
/// published, else one derived from all four (an image put into the stand-in by hand).
pub fn ami_id(name: &str, version: &str, region: &str, account: &str) -> String {
    let key = (name.into(), version.into(), region.into(), account.into());
    if let Some(id) = registered_amis().get(&key) {
        return id.clone();
    }
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (name, version, region, account).hash(&mut hasher);
    format!("ami-{:017x}", hasher.finish() & 0x0fff_ffff_ffff_ffff)
}

/// A policy with one rule, for every image, keeping the SSM parameter entry `parameter`.
pub fn parameter_policy(parameter: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"rules": [{"name": "r", "ssmParameters": [parameter]}]})
}

/// A policy with one rule keeping the SSM parameter `name` (default Regions and account).
pub fn one_parameter(name: &str) -> serde_json::Value {
    parameter_policy(serde_json::json!({"name": name}))
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

/// Each action's target and outcome, in order.
pub fn outcomes_by_target(
    report: &amiflow_model::report::Report,
) -> Vec<(String, amiflow_model::report::action::Outcome)> {
    report
        .actions
        .iter()
        .map(|a| (a.target.clone(), a.outcome()))
        .collect()
}
