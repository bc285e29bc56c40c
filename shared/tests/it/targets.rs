//! Planner rules for what a target gets: rendered parameter names that SSM takes, AMIs only when
//! they are AVAILABLE, and a failed target (never none) for a named Region with no AMI.

use amiflow_model::input::image::{GetImageResponse, ResolvedImage};
use amiflow_model::policy::Policy;
use serde_json::json;

use amiflow_model::plan::target::NoAmi;

use super::{planner, OTHER, OWNER};

/// The fixture image as Image Builder gives an image named `name` (its ARN's name segment
/// derived from it), with `amis` as its `outputResources.amis`.
fn image_with(name: &str, amis: serde_json::Value) -> ResolvedImage {
    let mut response: GetImageResponse =
        serde_json::from_str(include_str!("../fixtures/images/golden-multi.json")).unwrap();
    let segment = amiflow_model::input::arn::arn_name_segment(name);
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
    let targets = planner(&policy, &image).parameters();
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
    let targets = planner(&policy, &image).parameters();
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
    let targets = planner(&policy, &image).parameters();
    let amis: Vec<(&str, &str, &Result<String, NoAmi>)> = targets
        .iter()
        .map(|t| {
            let p = &t.placement;
            (p.region.as_str(), p.account_id.as_str(), &p.ami)
        })
        .collect();
    assert_eq!(amis.len(), 3, "{amis:#?}");
    assert_eq!(amis[0], ("us-east-1", OWNER, &Ok("ami-1".to_string())));
    assert_eq!(
        amis[1].1, OTHER,
        "its own copy failed: no fallback to the owner's"
    );
    assert_eq!(
        amis[1].2,
        &Err(NoAmi::Unavailable {
            ami: "ami-2".into(),
            account: OTHER.into(),
            region: "us-east-1".into(),
            status: "FAILED".into(),
            reason: None
        })
    );
    assert!(matches!(amis[2].2, Err(NoAmi::Unavailable { status, .. }) if status == "DEPRECATED"));
}

#[test]
fn star_accounts_in_a_named_region_without_an_ami_still_report_a_failed_target() {
    let image = image_with(
        "golden",
        json!([
            {"region": "us-east-1", "image": "ami-1"},
            {"region": "us-east-1", "image": "ami-2", "accountId": OTHER}
        ]),
    );
    let policy = rules(json!([{"name": "r",
        "ssmParameters": [{"name": "/p", "regions": ["sa-east-1", "us-east-1"], "accounts": ["*"]}],
        "launchTemplates": [{"tag": {"key": "k", "value": "v"}, "regions": ["sa-east-1"], "accounts": ["*"]}]
    }]));
    let planner = planner(&policy, &image);
    let parameters = planner.parameters();
    let placed: Vec<(&str, &str)> = parameters
        .iter()
        .map(|t| (t.placement.region.as_str(), t.placement.account_id.as_str()))
        .collect();
    assert_eq!(
        placed,
        [
            ("sa-east-1", OWNER),
            ("us-east-1", OWNER),
            ("us-east-1", OTHER)
        ]
    );
    let nowhere = |ami: &Result<String, NoAmi>| matches!(ami, Err(NoAmi::NotInRegion { region, .. }) if region == "sa-east-1");
    assert!(nowhere(&parameters[0].placement.ami), "{parameters:#?}");
    let templates = planner.launch_templates();
    assert_eq!(templates.len(), 1);
    assert!(nowhere(&templates[0].placement.ami), "{templates:#?}");
}
