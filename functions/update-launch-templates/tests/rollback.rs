//! Rollback, the one sanctioned way backwards, against moto and the Image Builder stand-in.

use amiflow_model::Outcome::{Planned, Skipped, Updated};
use amiflow_testkit::{
    ami_id, event_json, launch_template, launch_template_state, publish, unique, Function,
    HOME_ACCOUNT,
};
use serde_json::json;
use update_launch_templates::TemplateUpdater;

#[tokio::test]
async fn a_rollback_moves_back_holds_against_the_bad_build_and_yields_to_a_newer_one() {
    let name = unique("lt-rollback");
    let id = launch_template(HOME_ACCOUNT, "us-east-1", &name, &[]).await;
    let policy = json!({"rules": [{"name": "r", "launchTemplates": [{"launchTemplateId": id, "region": "us-east-1"}]}]});
    let app = Function::new(policy.clone(), false, None, TemplateUpdater::new).await;
    let here = [("us-east-1", HOME_ACCOUNT)];
    let state = || launch_template_state(HOME_ACCOUNT, "us-east-1", &id);
    let good = publish(&name, "1.1.0/1", &here);
    let bad = publish(&name, "1.2.0/1", &here);
    app.report(event_json(&good, "AVAILABLE")).await;
    app.report(event_json(&bad, "AVAILABLE")).await;
    assert_eq!(
        state().await.default_ami,
        ami_id(&name, "1.2.0/1", "us-east-1", HOME_ACCOUNT)
    );

    let rollback = json!({"imageBuildVersionArn": good, "rollback": true});
    let dry = Function::new(policy, true, None, TemplateUpdater::new).await;
    let planned = dry.report(rollback.clone()).await;
    assert_eq!(planned.outcomes(), [Planned]);
    assert!(planned.actions[0]
        .detail
        .contains(&format!("rolled back from {bad}")));
    assert_eq!(state().await.versions, 3, "a dry run writes nothing");

    let rolled = app.report(rollback).await;
    assert_eq!(rolled.outcomes(), [Updated], "{rolled:#?}");
    assert!(rolled.actions[0]
        .detail
        .contains(&format!("rolled back from {bad}")));
    let held = state().await;
    assert_eq!(
        held.default_ami,
        ami_id(&name, "1.1.0/1", "us-east-1", HOME_ACCOUNT)
    );
    assert_eq!((held.default, held.versions), (4, 4));

    // A redelivered event for the bad build is skipped: the rollback holds.
    let late = app.report(event_json(&bad, "AVAILABLE")).await;
    assert_eq!(late.outcomes(), [Skipped], "{late:#?}");
    assert_eq!(state().await.versions, 4, "no new version");

    // Only a build newer than the one rolled back from moves it forward again.
    let fixed = publish(&name, "1.2.0/2", &here);
    let forward = app.report(event_json(&fixed, "AVAILABLE")).await;
    assert_eq!(forward.outcomes(), [Updated], "{forward:#?}");
    assert_eq!(
        state().await.default_ami,
        ami_id(&name, "1.2.0/2", "us-east-1", HOME_ACCOUNT)
    );
}
