//! The tags amiflow puts beside each version it creates (`amiflow:version`, `amiflow:record`): the
//! find that lists a template then says what its default holds, and no version is read. They are
//! trusted only while the version they name is the default and the latest. Checked on the wire with
//! aws-smithy-mocks, which count the reads and can refuse the tagging; launch_templates.rs shows
//! the tags written in moto.

use amiflow_model::decide::record::write_record as provenance;
use amiflow_model::report::action::Outcome;
use amiflow_model::report::detail::Detail;
use amiflow_model::report::template::TemplateDetail;
use amiflow_testkit::function::{images_without_build_tags, mocked_clients, mocked_ec2, Function};
use amiflow_testkit::{ami_id, event_json, publish, unique, HOME_ACCOUNT};
use aws_sdk_ec2::error::ErrorMetadata;
use aws_sdk_ec2::operation::create_launch_template_version::CreateLaunchTemplateVersionOutput;
use aws_sdk_ec2::operation::create_tags::{CreateTagsError, CreateTagsOutput};
use aws_sdk_ec2::operation::describe_launch_template_versions::DescribeLaunchTemplateVersionsOutput;
use aws_sdk_ec2::operation::describe_launch_templates::DescribeLaunchTemplatesOutput;
use aws_sdk_ec2::operation::modify_launch_template::ModifyLaunchTemplateOutput;
use aws_sdk_ec2::types::{LaunchTemplate, LaunchTemplateVersion, ResponseLaunchTemplateData, Tag};
use aws_smithy_mocks::{mock, Rule};
use serde_json::json;
use update_launch_templates::updater::{TemplateUpdater, SESSION};

const TEMPLATE: &str = "lt-0ddddddddddddddd4";

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
}

/// What one update did: the calls it made, and its one action.
struct Run {
    version_reads: usize,
    creates: usize,
    modifies: usize,
    /// The tags of each CreateTags call, as (key, value) pairs.
    tagged: Vec<Vec<(String, String)>>,
    outcome: Outcome,
    detail: Detail,
}

/// Updates a managed template whose default and latest are `numbers` and whose amiflow tags are
/// `tags`; its default version 3 holds the previous build's AMI with amiflow's record. CreateTags
/// refuses, as IAM does, where `tagging_fails`.
async fn update(numbers: (i64, i64), tags: &[(&str, &str)], tagging_fails: bool) -> Run {
    let name = unique("vtags");
    let old = publish(&name, "1.0.0/1", &[("us-east-1", HOME_ACCOUNT)]);
    let arn = publish(&name, "1.0.0/2", &[("us-east-1", HOME_ACCOUNT)]);
    let old_ami = ami_id(&name, "1.0.0/1", "us-east-1", HOME_ACCOUNT);
    let record = provenance(&old.parse().unwrap(), &old_ami, None);
    let mut listed = LaunchTemplate::builder()
        .launch_template_id(TEMPLATE)
        .launch_template_name("web")
        .default_version_number(numbers.0)
        .latest_version_number(numbers.1)
        .tags(tag("amiflow:managed", "true"));
    for (key, value) in tags {
        let value = value.replace("{record}", &record);
        listed = listed.tags(tag(key, &value));
    }
    let listed = listed.build();
    let find = mock!(aws_sdk_ec2::Client::describe_launch_templates).then_output(move || {
        DescribeLaunchTemplatesOutput::builder()
            .launch_templates(listed.clone())
            .build()
    });
    let read =
        mock!(aws_sdk_ec2::Client::describe_launch_template_versions).then_output(move || {
            let default = LaunchTemplateVersion::builder()
                .launch_template_id(TEMPLATE)
                .version_number(3)
                .default_version(true)
                .version_description(&record)
                .launch_template_data(
                    ResponseLaunchTemplateData::builder()
                        .image_id(&old_ami)
                        .build(),
                )
                .build();
            DescribeLaunchTemplateVersionsOutput::builder()
                .launch_template_versions(default)
                .build()
        });
    let create = mock!(aws_sdk_ec2::Client::create_launch_template_version).then_output(|| {
        let created = LaunchTemplateVersion::builder().version_number(4).build();
        CreateLaunchTemplateVersionOutput::builder()
            .launch_template_version(created)
            .build()
    });
    let modify = mock!(aws_sdk_ec2::Client::modify_launch_template)
        .match_requests(|r| r.default_version() == Some("4"))
        .then_output(|| ModifyLaunchTemplateOutput::builder().build());
    let tagged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = tagged.clone();
    let create_tags = mock!(aws_sdk_ec2::Client::create_tags).match_requests(move |r| {
        assert_eq!(r.resources(), [TEMPLATE], "only the template is tagged");
        let pairs = r.tags().iter().map(|t| {
            let (key, value) = (t.key().unwrap_or_default(), t.value().unwrap_or_default());
            (key.to_string(), value.to_string())
        });
        seen.lock().unwrap().push(pairs.collect());
        true
    });
    let create_tags: Rule = if tagging_fails {
        create_tags.then_error(|| {
            let denied = ErrorMetadata::builder()
                .code("UnauthorizedOperation")
                .message("You are not authorized to perform this operation.")
                .build();
            CreateTagsError::generic(denied)
        })
    } else {
        create_tags.then_output(|| CreateTagsOutput::builder().build())
    };
    let rules = vec![
        find,
        read.clone(),
        create.clone(),
        modify.clone(),
        create_tags,
        images_without_build_tags(),
    ];
    let policy = json!({"rules": [{"name": "r", "launchTemplates": [
        {"tag": {"key": "amiflow:managed", "value": "true"}, "regions": ["us-east-1"]}
    ]}]});
    let app = Function::new(policy, false, None, |pipeline| {
        TemplateUpdater::with_clients(mocked_clients(pipeline, SESSION, rules, mocked_ec2))
    })
    .await;
    let report = app.report(event_json(&arn, "AVAILABLE")).await;
    let [action] = &report.actions[..] else {
        panic!("one action: {report:#?}")
    };
    let tagged = tagged.lock().unwrap().clone();
    Run {
        version_reads: read.num_calls(),
        creates: create.num_calls(),
        modifies: modify.num_calls(),
        tagged,
        outcome: action.outcome(),
        detail: action.detail.clone(),
    }
}

