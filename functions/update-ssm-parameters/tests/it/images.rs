//! update-ssm-parameters and the images Image Builder allows: names with capitals and spaces,
//! and container images, against moto and the fake front through the real SDK clients.

use amiflow_model::input::ignore::IgnoreReason;
use amiflow_model::plan::target::NoAmi;
use amiflow_model::report::action::Outcome::{Created, Failed};
use amiflow_model::report::answer::Answer;
use amiflow_model::report::detail::{Detail, Failure};
use amiflow_testkit::function::Function;
use amiflow_testkit::resources::parameter;
use amiflow_testkit::{
    ami_id, container_image_json, env, event_json, image_json, parameter_policy, publish, unique,
    HOME_ACCOUNT,
};
use serde_json::json;
use update_ssm_parameters::parameters::ParameterWriter;

#[tokio::test]
async fn an_image_name_with_capitals_and_spaces_renders_as_its_arn_name() {
    let prefix = format!("/{}", unique("names"));
    let name = format!("Golden AL2023 {}", unique("x"));
    let app = Function::new(
        json!({"rules": [{"name": "r", "ssmParameters": [
            {"name": format!("{prefix}/{{{{imagebuilder:name}}}}/latest"), "regions": ["us-east-1"]}
        ]}]}),
        false,
        None,
        ParameterWriter::new,
    )
    .await;
    let arn = publish(&name, "1.0.0/1", &[("us-east-1", HOME_ACCOUNT)]);
    let report = app.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(report.outcomes(), [Created], "{report:#?}");
    let rendered = format!("{prefix}/{}/latest", name.to_lowercase().replace(' ', "-"));
    assert!(rendered.contains("/golden-al2023-x-"), "{rendered}");
    assert_eq!(report.actions[0].target, rendered);
    assert_eq!(
        parameter(HOME_ACCOUNT, "us-east-1", &rendered)
            .await
            .expect("written under the ARN's name")
            .value,
        ami_id(&name, "1.0.0/1", "us-east-1", HOME_ACCOUNT)
    );
}

#[tokio::test]
async fn a_container_image_is_ignored_with_no_call_beyond_get_image() {
    let name = unique("Container App");
    let param = format!("/{}/latest", unique("containers"));
    let app = Function::new(
        parameter_policy(json!({"name": param, "regions": ["us-east-1"]})),
        false,
        None,
        ParameterWriter::new,
    )
    .await;
    let image = container_image_json(&name, "1.0.0/1", &["us-east-1"]);
    let arn = image["arn"].as_str().unwrap().to_string();
    env().front.put_image(image);
    match app.invoke(event_json(&arn, "AVAILABLE")).await {
        Ok(Answer::Ignored(IgnoreReason::Container { image_type, .. })) => {
            assert_eq!(image_type.as_deref(), Some("DOCKER"))
        }
        other => panic!("expected the container image to be ignored, got {other:?}"),
    }
    let segment = arn.split('/').nth(1).unwrap();
    assert_eq!(
        env()
            .front
            .requests("imagebuilder", "GetImage", segment)
            .len(),
        1
    );
    assert!(parameter(HOME_ACCOUNT, "us-east-1", &param).await.is_none());
}

#[tokio::test]
async fn an_ami_that_is_not_available_is_not_written_and_its_state_is_reported() {
    let name = unique("states");
    let param = format!("/{name}/latest");
    let app = Function::new(
        parameter_policy(json!({"name": param, "regions": ["us-east-1", "eu-west-1"]})),
        false,
        None,
        ParameterWriter::new,
    )
    .await;
    let mut image = image_json(
        &name,
        "1.0.0/1",
        &[("us-east-1", HOME_ACCOUNT), ("eu-west-1", HOME_ACCOUNT)],
    );
    image["outputResources"]["amis"][1]["state"] =
        json!({"status": "FAILED", "reason": "copy failed"});
    let arn = image["arn"].as_str().unwrap().to_string();
    env().front.put_image(image);
    let report = app.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(report.outcomes(), [Created, Failed], "{report:#?}");
    let detail = &report.actions[1].detail;
    assert!(
        matches!(detail, Detail::Failed(Failure::NoAmi(NoAmi::Unavailable { region, status, reason, .. }))
            if region == "eu-west-1" && status == "FAILED" && reason.as_deref() == Some("copy failed")),
        "{detail:?}"
    );
    assert!(parameter(HOME_ACCOUNT, "eu-west-1", &param).await.is_none());
}
