//! Where a value came from. No regression when the newer value was not written by amiflow: Image
//! Builder's own distribution settings or a person wrote it. Image Builder tags every output AMI
//! with `Ec2ImageBuilderArn`; the harness registers the AMIs in moto the same way. A value amiflow
//! wrote last is named by its record, with no read of the value.

use amiflow_common::placement::PlacedClients;
use amiflow_model::decide::forbidden::Forbidden;
use amiflow_model::report::action::Outcome::{Created, Skipped, Updated};
use amiflow_model::report::detail::Detail;
use amiflow_model::report::parameter::ParameterDetail;
use amiflow_model::report::Report;
use amiflow_testkit::calls::CallCounter;
use amiflow_testkit::function::Function;
use amiflow_testkit::resources::{parameter, written_by_someone_else};
use amiflow_testkit::{
    ami_id, env, event_json, image_json, one_parameter, parameter_policy, publish, unique,
    HOME_ACCOUNT, TARGET_ACCOUNT,
};
use serde_json::json;
use update_ssm_parameters::parameters::{Clients, ParameterWriter, SESSION};

const HERE: [(&str, &str); 1] = [("us-east-1", HOME_ACCOUNT)];

/// Whether the value was kept because its AMI's `Ec2ImageBuilderArn` tag names the newer build
/// `version`, whoever wrote it.
fn kept_by_tag_of(detail: &Detail, version: &str) -> bool {
    matches!(detail, Detail::Parameter(ParameterDetail::Kept { why: Forbidden::NewerTag { built, .. }, .. })
        if built.version.to_string() == version)
}

/// The one parameter of `report` was kept because its AMI was built by the newer `version`.
fn assert_kept_by_tag_of(report: &Report, version: &str) {
    assert_eq!(report.outcomes(), [Skipped], "{report:#?}");
    let detail = &report.actions[0].detail;
    assert!(kept_by_tag_of(detail, version), "{report:#?}");
}

async fn value_of(param: &str) -> String {
    let stored = parameter(HOME_ACCOUNT, "us-east-1", param).await;
    stored.expect("the parameter exists").value
}

#[tokio::test]
async fn a_value_a_person_set_to_a_newer_build_is_not_moved_back() {
    let name = unique("by-hand");
    let param = format!("/{name}/latest");
    let old = publish(&name, "1.0.0/1", &HERE);
    publish(&name, "1.0.0/2", &HERE);
    let newer = ami_id(&name, "1.0.0/2", "us-east-1", HOME_ACCOUNT);
    written_by_someone_else(&param, &newer, Some("set by hand")).await;
    let policy = one_parameter(&param);
    let app = Function::new(policy, false, None, ParameterWriter::new).await;
    let late = app.report(event_json(&old, "AVAILABLE")).await;
    assert_kept_by_tag_of(&late, "1.0.0/2");
    assert_eq!(value_of(&param).await, newer);
    // An older value written by someone else is still brought forward.
    let newest = publish(&name, "1.1.0/1", &HERE);
    let forward = app.report(event_json(&newest, "AVAILABLE")).await;
    assert_eq!(forward.outcomes(), [Updated], "{forward:#?}");
}

#[tokio::test]
async fn a_newer_value_written_over_amiflows_record_is_not_moved_back() {
    let name = unique("over-record");
    let param = format!("/{name}/latest");
    let first = publish(&name, "1.0.0/1", &HERE);
    let late = publish(&name, "1.0.0/2", &HERE);
    publish(&name, "1.0.0/3", &HERE);
    let app = Function::new(one_parameter(&param), false, None, ParameterWriter::new).await;
    let written = app.report(event_json(&first, "AVAILABLE")).await;
    assert_eq!(written.outcomes(), [Created], "{written:#?}");
    // A person writes build 3's AMI with no description: SSM keeps amiflow's record of build 1
    // beside it, and records the person as the writer.
    let newest = ami_id(&name, "1.0.0/3", "us-east-1", HOME_ACCOUNT);
    written_by_someone_else(&param, &newest, None).await;
    let kept = parameter(HOME_ACCOUNT, "us-east-1", &param).await.unwrap();
    assert!(
        kept.description.contains("1.0.0/1"),
        "SSM kept the record: {}",
        kept.description
    );
    // Build 2 arrives late: the record says build 1, but the value is the person's, of build 3.
    let report = app.report(event_json(&late, "AVAILABLE")).await;
    assert_kept_by_tag_of(&report, "1.0.0/3");
    assert_eq!(value_of(&param).await, newest);
}

