//! update-ssm-parameters in a target account: its own narrow session, and a refusal that names
//! the account and what would allow it. The front in moto refuses that account's role, as STS
//! refuses a role that does not trust the caller.

use amiflow_testkit::parameter_policy;
use amiflow_testkit::sessions::assert_narrow_session_and_named_refusal;
use serde_json::json;
use update_ssm_parameters::parameters::ParameterWriter;

#[tokio::test]
async fn assumes_its_own_narrow_session_and_a_refusal_fails_that_account_by_name() {
    let calls = [
        "ssm:GetParameters",
        "ssm:DescribeParameters",
        "ssm:PutParameter",
        "ec2:DescribeImages",
    ];
    let parameter_in = |name: &str, accounts: [&str; 2]| {
        let regions = ["us-east-1", "us-west-2"];
        let parameter =
            json!({"name": format!("/{name}"), "regions": regions, "accounts": accounts});
        parameter_policy(parameter)
    };
    let session = "amiflow-update-ssm-parameters";
    assert_narrow_session_and_named_refusal(parameter_in, ParameterWriter::new, session, &calls)
        .await;
}
