//! update-ssm-parameters against moto (SSM, STS) and the Image Builder stand-in, through the real
//! SDK clients.

use amiflow_model::report::action::Outcome::{Created, Skipped, Unchanged, Updated};
use amiflow_testkit::function::Function;
use amiflow_testkit::resources::parameter;
use amiflow_testkit::{
    ami_id, env, event_json, image_json, one_parameter, parameter_policy, unique, HOME_ACCOUNT,
    TARGET_ACCOUNT,
};
use std::sync::atomic::{AtomicUsize, Ordering};

use amiflow_model::decide::forbidden::Forbidden;
use amiflow_model::input::ignore::IgnoreReason;
use amiflow_model::plan::target::NoAmi;
use amiflow_model::report::detail::{Detail, Failure};
use amiflow_model::report::parameter::ParameterDetail;
use std::sync::Arc;

use amiflow_common::placement::PlacedClients;
use serde_json::json;
use update_ssm_parameters::parameters::{Clients, ParameterWriter, SESSION};

const REGIONS: [&str; 3] = ["us-east-1", "us-west-2", "eu-west-1"];

async fn writer(
    policy: serde_json::Value,
    dry_run: bool,
    role: Option<&str>,
) -> Function<ParameterWriter> {
    Function::new(policy, dry_run, role, ParameterWriter::new).await
}

/// The function keeping one `parameter` entry (one rule, no image filter).
async fn writing(
    parameter: serde_json::Value,
    dry_run: bool,
    role: Option<&str>,
) -> Function<ParameterWriter> {
    writer(parameter_policy(parameter), dry_run, role).await
}

/// A fresh image name, its `/<name>/latest` parameter, and the function keeping only that one.
async fn one_parameter_writer(prefix: &str) -> (String, String, Function<ParameterWriter>) {
    let name = unique(prefix);
    let param = format!("/{name}/latest");
    let app = writer(one_parameter(&param), false, None).await;
    (name, param, app)
}

async fn version_in_us_west_2(param: &str) -> i64 {
    let stored = parameter(HOME_ACCOUNT, "us-west-2", param).await;
    stored.expect("the parameter exists").version
}

/// Publishes an image with AMIs in three Regions and both accounts; returns its ARN.
fn publish(name: &str, version: &str) -> String {
    let amis: Vec<(&str, &str)> = REGIONS
        .iter()
        .flat_map(|r| [(*r, HOME_ACCOUNT), (*r, TARGET_ACCOUNT)])
        .collect();
    amiflow_testkit::publish(name, version, &amis)
}

#[tokio::test]
async fn writes_every_region_and_account_with_values_types_and_provenance() {
    let name = unique("multi");
    let prefix = format!("/{name}");
    // Clients are counted: one per Region serves both accounts (the other's credentials go with
    // each call), so memory does not grow with the number of accounts.
    let made = Arc::new(AtomicUsize::new(0));
    let counted = made.clone();
    let app = Function::new(
        json!({"rules": [{"name": "all", "ssmParameters": [
            {"name": format!("{prefix}/{{{{imagebuilder:name}}}}/latest"), "regions": ["*"], "accounts": ["*"]},
            {"name": format!("{prefix}/{{{{ imagebuilder:version }}}}/{{{{imagebuilder:buildVersion}}}}"), "dataType": "text"}
        ]}]}),
        false,
        Some("AmiflowTarget"),
        move |pipeline| {
            let clients = PlacedClients::new(pipeline, SESSION, move |config| {
                counted.fetch_add(1, Ordering::SeqCst);
                Clients {
                    ssm: aws_sdk_ssm::Client::new(config),
                    ec2: aws_sdk_ec2::Client::new(config),
                }
            });
            ParameterWriter::with_clients(pipeline, clients)
        },
    )
    .await;
    let arn = publish(&name, "1.2.3/4");
    let report = app.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(report.summary.created, 9, "{report:#?}");
    assert_eq!(report.summary.failed, 0);
    assert_eq!(
        made.load(Ordering::SeqCst),
        REGIONS.len(),
        "one client per Region, not per (Region, account)"
    );
    for region in REGIONS {
        for account in [HOME_ACCOUNT, TARGET_ACCOUNT] {
            let latest = parameter(account, region, &format!("{prefix}/{name}/latest"))
                .await
                .expect("parameter exists");
            assert_eq!(
                latest.value,
                ami_id(&name, "1.2.3/4", region, account),
                "{region} {account}"
            );
            assert_eq!(latest.data_type, "aws:ec2:image");
            assert!(latest.description.contains(&arn), "{}", latest.description);
        }
        let versioned = parameter(HOME_ACCOUNT, region, &format!("{prefix}/1.2.3/4"))
            .await
            .expect("templated name");
        assert_eq!(versioned.data_type, "text");
        assert_eq!(
            versioned.value,
            ami_id(&name, "1.2.3/4", region, HOME_ACCOUNT)
        );
        assert!(
            parameter(TARGET_ACCOUNT, region, &format!("{prefix}/1.2.3/4"))
                .await
                .is_none(),
            "default accounts: owner only"
        );
    }
}

