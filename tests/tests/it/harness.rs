//! The harness itself: moto and its fake front start, answer the real SDK clients (the Rust SDK's
//! parsers, beside the botocore checks of tests/fake), and leave nothing behind.

use std::process::Command;
use std::time::{Duration, Instant};

use amiflow_testkit::{
    container_image_json, env, image_json, unique, HOME_ACCOUNT, TARGET_ACCOUNT,
};
use aws_config::BehaviorVersion;
use serde_json::json;

async fn sdk_config() -> aws_config::SdkConfig {
    env();
    aws_config::load_defaults(BehaviorVersion::latest()).await
}

#[tokio::test]
async fn serves_get_image_through_the_sdk_and_rejects_what_the_service_rejects() {
    let config = sdk_config().await;
    let name = unique("harness");
    let arn = format!("arn:aws:imagebuilder:us-east-1:{HOME_ACCOUNT}:image/{name}/1.0.0/1");
    env().front.put_image(json!({"image": {
        "arn": arn, "name": name, "version": "1.0.0/1", "state": {"status": "AVAILABLE"},
        "outputResources": {"amis": [{"region": "us-east-1", "image": "ami-0123456789abcdef0"}]}
    }}));
    let client = aws_sdk_imagebuilder::Client::new(&config);
    let image = get_image(&client, &arn).await.unwrap();
    assert_eq!(image.name(), Some(name.as_str()));
    assert_eq!(
        image.output_resources().unwrap().amis()[0].image(),
        Some("ami-0123456789abcdef0")
    );

    let missing = format!("arn:aws:imagebuilder:us-east-1:{HOME_ACCOUNT}:image/{name}/9.9.9/9");
    for (arn, code) in [
        (missing.as_str(), "ResourceNotFoundException"),
        ("not-an-arn", "InvalidRequestException"),
    ] {
        let error = get_image(&client, arn).await.unwrap_err();
        assert_eq!(error.as_deref(), Some(code));
    }
}

#[tokio::test]
async fn distribute_image_is_idempotent_per_token_and_rejects_a_reused_token() {
    let config = sdk_config().await;
    let name = unique("harness-dist");
    let source = format!("arn:aws:imagebuilder:us-east-1:{HOME_ACCOUNT}:image/{name}/1.0.0/1");
    let configuration =
        format!("arn:aws:imagebuilder:us-east-1:{HOME_ACCOUNT}:distribution-configuration/{name}");
    env()
        .front
        .put_image(json!({"arn": source, "name": name, "state": {"status": "AVAILABLE"}}));
    env().front.put_configuration(
        json!({"arn": configuration, "name": name, "distributions": [{"region": "us-east-1"}]}),
    );
    let client = aws_sdk_imagebuilder::Client::new(&config);
    let call = |token: &str, role: &str| {
        client
            .distribute_image()
            .source_image(&source)
            .distribution_configuration_arn(&configuration)
            .execution_role(role)
            .client_token(token)
            .send()
    };
    let first = call("token-1", "DistributionRole").await.unwrap();
    let again = call("token-1", "DistributionRole").await.unwrap();
    assert_eq!(
        first.image_build_version_arn(),
        again.image_build_version_arn()
    );
    assert!(first
        .image_build_version_arn()
        .unwrap()
        .ends_with(&format!("{name}/1.0.0/2")));
    let mismatch = call("token-1", "OtherRole").await.unwrap_err();
    assert_eq!(
        aws_sdk_imagebuilder::error::ProvideErrorMetadata::code(&mismatch),
        Some("IdempotentParameterMismatchException")
    );
    assert_eq!(
        env()
            .front
            .requests("imagebuilder", "DistributeImage", &name)
            .len(),
        3
    );
    let arn = first.image_build_version_arn().unwrap();
    let product = env().front.image(arn).expect("the product is stored");
    assert_eq!(product["state"]["status"], "AVAILABLE");
}

/// The image GetImage returns for `arn` through the SDK, or the error code it fails with.
async fn get_image(
    client: &aws_sdk_imagebuilder::Client,
    arn: &str,
) -> Result<aws_sdk_imagebuilder::types::Image, Option<String>> {
    let request = client.get_image().image_build_version_arn(arn);
    match request.send().await {
        Ok(got) => Ok(got.image().expect("GetImage answers with an image").clone()),
        Err(e) => {
            Err(aws_sdk_imagebuilder::error::ProvideErrorMetadata::code(&e).map(String::from))
        }
    }
}

