//! The reconcile for launch templates, against moto: a missed build is applied, a default moved
//! back by hand is moved forward, a template tagged later is back-filled, and a second reconcile
//! makes no version.

use amiflow_model::report::action::Outcome::{Planned, Unchanged, Updated};
use amiflow_testkit::function::Function;
use amiflow_testkit::resources::{
    ec2_client, launch_template, launch_template_state, TemplateState,
};
use amiflow_testkit::{ami_id, publish, unique, HOME_ACCOUNT};
use serde_json::{json, Value};
use update_launch_templates::updater::TemplateUpdater;

const HERE: [(&str, &str); 1] = [("us-east-1", HOME_ACCOUNT)];

/// The function keeping every template tagged `amiflow:image=<name>` for images named `name`.
async fn updater(name: &str, dry_run: bool) -> Function<TemplateUpdater> {
    let tag = json!({"key": "amiflow:image", "value": name});
    let policy = json!({"rules": [{"name": "golden", "match": {"imageName": name},
        "launchTemplates": [{"tag": tag, "regions": ["us-east-1"]}]}]});
    Function::new(policy, dry_run, None, TemplateUpdater::new).await
}

/// A launch template in the home account's us-east-1, tagged for images named `name`: its id.
async fn tagged_template(name: &str) -> String {
    launch_template(HOME_ACCOUNT, "us-east-1", name, &[("amiflow:image", name)]).await
}

/// The template's state: its default version's AMI, how many versions it has.
async fn state(id: &str) -> TemplateState {
    launch_template_state(HOME_ACCOUNT, "us-east-1", id).await
}

fn reconcile() -> Value {
    json!({"reconcile": true})
}

#[tokio::test]
async fn a_missed_build_is_applied_and_a_default_moved_back_is_moved_forward() {
    let name = unique("lt-reconcile");
    let id = tagged_template(&name).await;
    publish(&name, "1.0.0/1", &HERE);
    publish(&name, "1.1.0/1", &HERE);
    let app = updater(&name, false).await;
    let first = app.report(reconcile()).await;
    assert_eq!(first.outcomes(), [Updated], "{first:#?}");
    let newest = ami_id(&name, "1.1.0/1", "us-east-1", HOME_ACCOUNT);
    assert_eq!(state(&id).await.default_ami, newest);
    let steady = app.report(reconcile()).await;
    assert_eq!(steady.outcomes(), [Unchanged], "{steady:#?}");
    assert_eq!(state(&id).await.versions, 2);
    // Someone makes version 1 (the old AMI) the default again.
    let ec2 = ec2_client(HOME_ACCOUNT, "us-east-1").await;
    ec2.modify_launch_template()
        .launch_template_id(&id)
        .default_version("1")
        .send()
        .await
        .unwrap();
    let repaired = app.report(reconcile()).await;
    assert_eq!(repaired.outcomes(), [Updated], "{repaired:#?}");
    assert_eq!(repaired.drift(), 1);
    assert_eq!(state(&id).await.default_ami, newest, "moved forward again");
}

#[tokio::test]
async fn a_template_tagged_later_is_back_filled_and_a_dry_run_names_it_first() {
    let name = unique("lt-later");
    publish(&name, "2.0.0/1", &HERE);
    let app = updater(&name, false).await;
    let nothing = app.report(reconcile()).await;
    assert!(nothing.actions.is_empty(), "{nothing:#?}");
    let id = tagged_template(&name).await;
    let dry = updater(&name, true).await.report(reconcile()).await;
    assert_eq!(dry.outcomes(), [Planned], "{dry:#?}");
    assert_eq!(state(&id).await.versions, 1);
    let report = app.report(reconcile()).await;
    assert_eq!(report.outcomes(), [Updated], "{report:#?}");
    assert_eq!(
        state(&id).await.default_ami,
        ami_id(&name, "2.0.0/1", "us-east-1", HOME_ACCOUNT)
    );
}
