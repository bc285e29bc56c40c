//! Planner behaviour from JSON fixtures: the expansion rules of docs/policy.md and the loop guard.

use amiflow_model::decide::tags::SOURCE_IMAGE_TAG;
use amiflow_model::input::ignore::IgnoreReason;
use amiflow_model::input::image::{GetImageResponse, ResolvedImage};
use amiflow_model::plan::target::{NoAmi, Origin, ParameterTarget, TemplateSelector};
use amiflow_model::policy::Policy;

use super::{planner, planner_for, OTHER, OWNER};

fn image() -> ResolvedImage {
    let response: GetImageResponse =
        serde_json::from_str(include_str!("../fixtures/images/golden-multi.json"))
            .expect("fixture is a GetImage response");
    response.image.resolve().expect("fixture ARN parses")
}

fn policy(follow: bool) -> Policy {
    let mut policy = Policy::parse(include_str!("../fixtures/policy/multi.json"))
        .expect("fixture policy is valid");
    policy.follow_distribution_settings = follow;
    policy
}

fn by_name<'a>(targets: &'a [ParameterTarget], name: &str) -> Vec<&'a ParameterTarget> {
    targets.iter().filter(|t| t.name == name).collect()
}

fn cells(targets: &[&ParameterTarget]) -> Vec<(String, String, Result<String, NoAmi>)> {
    targets
        .iter()
        .map(|t| {
            (
                t.placement.region.clone(),
                t.placement.account_id.clone(),
                t.placement.ami.clone(),
            )
        })
        .collect()
}

/// The parameter targets of the fixture policy for the fixture image.
fn parameters(follow_distribution_settings: bool) -> Vec<ParameterTarget> {
    planner(&policy(follow_distribution_settings), &image()).parameters()
}

fn ok(region: &str, account: &str, ami: &str) -> (String, String, Result<String, NoAmi>) {
    (region.into(), account.into(), Ok(ami.into()))
}

#[test]
fn star_regions_and_accounts_cover_every_ami_with_its_own_copy() {
    let targets = parameters(false);
    let latest = by_name(&targets, "/golden/golden-al2023/latest");
    assert_eq!(
        cells(&latest),
        vec![
            ok("us-east-1", OWNER, "ami-0a0000000000000e1"),
            ok("us-east-1", OTHER, "ami-0b0000000000000e1"),
            ok("eu-west-1", OWNER, "ami-0a0000000000000e2"),
            ok("eu-west-1", OTHER, "ami-0b0000000000000e2"),
            ok("ap-southeast-2", OWNER, "ami-0a0000000000000e3"),
        ]
    );
    assert!(latest.iter().all(|t| t.data_type == "aws:ec2:image"));
    assert_eq!(
        latest
            .iter()
            .map(|t| t.placement.cross_account)
            .collect::<Vec<_>>(),
        [false, true, false, true, false]
    );
}

#[test]
fn defaults_are_every_region_and_the_owner_only_and_placeholders_render() {
    let targets = parameters(false);
    let versioned = by_name(&targets, "/golden/golden-al2023/1.2.0/3");
    assert_eq!(
        cells(&versioned),
        vec![
            ok("us-east-1", OWNER, "ami-0a0000000000000e1"),
            ok("eu-west-1", OWNER, "ami-0a0000000000000e2"),
            ok("ap-southeast-2", OWNER, "ami-0a0000000000000e3"),
        ]
    );
    assert!(versioned.iter().all(|t| t.data_type == "text"));
}

#[test]
fn listed_account_without_a_copy_gets_the_owners_ami() {
    let targets = parameters(false);
    let shared = by_name(&targets, "/shared/copyless");
    assert_eq!(
        cells(&shared),
        vec![ok("us-east-1", "333333333333", "ami-0a0000000000000e1")]
    );
    assert!(shared[0].placement.cross_account);
}

#[test]
fn region_without_an_ami_is_a_failed_target_that_names_it() {
    let targets = parameters(false);
    let nowhere = by_name(&targets, "/nowhere");
    assert_eq!(nowhere.len(), 2);
    assert!(
        matches!(&nowhere[0].placement.ami, Err(NoAmi::NotInRegion { region, .. }) if region == "sa-east-1"),
        "{nowhere:#?}"
    );
    assert_eq!(nowhere[1].placement.ami, Ok("ami-0a0000000000000e1".into()));
}

#[test]
fn follow_distribution_settings_adds_the_images_own_parameters_with_api_defaults() {
    let image = image();
    let on = policy(true);
    let targets = planner(&on, &image).parameters();
    let us = by_name(&targets, "/dist/us");
    assert_eq!(
        cells(&us),
        vec![ok("us-east-1", OWNER, "ami-0a0000000000000e1")]
    );
    assert_eq!(us[0].data_type, "aws:ec2:image");
    assert_eq!(us[0].origin, Origin::DistributionSettings);
    let eu = by_name(&targets, "/dist/eu");
    assert_eq!(
        cells(&eu),
        vec![ok("eu-west-1", OTHER, "ami-0b0000000000000e2")]
    );
    assert_eq!(eu[0].data_type, "text");

    let off = policy(false);
    let targets = planner(&off, &image).parameters();
    assert!(by_name(&targets, "/dist/us").is_empty() && by_name(&targets, "/dist/eu").is_empty());
}