#[tokio::test]
async fn tags_naming_the_default_and_latest_version_spare_the_read_of_versions() {
    let tags = [("amiflow:version", "3"), ("amiflow:record", "{record}")];
    let run = update((3, 3), &tags, false).await;
    assert_eq!(run.outcome, Outcome::Updated, "{:?}", run.detail);
    assert_eq!(
        (run.version_reads, run.creates, run.modifies),
        (0, 1, 1),
        "the find said what version 3 holds: no read before the write"
    );
    // The new version's number and record, in one call, beside making it the default.
    let [written] = &run.tagged[..] else {
        panic!("one CreateTags: {:?}", run.tagged)
    };
    assert_eq!(written[0], ("amiflow:version".into(), "4".into()));
    assert_eq!(written[1].0, "amiflow:record");
    assert!(
        written[1].1.contains("1.0.0/2") && written[1].1.starts_with("amiflow"),
        "{written:?}"
    );
}

#[tokio::test]
async fn tags_that_no_longer_name_the_default_and_latest_are_not_trusted() {
    let tags = [("amiflow:version", "3"), ("amiflow:record", "{record}")];
    // Someone made another version the default, or created one after amiflow's, or the tags are
    // missing, unreadable or hold no record: the versions are read, as without tags.
    for (numbers, tags) in [
        ((5, 5), &tags[..]),
        ((3, 5), &tags[..]),
        ((3, 3), &[][..]),
        (
            (3, 3),
            &[("amiflow:version", "three"), ("amiflow:record", "{record}")][..],
        ),
        (
            (3, 3),
            &[("amiflow:version", "3"), ("amiflow:record", "by hand")][..],
        ),
    ] {
        let run = update(numbers, tags, false).await;
        assert_eq!(run.version_reads, 1, "{numbers:?} {tags:?}");
        assert_eq!(run.outcome, Outcome::Updated, "{:?}", run.detail);
    }
}

#[tokio::test]
async fn a_refused_tag_is_noted_and_the_update_stands() {
    let tags = [("amiflow:version", "3"), ("amiflow:record", "{record}")];
    let run = update((3, 3), &tags, true).await;
    assert_eq!(run.outcome, Outcome::Updated, "{:?}", run.detail);
    assert_eq!((run.creates, run.modifies, run.tagged.len()), (1, 1, 1));
    let Detail::Template(template) = &run.detail else {
        panic!("a template's reason: {:?}", run.detail)
    };
    assert!(
        matches!(template.done(), TemplateDetail::Created { version: 4, untagged: Some(refused), .. }
            if refused.operation == "CreateTags"),
        "{template:?}"
    );
    let text = run.detail.to_string();
    assert!(
        text.contains("not tagged amiflow:version=4")
            && text.contains("the next run reads its versions"),
        "{text}"
    );
}
