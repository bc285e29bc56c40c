//! Rollback, the one sanctioned way backwards, as every target kind must tell it: a good build,
//! a bad one over it, a dry run of the rollback, the rollback, a late event for the bad build,
//! then a fixed build.

use std::future::Future;

use amiflow_common::executor::Executor;
use amiflow_common::pipeline::Pipeline;
use amiflow_model::decide::forbidden::Forbidden;
use amiflow_model::report::action::Outcome::{Planned, Skipped, Updated};
use amiflow_model::report::detail::Detail;
use amiflow_model::report::parameter::ParameterDetail;
use amiflow_model::report::template::TemplateDetail;
use serde_json::json;

use crate::function::Function;
use crate::{ami_id, event_json, publish, HOME_ACCOUNT};

/// What a target holds now, read straight from the emulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub ami: String,
    /// Grows by one each write (a parameter's version, a template's version count).
    pub writes: i64,
    /// The provenance amiflow recorded with the value (a description).
    pub note: String,
}

/// Runs the story for image `name` against one target in us-east-1 of the home account, which
/// `policy` names and `held` reads; `executor` makes the function's executor.
pub async fn assert_rollback_holds<E, Fut>(
    name: &str,
    policy: serde_json::Value,
    executor: fn(&Pipeline) -> E,
    held: impl Fn() -> Fut,
) where
    E: Executor,
    Fut: Future<Output = Held>,
{
    let app = Function::new(policy.clone(), false, None, executor).await;
    let dry = Function::new(policy, true, None, executor).await;
    let here = [("us-east-1", HOME_ACCOUNT)];
    let ami = |version: &str| ami_id(name, version, "us-east-1", HOME_ACCOUNT);
    let good = publish(name, "1.1.0/1", &here);
    let bad = publish(name, "1.2.0/1", &here);
    app.report(event_json(&good, "AVAILABLE")).await;
    app.report(event_json(&bad, "AVAILABLE")).await;
    let on_bad = held().await;
    assert_eq!(on_bad.ami, ami("1.2.0/1"));

    let rollback = json!({"imageBuildVersionArn": good, "rollback": true});
    let rolled_back_from = format!("rolled back from {bad}");
    let planned = dry.report(rollback.clone()).await;
    assert_eq!(planned.outcomes(), [Planned], "{planned:#?}");
    assert!(planned.actions[0]
        .detail
        .to_string()
        .contains(&rolled_back_from));
    assert_eq!(held().await, on_bad, "a dry run writes nothing");

    let rolled = app.report(rollback).await;
    assert_eq!(rolled.outcomes(), [Updated], "{rolled:#?}");
    assert!(rolled.actions[0]
        .detail
        .to_string()
        .contains(&rolled_back_from));
    let on_good = held().await;
    assert_eq!(on_good.ami, ami("1.1.0/1"));
    assert_eq!(on_good.writes, on_bad.writes + 1, "one write");
    // The record names the AMI it wrote, its build, and the newer build's version.
    let record = format!(
        "amiflow: {} of {good}, rolled back from 1.2.0/1",
        ami("1.1.0/1")
    );
    assert_eq!(on_good.note, record, "{on_good:?}");

    // A redelivered event for the bad build is skipped: the rollback holds.
    let late = app.report(event_json(&bad, "AVAILABLE")).await;
    assert_eq!(late.outcomes(), [Skipped], "{late:#?}");
    assert!(held_by_the_rollback(&late.actions[0].detail), "{late:#?}");
    assert_eq!(held().await, on_good, "no write");

    // Only a build newer than the one rolled back from moves it forward again.
    let fixed = publish(name, "1.2.0/2", &here);
    let forward = app.report(event_json(&fixed, "AVAILABLE")).await;
    assert_eq!(forward.outcomes(), [Updated], "{forward:#?}");
    assert_eq!(held().await.ami, ami("1.2.0/2"));
}

/// Whether a skip is the rollback's record holding the target.
fn held_by_the_rollback(detail: &Detail) -> bool {
    let why = match detail {
        Detail::Parameter(ParameterDetail::Kept { why, .. }) => why,
        Detail::Template(template) => match template.done() {
            TemplateDetail::Kept { why, .. } => why,
            _ => return false,
        },
        _ => return false,
    };
    matches!(why, Forbidden::RolledBack { .. })
}
