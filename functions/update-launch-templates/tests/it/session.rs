//! update-launch-templates in a target account: its own narrow session, and a refusal that names
//! the account and what would allow it. STS is a stand-in here (moto grants every AssumeRole).

use amiflow_testkit::sessions::assert_narrow_session_and_named_refusal;
use serde_json::json;
use update_launch_templates::updater::TemplateUpdater;

#[tokio::test]
async fn assumes_its_own_narrow_session_and_a_refusal_fails_that_account_by_name() {
    let tagged_in = |name: &str, accounts: [&str; 2]| {
        let tag = json!({"key": "amiflow:image", "value": name});
        let selector =
            json!({"tag": tag, "regions": ["us-east-1", "us-west-2"], "accounts": accounts});
        json!({"rules": [{"name": "r", "launchTemplates": [selector]}]})
    };
    let calls = [
        "ec2:DescribeLaunchTemplates",
        "ec2:DescribeLaunchTemplateVersions",
        "ec2:CreateLaunchTemplateVersion",
        "ec2:ModifyLaunchTemplate",
        "ec2:CreateTags",
        "ec2:DeleteLaunchTemplateVersions",
        "ec2:DescribeImages",
    ];
    let session = "amiflow-update-launch-templates";
    assert_narrow_session_and_named_refusal(tagged_in, TemplateUpdater::new, session, &calls).await;
}
