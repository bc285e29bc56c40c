//! Organizational units in the policy, against moto's AWS Organizations: a unit writes to every
//! account under it (nested units included) and nowhere else; a new account is back-filled by the
//! reconcile scoped to it; a unit that does not exist fails the targets that name it.

use amiflow_model::plan::target::NoAmi;
use amiflow_model::report::action::Outcome::{Created, Failed};
use amiflow_model::report::detail::{Detail, Failure};
use amiflow_testkit::function::Function;
use amiflow_testkit::organization::{account_in, move_account, root, unit};
use amiflow_testkit::resources::parameter;
use amiflow_testkit::{ami_id, env, event_json, parameter_policy, publish, unique, HOME_ACCOUNT};
use serde_json::json;
use update_ssm_parameters::parameters::ParameterWriter;

/// The function keeping `param` of images named `image` in us-east-1 of `accounts`. The rule
/// matches this test's image alone: a reconcile reads every image of the account.
async fn writer(image: &str, param: &str, accounts: &[&str]) -> Function<ParameterWriter> {
    let entry = json!({"name": param, "regions": ["us-east-1"], "accounts": accounts});
    let policy =
        json!({"rules": [{"name": "r", "match": {"imageName": image}, "ssmParameters": [entry]}]});
    Function::new(policy, false, Some("AmiflowTarget"), ParameterWriter::new).await
}

#[tokio::test]
async fn a_unit_writes_to_every_account_under_it_and_a_moved_in_account_is_back_filled() {
    let name = unique("units");
    let param = format!("/{name}/latest");
    let root = root().await;
    let prod = unit(&root, &unique("prod")).await;
    let nested = unit(&prod, &unique("prod-eu")).await;
    let direct = account_in(&prod, &unique("direct")).await;
    let deep = account_in(&nested, &unique("deep")).await;
    let outside = account_in(&root, &unique("outside")).await;
    let arn = publish(&name, "1.0.0/1", &[("us-east-1", HOME_ACCOUNT)]);
    let app = writer(&name, &param, &[&prod]).await;
    // Organizations answers an empty page that still has a token: every token is followed.
    env().front.empty_organization_pages(2);
    let report = app.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(report.outcomes(), [Created, Created], "{report:#?}");
    let mut written: Vec<&str> = report
        .actions
        .iter()
        .map(|a| a.account_id.as_str())
        .collect();
    written.sort_unstable();
    let mut expected = [direct.as_str(), deep.as_str()];
    expected.sort_unstable();
    assert_eq!(written, expected, "{report:#?}");
    let owners = ami_id(&name, "1.0.0/1", "us-east-1", HOME_ACCOUNT);
    for account in [&direct, &deep] {
        let stored = parameter(account, "us-east-1", &param)
            .await
            .expect("written");
        assert_eq!(
            stored.value, owners,
            "the owner's AMI, shared with the account"
        );
    }
    assert!(parameter(&outside, "us-east-1", &param).await.is_none());

    // An account joins the unit: the reconcile scoped to it writes there, and nowhere else.
    move_account(&outside, &root, &nested).await;
    let back_fill = json!({"reconcile": true, "accounts": [outside]});
    let report = app.report(back_fill).await;
    let touched: Vec<(&str, _)> = report
        .actions
        .iter()
        .map(|a| (a.account_id.as_str(), a.outcome()))
        .collect();
    assert_eq!(touched, [(outside.as_str(), Created)], "{report:#?}");
    assert!(parameter(&outside, "us-east-1", &param).await.is_some());
}

#[tokio::test]
async fn a_unit_that_does_not_exist_fails_the_targets_that_name_it() {
    let name = unique("no-unit");
    let param = format!("/{name}/latest");
    let arn = publish(&name, "1.0.0/1", &[("us-east-1", HOME_ACCOUNT)]);
    root().await;
    let missing = "ou-zz99-zzzzzzzz";
    let app = writer(&name, &param, &[missing, HOME_ACCOUNT]).await;
    let error = app.error(event_json(&arn, "AVAILABLE")).await;
    let report = error.report().expect("a report");
    assert_eq!(report.outcomes(), [Failed, Created], "{report:#?}");
    assert_eq!(
        report.actions[0].account_id, missing,
        "the report names the unit"
    );
    assert!(
        matches!(&report.actions[0].detail, Detail::Failed(Failure::NoAmi(NoAmi::Unit { id, .. })) if id == missing),
        "{report:#?}"
    );
    assert!(error.to_string().contains(missing), "{error}");
}

#[tokio::test]
async fn a_malformed_unit_is_refused_naming_it_before_anything_runs() {
    let policy = parameter_policy(json!({"name": "/p", "accounts": ["ou-Prod"]}));
    let error = amiflow_model::policy::Policy::from_value(&policy).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("\"ou-Prod\" is no organizational unit id"),
        "{error}"
    );
}
