//! distribute-image against the fake front's Image Builder, through the real SDK client.

use amiflow_common::aws::config::MAX_ATTEMPTS;
use amiflow_model::decide::tags::SOURCE_IMAGE_TAG;
use amiflow_model::input::ignore::IgnoreReason;
use amiflow_model::report::detail::Detail;
use amiflow_model::report::distribute::DistributeDetail;
use amiflow_model::report::Report;
use amiflow_testkit::function::Function;
use amiflow_testkit::{env, event_json, unique, HOME_ACCOUNT};
use distribute_image::distribute::ImageDistributor;
use serde_json::{json, Value};

async fn distributor(policy: Value, dry_run: bool) -> Function<ImageDistributor> {
    Function::new(policy, dry_run, None, |pipeline| {
        ImageDistributor::new(pipeline).expect("the tests' environment sets a Region")
    })
    .await
}

fn configuration(name: &str, suffix: &str) -> String {
    let arn = format!(
        "arn:aws:imagebuilder:us-east-1:{HOME_ACCOUNT}:distribution-configuration/{name}-{suffix}"
    );
    env().front.put_configuration(json!({"arn": arn, "name": format!("{name}-{suffix}"), "distributions": [{"region": "us-east-1"}]}));
    arn
}

/// A fresh image name and its two distribution configurations, `prod` and `dr`.
struct Promotion {
    name: String,
    prod: String,
    dr: String,
}

fn promotion(prefix: &str) -> Promotion {
    let name = unique(prefix);
    let (prod, dr) = (configuration(&name, "prod"), configuration(&name, "dr"));
    Promotion { name, prod, dr }
}

fn publish(name: &str) -> String {
    amiflow_testkit::publish(name, "1.0.0/1", &[("us-east-1", HOME_ACCOUNT)])
}

fn policy(name: &str, prod: &str, dr: &str) -> Value {
    json!({"rules": [{"name": "promote", "match": {"imageName": format!("{name}*")}, "distribute": [
        {"distributionConfigurationArn": prod, "executionRole": "ImageBuilderDistributionRole", "tags": {"Stage": "prod"}},
        {"distributionConfigurationArn": dr, "executionRole": format!("arn:aws:iam::{HOME_ACCOUNT}:role/DrRole")}
    ]}]})
}

/// The bodies of the DistributeImage requests that mention `text`, in order.
fn request_bodies(text: &str) -> Vec<Value> {
    let requests = env()
        .front
        .requests("imagebuilder", "DistributeImage", text);
    requests.into_iter().map(|r| r.body).collect()
}

/// How many DistributeImage requests the stand-in saw that mention `text`.
fn distributions(text: &str) -> usize {
    env()
        .front
        .requests("imagebuilder", "DistributeImage", text)
        .len()
}

/// A policy whose distribute entries allow exactly these (configuration, role) pairs, for direct
/// requests; its rule matches no image, so no event distributes through them.
fn allowing(pairs: &[(&str, &str)]) -> Value {
    let entries: Vec<Value> = pairs
        .iter()
        .map(
            |(config, role)| json!({"distributionConfigurationArn": config, "executionRole": role}),
        )
        .collect();
    json!({"rules": [{"name": "direct", "match": {"imageName": "no-image-is-named-this"}, "distribute": entries}]})
}

/// The image build version ARNs the DistributeImage calls returned, in order.
fn products(report: &Report) -> Vec<String> {
    report
        .actions
        .iter()
        .map(|a| a.product.clone().expect("a distributed image"))
        .collect()
}

#[tokio::test]
async fn an_available_event_distributes_each_entry_with_tags_token_and_role() {
    let Promotion { name, prod, dr } = promotion("dist-event");
    let app = distributor(policy(&name, &prod, &dr), false).await;
    let source = publish(&name);
    let event = event_json(&source, "AVAILABLE");
    let report = app.report(event.clone()).await;
    assert_eq!(report.summary.created, 2, "{report:#?}");
    let bodies = request_bodies(&name);
    assert_eq!(bodies.len(), 2);
    let prod_body = bodies
        .iter()
        .find(|b| b["distributionConfigurationArn"] == prod.as_str())
        .unwrap();
    assert_eq!(prod_body["sourceImage"], source.as_str());
    assert_eq!(prod_body["executionRole"], "ImageBuilderDistributionRole");
    assert_eq!(
        prod_body["tags"],
        json!({"Stage": "prod", SOURCE_IMAGE_TAG: source})
    );
    let dr_body = bodies
        .iter()
        .find(|b| b["distributionConfigurationArn"] == dr.as_str())
        .unwrap();
    assert_eq!(
        dr_body["executionRole"],
        format!("arn:aws:iam::{HOME_ACCOUNT}:role/DrRole")
    );
    assert_eq!(dr_body["tags"], json!({SOURCE_IMAGE_TAG: source}));
    let (t1, t2) = (
        prod_body["clientToken"].as_str().unwrap(),
        dr_body["clientToken"].as_str().unwrap(),
    );
    assert_ne!(t1, t2);
    assert!(t1.len() <= 36 && t2.len() <= 36);
    let first = products(&report);
    assert!(
        first.iter().all(|p| p.starts_with(&format!(
            "arn:aws:imagebuilder:us-east-1:{HOME_ACCOUNT}:image/{name}/1.0.0/"
        ))),
        "{first:?}"
    );

    // The same event again: the same tokens, so the service answers with the same images.
    let again = app.report(event).await;
    assert_eq!(products(&again), first, "nothing distributed twice");
    let bodies = request_bodies(&name);
    assert_eq!(bodies.len(), 4);
    assert!(bodies[2]["clientToken"]
        .as_str()
        .is_some_and(|t| t == t1 || t == t2));

    // A product's own AVAILABLE event is left alone by the loop guard.
    let guarded = app.ignored(event_json(&first[0], "AVAILABLE")).await;
    assert!(
        matches!(&guarded, IgnoreReason::LoopGuard { tag, source: from } if *tag == SOURCE_IMAGE_TAG && *from == source),
        "{guarded}"
    );
    assert_eq!(distributions(&name), 4, "no new call for the product");
}

