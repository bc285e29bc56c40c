//! The reconcile (`{"reconcile": true}`), tried as a new user would: it finds the newest build of
//! each image a rule matches with Image Builder's list calls, and holds every parameter on it,
//! whatever events were missed or whoever moved a value back.

use amiflow_model::decide::forbidden::Forbidden;
use amiflow_model::report::action::Outcome::{Created, Planned, Skipped, Unchanged, Updated};
use amiflow_model::report::detail::Detail;
use amiflow_model::report::parameter::ParameterDetail;
use amiflow_model::report::RECONCILE_SUBJECT;
use amiflow_testkit::function::Function;
use amiflow_testkit::resources::{parameter, written_by_someone_else};
use amiflow_testkit::{
    ami_id, container_image_json, env, image_json, publish, unique, HOME_ACCOUNT, TARGET_ACCOUNT,
};
use serde_json::{json, Value};
use update_ssm_parameters::parameters::ParameterWriter;

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

fn reconcile() -> Value {
    json!({"reconcile": true})
}

/// A policy with one rule `golden` keeping `parameter` for images named `name`, in both
/// Regions and accounts.
fn policy(name: &str, parameters: &[&str]) -> Value {
    let entries: Vec<Value> = parameters
        .iter()
        .map(|p| json!({"name": p, "regions": REGIONS, "accounts": [HOME_ACCOUNT, TARGET_ACCOUNT]}))
        .collect();
    json!({"rules": [{"name": "golden", "match": {"imageName": name}, "ssmParameters": entries}]})
}

async fn writer(policy: Value, dry_run: bool) -> Function<ParameterWriter> {
    Function::new(policy, dry_run, Some("AmiflowTarget"), ParameterWriter::new).await
}

/// Publishes build `version` of `name` with AMIs in both Regions and accounts.
fn build(name: &str, version: &str) -> String {
    let amis: Vec<(&str, &str)> = REGIONS
        .iter()
        .flat_map(|r| [(*r, HOME_ACCOUNT), (*r, TARGET_ACCOUNT)])
        .collect();
    publish(name, version, &amis)
}

/// An image `<prefix>-…` with builds `versions`, and the function keeping its parameter
/// `/<name>/latest`: (name, parameter, function).
async fn kept(prefix: &str, versions: &[&str]) -> (String, String, Function<ParameterWriter>) {
    let name = unique(prefix);
    let param = format!("/{name}/latest");
    for version in versions {
        build(&name, version);
    }
    let app = writer(policy(&name, &[&param]), false).await;
    (name, param, app)
}

/// Every (Region, account) of `parameter` holds build `version`'s AMI there.
async fn holds(name: &str, parameter_name: &str, version: &str) -> bool {
    for region in REGIONS {
        for account in [HOME_ACCOUNT, TARGET_ACCOUNT] {
            let stored = parameter(account, region, parameter_name).await;
            if stored.map(|p| p.value) != Some(ami_id(name, version, region, account)) {
                return false;
            }
        }
    }
    true
}

#[tokio::test]
async fn a_build_whose_event_never_came_is_applied_and_a_second_reconcile_writes_nothing() {
    let (name, param, app) = kept("missed", &["1.0.0/1", "1.2.0/1"]).await;
    let first = app.report(reconcile()).await;
    assert_eq!(first.subject, RECONCILE_SUBJECT);
    assert!(first.reconcile);
    assert_eq!(first.outcomes(), [Created; 4], "{first:#?}");
    assert_eq!(first.drift(), 4, "four targets were out of place");
    assert!(holds(&name, &param, "1.2.0/1").await);
    let steady = app.report(reconcile()).await;
    assert_eq!(steady.outcomes(), [Unchanged; 4], "{steady:#?}");
    assert_eq!(steady.drift(), 0);
    let version = parameter(HOME_ACCOUNT, "us-east-1", &param)
        .await
        .unwrap()
        .version;
    assert_eq!(version, 1, "no second write");
}