#[tokio::test]
async fn the_same_event_twice_changes_nothing_the_second_time() {
    let (name, param, app) = one_parameter_writer("twice").await;
    let event = event_json(&publish(&name, "1.0.0/1"), "AVAILABLE");
    assert_eq!(app.report(event.clone()).await.outcomes(), [Created; 3]);
    let before = version_in_us_west_2(&param).await;
    assert_eq!(app.report(event).await.outcomes(), [Unchanged; 3]);
    let after = version_in_us_west_2(&param).await;
    assert_eq!(after, before, "no new parameter version");
}

#[tokio::test]
async fn a_late_event_for_an_older_build_is_skipped_everywhere() {
    let (name, param, app) = one_parameter_writer("late").await;
    let [old, new, newest] = ["1.0.0/1", "1.0.0/2", "1.1.0/1"].map(|v| publish(&name, v));
    let updated = app.report(event_json(&new, "AVAILABLE")).await;
    assert_eq!(updated.summary.created, 3);
    let late = app.report(event_json(&old, "AVAILABLE")).await;
    assert_eq!(late.outcomes(), [Skipped; 3], "{late:#?}");
    assert!(
        matches!(
            &late.actions[0].detail,
            Detail::Parameter(ParameterDetail::Kept {
                why: Forbidden::NewerRecord { .. },
                ..
            })
        ),
        "{late:#?}"
    );
    for region in REGIONS {
        assert_eq!(
            parameter(HOME_ACCOUNT, region, &param).await.unwrap().value,
            ami_id(&name, "1.0.0/2", region, HOME_ACCOUNT)
        );
    }
    // And forwards again: a newer build than the recorded one is applied as an update.
    let forward = app.report(event_json(&newest, "AVAILABLE")).await;
    assert_eq!(forward.outcomes(), [Updated; 3]);
}

