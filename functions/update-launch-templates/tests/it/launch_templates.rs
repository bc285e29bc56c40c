//! update-launch-templates against moto (EC2, STS) and the fake front, through the real
//! SDK clients. moto ignores SourceVersion and ClientToken, so these tests check outcomes (which
//! version is default, which AMI it holds, how many versions exist); requests.rs checks the wire.

use amiflow_model::decide::record::write_record as provenance;
use amiflow_model::input::arn::ImageBuildVersionArn;
use amiflow_model::report::action::Outcome::{Failed, Planned, Skipped, Unchanged, Updated};
use amiflow_model::report::detail::Detail;
use amiflow_model::report::template::TemplateDetail;
use amiflow_testkit::function::Function;
use amiflow_testkit::resources::{
    ec2_client, launch_template as template, launch_template_state as state,
    unmanaged_launch_template as unmanaged_template,
};
use amiflow_testkit::{
    ami_id, env, event_json, image_json, outcomes_by_target as outcomes, unique, HOME_ACCOUNT,
    TARGET_ACCOUNT,
};
use aws_sdk_ec2::types::RequestLaunchTemplateData;
use serde_json::json;
use update_launch_templates::updater::TemplateUpdater;

pub(crate) async fn updater(policy: serde_json::Value, dry_run: bool) -> Function<TemplateUpdater> {
    Function::new(policy, dry_run, Some("AmiflowTarget"), TemplateUpdater::new).await
}

/// Gives the template (holding version 1) a version 2 with `image_id`, made the default by hand.
pub(crate) async fn new_default_version(id: &str, image_id: &str) {
    let ec2 = ec2_client(HOME_ACCOUNT, "us-east-1").await;
    let data = RequestLaunchTemplateData::builder()
        .image_id(image_id)
        .build();
    let create = ec2.create_launch_template_version().launch_template_id(id);
    create.launch_template_data(data).send().await.unwrap();
    let modify = ec2.modify_launch_template().launch_template_id(id);
    modify.default_version("2").send().await.unwrap();
}

/// How many versions a template in the home account's us-east-1 has.
pub(crate) async fn versions_of(id: &str) -> usize {
    state(HOME_ACCOUNT, "us-east-1", id).await.versions
}

/// The function keeping one template, by id, in the home account's us-east-1.
pub(crate) async fn keeping(id: &str, dry_run: bool) -> Function<TemplateUpdater> {
    let policy = json!({"rules": [{"name": "r", "launchTemplates": [{"launchTemplateId": id, "region": "us-east-1"}]}]});
    updater(policy, dry_run).await
}

/// A managed template in the home account's us-east-1, its name and id, and the function keeping it.
pub(crate) async fn one_template(
    prefix: &str,
    dry_run: bool,
) -> (String, String, Function<TemplateUpdater>) {
    let name = unique(prefix);
    let id = template(HOME_ACCOUNT, "us-east-1", &name, &[]).await;
    let app = keeping(&id, dry_run).await;
    (name, id, app)
}

/// Publishes an image with AMIs in two Regions of both accounts; returns its ARN.
pub(crate) fn publish(name: &str, version: &str) -> String {
    let amis = [
        ("us-east-1", HOME_ACCOUNT),
        ("eu-west-1", HOME_ACCOUNT),
        ("us-east-1", TARGET_ACCOUNT),
        ("eu-west-1", TARGET_ACCOUNT),
    ];
    amiflow_testkit::publish(name, version, &amis)
}

/// A template action's reason, beneath its name and pruning notes.
pub(crate) fn done(detail: &Detail) -> &TemplateDetail {
    match detail {
        Detail::Template(template) => template.done(),
        other => panic!("a template's reason, not {other:?}"),
    }
}