#[tokio::test]
async fn a_value_moved_back_by_hand_is_moved_forward_and_a_new_parameter_is_back_filled() {
    let name = unique("by-hand");
    let (param, added) = (format!("/{name}/latest"), format!("/{name}/added"));
    build(&name, "1.0.0/1");
    build(&name, "1.1.0/1");
    writer(policy(&name, &[&param]), false)
        .await
        .report(reconcile())
        .await;
    // Someone puts the old AMI back in one place (SSM keeps amiflow's record beside it).
    let old = ami_id(&name, "1.0.0/1", "us-east-1", HOME_ACCOUNT);
    written_by_someone_else(&param, &old, None).await;
    // And the policy gains a parameter.
    let app = writer(policy(&name, &[&param, &added]), false).await;
    let report = app.report(reconcile()).await;
    let repaired: Vec<_> = report
        .actions
        .iter()
        .filter(|a| a.outcome() != Unchanged)
        .map(|a| {
            (
                a.target.clone(),
                a.region.clone(),
                a.account_id.clone(),
                a.outcome(),
            )
        })
        .collect();
    assert_eq!(repaired.len(), 5, "{report:#?}");
    assert!(repaired.contains(&(
        param.clone(),
        "us-east-1".into(),
        HOME_ACCOUNT.into(),
        Updated
    )));
    assert_eq!(
        repaired
            .iter()
            .filter(|r| r.0 == added && r.3 == Created)
            .count(),
        4
    );
    assert!(holds(&name, &param, "1.1.0/1").await && holds(&name, &added, "1.1.0/1").await);
}

#[tokio::test]
async fn a_rolled_back_parameter_stays_rolled_back() {
    let name = unique("rolled");
    let param = format!("/{name}/latest");
    let good = build(&name, "1.1.0/1");
    build(&name, "1.2.0/1");
    let app = writer(policy(&name, &[&param]), false).await;
    app.report(reconcile()).await;
    let rolled = app
        .report(json!({"imageBuildVersionArn": good, "rollback": true}))
        .await;
    assert_eq!(rolled.outcomes(), [Updated; 4], "{rolled:#?}");
    let report = app.report(reconcile()).await;
    assert_eq!(report.outcomes(), [Skipped; 4], "{report:#?}");
    let held = |d: &Detail| {
        matches!(
            d,
            Detail::Parameter(ParameterDetail::Kept {
                why: Forbidden::RolledBack { .. },
                ..
            })
        )
    };
    assert!(
        report.actions.iter().all(|a| held(&a.detail)),
        "{report:#?}"
    );
    assert!(holds(&name, &param, "1.1.0/1").await);
}

#[tokio::test]
async fn a_dry_run_names_the_drift_and_writes_nothing() {
    let (_, param, app) = kept("drift", &["2.0.0/1"]).await;
    let dry = app.report(json!({"reconcile": true, "dryRun": true})).await;
    assert!(dry.dry_run);
    assert_eq!(dry.outcomes(), [Planned; 4], "{dry:#?}");
    assert_eq!(dry.drift(), 4);
    assert!(parameter(HOME_ACCOUNT, "us-east-1", &param).await.is_none());
}

#[tokio::test]
async fn an_unknown_rule_name_is_refused_by_name_and_nothing_is_written() {
    let (_, param, app) = kept("unknown-rule", &["1.0.0/1"]).await;
    let error = app
        .error(json!({"reconcile": true, "rules": ["golden", "silver"]}))
        .await;
    assert_eq!(error.error_type(), "InvalidInput");
    assert_eq!(
        error.to_string(),
        "invalid input: `rules[1]`: no rule is named \"silver\": the policy's rules are \"golden\""
    );
    assert!(parameter(HOME_ACCOUNT, "us-east-1", &param).await.is_none());
}

#[tokio::test]
async fn only_the_newest_available_ami_build_of_a_matched_name_is_chosen_past_the_first_page() {
    let name = unique("newest");
    let param = format!("/{name}/latest");
    // 30 builds of 1.10.0 (two pages of 25): the newest, build 30, is on the second page.
    for n in 1..30 {
        env().front.put_image(image_json(
            &name,
            &format!("1.10.0/{n}"),
            &[("us-east-1", HOME_ACCOUNT)],
        ));
    }
    let newest = publish(&name, "1.10.0/30", &[("us-east-1", HOME_ACCOUNT)]);
    // 1.9.0 is older as numbers, though newer as text.
    env().front.put_image(image_json(
        &name,
        "1.9.0/99",
        &[("us-east-1", HOME_ACCOUNT)],
    ));
    // A newer version that failed, a container build, and another image the rule does not match.
    let mut failed = image_json(&name, "1.11.0/1", &[("us-east-1", HOME_ACCOUNT)]);
    failed["state"] = json!({"status": "FAILED", "reason": "test failed"});
    env().front.put_image(failed);
    env()
        .front
        .put_image(container_image_json(&name, "2.0.0/1", &["us-east-1"]));
    let other = unique("other");
    env().front.put_image(image_json(
        &other,
        "9.0.0/1",
        &[("us-east-1", HOME_ACCOUNT)],
    ));
    let entry = json!({"name": param, "regions": ["us-east-1"]});
    let policy = json!({"rules": [{"name": "golden", "match": {"imageName": name}, "ssmParameters": [entry]}]});
    let app = writer(policy, false).await;
    let report = app.report(reconcile()).await;
    assert_eq!(report.outcomes(), [Created], "{report:#?}");
    assert_eq!(report.actions[0].image.as_deref(), Some(newest.as_str()));
    let stored = parameter(HOME_ACCOUNT, "us-east-1", &param).await.unwrap();
    assert_eq!(
        stored.value,
        ami_id(&name, "1.10.0/30", "us-east-1", HOME_ACCOUNT)
    );
    let listed = env().front.requests(
        "imagebuilder",
        "ListImageBuildVersions",
        &format!("{name}/1.10.0"),
    );
    assert!(
        listed.len() >= 2,
        "every page of the newest version was read: {listed:#?}"
    );
}