#[tokio::test]
async fn a_parameter_image_builder_wrote_for_a_newer_build_is_not_moved_back() {
    let name = unique("ib-wrote");
    let param = format!("/{name}/from-distribution");
    publish(&name, "1.0.0/1", &HERE);
    publish(&name, "1.0.0/2", &HERE);
    // Both builds name the parameter in their distribution settings, as Image Builder images do.
    let settings = json!({"distributions": [
        {"region": "us-east-1", "ssmParameterConfigurations": [{"parameterName": param}]}
    ]});
    let mut old = image_json(&name, "1.0.0/1", &HERE);
    old["distributionConfiguration"] = settings;
    let old_arn = old["arn"].as_str().unwrap().to_string();
    env().front.put_image(old);
    // Image Builder itself wrote build /2's AMI there; amiflow recorded nothing.
    let newer = ami_id(&name, "1.0.0/2", "us-east-1", HOME_ACCOUNT);
    written_by_someone_else(&param, &newer, None).await;
    let app = Function::new(json!({"rules": []}), false, None, ParameterWriter::new).await;
    let late = app.report(event_json(&old_arn, "AVAILABLE")).await;
    assert_eq!(late.outcomes(), [Skipped], "{late:#?}");
    assert_eq!(value_of(&param).await, newer);
}

#[tokio::test]
async fn a_value_amiflow_wrote_is_named_by_its_record_in_either_account() {
    // SSM records the writer of each version: this function itself at home, its session of
    // the target role in the other account. There the record names the value, so a new build
    // is written with no read of the value before it: DescribeParameters, PutParameter, and
    // GetParameters only to read the write back.
    let name = unique("kept");
    let param = format!("/{name}/latest");
    let both = [("us-east-1", HOME_ACCOUNT), ("us-east-1", TARGET_ACCOUNT)];
    let first = publish(&name, "1.0.0/1", &both);
    let next = publish(&name, "1.0.0/2", &both);
    let calls = CallCounter::default();
    let counter = calls.clone();
    let policy = parameter_policy(json!({"name": param, "accounts": ["*"]}));
    let app = Function::new(policy, false, Some("AmiflowTarget"), move |pipeline| {
        let clients = PlacedClients::new(pipeline, SESSION, move |config| Clients {
            ssm: aws_sdk_ssm::Client::from_conf(
                aws_sdk_ssm::config::Builder::from(config)
                    .interceptor(counter.clone())
                    .build(),
            ),
            ec2: aws_sdk_ec2::Client::new(config),
        });
        ParameterWriter::with_clients(pipeline, clients)
    })
    .await;
    let created = app.report(event_json(&first, "AVAILABLE")).await;
    assert_eq!(created.outcomes(), [Created, Created], "{created:#?}");
    calls.take();
    let updated = app.report(event_json(&next, "AVAILABLE")).await;
    assert_eq!(updated.outcomes(), [Updated, Updated], "{updated:#?}");
    let per_placement: Vec<(String, usize)> = calls.take().into_iter().collect();
    assert_eq!(
        per_placement,
        [
            ("DescribeParameters".to_string(), 2),
            ("GetParameters".to_string(), 2),
            ("PutParameter".to_string(), 2)
        ]
    );
    for account in [HOME_ACCOUNT, TARGET_ACCOUNT] {
        let stored = parameter(account, "us-east-1", &param).await.unwrap();
        assert_eq!(stored.value, ami_id(&name, "1.0.0/2", "us-east-1", account));
    }
}