#[tokio::test]
async fn a_direct_request_distributes_and_repeating_it_is_idempotent() {
    let name = unique("dist-direct");
    let config = configuration(&name, "prod");
    let role = format!("arn:aws:iam::{HOME_ACCOUNT}:role/DistributionRole");
    let app = distributor(allowing(&[(&config, &role)]), false).await;
    let source = publish(&name);
    let request = json!({"sourceImage": source, "distributionConfigurationArn": config, "executionRole": "DistributionRole", "tags": {"Ticket": "OPS-1"}});
    let first = app.report(request.clone()).await;
    assert_eq!(first.summary.created, 1, "{first:#?}");
    let second = app.report(request).await;
    assert_eq!(products(&first), products(&second));

    // An AMI id as the source also works (the API takes AMI ids, SSM parameters and image ARNs).
    let by_ami = app.report(json!({"sourceImage": "ami-0123456789abcdef0", "distributionConfigurationArn": config, "executionRole": "DistributionRole"})).await;
    assert_eq!(
        by_ami.actions[0].ami.as_deref(),
        Some("ami-0123456789abcdef0")
    );
}

#[tokio::test]
async fn invalid_requests_are_rejected_before_any_call() {
    let name = unique("dist-invalid");
    let config = configuration(&name, "prod");
    let app = distributor(allowing(&[(&config, "DistributionRole")]), false).await;
    let source = publish(&name);
    let many: serde_json::Map<String, Value> =
        (0..51).map(|i| (format!("k{i}"), json!("v"))).collect();
    for (extra, words) in [
        (
            json!({"distributionConfigurationArn": format!("arn:aws:imagebuilder:eu-west-1:{HOME_ACCOUNT}:distribution-configuration/{name}")}),
            "must be in the same Region as this operation",
        ),
        (
            json!({"tags": {"aws:team": "x"}}),
            "tag keys may not start with `aws:`",
        ),
        (
            json!({"tags": many}),
            "`tags`: must have at most 50 entries, has 51",
        ),
        (
            json!({"executionRole": "arn:aws:iam::123:role/Bad Role"}),
            "`executionRole`: must match",
        ),
        (
            json!({"clientToken": ""}),
            "`clientToken`: length must be 1 to 64",
        ),
    ] {
        let mut request = json!({"sourceImage": source, "distributionConfigurationArn": config, "executionRole": "DistributionRole"});
        for (k, v) in extra.as_object().unwrap() {
            request[k] = v.clone();
        }
        let error = app.error(request).await;
        assert_eq!(error.error_type(), "InvalidInput");
        assert!(
            error.to_string().contains(words),
            "{error} should contain {words}"
        );
    }
    assert!(distributions(&name) == 0, "no call was made");
}

#[tokio::test]
async fn throttling_is_retried_and_a_persistent_failure_fails_only_its_entry() {
    let Promotion { name, prod, dr } = promotion("dist-throttle");
    let front = &env().front;
    front.fail(
        "imagebuilder",
        "DistributeImage",
        &prod,
        "CallRateLimitExceededException",
        429,
        2,
    );
    front.fail(
        "imagebuilder",
        "DistributeImage",
        &dr,
        "ResourceInUseException",
        400,
        1000,
    );
    let app = distributor(policy(&name, &prod, &dr), false).await;
    let source = publish(&name);
    let error = app.error(event_json(&source, "AVAILABLE")).await;
    assert_eq!(error.error_type(), "PartialFailure");
    let message = error.to_string();
    assert!(message.starts_with("1 of 2 targets failed"), "{message}");
    assert!(
        message.contains(&dr) && message.contains("ResourceInUseException"),
        "{message}"
    );
    assert!(!message.contains(&format!("{prod} ")), "{message}");
    assert_eq!(distributions(&prod), 3, "throttled twice, then created");
    assert_eq!(
        distributions(&dr),
        MAX_ATTEMPTS as usize,
        "ResourceInUseException retried up to the attempt limit"
    );
    let report = error.report().expect("a report");
    let failed = report
        .actions
        .iter()
        .find(|a| a.target == dr)
        .expect("dr's action");
    assert!(
        matches!(&failed.detail, Detail::Distribute(DistributeDetail::Refused { code, .. }) if code == "ResourceInUseException"),
        "{failed:?}"
    );
}