#[tokio::test]
async fn a_rule_on_a_pipeline_reads_the_pipelines_images() {
    let name = unique("piped");
    let param = format!("/{name}/latest");
    let pipeline = format!("arn:aws:imagebuilder:us-east-1:{HOME_ACCOUNT}:image-pipeline/{name}");
    for (version, from_pipeline) in [("1.0.0/1", true), ("1.0.0/2", true), ("1.0.0/3", false)] {
        let arn = publish(&name, version, &[("us-east-1", HOME_ACCOUNT)]);
        let mut image = env().front.image(&arn).expect("published");
        if from_pipeline {
            image["sourcePipelineArn"] = json!(pipeline);
        }
        env().front.put_image(image);
    }
    let entry = json!({"name": param, "regions": ["us-east-1"]});
    let policy = json!({"rules": [{"name": "piped", "match": {"pipelineArn": pipeline}, "ssmParameters": [entry]}]});
    let report = writer(policy, false).await.report(reconcile()).await;
    assert_eq!(report.outcomes(), [Created], "{report:#?}");
    let stored = parameter(HOME_ACCOUNT, "us-east-1", &param).await.unwrap();
    assert_eq!(
        stored.value,
        ami_id(&name, "1.0.0/2", "us-east-1", HOME_ACCOUNT),
        "the newest build of the pipeline, not the newest of the name"
    );
    assert!(!env()
        .front
        .requests("imagebuilder", "ListImagePipelineImages", &name)
        .is_empty());
}

#[tokio::test]
async fn a_build_without_an_ami_in_a_region_fails_its_own_targets_there_and_no_others() {
    // Two rules, so one placement holds targets of two builds: `full` has AMIs in both Regions,
    // `east` only in us-east-1.
    let (full, east) = (unique("full"), unique("east"));
    build(&full, "1.0.0/1");
    publish(
        &east,
        "1.0.0/1",
        &[("us-east-1", HOME_ACCOUNT), ("us-east-1", TARGET_ACCOUNT)],
    );
    let (full_param, east_param) = (format!("/{full}/latest"), format!("/{east}/latest"));
    let rule = |rule: &str, image: &str, param: &str| {
        json!({"name": rule, "match": {"imageName": image}, "ssmParameters": [
            {"name": param, "regions": REGIONS, "accounts": [HOME_ACCOUNT, TARGET_ACCOUNT]}]})
    };
    let policy =
        json!({"rules": [rule("full", &full, &full_param), rule("east", &east, &east_param)]});
    let app = writer(policy, false).await;

    let report = app.report(reconcile()).await;
    let failed: Vec<(&str, &str, &str)> = report
        .failed()
        .map(|a| (a.target.as_str(), a.region.as_str(), a.account_id.as_str()))
        .collect();
    assert_eq!(
        failed,
        [
            (east_param.as_str(), "eu-west-1", HOME_ACCOUNT),
            (east_param.as_str(), "eu-west-1", TARGET_ACCOUNT)
        ],
        "{report:#?}"
    );
    assert!(holds(&full, &full_param, "1.0.0/1").await, "{report:#?}");
    for account in [HOME_ACCOUNT, TARGET_ACCOUNT] {
        let east_value = parameter(account, "us-east-1", &east_param).await;
        assert_eq!(
            east_value.map(|p| p.value),
            Some(ami_id(&east, "1.0.0/1", "us-east-1", account))
        );
        assert!(parameter(account, "eu-west-1", &east_param).await.is_none());
    }
}
