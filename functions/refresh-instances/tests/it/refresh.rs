//! refresh-instances, tried as a new user would: update-launch-templates makes a new default
//! version, its result reaches refresh-instances as EventBridge delivers it, and only the groups
//! that opted in and do not run that version get one refresh, to the version as a number.

use amiflow_model::decide::tags::REFRESH_TAG;
use amiflow_model::input::ignore::IgnoreReason;
use amiflow_model::report::action::Outcome::{Created, Planned, Skipped, Unchanged};
use amiflow_model::report::answer::Answer;
use amiflow_model::report::detail::Detail;
use amiflow_model::report::refresh::RefreshDetail;
use amiflow_model::report::Report;
use amiflow_testkit::function::Function;
use amiflow_testkit::groups::{auto_scaling_group, autoscaling_client, group_state, refreshes};
use amiflow_testkit::resources::launch_template;
use amiflow_testkit::{env, event_json, publish, unique, HOME_ACCOUNT};
use refresh_instances::refresher::InstanceRefresher;
use serde_json::{json, Value};
use update_launch_templates::updater::TemplateUpdater;

const REGION: &str = "us-east-1";

/// The policy both functions run: templates tagged `amiflow:image=<name>` keep images `name`.
fn policy(name: &str) -> Value {
    let tag = json!({"key": "amiflow:image", "value": name});
    json!({"rules": [{"name": "golden", "match": {"imageName": name},
        "launchTemplates": [{"tag": tag, "regions": [REGION]}]}]})
}

/// A template kept for `name`, and update-launch-templates and refresh-instances keeping it.
struct Fleet {
    name: String,
    template: String,
    templates: Function<TemplateUpdater>,
    refresher: Function<InstanceRefresher>,
}

async fn fleet(prefix: &str) -> Fleet {
    let name = unique(prefix);
    let template = launch_template(HOME_ACCOUNT, REGION, &name, &[("amiflow:image", &name)]).await;
    let templates = Function::new(policy(&name), false, None, TemplateUpdater::new).await;
    let refresher = Function::new(policy(&name), false, None, InstanceRefresher::new).await;
    Fleet {
        name,
        template,
        templates,
        refresher,
    }
}

/// A group `<fleet name>-<suffix>` of `capacity` on the fleet's template at `$Default`, tagged
/// `tags`: its name.
async fn group(fleet: &Fleet, suffix: &str, capacity: i32, tags: &[(&str, &str)]) -> String {
    let name = format!("{}-{suffix}", fleet.name);
    let template = &fleet.template;
    auto_scaling_group(
        HOME_ACCOUNT,
        REGION,
        &name,
        template,
        "$Default",
        capacity,
        tags,
    )
    .await;
    name
}

/// update-launch-templates' success for `event`, as a Lambda destination record on EventBridge.
async fn templates_result(fleet: &Fleet, event: Value) -> Value {
    let answer: Answer = fleet
        .templates
        .invoke(event)
        .await
        .expect("templates updated");
    json!({
        "version": "0", "id": unique("destination"), "source": "lambda",
        "detail-type": "Lambda Function Invocation Result - Success",
        "account": HOME_ACCOUNT, "region": REGION, "time": "2026-12-06T10:00:00Z",
        "resources": [format!("arn:aws:events:{REGION}:{HOME_ACCOUNT}:event-bus/default")],
        "detail": {"version": "1.0", "timestamp": "2026-12-06T10:00:00.000Z",
            "requestContext": {"condition": "Success", "approximateInvokeCount": 1,
                "functionArn": format!("arn:aws:lambda:{REGION}:{HOME_ACCOUNT}:function:update-launch-templates:$LATEST")},
            "requestPayload": {}, "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
            "responsePayload": answer}
    })
}

