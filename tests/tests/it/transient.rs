//! A throttled AssumeRole is no refusal: it fails that account's targets for its own invocation
//! (once, not once per Region), and the next invocation, within the minute a refusal would be kept,
//! asks STS again and succeeds. Through the real SDK, with the fault injected by the front in front
//! of moto; the function's own Region is one no other test uses, so the fault touches no other test.

use amiflow_common::aws::config::MAX_ATTEMPTS;
use amiflow_model::report::action::Outcome::{Created, Failed};
use amiflow_model::report::detail::{Detail, Failure, Unreachable};
use amiflow_testkit::function::{settings, Function};
use amiflow_testkit::resources::parameter;
use amiflow_testkit::{env, event_json, parameter_policy, publish, unique, TARGET_ACCOUNT};
use serde_json::json;
use update_ssm_parameters::parameters::ParameterWriter;

const OWN_REGION: &str = "ca-central-1";

#[tokio::test]
async fn a_throttled_assume_role_is_asked_again_by_the_next_invocation() {
    let name = unique("throttled-sts");
    let param = format!("/{name}/latest");
    let regions = ["us-east-1", "us-west-2"];
    let amis = [(regions[0], TARGET_ACCOUNT), (regions[1], TARGET_ACCOUNT)];
    let arn = publish(&name, "1.0.0/1", &amis);
    let front = &env().front;
    let role = format!(":{TARGET_ACCOUNT}:role/");
    let throttled = ("Throttling", 400);
    // Every attempt of the first ask is throttled: it gives up, as under a throttling storm.
    front.fail_in(
        OWN_REGION,
        "sts",
        "AssumeRole",
        &role,
        throttled,
        MAX_ATTEMPTS as usize,
    );
    let policy =
        parameter_policy(json!({"name": param, "regions": regions, "accounts": [TARGET_ACCOUNT]}));
    let function_settings = settings(false, Some("AmiflowTarget"));
    let app =
        Function::in_region(OWN_REGION, policy, function_settings, ParameterWriter::new).await;
    let asked = || {
        front
            .requests_in(OWN_REGION, "sts", "AssumeRole", &role)
            .len()
    };

    let first = app.error(event_json(&arn, "AVAILABLE")).await;
    let report = first.report().expect("a report");
    assert_eq!(report.outcomes(), [Failed, Failed], "{report:#?}");
    for action in &report.actions {
        assert!(
            matches!(&action.detail, Detail::Failed(Failure::Unreachable(Unreachable::Transient { account, .. }))
                if account == TARGET_ACCOUNT),
            "a transient failure, not a refusal: {action:?}"
        );
    }
    assert_eq!(
        asked(),
        MAX_ATTEMPTS as usize,
        "one ask (with its retries) for the account, not one per Region"
    );

    // Lambda's retry, seconds later: STS is asked again, and answers.
    let retry = app.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(retry.outcomes(), [Created, Created], "{retry:#?}");
    assert_eq!(asked(), MAX_ATTEMPTS as usize + 1);
    for region in regions {
        assert!(parameter(TARGET_ACCOUNT, region, &param).await.is_some());
    }
}