#[tokio::test]
async fn by_id_in_two_regions_by_name_and_by_tag_in_another_account() {
    let name = unique("lt-all");
    let east = template(HOME_ACCOUNT, "us-east-1", &format!("{name}-east"), &[]).await;
    let west = template(HOME_ACCOUNT, "eu-west-1", &format!("{name}-west"), &[]).await;
    let named = template(HOME_ACCOUNT, "us-east-1", &format!("{name}-named"), &[]).await;
    let tagged = template(
        TARGET_ACCOUNT,
        "eu-west-1",
        &format!("{name}-tagged"),
        &[("amiflow:image", &name)],
    )
    .await;
    let untagged = template(
        TARGET_ACCOUNT,
        "eu-west-1",
        &format!("{name}-untagged"),
        &[("amiflow:image", "other")],
    )
    .await;
    let app = updater(
        json!({"rules": [{"name": "r", "launchTemplates": [
            {"launchTemplateId": east, "region": "us-east-1"},
            {"launchTemplateId": west, "region": "eu-west-1"},
            {"launchTemplateName": format!("{name}-named"), "region": "us-east-1"},
            {"tag": {"key": "amiflow:image", "value": name}, "regions": ["eu-west-1"], "accounts": [TARGET_ACCOUNT]}
        ]}]}),
        false,
    )
    .await;
    let arn = publish(&name, "1.0.0/1");
    let report = app.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(report.summary.updated, 4, "{report:#?}");
    for (account, region, id) in [
        (HOME_ACCOUNT, "us-east-1", &east),
        (HOME_ACCOUNT, "eu-west-1", &west),
        (HOME_ACCOUNT, "us-east-1", &named),
        (TARGET_ACCOUNT, "eu-west-1", &tagged),
    ] {
        let s = state(account, region, id).await;
        assert_eq!(
            (s.default, s.versions),
            (2, 2),
            "{id}: exactly one new version, made default"
        );
        assert_eq!(
            s.default_ami,
            ami_id(&name, "1.0.0/1", region, account),
            "{id} holds its Region's AMI"
        );
        // Beside the version, its number and record: the next run's find says what it holds.
        assert_eq!(s.tags.get("amiflow:version").map(String::as_str), Some("2"));
        assert_eq!(s.tags.get("amiflow:record"), Some(&s.default_description));
    }
    let s = state(TARGET_ACCOUNT, "eu-west-1", &untagged).await;
    assert_eq!(
        (s.default, s.versions),
        (1, 1),
        "a template with another tag value is left alone"
    );
}

#[tokio::test]
async fn the_same_event_twice_adds_no_version() {
    let (name, id, app) = one_template("lt-twice", false).await;
    let event = event_json(&publish(&name, "1.0.0/1"), "AVAILABLE");
    assert_eq!(
        outcomes(&app.report(event.clone()).await),
        [(id.clone(), Updated)]
    );
    let second = app.report(event).await;
    assert_eq!(outcomes(&second), [(id.clone(), Unchanged)]);
    assert_eq!(versions_of(&id).await, 2);
}

#[tokio::test]
async fn each_build_moves_the_tags_to_the_version_it_made() {
    // The second build finds the first one's version by its tags (moto lists tags as they are now,
    // through scripts/moto_server.py), and writes from it.
    let (name, id, app) = one_template("lt-next", false).await;
    for (build, version) in [("1.0.0/1", 2), ("1.0.0/2", 3)] {
        let report = app
            .report(event_json(&publish(&name, build), "AVAILABLE"))
            .await;
        assert_eq!(outcomes(&report), [(id.clone(), Updated)], "{report:#?}");
        let s = state(HOME_ACCOUNT, "us-east-1", &id).await;
        assert_eq!((s.default, s.versions), (version, version as usize));
        let ami = ami_id(&name, build, "us-east-1", HOME_ACCOUNT);
        assert_eq!(s.default_ami, ami);
        assert_eq!(s.tags.get("amiflow:version"), Some(&version.to_string()));
        assert_eq!(s.tags.get("amiflow:record"), Some(&s.default_description));
    }
}

#[tokio::test]
async fn a_late_event_for_an_older_build_is_skipped() {
    let (name, id, app) = one_template("lt-late", false).await;
    let old = publish(&name, "1.0.0/1");
    let new = publish(&name, "1.0.0/2");
    app.report(event_json(&new, "AVAILABLE")).await;
    let late = app.report(event_json(&old, "AVAILABLE")).await;
    assert_eq!(outcomes(&late), [(id.clone(), Skipped)], "{late:#?}");
    let s = state(HOME_ACCOUNT, "us-east-1", &id).await;
    assert_eq!(
        s.default_ami,
        ami_id(&name, "1.0.0/2", "us-east-1", HOME_ACCOUNT)
    );
    assert_eq!(s.versions, 2);
}

#[tokio::test]
async fn a_half_done_template_is_only_made_default() {
    let name = unique("lt-half");
    let id = template(HOME_ACCOUNT, "us-east-1", &name, &[]).await;
    let arn = publish(&name, "1.0.0/1");
    let ami = ami_id(&name, "1.0.0/1", "us-east-1", HOME_ACCOUNT);
    // An earlier attempt created version 2 with the AMI, then stopped before ModifyLaunchTemplate.
    ec2_client(HOME_ACCOUNT, "us-east-1")
        .await
        .create_launch_template_version()
        .launch_template_id(&id)
        .source_version("1")
        .launch_template_data(RequestLaunchTemplateData::builder().image_id(&ami).build())
        .version_description(provenance(
            &arn.parse::<ImageBuildVersionArn>().unwrap(),
            &ami,
            None,
        ))
        .send()
        .await
        .unwrap();
    let app = keeping(&id, false).await;
    let report = app.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(outcomes(&report), [(id.clone(), Updated)]);
    assert!(
        matches!(
            done(&report.actions[0].detail),
            TemplateDetail::MadeDefault { version: 2, .. }
        ),
        "{report:#?}"
    );
    let s = state(HOME_ACCOUNT, "us-east-1", &id).await;
    assert_eq!(
        (s.default, s.versions, s.default_ami),
        (2, 2, ami),
        "no new version"
    );
}

