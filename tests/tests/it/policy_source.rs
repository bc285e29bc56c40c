//! Where a function's policy comes from (inline or an SSM parameter), read at cold start.

use amiflow_common::policy_source::load_policy;
use amiflow_common::settings::PolicySource;
use amiflow_testkit::{env, unique};
use serde_json::json;

#[tokio::test]
async fn invalid_policies_are_init_errors_listing_every_violation() {
    env();
    let base =
        amiflow_common::aws::config::load_base_config(std::time::Duration::from_secs(30)).await;
    let bad = r#"{"rules": [{"name": "r", "ssmParameter": [], "launchTemplates": [{"launchTemplateName": "web"}]}]}"#;
    let error = load_policy(&PolicySource::Inline(bad.into()), &base)
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "InvalidConfiguration");
    let message = error.to_string();
    assert!(message.contains("AMIFLOW_POLICY: "), "{message}");
    assert!(
        message
            .contains("unknown field `ssmParameter` at `rules[0]`; did you mean `ssmParameters`?"),
        "{message}"
    );
    assert!(
        message.contains("`rules[0].launchTemplates[0].region`: is required"),
        "{message}"
    );
}

#[tokio::test]
async fn the_policy_can_live_in_an_ssm_parameter() {
    env();
    let base =
        amiflow_common::aws::config::load_base_config(std::time::Duration::from_secs(30)).await;
    let name = format!("/{}/policy", unique("policy"));
    let document =
        json!({"followDistributionSettings": false, "rules": [{"name": "from-ssm"}]}).to_string();
    aws_sdk_ssm::Client::new(&base)
        .put_parameter()
        .name(&name)
        .value(&document)
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .unwrap();
    let policy = load_policy(&PolicySource::Parameter(name.clone()), &base)
        .await
        .unwrap();
    assert_eq!(policy.rules[0].name, "from-ssm");
    assert!(!policy.follow_distribution_settings);
    let missing = load_policy(&PolicySource::Parameter(format!("{name}-missing")), &base)
        .await
        .unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("AMIFLOW_POLICY_PARAMETER: cannot read parameter"),
        "{missing}"
    );
}
