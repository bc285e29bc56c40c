//! What update-launch-templates sends to EC2, checked on the wire with aws-smithy-mocks: moto
//! ignores SourceVersion and ClientToken and does not implement DeleteLaunchTemplateVersions.
//! Image Builder is the fake front's; EC2 is mocked.

use std::sync::{Arc, Mutex};

use amiflow_model::decide::record::write_record as provenance;
use amiflow_model::report::action::Outcome;
use amiflow_model::report::detail::Detail;
use amiflow_model::report::template::TemplateDetail;
use amiflow_testkit::function::{images_without_build_tags, mocked_clients, mocked_ec2, Function};
use amiflow_testkit::{ami_id, event_json, publish, unique, HOME_ACCOUNT};
use aws_sdk_ec2::operation::create_launch_template_version::CreateLaunchTemplateVersionOutput;
use aws_sdk_ec2::operation::create_tags::CreateTagsOutput;
use aws_sdk_ec2::operation::delete_launch_template_versions::DeleteLaunchTemplateVersionsOutput;
use aws_sdk_ec2::operation::describe_launch_template_versions::DescribeLaunchTemplateVersionsOutput;
use aws_sdk_ec2::operation::describe_launch_templates::DescribeLaunchTemplatesOutput;
use aws_sdk_ec2::operation::modify_launch_template::ModifyLaunchTemplateOutput;
use aws_sdk_ec2::types::{
    DeleteLaunchTemplateVersionsResponseSuccessItem, LaunchTemplate, LaunchTemplateVersion,
    ResponseLaunchTemplateData, Tag,
};
use aws_smithy_mocks::{mock, Rule};
use serde_json::{json, Value};
use update_launch_templates::updater::{TemplateUpdater, SESSION};

const PRUNED: &str = "lt-0aaaaaaaaaaaaaaa1";
const KEPT: &str = "lt-0bbbbbbbbbbbbbbb2";
const FRESH: &str = "lt-0ccccccccccccccc3";

/// update-launch-templates whose EC2 clients answer from `rules` instead of the network.
async fn mocked(policy: Value, rules: Vec<Rule>) -> Function<TemplateUpdater> {
    Function::new(policy, false, None, |pipeline| {
        TemplateUpdater::with_clients(mocked_clients(pipeline, SESSION, rules, mocked_ec2))
    })
    .await
}

fn version(id: &str, number: i64, default: bool, ami: &str) -> LaunchTemplateVersion {
    LaunchTemplateVersion::builder()
        .launch_template_id(id)
        .launch_template_name(id)
        .version_number(number)
        .default_version(default)
        .launch_template_data(ResponseLaunchTemplateData::builder().image_id(ami).build())
        .build()
}

/// DescribeLaunchTemplates by id, as EC2 answers for a template tagged `amiflow:managed=true`.
fn managed_templates() -> Rule {
    mock!(aws_sdk_ec2::Client::describe_launch_templates).then_compute_output(|r| {
        let mut out = DescribeLaunchTemplatesOutput::builder();
        for id in r.launch_template_ids() {
            out = out.launch_templates(
                LaunchTemplate::builder()
                    .launch_template_id(id)
                    .launch_template_name(id)
                    .tags(Tag::builder().key("amiflow:managed").value("true").build())
                    .build(),
            );
        }
        out.build()
    })
}

/// CreateTags on a template, as EC2 answers it: amiflow tags each version it makes the default.
fn tagging() -> Rule {
    mock!(aws_sdk_ec2::Client::create_tags)
        .match_requests(|r| r.resources().len() == 1 && r.tags().len() == 2)
        .then_output(|| CreateTagsOutput::builder().build())
}

/// A read of versions that names no template: it would return every template of the account.
fn unscoped_version_reads() -> Rule {
    mock!(aws_sdk_ec2::Client::describe_launch_template_versions)
        .match_requests(|r| r.launch_template_id().is_none() && r.launch_template_name().is_none())
        .then_output(|| DescribeLaunchTemplateVersionsOutput::builder().build())
}

