//! Rollback, the one sanctioned way backwards, against moto and the Image Builder stand-in.

use amiflow_model::Outcome::{Planned, Skipped, Updated};
use amiflow_testkit::{
    ami_id, event_json, one_parameter, parameter, publish, unique, Function, HOME_ACCOUNT,
};
use serde_json::json;
use update_ssm_parameters::ParameterWriter;

#[tokio::test]
async fn a_rollback_moves_back_holds_against_the_bad_build_and_yields_to_a_newer_one() {
    let name = unique("rollback");
    let param = format!("/{name}/latest");
    let policy = one_parameter(&param);
    let app = Function::new(policy.clone(), false, None, ParameterWriter::new).await;
    let here = [("us-east-1", HOME_ACCOUNT)];
    let value = || async { parameter(HOME_ACCOUNT, "us-east-1", &param).await.unwrap() };
    let good = publish(&name, "1.1.0/1", &here);
    let bad = publish(&name, "1.2.0/1", &here);
    app.report(event_json(&good, "AVAILABLE")).await;
    app.report(event_json(&bad, "AVAILABLE")).await;
    assert_eq!(
        value().await.value,
        ami_id(&name, "1.2.0/1", "us-east-1", HOME_ACCOUNT)
    );

    let rollback = json!({"imageBuildVersionArn": good, "rollback": true});
    let dry = Function::new(policy, true, None, ParameterWriter::new).await;
    let planned = dry.report(rollback.clone()).await;
    assert_eq!(planned.outcomes(), [Planned]);
    assert!(planned.actions[0]
        .detail
        .contains(&format!("rolled back from {bad}")));
    assert_eq!(
        value().await.value,
        ami_id(&name, "1.2.0/1", "us-east-1", HOME_ACCOUNT)
    );

    let rolled = app.report(rollback).await;
    assert_eq!(rolled.outcomes(), [Updated], "{rolled:#?}");
    assert!(
        rolled.actions[0]
            .detail
            .contains(&format!("rolled back from {bad}")),
        "{rolled:#?}"
    );
    let held = value().await;
    assert_eq!(
        held.value,
        ami_id(&name, "1.1.0/1", "us-east-1", HOME_ACCOUNT)
    );
    assert!(
        held.description.contains("rolled back from"),
        "{}",
        held.description
    );

    // A redelivered event for the bad build is skipped: the rollback holds.
    let late = app.report(event_json(&bad, "AVAILABLE")).await;
    assert_eq!(late.outcomes(), [Skipped], "{late:#?}");
    assert!(late.actions[0].detail.contains("rolled back"), "{late:#?}");
    assert_eq!(value().await.version, held.version, "no write");

    // Only a build newer than the one rolled back from moves it forward again.
    let fixed = publish(&name, "1.2.0/2", &here);
    let forward = app.report(event_json(&fixed, "AVAILABLE")).await;
    assert_eq!(forward.outcomes(), [Updated], "{forward:#?}");
    assert_eq!(
        value().await.value,
        ami_id(&name, "1.2.0/2", "us-east-1", HOME_ACCOUNT)
    );
}
