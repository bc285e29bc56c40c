//! update-launch-templates in a target account: its own narrow session, and a refusal that names
//! the account and what would allow it.

use amiflow_testkit::sessions::{assert_narrow_session_and_named_refusal, templates_tagged_in};
use update_launch_templates::updater::TemplateUpdater;

#[tokio::test]
async fn assumes_its_own_narrow_session_and_a_refusal_fails_that_account_by_name() {
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
    assert_narrow_session_and_named_refusal(
        templates_tagged_in,
        TemplateUpdater::new,
        session,
        &calls,
    )
    .await;
}
