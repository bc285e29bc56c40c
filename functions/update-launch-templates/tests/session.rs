//! update-launch-templates in a target account: its own narrow session, and a refusal that names
//! the account and what would allow it. STS is a stand-in here (moto grants every AssumeRole).

use amiflow_model::Outcome;
use amiflow_testkit::{
    assert_assumed_as, event_json, publish, unique, Function, StsStandIn, TARGET_ACCOUNT,
};
use serde_json::json;
use update_launch_templates::TemplateUpdater;

const REFUSED: &str = "999999999999";

#[tokio::test]
async fn assumes_its_own_narrow_session_and_a_refusal_fails_that_account_by_name() {
    let name = unique("lt-session");
    // Published first: registering its AMIs assumes roles through moto's STS.
    let arn = publish(
        &name,
        "1.0.0/1",
        &[("us-east-1", TARGET_ACCOUNT), ("us-east-1", REFUSED)],
    );
    let sts = StsStandIn::start(&[REFUSED]).expect("STS stand-in");
    let policy = json!({"rules": [{"name": "r", "launchTemplates": [
        {"tag": {"key": "amiflow:image", "value": name}, "regions": ["us-east-1"], "accounts": [TARGET_ACCOUNT, REFUSED]}
    ]}]});
    let app = Function::new(policy, false, Some("AmiflowTarget"), TemplateUpdater::new).await;
    let error = app.invoke(event_json(&arn, "AVAILABLE")).await.unwrap_err();
    let report = error.report().expect("a report");
    let refused = report
        .actions
        .iter()
        .find(|a| a.account_id == REFUSED)
        .expect("named");
    assert_eq!(refused.outcome, Outcome::Failed);
    assert!(
        refused
            .detail
            .contains("cannot assume arn:aws:iam::999999999999:role/AmiflowTarget")
            && refused.detail.contains("TargetAccountIds"),
        "{}",
        refused.detail
    );
    assert_assumed_as(
        &sts,
        TARGET_ACCOUNT,
        "amiflow-update-launch-templates",
        &[
            "ec2:DescribeLaunchTemplates",
            "ec2:DescribeLaunchTemplateVersions",
            "ec2:CreateLaunchTemplateVersion",
            "ec2:ModifyLaunchTemplate",
            "ec2:DeleteLaunchTemplateVersions",
            "ec2:DescribeImages",
        ],
    );
}
