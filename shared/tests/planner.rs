//! Planner behaviour from JSON fixtures: the README's expansion rules ("The policy") and the loop guard.

use amiflow_model::image::{GetImageResponse, ResolvedImage};
use amiflow_model::plan::{Origin, ParameterTarget, Planner, TemplateSelector};
use amiflow_model::policy::Policy;
use amiflow_model::SOURCE_IMAGE_TAG;
use serde_json::json;

const OWNER: &str = "111111111111";
const OTHER: &str = "222222222222";

fn image() -> ResolvedImage {
    let response: GetImageResponse =
        serde_json::from_str(include_str!("fixtures/images/golden-multi.json"))
            .expect("fixture is a GetImage response");
    response.image.resolve().expect("fixture ARN parses")
}

fn policy(follow: bool) -> Policy {
    let mut policy =
        Policy::parse(include_str!("fixtures/policy/multi.json")).expect("fixture policy is valid");
    policy.follow_distribution_settings = follow;
    policy
}

fn by_name<'a>(targets: &'a [ParameterTarget], name: &str) -> Vec<&'a ParameterTarget> {
    targets.iter().filter(|t| t.name == name).collect()
}

fn cells(targets: &[&ParameterTarget]) -> Vec<(String, String, Result<String, String>)> {
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

fn ok(region: &str, account: &str, ami: &str) -> (String, String, Result<String, String>) {
    (region.into(), account.into(), Ok(ami.into()))
}

#[test]
fn star_regions_and_accounts_cover_every_ami_with_its_own_copy() {
    let image = image();
    let policy = policy(false);
    let targets = Planner::new(&policy, &image, OWNER).parameters();
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
    let image = image();
    let policy = policy(false);
    let targets = Planner::new(&policy, &image, OWNER).parameters();
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
    let image = image();
    let policy = policy(false);
    let targets = Planner::new(&policy, &image, OWNER).parameters();
    let shared = by_name(&targets, "/shared/copyless");
    assert_eq!(
        cells(&shared),
        vec![ok("us-east-1", "333333333333", "ami-0a0000000000000e1")]
    );
    assert!(shared[0].placement.cross_account);
}

#[test]
fn region_without_an_ami_is_a_failed_target_that_names_it() {
    let image = image();
    let policy = policy(false);
    let targets = Planner::new(&policy, &image, OWNER).parameters();
    let nowhere = by_name(&targets, "/nowhere");
    assert_eq!(nowhere.len(), 2);
    let reason = nowhere[0].placement.ami.clone().unwrap_err();
    assert!(reason.contains("no AMI in sa-east-1"), "{reason}");
    assert_eq!(nowhere[1].placement.ami, Ok("ami-0a0000000000000e1".into()));
}

#[test]
fn follow_distribution_settings_adds_the_images_own_parameters_with_api_defaults() {
    let image = image();
    let on = policy(true);
    let targets = Planner::new(&on, &image, OWNER).parameters();
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
    let targets = Planner::new(&off, &image, OWNER).parameters();
    assert!(by_name(&targets, "/dist/us").is_empty() && by_name(&targets, "/dist/eu").is_empty());
}

#[test]
fn rules_that_do_not_match_plan_nothing() {
    let image = image();
    let policy = policy(true);
    let targets = Planner::new(&policy, &image, OWNER).parameters();
    assert!(by_name(&targets, "/silver").is_empty());
    let mut renamed = image.clone();
    renamed.image.name = "bronze".into();
    let targets = Planner::new(&policy, &renamed, OWNER).parameters();
    assert!(
        targets
            .iter()
            .all(|t| t.origin == Origin::DistributionSettings),
        "{targets:#?}"
    );
}

#[test]
fn launch_templates_by_id_name_tag_and_distribution_settings() {
    let image = image();
    let policy = policy(true);
    let targets = Planner::new(&policy, &image, OWNER).launch_templates();
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
    let planner = Planner::new(&policy, &image, OWNER);
    let calls = planner.distributions("event-1").unwrap();
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
    let again = planner.distributions("event-1").unwrap();
    assert_eq!(calls, again, "a redelivered event plans the same tokens");
    let other_event = planner.distributions("event-2").unwrap();
    assert_ne!(calls[0].client_token, other_event[0].client_token);

    let mut product = image.clone();
    product
        .image
        .tags
        .insert(SOURCE_IMAGE_TAG.into(), source.into());
    let reason = Planner::new(&policy, &product, OWNER)
        .distributions("event-3")
        .unwrap_err();
    assert!(reason.contains(SOURCE_IMAGE_TAG), "{reason}");
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
    let targets = Planner::new(&policy, &image, OWNER).parameters();
    assert_eq!(targets.len(), 3);
    assert!(targets.iter().all(|t| t.origin == Origin::Rule("a".into())));
}

/// The fixture image with its name and ARN as Image Builder gives an image named `name`, and
/// these AMIs: (Region, account, id, state).
fn image_with(name: &str, amis: serde_json::Value) -> ResolvedImage {
    let mut response: GetImageResponse =
        serde_json::from_str(include_str!("fixtures/images/golden-multi.json")).unwrap();
    let segment = amiflow_model::arn::arn_name_segment(name);
    response.image.name = name.into();
    response.image.arn = format!("arn:aws:imagebuilder:us-east-1:{OWNER}:image/{segment}/1.2.0/3");
    response.image.output_resources =
        Some(serde_json::from_value(json!({ "amis": amis })).unwrap());
    response.image.resolve().unwrap()
}

fn rules(rules: serde_json::Value) -> Policy {
    Policy::from_value(&json!({"followDistributionSettings": false, "rules": rules})).unwrap()
}

#[test]
fn the_name_placeholder_renders_the_arn_name_so_spaces_and_capitals_make_a_valid_name() {
    let image = image_with(
        "Golden AL2023",
        json!([{"region": "us-east-1", "image": "ami-1", "state": {"status": "AVAILABLE"}}]),
    );
    let policy = rules(json!([{"name": "r", "ssmParameters": [
        {"name": "/amiflow/{{imagebuilder:name}}/latest", "regions": ["us-east-1"]}
    ]}]));
    let targets = Planner::new(&policy, &image, OWNER).parameters();
    assert_eq!(targets[0].name, "/amiflow/golden-al2023/latest");
    assert_eq!(targets[0].name_problem, None);
}

#[test]
fn a_rendered_name_that_breaks_ssm_rules_carries_the_rule_on_its_target_only() {
    let image = image_with(
        "AWS golden",
        json!([{"region": "us-east-1", "image": "ami-1"}]),
    );
    let policy = rules(json!([{"name": "r", "ssmParameters": [
        {"name": "{{imagebuilder:name}}-latest", "regions": ["us-east-1"]},
        {"name": "/fine/{{imagebuilder:name}}", "regions": ["us-east-1"]}
    ]}]));
    let targets = Planner::new(&policy, &image, OWNER).parameters();
    assert_eq!(targets[0].name, "aws-golden-latest");
    let problem = targets[0].name_problem.clone().unwrap();
    assert!(
        problem.contains("must not begin with `aws` or `ssm`"),
        "{problem}"
    );
    assert_eq!(
        targets[0].placement.ami,
        Ok("ami-1".into()),
        "the AMI is fine"
    );
    assert_eq!(targets[1].name_problem, None);
}

#[test]
fn an_ami_that_is_not_available_is_not_used_and_its_state_is_the_reason() {
    let image = image_with(
        "golden",
        json!([
            {"region": "us-east-1", "image": "ami-1", "state": {"status": "AVAILABLE"}},
            {"region": "us-east-1", "image": "ami-2", "accountId": OTHER, "state": {"status": "FAILED"}},
            {"region": "eu-west-1", "image": "ami-3", "state": {"status": "DEPRECATED"}}
        ]),
    );
    let policy =
        rules(json!([{"name": "r", "ssmParameters": [{"name": "/p", "accounts": ["*"]}]}]));
    let targets = Planner::new(&policy, &image, OWNER).parameters();
    let found = cells(&targets.iter().collect::<Vec<_>>());
    assert_eq!(found[0], ok("us-east-1", OWNER, "ami-1"));
    let failed = found[1].2.clone().unwrap_err();
    assert!(
        failed.contains(&format!(
            "the AMI ami-2 of account {OTHER} in us-east-1 is FAILED, not AVAILABLE"
        )),
        "{failed}"
    );
    assert!(found[2].2.clone().unwrap_err().contains("is DEPRECATED"));
    assert_eq!(found.len(), 3);
}

#[test]
fn star_accounts_in_a_named_region_without_an_ami_still_report_a_failed_target() {
    let image = image();
    let policy = rules(json!([{"name": "r",
        "ssmParameters": [{"name": "/p", "regions": ["sa-east-1", "us-east-1"], "accounts": ["*"]}],
        "launchTemplates": [{"tag": {"key": "k", "value": "v"}, "regions": ["sa-east-1"], "accounts": ["*"]}]
    }]));
    let planner = Planner::new(&policy, &image, OWNER);
    let parameters = planner.parameters();
    let found = cells(&parameters.iter().collect::<Vec<_>>());
    assert_eq!(found.len(), 3, "{found:#?}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1.as_str()),
        ("sa-east-1", OWNER)
    );
    let reason = found[0].2.clone().unwrap_err();
    assert!(reason.contains("no AMI in sa-east-1"), "{reason}");
    let templates = planner.launch_templates();
    assert_eq!(templates.len(), 1);
    assert!(templates[0]
        .placement
        .ami
        .clone()
        .unwrap_err()
        .contains("no AMI in sa-east-1"));
}
