//! refresh-instances in a target account: its own narrow session, and a refusal that names the
//! account and what would allow it.

use amiflow_testkit::sessions::assert_narrow_session_and_named_refusal;
use refresh_instances::refresher::InstanceRefresher;
use serde_json::json;

#[tokio::test]
async fn assumes_its_own_narrow_session_and_a_refusal_fails_that_account_by_name() {
    let tagged_in = |name: &str, accounts: [&str; 2]| {
        let tag = json!({"key": "amiflow:image", "value": name});
        let selector =
            json!({"tag": tag, "regions": ["us-east-1", "us-west-2"], "accounts": accounts});
        json!({"rules": [{"name": "r", "launchTemplates": [selector]}]})
    };
    let calls = [
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:DescribeInstanceRefreshes",
        "autoscaling:StartInstanceRefresh",
        "ec2:DescribeLaunchTemplates",
        "ec2:DescribeLaunchTemplateVersions",
        "ec2:RunInstances",
        "ec2:CreateTags",
        "iam:PassRole",
    ];
    let session = "amiflow-refresh-instances";
    assert_narrow_session_and_named_refusal(tagged_in, InstanceRefresher::new, session, &calls)
        .await;
}
