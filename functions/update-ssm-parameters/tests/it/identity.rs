//! Where STS cannot say who the function is, every value is read, and STS is not asked again by
//! each placement in turn; the next invocation asks again. The function's own Region here is one
//! no other test uses, so the fault on its GetCallerIdentity touches no other test.

use amiflow_model::report::action::Outcome::{Created, Unchanged};
use amiflow_testkit::function::{settings, Function};
use amiflow_testkit::{env, event_json, parameter_policy, publish, unique, HOME_ACCOUNT};
use serde_json::json;
use update_ssm_parameters::parameters::ParameterWriter;

const OWN_REGION: &str = "ap-northeast-3";

#[tokio::test]
async fn a_failed_get_caller_identity_is_asked_once_per_invocation_and_every_value_is_read() {
    let name = unique("who");
    let regions = ["us-east-1", "us-west-2", "eu-west-1"];
    let amis: Vec<(&str, &str)> = regions.iter().map(|r| (*r, HOME_ACCOUNT)).collect();
    let arn = publish(&name, "1.0.0/1", &amis);
    // STS refuses to say (InvalidClientTokenId is not retried): GetCallerIdentity fails.
    let front = &env().front;
    front.fail_in(
        OWN_REGION,
        "sts",
        "GetCallerIdentity",
        "",
        ("InvalidClientTokenId", 403),
        100,
    );
    let param = format!("/{name}/latest");
    let policy = parameter_policy(json!({"name": param, "regions": regions}));
    let app = Function::in_region(
        OWN_REGION,
        policy,
        settings(false, None),
        ParameterWriter::new,
    )
    .await;
    let asked = || {
        front
            .requests_in(OWN_REGION, "sts", "GetCallerIdentity", "")
            .len()
    };
    let first = app.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(first.outcomes(), [Created, Created, Created], "{first:#?}");
    assert_eq!(
        asked(),
        1,
        "one placement asks; the other two take its failure"
    );
    // The next invocation asks again (a failure to answer is no refusal), and reads the values.
    let again = app.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(
        again.outcomes(),
        [Unchanged, Unchanged, Unchanged],
        "{again:#?}"
    );
    assert_eq!(asked(), 2);
}