#[tokio::test]
async fn a_new_version_inherits_the_default_and_carries_a_deterministic_token() {
    let name = unique("wire");
    let arn = publish(&name, "1.0.0/1", &[("us-east-1", HOME_ACCOUNT)]);
    let ami = ami_id(&name, "1.0.0/1", "us-east-1", HOME_ACCOUNT);

    let describe = mock!(aws_sdk_ec2::Client::describe_launch_template_versions)
        .match_requests(|r| {
            r.launch_template_id() == Some(FRESH) && r.versions() == ["$Default", "$Latest"]
        })
        .then_output(|| {
            DescribeLaunchTemplateVersionsOutput::builder()
                .launch_template_versions(version(FRESH, 3, true, "ami-00000000000000003"))
                .launch_template_versions(version(FRESH, 4, false, "ami-00000000000000004"))
                .build()
        });
    let unscoped = unscoped_version_reads();
    let tagging = tagging();
    let tokens: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = tokens.clone();
    let expected_ami = ami.clone();
    let expected_arn = arn.clone();
    let create = mock!(aws_sdk_ec2::Client::create_launch_template_version)
        .match_requests(move |r| {
            seen.lock()
                .unwrap()
                .push(r.client_token().unwrap_or_default().to_string());
            r.launch_template_id() == Some(FRESH)
                && r.source_version() == Some("3")
                && r.launch_template_data().and_then(|d| d.image_id())
                    == Some(expected_ami.as_str())
                && r.version_description()
                    .is_some_and(|d| d.contains(&expected_arn))
        })
        .then_output(|| {
            CreateLaunchTemplateVersionOutput::builder()
                .launch_template_version(version(FRESH, 5, false, "x"))
                .build()
        });
    let modify = mock!(aws_sdk_ec2::Client::modify_launch_template)
        .match_requests(|r| {
            r.launch_template_id() == Some(FRESH) && r.default_version() == Some("5")
        })
        .then_output(|| ModifyLaunchTemplateOutput::builder().build());
    let app = mocked(
        json!({"rules": [{"name": "r", "launchTemplates": [{"launchTemplateId": FRESH, "region": "us-east-1"}]}]}),
        vec![
            unscoped.clone(),
            managed_templates(),
            images_without_build_tags(),
            describe.clone(),
            create.clone(),
            modify.clone(),
            tagging.clone(),
        ],
    )
    .await;
    let event = event_json(&arn, "AVAILABLE");
    let report = app.report(event.clone()).await;
    assert_eq!(report.outcomes(), [Outcome::Updated], "{report:#?}");
    assert_eq!(
        (create.num_calls(), modify.num_calls(), tagging.num_calls()),
        (1, 1, 1)
    );
    assert_eq!(
        unscoped.num_calls(),
        0,
        "versions are read only for the templates amiflow resolved"
    );
    // A redelivery of the same event (say the first answer was lost) sends the same token.
    app.report(event).await;
    let tokens_seen = tokens.clone();
    let tokens = tokens_seen.lock().unwrap().clone();
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[0], tokens[1]);
    assert_eq!(tokens[0].len(), 36);
    // A different event for the same image is a different operation.
    app.report(event_json(&arn, "AVAILABLE")).await;
    let tokens = tokens_seen.lock().unwrap().clone();
    assert_eq!(tokens.len(), 3);
    assert_ne!(tokens[2], tokens[0]);
}

/// Updates a template whose default holds the build before's AMI, described as `description`:
/// the DescribeImages calls that takes.
async fn build_tag_reads_over(description: impl Fn(&str, &str) -> Option<String>) -> usize {
    let name = unique("explained");
    let old = publish(&name, "1.0.0/1", &[("us-east-1", HOME_ACCOUNT)]);
    let arn = publish(&name, "1.0.0/2", &[("us-east-1", HOME_ACCOUNT)]);
    let old_ami = ami_id(&name, "1.0.0/1", "us-east-1", HOME_ACCOUNT);
    let description = description(&old, &old_ami);
    let describe =
        mock!(aws_sdk_ec2::Client::describe_launch_template_versions).then_output(move || {
            let mut default = version(FRESH, 3, true, &old_ami);
            default.version_description = description.clone();
            DescribeLaunchTemplateVersionsOutput::builder()
                .launch_template_versions(default)
                .build()
        });
    let create = mock!(aws_sdk_ec2::Client::create_launch_template_version).then_output(|| {
        CreateLaunchTemplateVersionOutput::builder()
            .launch_template_version(version(FRESH, 4, false, "x"))
            .build()
    });
    let modify = mock!(aws_sdk_ec2::Client::modify_launch_template)
        .then_output(|| ModifyLaunchTemplateOutput::builder().build());
    let images = images_without_build_tags();
    let app = mocked(
        json!({"rules": [{"name": "r", "launchTemplates": [{"launchTemplateId": FRESH, "region": "us-east-1"}]}]}),
        vec![
            managed_templates(),
            images.clone(),
            describe,
            create,
            modify,
            tagging(),
        ],
    )
    .await;
    let report = app.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(report.outcomes(), [Outcome::Updated], "{report:#?}");
    images.num_calls()
}

