//! Organizational units in the policy, and the scopes a reconcile request may set.

use amiflow_model::input::image::{GetImageResponse, ResolvedImage};
use amiflow_model::plan::organization::Organization;
use amiflow_model::plan::scope::Scope;
use amiflow_model::plan::target::NoAmi;
use amiflow_model::plan::Planner;
use amiflow_model::policy::Policy;
use serde_json::json;

use super::{planner_for, OTHER, OWNER};

const UNIT: &str = "ou-ab12-cdefgh34";
const NESTED_ACCOUNT: &str = "444444444444";

fn image() -> ResolvedImage {
    let response: GetImageResponse =
        serde_json::from_str(include_str!("../fixtures/images/golden-multi.json")).unwrap();
    response.image.resolve().unwrap()
}

fn plan(
    policy: &Policy,
    scope: &Scope,
    organization: &Organization,
) -> Vec<(String, String, String)> {
    let image = image();
    let planner = Planner {
        scope,
        organization,
        ..planner_for(policy, &image, "reconcile")
    };
    planner
        .parameters()
        .into_iter()
        .map(|t| (t.name, t.placement.region, t.placement.account_id))
        .collect()
}

fn unit_policy() -> Policy {
    Policy::from_value(&json!({"rules": [
        {"name": "golden", "ssmParameters": [{"name": "/ou", "regions": ["us-east-1"], "accounts": [UNIT]}]},
        {"name": "other", "ssmParameters": [{"name": "/own", "regions": ["us-east-1"]}]}
    ]}))
    .unwrap()
}

fn resolved() -> Organization {
    let mut organization = Organization::default();
    organization.insert(
        UNIT,
        Ok(vec![OTHER.to_string(), NESTED_ACCOUNT.to_string()]),
    );
    organization
}

fn row(name: &str, account: &str) -> (String, String, String) {
    (name.into(), "us-east-1".into(), account.into())
}

#[test]
fn a_unit_is_every_account_under_it() {
    let targets = plan(&unit_policy(), &Scope::everything(), &resolved());
    assert_eq!(
        targets[..3],
        [
            row("/ou", OTHER),
            row("/ou", NESTED_ACCOUNT),
            row("/own", OWNER)
        ]
    );
}

#[test]
fn a_unit_that_cannot_be_read_fails_the_targets_that_name_it() {
    let mut organization = Organization::default();
    organization.insert(
        UNIT,
        Err("no organizational unit ou-ab12-cdefgh34 in o-example".into()),
    );
    let (image, policy) = (image(), unit_policy());
    let planner = Planner {
        organization: &organization,
        ..planner_for(&policy, &image, "e")
    };
    let targets = planner.parameters();
    assert_eq!(
        targets[0].placement.account_id, UNIT,
        "the report names the unit"
    );
    assert_eq!(
        targets[0].placement.ami,
        Err(NoAmi::Unit {
            id: UNIT.into(),
            why: "no organizational unit ou-ab12-cdefgh34 in o-example".into()
        })
    );
    assert_eq!(
        targets[1].placement.account_id, OWNER,
        "other targets go on"
    );
}

#[test]
fn a_scope_keeps_only_its_accounts_and_rules() {
    let new_account = Scope {
        rules: None,
        accounts: Some(vec![NESTED_ACCOUNT.into()]),
    };
    assert_eq!(
        plan(&unit_policy(), &new_account, &resolved()),
        [row("/ou", NESTED_ACCOUNT)]
    );
    let one_rule = Scope {
        rules: Some(vec!["other".into()]),
        accounts: None,
    };
    let targets = plan(
        &Policy {
            follow_distribution_settings: true,
            ..unit_policy()
        },
        &one_rule,
        &resolved(),
    );
    assert_eq!(
        targets,
        [row("/own", OWNER)],
        "a named rule leaves out distribution settings"
    );
    let everything = plan(&unit_policy(), &Scope::everything(), &resolved());
    assert!(everything.iter().any(|(name, _, _)| name == "/dist/us"));
}