#[tokio::test]
async fn follows_the_images_own_distribution_settings_only_when_asked() {
    let name = unique("follow");
    let own = format!("/{name}/from-distribution");
    let mut image = image_json(
        &name,
        "2.0.0/1",
        &[("us-east-1", HOME_ACCOUNT), ("eu-west-1", HOME_ACCOUNT)],
    );
    image["distributionConfiguration"] = json!({
        "arn": format!("arn:aws:imagebuilder:us-east-1:{HOME_ACCOUNT}:distribution-configuration/{name}"),
        "distributions": [
            {"region": "us-east-1", "ssmParameterConfigurations": [{"parameterName": own}]},
            {"region": "eu-west-1", "ssmParameterConfigurations": [{"parameterName": own, "dataType": "text"}]}
        ]
    });
    let arn = image["arn"].as_str().unwrap().to_string();
    env().front.put_image(image);

    let off = writer(
        json!({"followDistributionSettings": false, "rules": []}),
        false,
        None,
    )
    .await;
    let report = off.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(report.actions.len(), 0);
    assert!(parameter(HOME_ACCOUNT, "us-east-1", &own).await.is_none());

    let on = writer(json!({"rules": []}), false, None).await;
    let report = on.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(report.outcomes(), [Created, Created]);
    let us = parameter(HOME_ACCOUNT, "us-east-1", &own).await.unwrap();
    assert_eq!(
        (us.value.as_str(), us.data_type.as_str()),
        (
            ami_id(&name, "2.0.0/1", "us-east-1", HOME_ACCOUNT).as_str(),
            "aws:ec2:image"
        )
    );
    assert_eq!(
        parameter(HOME_ACCOUNT, "eu-west-1", &own)
            .await
            .unwrap()
            .data_type,
        "text"
    );
}

#[tokio::test]
async fn dry_run_plans_and_writes_nothing() {
    let name = unique("dry");
    let param = format!("/{name}/latest");
    let entry = json!({"name": param, "accounts": ["*"]});
    let app = writing(entry, true, Some("AmiflowTarget")).await;
    let arn = publish(&name, "1.0.0/1");
    let report = app.report(event_json(&arn, "AVAILABLE")).await;
    assert!(report.dry_run);
    assert_eq!(report.summary.planned, 6, "{report:#?}");
    for region in REGIONS {
        for account in [HOME_ACCOUNT, TARGET_ACCOUNT] {
            assert!(
                parameter(account, region, &param).await.is_none(),
                "dry run wrote {param} in {account}/{region}"
            );
        }
    }
}

