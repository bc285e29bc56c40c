//! refresh-instances in a target account: its own narrow session, and a refusal that names the
//! account and what would allow it.

use amiflow_testkit::sessions::{assert_narrow_session_and_named_refusal, templates_tagged_in};
use refresh_instances::refresher::InstanceRefresher;

#[tokio::test]
async fn assumes_its_own_narrow_session_and_a_refusal_fails_that_account_by_name() {
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
    assert_narrow_session_and_named_refusal(
        templates_tagged_in,
        InstanceRefresher::new,
        session,
        &calls,
    )
    .await;
}