#[tokio::test]
async fn a_default_amiflow_wrote_needs_no_build_tag_read() {
    // The version's record names its own AMI and build: nothing more to read.
    let recorded = |build: &str, ami: &str| Some(provenance(&build.parse().unwrap(), ami, None));
    assert_eq!(build_tag_reads_over(recorded).await, 0);
    // A record of another AMI (the version was made from amiflow's, with the AMI changed), an
    // older record that names no AMI, or none: the AMI's build tag is read.
    let other = |build: &str, _: &str| {
        Some(provenance(
            &build.parse().unwrap(),
            "ami-0f0f0f0f0f0f0f0f0",
            None,
        ))
    };
    let unnamed = |build: &str, _: &str| Some(format!("amiflow: AMI of {build}"));
    assert_eq!(build_tag_reads_over(other).await, 1);
    assert_eq!(build_tag_reads_over(unnamed).await, 1);
    assert_eq!(build_tag_reads_over(|_, _| None).await, 1);
}

#[tokio::test]
async fn keep_versions_deletes_exactly_the_oldest_and_never_touches_unpruned_templates() {
    let name = unique("prune");
    let arn = publish(&name, "1.0.0/1", &[("us-east-1", HOME_ACCOUNT)]);
    let ami = ami_id(&name, "1.0.0/1", "us-east-1", HOME_ACCOUNT);

    let (a1, a2) = (ami.clone(), ami.clone());
    let defaults = |id: &'static str, number: i64, ami: String| {
        mock!(aws_sdk_ec2::Client::describe_launch_template_versions)
            .match_requests(move |r| r.launch_template_id() == Some(id) && !r.versions().is_empty())
            .then_output(move || {
                DescribeLaunchTemplateVersionsOutput::builder()
                    .launch_template_versions(version(id, number, true, &ami))
                    .build()
            })
    };
    let (pruned_default, kept_default) = (defaults(PRUNED, 6, a1), defaults(KEPT, 9, a2));
    let listing = mock!(aws_sdk_ec2::Client::describe_launch_template_versions)
        .match_requests(|r| r.launch_template_id() == Some(PRUNED) && r.versions().is_empty())
        .then_output(|| {
            let mut out = DescribeLaunchTemplateVersionsOutput::builder();
            for n in 1..=6 {
                out = out.launch_template_versions(version(PRUNED, n, n == 6, "ami-old"));
            }
            out.build()
        });
    let listing_kept = mock!(aws_sdk_ec2::Client::describe_launch_template_versions)
        .match_requests(|r| r.launch_template_id() == Some(KEPT) && r.versions().is_empty())
        .then_output(|| DescribeLaunchTemplateVersionsOutput::builder().build());
    let delete = mock!(aws_sdk_ec2::Client::delete_launch_template_versions)
        .match_requests(|r| {
            r.launch_template_id() == Some(PRUNED) && r.versions() == ["1", "2", "3"]
        })
        .then_output(|| {
            let mut out = DeleteLaunchTemplateVersionsOutput::builder();
            for n in 1..=3 {
                out = out.successfully_deleted_launch_template_versions(
                    DeleteLaunchTemplateVersionsResponseSuccessItem::builder()
                        .launch_template_id(PRUNED)
                        .version_number(n)
                        .build(),
                );
            }
            out.build()
        });
    let stray_delete = mock!(aws_sdk_ec2::Client::delete_launch_template_versions)
        .match_requests(|r| {
            r.launch_template_id() != Some(PRUNED) || r.versions() != ["1", "2", "3"]
        })
        .then_output(|| DeleteLaunchTemplateVersionsOutput::builder().build());
    let app = mocked(
        json!({"rules": [{"name": "r", "launchTemplates": [
            {"launchTemplateId": PRUNED, "region": "us-east-1", "keepVersions": 3},
            {"launchTemplateId": KEPT, "region": "us-east-1"}
        ]}]}),
        vec![
            managed_templates(),
            pruned_default.clone(),
            kept_default.clone(),
            listing.clone(),
            listing_kept.clone(),
            delete.clone(),
            stray_delete.clone(),
        ],
    )
    .await;
    let report = app.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(report.summary.unchanged, 2, "{report:#?}");
    let Detail::Template(TemplateDetail::Named { done, .. }) = &report.actions[0].detail else {
        panic!("a named template's reason: {report:#?}")
    };
    assert!(
        matches!(&**done, TemplateDetail::Pruned { versions, dry_run: false, .. } if versions == &[1, 2, 3]),
        "{report:#?}"
    );
    assert_eq!(
        (pruned_default.num_calls(), kept_default.num_calls()),
        (1, 1),
        "one read of the default and latest version per template"
    );
    assert_eq!((listing.num_calls(), delete.num_calls()), (1, 1));
    assert_eq!(
        (listing_kept.num_calls(), stray_delete.num_calls()),
        (0, 0),
        "no keepVersions: never listed or pruned"
    );
}