#[tokio::test]
async fn a_token_reused_with_other_parameters_is_explained_and_missing_things_are_named() {
    let name = unique("dist-mismatch");
    let config = configuration(&name, "prod");
    let missing = format!(
        "arn:aws:imagebuilder:us-east-1:{HOME_ACCOUNT}:distribution-configuration/{name}-missing"
    );
    let app = distributor(
        allowing(&[(&config, "RoleA"), (&config, "RoleB"), (&missing, "RoleA")]),
        false,
    )
    .await;
    let source = publish(&name);
    let request = |role: &str| json!({"sourceImage": source, "distributionConfigurationArn": config, "executionRole": role, "clientToken": format!("{name}-token")});
    app.report(request("RoleA")).await;
    let error = app.error(request("RoleB")).await;
    let detail = &error.report().expect("a report").actions[0].detail;
    assert!(
        matches!(detail, Detail::Distribute(DistributeDetail::TokenReused { token, .. }) if *token == format!("{name}-token")),
        "{detail:?}"
    );
    assert!(
        error
            .to_string()
            .contains("was already used for a DistributeImage with different parameters"),
        "{error}"
    );

    let error = app.error(json!({"sourceImage": source, "distributionConfigurationArn": missing, "executionRole": "RoleA"})).await;
    let detail = &error.report().expect("a report").actions[0].detail;
    assert!(
        matches!(detail, Detail::Distribute(DistributeDetail::NotFound { configuration, .. }) if *configuration == missing),
        "{detail:?}"
    );
}

#[tokio::test]
async fn dry_run_makes_no_call() {
    let Promotion { name, prod, dr } = promotion("dist-dry");
    let app = distributor(policy(&name, &prod, &dr), true).await;
    let report = app.report(event_json(&publish(&name), "AVAILABLE")).await;
    assert_eq!(report.summary.planned, 2, "{report:#?}");
    assert!(distributions(&name) == 0);
}

#[tokio::test]
async fn rules_that_do_not_match_distribute_nothing_and_other_events_are_ignored() {
    let Promotion { name, prod, dr } = promotion("dist-nomatch");
    let app = distributor(policy("someone-else", &prod, &dr), false).await;
    let source = publish(&name);
    let report = app.report(event_json(&source, "AVAILABLE")).await;
    assert!(report.actions.is_empty(), "{report:#?}");
    assert_eq!(
        app.ignored(event_json(&source, "FAILED")).await,
        IgnoreReason::EventState {
            status: "FAILED".into()
        }
    );
    assert!(distributions(&name) == 0);
}

#[tokio::test]
async fn rollback_is_refused_before_any_call() {
    let Promotion { name, prod, dr } = promotion("dist-rollback");
    let app = distributor(policy(&name, &prod, &dr), false).await;
    let source = publish(&name);
    let error = app
        .error(json!({"imageBuildVersionArn": source, "rollback": true}))
        .await;
    assert_eq!(error.error_type(), "InvalidInput");
    assert!(error.to_string().contains("`rollback`"), "{error}");
    assert!(env()
        .front
        .requests("imagebuilder", "GetImage", &name)
        .is_empty());
    assert!(distributions(&name) == 0);
}

#[tokio::test]
async fn a_direct_request_outside_the_policy_is_refused_before_any_call() {
    let name = unique("dist-unlisted");
    let (prod, outside) = (
        configuration(&name, "prod"),
        configuration(&name, "outside"),
    );
    let app = distributor(allowing(&[(&prod, "DistributionRole")]), false).await;
    let source = publish(&name);
    for (config, role, words) in [
        (
            &outside,
            "DistributionRole",
            "no distribute entry of the policy names this configuration",
        ),
        (
            &prod,
            "OtherRole",
            "the policy allows it only as rules[0].distribute[0]",
        ),
    ] {
        let error = app
            .error(json!({"sourceImage": source, "distributionConfigurationArn": config, "executionRole": role})).await;
        assert_eq!(error.error_type(), "InvalidInput");
        let message = error.to_string();
        assert!(
            message.contains(words) && message.contains(config.as_str()),
            "{message}"
        );
    }
    assert!(distributions(&name) == 0, "no call was made");
}

#[tokio::test]
async fn a_reconcile_is_ignored_with_no_call() {
    let Promotion { name, prod, dr } = promotion("dist-reconcile");
    let app = distributor(policy(&name, &prod, &dr), false).await;
    publish(&name);
    let reason = app.ignored(json!({"reconcile": true})).await;
    assert!(
        matches!(
            &reason,
            IgnoreReason::NotTaken {
                function: "distribute-image",
                ..
            }
        ),
        "{reason}"
    );
    assert!(env()
        .front
        .requests("imagebuilder", "GetImage", &name)
        .is_empty());
    assert_eq!(distributions(&name), 0);
}