#[tokio::test]
async fn a_cross_account_target_without_a_role_fails_alone_and_the_invocation_errors() {
    let name = unique("norole");
    let param = format!("/{name}/latest");
    let entry = json!({"name": param, "regions": ["us-east-1"], "accounts": [HOME_ACCOUNT, TARGET_ACCOUNT]});
    let app = writing(entry, false, None).await;
    let arn = publish(&name, "1.0.0/1");
    let error = app.error(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(error.error_type(), "PartialFailure");
    let message = error.to_string();
    assert!(message.starts_with("1 of 2 targets failed"), "{message}");
    assert!(
        message.contains(&format!("{param} in {TARGET_ACCOUNT}/us-east-1")),
        "{message}"
    );
    assert!(
        message.contains("AMIFLOW_CROSS_ACCOUNT_ROLE is not set"),
        "{message}"
    );
    assert_eq!(
        parameter(HOME_ACCOUNT, "us-east-1", &param)
            .await
            .unwrap()
            .value,
        ami_id(&name, "1.0.0/1", "us-east-1", HOME_ACCOUNT),
        "the home account's target succeeded"
    );
    // The retry converges: the home target is unchanged, the other still fails (no duplicate write).
    let version = parameter(HOME_ACCOUNT, "us-east-1", &param)
        .await
        .unwrap()
        .version;
    assert!(app.invoke(event_json(&arn, "AVAILABLE")).await.is_err());
    assert_eq!(
        parameter(HOME_ACCOUNT, "us-east-1", &param)
            .await
            .unwrap()
            .version,
        version
    );
}

#[tokio::test]
async fn a_region_without_an_ami_fails_by_name() {
    let name = unique("noami");
    let param = format!("/{name}/latest");
    let entry = json!({"name": param, "regions": ["ap-south-1", "us-east-1"]});
    let app = writing(entry, false, None).await;
    let arn = publish(&name, "1.0.0/1");
    let message = app.error(event_json(&arn, "AVAILABLE")).await.to_string();
    assert!(message.contains("no AMI in ap-south-1"), "{message}");
    let report = app.report(event_json(&arn, "AVAILABLE")).await;
    assert!(matches!(&report.actions[0].detail,
        Detail::Failed(Failure::NoAmi(NoAmi::NotInRegion { region, .. })) if region == "ap-south-1"));
    assert!(parameter(HOME_ACCOUNT, "us-east-1", &param).await.is_some());
}

#[tokio::test]
async fn ignored_events_make_no_aws_call() {
    let name = unique("ignored");
    let entry = json!({"name": format!("/{name}")});
    let app = writing(entry, false, None).await;
    let arn = publish(&name, "1.0.0/1");
    let reason = app.ignored(event_json(&arn, "FAILED")).await;
    assert_eq!(
        reason,
        IgnoreReason::EventState {
            status: "FAILED".into()
        }
    );
    let mut other_type = event_json(&arn, "AVAILABLE");
    other_type["detail-type"] = json!("EC2 Image Builder CVE Detected");
    assert!(matches!(
        app.ignored(other_type).await,
        IgnoreReason::OtherDetailType { detail_type } if detail_type.contains("CVE Detected")
    ));
    assert!(
        env()
            .front
            .requests("imagebuilder", "GetImage", &name)
            .is_empty(),
        "no GetImage for ignored events"
    );
    assert!(parameter(HOME_ACCOUNT, "us-east-1", &format!("/{name}"))
        .await
        .is_none());
}

#[tokio::test]
async fn an_image_that_is_not_available_is_ignored_after_get_image() {
    let name = unique("pending");
    let entry = json!({"name": format!("/{name}")});
    let app = writing(entry, false, None).await;
    let mut image = image_json(&name, "1.0.0/1", &[("us-east-1", HOME_ACCOUNT)]);
    image["state"] = json!({"status": "DEPRECATED"});
    let arn = image["arn"].as_str().unwrap().to_string();
    env().front.put_image(image);
    let reason = app
        .ignored(json!({"imageBuildVersionArn": arn.clone()}))
        .await;
    assert_eq!(
        reason,
        IgnoreReason::ImageState {
            image: arn,
            status: "DEPRECATED".into()
        }
    );
}

#[tokio::test]
async fn a_direct_request_acts_like_the_event() {
    let name = unique("direct");
    let param = format!("/{name}/latest");
    let entry = json!({"name": param, "regions": ["eu-west-1"]});
    let app = writing(entry, false, None).await;
    let arn = publish(&name, "3.0.0/1");
    let report = app.report(json!({"imageBuildVersionArn": arn})).await;
    assert_eq!(report.outcomes(), [Created]);
    assert_eq!(report.subject, arn);
}

#[tokio::test]
async fn malformed_input_is_refused_naming_the_field_and_writes_nothing() {
    let entry = json!({"name": "/never"});
    let app = writing(entry, false, None).await;
    for (input, words) in [
        (
            json!({"source": "aws.imagebuilder", "detail-type": "EC2 Image Builder Image State Change", "detail": {"state": {"status": "AVAILABLE"}}}),
            "`resources`",
        ),
        (
            event_json(
                "arn:aws:imagebuilder:us-east-1:123456789012:image/x/1.0",
                "AVAILABLE",
            ),
            "`resources[0]`: must be an image build version ARN",
        ),
        (
            json!({"imageBuildVersionArn": "nope"}),
            "`imageBuildVersionArn`: must be an image build version ARN",
        ),
        (
            json!(["not", "an", "object"]),
            "`input`: must be a JSON object",
        ),
    ] {
        let error = app.error(input).await;
        assert_eq!(error.error_type(), "InvalidInput");
        assert!(
            error.to_string().contains(words),
            "{error} should contain {words}"
        );
        assert!(matches!(
            error,
            amiflow_common::error::FunctionError::InvalidInput(_)
        ));
    }
    assert!(parameter(HOME_ACCOUNT, "us-east-1", "/never")
        .await
        .is_none());
}
