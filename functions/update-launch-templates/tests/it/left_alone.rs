//! What update-launch-templates leaves alone, against moto: events it ignores or refuses, a
//! template it has no time left to start, a template that takes its AMI from SSM, and a default
//! someone set to a newer build.

use amiflow_model::decide::forbidden::Forbidden;
use amiflow_model::input::ignore::IgnoreReason;
use amiflow_model::report::action::Outcome::{Failed, Skipped};
use amiflow_model::report::detail::{Detail, Failure};
use amiflow_model::report::template::TemplateDetail;
use amiflow_testkit::resources::{launch_template as template, launch_template_state as state};
use amiflow_testkit::{
    ami_id, env, event_json, outcomes_by_target as outcomes, unique, HOME_ACCOUNT,
};
use serde_json::json;

use super::launch_templates::{
    done, keeping, new_default_version, one_template, publish, updater, versions_of,
};

#[tokio::test]
async fn ignored_and_malformed_events() {
    let name = unique("lt-ignored");
    let app = updater(json!({"rules": []}), false).await;
    let arn = publish(&name, "1.0.0/1");
    assert_eq!(
        app.ignored(event_json(&arn, "BUILDING")).await,
        IgnoreReason::EventState {
            status: "BUILDING".into()
        }
    );
    assert!(env()
        .front
        .requests("imagebuilder", "GetImage", &name)
        .is_empty());
    let error = app.error(json!({"imageBuildVersionArn": 42})).await;
    assert_eq!(error.error_type(), "InvalidInput");
    assert!(
        error
            .to_string()
            .contains("`imageBuildVersionArn`: must be a string"),
        "{error}"
    );
}

#[tokio::test]
async fn near_the_deadline_no_template_is_started_and_the_report_says_so() {
    let (name, id, app) = one_template("lt-deadline", false).await;
    let event = event_json(&publish(&name, "1.0.0/1"), "AVAILABLE");
    let error = app
        .invoke_ending_in(event, std::time::Duration::from_secs(5))
        .await
        .unwrap_err();
    let report = error.report().expect("the report is still written");
    assert_eq!(outcomes(report), [(id.clone(), Failed)]);
    assert!(
        matches!(
            report.actions[0].detail,
            Detail::Failed(Failure::Deadline { .. })
        ),
        "{report:#?}"
    );
    assert_eq!(versions_of(&id).await, 1, "no write");
}

#[tokio::test]
async fn a_template_that_resolves_its_ami_from_ssm_is_left_alone() {
    let name = unique("lt-resolve");
    let id = template(HOME_ACCOUNT, "us-east-1", &name, &[]).await;
    new_default_version(&id, "resolve:ssm:/golden/latest").await;
    let app = keeping(&id, false).await;
    let report = app
        .report(event_json(&publish(&name, "1.0.0/1"), "AVAILABLE"))
        .await;
    assert_eq!(outcomes(&report), [(id.clone(), Skipped)]);
    assert!(
        matches!(done(&report.actions[0].detail), TemplateDetail::FromSsm { parameter, .. } if parameter == "/golden/latest"),
        "{report:#?}"
    );
    assert_eq!(versions_of(&id).await, 2, "no new version");
}

#[tokio::test]
async fn a_default_someone_else_set_to_a_newer_build_is_not_moved_back() {
    let name = unique("lt-foreign");
    let here = [("us-east-1", HOME_ACCOUNT)];
    let old = amiflow_testkit::publish(&name, "1.0.0/1", &here);
    amiflow_testkit::publish(&name, "1.0.0/2", &here);
    let newer = ami_id(&name, "1.0.0/2", "us-east-1", HOME_ACCOUNT);
    let id = template(HOME_ACCOUNT, "us-east-1", &name, &[]).await;
    // A person (or Image Builder's launchTemplateConfigurations) made build /2's AMI the default,
    // with no amiflow record in the version description.
    new_default_version(&id, &newer).await;
    let app = keeping(&id, false).await;
    let late = app.report(event_json(&old, "AVAILABLE")).await;
    assert_eq!(outcomes(&late), [(id.clone(), Skipped)], "{late:#?}");
    assert!(
        matches!(
            done(&late.actions[0].detail),
            TemplateDetail::Kept {
                why: Forbidden::NewerTag { .. },
                ..
            }
        ),
        "{late:#?}"
    );
    let s = state(HOME_ACCOUNT, "us-east-1", &id).await;
    assert_eq!(
        (s.default, s.default_ami.as_str(), s.versions),
        (2, newer.as_str(), 2)
    );
}