#[tokio::test]
async fn a_missing_template_fails_alone_naming_it() {
    let name = unique("lt-missing");
    let id = template(HOME_ACCOUNT, "us-east-1", &name, &[]).await;
    let app = updater(
        json!({"rules": [{"name": "r", "launchTemplates": [
            {"launchTemplateId": "lt-0fffffffffffffff0", "region": "us-east-1"},
            {"launchTemplateName": format!("{name}-nope"), "region": "us-east-1"},
            {"launchTemplateId": id, "region": "us-east-1"}
        ]}]}),
        false,
    )
    .await;
    let error = app
        .error(event_json(&publish(&name, "1.0.0/1"), "AVAILABLE"))
        .await;
    let message = error.to_string();
    assert!(message.starts_with("2 of 3 targets failed"), "{message}");
    let report = error.report().expect("a report");
    assert!(
        matches!(done(&report.actions[0].detail), TemplateDetail::NoSuchId { id, .. } if id == "lt-0fffffffffffffff0"),
        "{report:#?}"
    );
    assert!(
        matches!(done(&report.actions[1].detail), TemplateDetail::NoSuchName { name: missing, .. } if *missing == format!("{name}-nope")),
        "{report:#?}"
    );
    assert!(
        message.contains(&format!("no launch template named {name}-nope")),
        "{message}"
    );
    assert_eq!(
        state(HOME_ACCOUNT, "us-east-1", &id).await.default,
        2,
        "the existing template was updated"
    );
}

#[tokio::test]
async fn a_template_not_tagged_managed_is_never_changed() {
    let name = unique("lt-unmanaged");
    let named = unmanaged_template(HOME_ACCOUNT, "us-east-1", &format!("{name}-a"), &[]).await;
    let own = unmanaged_template(HOME_ACCOUNT, "us-east-1", &format!("{name}-b"), &[]).await;
    let mut image = image_json(&name, "1.0.0/1", &[("us-east-1", HOME_ACCOUNT)]);
    image["distributionConfiguration"] = json!({"distributions": [
        {"region": "us-east-1", "launchTemplateConfigurations": [{"launchTemplateId": own}]}
    ]});
    let arn = image["arn"].as_str().unwrap().to_string();
    env().front.put_image(image);
    let app = updater(json!({"rules": [{"name": "r", "launchTemplates": [{"launchTemplateId": named, "region": "us-east-1"}]}]}), false).await;
    let error = app.error(event_json(&arn, "AVAILABLE")).await;
    let report = error
        .report()
        .expect("a partial failure carries its report");
    assert_eq!(
        outcomes(report),
        [(named.clone(), Failed), (own.clone(), Skipped)],
        "{report:#?}"
    );
    assert_eq!(done(&report.actions[0].detail), &TemplateDetail::Unmanaged);
    assert!(report.actions[0]
        .detail
        .to_string()
        .contains("not tagged amiflow:managed=true"));
    assert_eq!(
        done(&report.actions[1].detail),
        &TemplateDetail::LeftToImageBuilder
    );
    for id in [&named, &own] {
        assert_eq!(versions_of(id).await, 1, "no write");
    }
}

#[tokio::test]
async fn dry_run_creates_nothing() {
    let (name, id, app) = one_template("lt-dry", true).await;
    let report = app
        .report(event_json(&publish(&name, "1.0.0/1"), "AVAILABLE"))
        .await;
    assert_eq!(outcomes(&report), [(id.clone(), Planned)]);
    let s = state(HOME_ACCOUNT, "us-east-1", &id).await;
    assert_eq!((s.default, s.versions), (1, 1));
    assert!(!s.tags.contains_key("amiflow:version"), "{:?}", s.tags);
}

#[tokio::test]
async fn the_images_own_launch_template_configurations_default_to_not_setting_the_default() {
    let name = unique("lt-follow");
    let id = template(HOME_ACCOUNT, "us-east-1", &name, &[]).await;
    let mut image = image_json(&name, "1.0.0/1", &[("us-east-1", HOME_ACCOUNT)]);
    image["distributionConfiguration"] = json!({"distributions": [
        {"region": "us-east-1", "launchTemplateConfigurations": [{"launchTemplateId": id}]}
    ]});
    let arn = image["arn"].as_str().unwrap().to_string();
    env().front.put_image(image);
    let app = updater(json!({"rules": []}), false).await;
    let report = app.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(outcomes(&report), [(id.clone(), Updated)]);
    let s = state(HOME_ACCOUNT, "us-east-1", &id).await;
    assert_eq!(
        (s.default, s.versions),
        (1, 2),
        "a new version, but setDefaultVersion absent means false"
    );
    let again = app.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(
        outcomes(&again),
        [(id.clone(), Unchanged)],
        "and it converges"
    );
}