#[test]
fn rules_that_do_not_match_plan_nothing() {
    let targets = parameters(true);
    assert!(by_name(&targets, "/silver").is_empty());
    let mut renamed = image();
    renamed.image.name = "bronze".into();
    let targets = planner(&policy(true), &renamed).parameters();
    assert!(
        targets
            .iter()
            .all(|t| t.origin == Origin::DistributionSettings),
        "{targets:#?}"
    );
}

#[test]
fn launch_templates_by_id_name_tag_and_distribution_settings() {
    let targets = planner(&policy(true), &image()).launch_templates();
    let summary: Vec<(String, String, String, bool, Option<u32>)> = targets
        .iter()
        .map(|t| {
            (
                t.selector.to_string(),
                t.placement.region.clone(),
                t.placement.account_id.clone(),
                t.set_default_version,
                t.keep_versions,
            )
        })
        .collect();
    let row = |s: &str, r: &str, a: &str, d: bool, k: Option<u32>| {
        (s.to_string(), r.to_string(), a.to_string(), d, k)
    };
    assert_eq!(
        summary,
        vec![
            row("lt-0123456789abcdef0", "us-east-1", OWNER, true, None),
            row("name web", "eu-west-1", OTHER, false, None),
            row(
                "tag amiflow:image=golden",
                "us-east-1",
                OWNER,
                true,
                Some(30)
            ),
            row(
                "tag amiflow:image=golden",
                "us-east-1",
                OTHER,
                true,
                Some(30)
            ),
            row(
                "tag amiflow:image=golden",
                "eu-west-1",
                OWNER,
                true,
                Some(30)
            ),
            row(
                "tag amiflow:image=golden",
                "eu-west-1",
                OTHER,
                true,
                Some(30)
            ),
            row(
                "tag amiflow:image=golden",
                "ap-southeast-2",
                OWNER,
                true,
                Some(30)
            ),
            row("lt-0aaaaaaaaaaaaaaa1", "us-east-1", OWNER, false, None),
            row("lt-0bbbbbbbbbbbbbbb2", "eu-west-1", OTHER, true, None),
        ]
    );
    assert_eq!(
        targets[1].placement.ami,
        Ok("ami-0b0000000000000e2".into()),
        "the account's own copy"
    );
    assert!(matches!(targets[0].selector, TemplateSelector::Id(_)));
}

#[test]
fn distribute_calls_carry_the_loop_guard_tag_and_deterministic_tokens() {
    let image = image();
    let policy = policy(true);
    let calls = planner_for(&policy, &image, "event-1")
        .distributions()
        .unwrap();
    assert_eq!(calls.len(), 2);
    let source = "arn:aws:imagebuilder:us-east-1:111111111111:image/golden-al2023/1.2.0/3";
    assert!(calls.iter().all(|c| c.source_image == source));
    assert!(calls
        .iter()
        .all(|c| c.tags.get(SOURCE_IMAGE_TAG).map(String::as_str) == Some(source)));
    assert_eq!(calls[0].tags.get("Stage").map(String::as_str), Some("prod"));
    assert_eq!(calls[0].execution_role, "ImageBuilderDistributionRole");
    assert_ne!(
        calls[0].client_token, calls[1].client_token,
        "one token per configuration"
    );
    assert!(calls.iter().all(|c| c.client_token.len() <= 36));
    let again = planner_for(&policy, &image, "event-1")
        .distributions()
        .unwrap();
    assert_eq!(calls, again, "a redelivered event plans the same tokens");
    let other_event = planner_for(&policy, &image, "event-2")
        .distributions()
        .unwrap();
    assert_ne!(calls[0].client_token, other_event[0].client_token);
    // A policy edited between Lambda's retries (another role, other tags) is another request.
    for edit in [
        |rule: &mut amiflow_model::policy::Rule| {
            rule.distribute[0].execution_role = "OtherRole".into()
        },
        |rule: &mut amiflow_model::policy::Rule| {
            rule.distribute[0]
                .tags
                .insert("Stage".into(), "staging".into());
        },
    ] {
        let mut edited = policy.clone();
        edited
            .rules
            .iter_mut()
            .filter(|r| !r.distribute.is_empty())
            .for_each(edit);
        let retried = planner_for(&edited, &image, "event-1")
            .distributions()
            .unwrap();
        assert_ne!(calls[0].client_token, retried[0].client_token);
        assert_eq!(
            calls[1].client_token, retried[1].client_token,
            "untouched entries keep theirs"
        );
    }

    let mut product = image.clone();
    product
        .image
        .tags
        .insert(SOURCE_IMAGE_TAG.into(), source.into());
    let reason = planner_for(&policy, &product, "event-3")
        .distributions()
        .unwrap_err();
    assert_eq!(
        reason,
        IgnoreReason::LoopGuard {
            tag: SOURCE_IMAGE_TAG,
            source: source.into()
        }
    );
}

#[test]
fn a_target_named_twice_is_planned_once() {
    let image = image();
    let policy = Policy::parse(
        r#"{"followDistributionSettings": false, "rules": [
            {"name": "a", "ssmParameters": [{"name": "/p"}]},
            {"name": "b", "ssmParameters": [{"name": "/p", "regions": ["us-east-1"]}]}]}"#,
    )
    .unwrap();
    let targets = planner(&policy, &image).parameters();
    assert_eq!(targets.len(), 3);
    assert!(targets.iter().all(|t| t.origin == Origin::Rule("a".into())));
}
