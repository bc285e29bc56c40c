//! update-launch-templates in a target account: its own narrow session, and a refusal that names
//! the account and what would allow it. STS is a stand-in here (moto grants every AssumeRole).

use amiflow_testkit::{
    assert_assumed_as, assert_refused, event_json, refusing_scenario, unique, Function,
    REFUSED_ACCOUNT, TARGET_ACCOUNT,
};
use serde_json::json;
use update_launch_templates::TemplateUpdater;

#[tokio::test]
async fn assumes_its_own_narrow_session_and_a_refusal_fails_that_account_by_name() {
    let name = unique("lt-session");
    let (sts, arn) = refusing_scenario(&name);
    let tag = json!({"key": "amiflow:image", "value": name});
    let accounts = [TARGET_ACCOUNT, REFUSED_ACCOUNT];
    let selector = json!({"tag": tag, "regions": ["us-east-1", "us-west-2"], "accounts": accounts});
    let policy = json!({"rules": [{"name": "r", "launchTemplates": [selector]}]});
    let app = Function::new(policy, false, Some("AmiflowTarget"), TemplateUpdater::new).await;
    let error = app.invoke(event_json(&arn, "AVAILABLE")).await.unwrap_err();
    assert_refused(&sts, error.report().expect("a report"));
    let calls = [
        "ec2:DescribeLaunchTemplates",
        "ec2:DescribeLaunchTemplateVersions",
        "ec2:CreateLaunchTemplateVersion",
        "ec2:ModifyLaunchTemplate",
        "ec2:DeleteLaunchTemplateVersions",
        "ec2:DescribeImages",
    ];
    assert_assumed_as(
        &sts,
        TARGET_ACCOUNT,
        "amiflow-update-launch-templates",
        &calls,
    );
}
