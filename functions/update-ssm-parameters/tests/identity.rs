//! Where STS cannot say who the function is, every value is read, and STS is not asked again by
//! each placement in turn. A test binary of its own: the STS stand-in becomes the process's STS.

use amiflow_model::Outcome::{Created, Unchanged};
use amiflow_testkit::{
    event_json, parameter_policy, publish, unique, Function, StsStandIn, HOME_ACCOUNT,
};
use serde_json::json;
use update_ssm_parameters::ParameterWriter;

#[tokio::test]
async fn a_failed_get_caller_identity_is_asked_once_and_every_value_is_read() {
    let name = unique("who");
    let regions = ["us-east-1", "us-west-2", "eu-west-1"];
    let amis: Vec<(&str, &str)> = regions.iter().map(|r| (*r, HOME_ACCOUNT)).collect();
    let arn = publish(&name, "1.0.0/1", &amis);
    // The stand-in answers only AssumeRole: GetCallerIdentity fails.
    let sts = StsStandIn::start(&[]).expect("STS stand-in");
    let param = format!("/{name}/latest");
    let policy = parameter_policy(json!({"name": param, "regions": regions}));
    let app = Function::new(policy, false, None, ParameterWriter::new).await;
    let asked = || {
        let requests = sts.requests();
        let identity = requests
            .iter()
            .filter(|r| r.get("Action").map(String::as_str) == Some("GetCallerIdentity"));
        identity.count()
    };
    let first = app.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(first.outcomes(), [Created, Created, Created], "{first:#?}");
    assert_eq!(
        asked(),
        1,
        "one placement asks; the other two take its failure"
    );
    // Again within a minute: the failure still stands, and values are read, not assumed.
    let again = app.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(
        again.outcomes(),
        [Unchanged, Unchanged, Unchanged],
        "{again:#?}"
    );
    assert_eq!(asked(), 1);
}