#[tokio::test]
async fn serves_container_images_and_ami_states_as_the_service_does() {
    let config = sdk_config().await;
    let client = aws_sdk_imagebuilder::Client::new(&config);
    let name = unique("Harness Container");
    let container = container_image_json(&name, "1.0.0/1", &["us-east-1", "eu-west-1"]);
    let arn = container["arn"].as_str().unwrap().to_string();
    assert!(arn.contains(&format!("image/{}/", name.to_lowercase().replace(' ', "-"))));
    env().front.put_image(container);
    let image = get_image(&client, &arn).await.unwrap();
    assert_eq!(
        image.r#type(),
        Some(&aws_sdk_imagebuilder::types::ImageType::Docker)
    );
    let outputs = image.output_resources().unwrap();
    assert!(outputs.amis().is_empty());
    assert_eq!(outputs.containers().len(), 2);
    assert_eq!(outputs.containers()[1].region(), Some("eu-west-1"));
    assert!(outputs.containers()[0].image_uris()[0].contains(".dkr.ecr.us-east-1.amazonaws.com/"));

    let ami_image = image_json(
        &unique("harness-state"),
        "1.0.0/1",
        &[("us-east-1", HOME_ACCOUNT)],
    );
    let ami_arn = ami_image["arn"].as_str().unwrap().to_string();
    env().front.put_image(ami_image);
    let image = get_image(&client, &ami_arn).await.unwrap();
    assert_eq!(
        image.r#type(),
        Some(&aws_sdk_imagebuilder::types::ImageType::Ami)
    );
    let ami = &image.output_resources().unwrap().amis()[0];
    assert_eq!(
        ami.state().and_then(|s| s.status()),
        Some(&aws_sdk_imagebuilder::types::ImageStatus::Available)
    );
}

#[tokio::test]
async fn distribute_image_refuses_tag_keys_and_values_over_the_limits() {
    let config = sdk_config().await;
    let name = unique("harness-tags");
    let configuration =
        format!("arn:aws:imagebuilder:us-east-1:{HOME_ACCOUNT}:distribution-configuration/{name}");
    env().front.put_configuration(
        json!({"arn": configuration, "name": name, "distributions": [{"region": "us-east-1"}]}),
    );
    let client = aws_sdk_imagebuilder::Client::new(&config);
    let call = |token: &str, key: String, value: String| {
        client
            .distribute_image()
            .source_image("ami-0123456789abcdef0")
            .distribution_configuration_arn(&configuration)
            .execution_role("DistributionRole")
            .client_token(token)
            .tags(key, value)
            .send()
    };
    for (key, value) in [("k".repeat(129), "v".into()), ("k".into(), "v".repeat(257))] {
        let error = call(&unique("token"), key, value).await.unwrap_err();
        assert_eq!(
            aws_sdk_imagebuilder::error::ProvideErrorMetadata::code(&error),
            Some("InvalidParameterValueException")
        );
        let message = aws_sdk_imagebuilder::error::ProvideErrorMetadata::message(&error);
        assert!(
            message.is_some_and(|m| m.contains("keys at most 128, values at most 256")),
            "{message:?}"
        );
    }
    call(&unique("token"), "k".repeat(128), "v".repeat(256))
        .await
        .expect("the limits themselves are accepted");
}

#[tokio::test]
async fn moto_serves_ssm_and_assumed_roles_land_in_the_other_account() {
    let config = sdk_config().await;
    let ssm = aws_sdk_ssm::Client::new(&config);
    let name = format!("/{}", unique("harness"));
    ssm.put_parameter()
        .name(&name)
        .value("hello")
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .unwrap();
    let got = ssm.get_parameter().name(&name).send().await.unwrap();
    assert_eq!(got.parameter().unwrap().value(), Some("hello"));

    let sts = aws_sdk_sts::Client::new(&config);
    let home = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(home.account(), Some(HOME_ACCOUNT));
    let assumed = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{TARGET_ACCOUNT}:role/AmiflowTarget"))
        .role_session_name("harness")
        .send()
        .await
        .unwrap();
    let creds = assumed.credentials().unwrap();
    let other = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&config)
            .credentials_provider(aws_sdk_sts::config::Credentials::new(
                creds.access_key_id(),
                creds.secret_access_key(),
                Some(creds.session_token().to_string()),
                None,
                "assumed",
            ))
            .build(),
    );
    let identity = other.get_caller_identity().send().await.unwrap();
    assert_eq!(identity.account(), Some(TARGET_ACCOUNT));
}

/// Run by `leaves_no_process_behind` in a child test process: starts the emulators, prints moto's pid.
#[test]
#[ignore = "helper: run only by leaves_no_process_behind"]
fn harness_child() {
    println!("MOTO_PID={}", env().moto.pid);
}

#[test]
fn leaves_no_process_behind() {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "harness::harness_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let pid: u32 = stdout
        .lines()
        .find_map(|l| l.split("MOTO_PID=").nth(1))
        .and_then(|p| p.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("child printed no pid: {stdout}"));
    let alive = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|stat| stat.split(' ').nth(2).is_none_or(|state| state != "Z"))
            .unwrap_or(false)
    };
    let start = Instant::now();
    while alive() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !alive(),
        "moto (pid {pid}) outlived the test process that started it"
    );
}