/// The outcome of each of the fleet's groups, by name (the account holds other tests' groups).
fn by_group(
    fleet: &Fleet,
    report: &Report,
) -> Vec<(String, amiflow_model::report::action::Outcome)> {
    let mut out: Vec<_> = report
        .actions
        .iter()
        .filter(|a| a.target.starts_with(&fleet.name))
        .map(|a| (a.target.clone(), a.outcome()))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The StartInstanceRefresh requests for `group`, as the service received them.
fn starts(group: &str) -> Vec<Value> {
    let requests = env()
        .front
        .requests("autoscaling", "StartInstanceRefresh", group);
    requests.into_iter().map(|r| r.body).collect()
}

#[tokio::test]
async fn an_opted_in_group_gets_one_refresh_to_the_new_version_as_a_number() {
    let fleet = fleet("refresh").await;
    let tag = [(REFRESH_TAG, "true")];
    let opted = group(&fleet, "opted", 2, &tag).await;
    let other = group(&fleet, "other", 1, &[]).await;
    let arn = publish(&fleet.name, "1.0.0/1", &[(REGION, HOME_ACCOUNT)]);
    let result = templates_result(&fleet, event_json(&arn, "AVAILABLE")).await;
    // A group that starts only now launches on the new version: it is already there.
    let fresh = group(&fleet, "fresh", 1, &tag).await;

    let report = fleet.refresher.report(result.clone()).await;
    assert_eq!(
        by_group(&fleet, &report),
        [(fresh.clone(), Unchanged), (opted.clone(), Created)],
        "the group not opted in is not looked at: {report:#?}"
    );
    let [start] = &starts(&opted)[..] else {
        panic!("one StartInstanceRefresh for {opted}")
    };
    assert_eq!(
        start["DesiredConfiguration.LaunchTemplate.LaunchTemplateId"],
        fleet.template
    );
    assert_eq!(start["DesiredConfiguration.LaunchTemplate.Version"], "2");
    assert_eq!(start["Preferences.SkipMatching"], "true");
    assert_eq!(start["Preferences.AutoRollback"], "true");
    assert!(starts(&other).is_empty() && starts(&fresh).is_empty());
    // The writers do not act on results.
    let not_theirs = fleet.templates.ignored(result.clone()).await;
    assert!(
        matches!(not_theirs, IgnoreReason::NotTaken { .. }),
        "{not_theirs}"
    );

    // While it runs, the next run waits for it and starts nothing new.
    let again = fleet.refresher.report(result.clone()).await;
    assert_eq!(
        by_group(&fleet, &again),
        [(fresh.clone(), Unchanged), (opted.clone(), Skipped)]
    );
    let waiting = again.actions.iter().find(|a| a.target == opted).unwrap();
    assert!(
        matches!(
            &waiting.detail,
            Detail::Refresh(RefreshDetail::InProgress { .. })
        ),
        "{waiting:?}"
    );
    assert_eq!(starts(&opted).len(), 1);

    // Once it succeeded, the group runs the version: nothing more to do.
    env().front.finish_refreshes(&opted, "Successful", None);
    let state = group_state(HOME_ACCOUNT, REGION, &opted).await;
    assert_eq!(state.version, "2");
    assert!(state.instances.iter().all(|v| v == "2"), "{state:?}");
    let settled = fleet.refresher.report(json!({"reconcile": true})).await;
    assert_eq!(
        by_group(&fleet, &settled),
        [(fresh, Unchanged), (opted.clone(), Unchanged)]
    );
    assert_eq!(starts(&opted).len(), 1);
}

#[tokio::test]
async fn a_refresh_that_rolled_back_is_not_retried_for_the_same_version_and_a_dry_run_starts_nothing(
) {
    let fleet = fleet("rolled-refresh").await;
    let group = group(&fleet, "web", 2, &[(REFRESH_TAG, "true")]).await;
    let arn = publish(&fleet.name, "1.0.0/1", &[(REGION, HOME_ACCOUNT)]);
    let result = templates_result(&fleet, event_json(&arn, "AVAILABLE")).await;
    let dry = Function::new(policy(&fleet.name), true, None, InstanceRefresher::new).await;
    let planned = dry.report(result.clone()).await;
    assert_eq!(by_group(&fleet, &planned), [(group.clone(), Planned)]);
    assert!(starts(&group).is_empty(), "a dry run starts nothing");

    assert_eq!(
        by_group(&fleet, &fleet.refresher.report(result.clone()).await),
        [(group.clone(), Created)]
    );
    let ended = env()
        .front
        .finish_refreshes(&group, "RollbackSuccessful", Some("alarm cpu-high"));
    assert_eq!(ended.len(), 1);
    let after = fleet.refresher.report(result).await;
    let action = &after.actions[0];
    assert_eq!(action.outcome(), Skipped);
    assert!(
        matches!(&action.detail, Detail::Refresh(RefreshDetail::EndedBefore { status, version: 2, .. })
            if status == "RollbackSuccessful"),
        "{action:?}"
    );
    assert_eq!(starts(&group).len(), 1, "not retried on its own");
    let history = refreshes(HOME_ACCOUNT, REGION, &group).await;
    assert_eq!(history[0].1, "RollbackSuccessful");
}

#[tokio::test]
async fn a_group_with_a_refresh_running_is_skipped_and_refreshed_once_that_refresh_ended() {
    let fleet = fleet("busy").await;
    let group = group(&fleet, "web", 2, &[(REFRESH_TAG, "true")]).await;
    // Someone started a refresh of their own before the build.
    let autoscaling = autoscaling_client(HOME_ACCOUNT, REGION).await;
    let start = autoscaling
        .start_instance_refresh()
        .auto_scaling_group_name(&group);
    start.send().await.expect("the front starts a refresh");
    let arn = publish(&fleet.name, "1.0.0/1", &[(REGION, HOME_ACCOUNT)]);
    let result = templates_result(&fleet, event_json(&arn, "AVAILABLE")).await;

    let waiting = fleet.refresher.report(result).await;
    assert_eq!(by_group(&fleet, &waiting), [(group.clone(), Skipped)]);
    assert!(
        matches!(
            &waiting.actions[0].detail,
            Detail::Refresh(RefreshDetail::InProgress { .. })
        ),
        "{waiting:#?}"
    );
    assert_eq!(starts(&group).len(), 1, "only the one already running");

    // Its owner cancels it: the instances still run version 1, so the next run (here the
    // scheduled reconcile) starts one to version 2.
    assert_eq!(
        env()
            .front
            .finish_refreshes(&group, "Cancelled", None)
            .len(),
        1
    );
    let next = fleet.refresher.report(json!({"reconcile": true})).await;
    assert_eq!(
        by_group(&fleet, &next),
        [(group.clone(), Created)],
        "{next:#?}"
    );
    let starts = starts(&group);
    assert_eq!(starts.len(), 2);
    assert_eq!(
        starts[1]["DesiredConfiguration.LaunchTemplate.Version"],
        "2"
    );
}

#[tokio::test]
async fn a_result_that_changed_no_template_is_ignored() {
    let fleet = fleet("unchanged-result").await;
    let arn = publish(&fleet.name, "1.0.0/1", &[(REGION, HOME_ACCOUNT)]);
    let event = event_json(&arn, "AVAILABLE");
    fleet.templates.report(event.clone()).await;
    // The same event again changes nothing: its result names no changed template.
    let result = templates_result(&fleet, event).await;
    let reason = fleet.refresher.ignored(result).await;
    assert_eq!(reason, IgnoreReason::NothingChanged);
}
