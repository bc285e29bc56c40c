//! No regression when the newer value was not written by amiflow: Image Builder's own
//! distribution settings or a person wrote it. Image Builder tags every output AMI with
//! `Ec2ImageBuilderArn`; the harness registers the AMIs in moto the same way.

use amiflow_model::Outcome::{Skipped, Updated};
use amiflow_testkit::{
    ami_id, env, event_json, image_json, one_parameter, parameter, publish, sdk_config_as, unique,
    Function, HOME_ACCOUNT,
};
use aws_sdk_ssm::types::ParameterType;
use serde_json::json;
use update_ssm_parameters::ParameterWriter;

const HERE: [(&str, &str); 1] = [("us-east-1", HOME_ACCOUNT)];

async fn value_of(param: &str) -> String {
    let stored = parameter(HOME_ACCOUNT, "us-east-1", param).await;
    stored.expect("the parameter exists").value
}

/// Writes `value` as someone other than amiflow would: with no amiflow record beside it.
async fn written_by_someone_else(name: &str, value: &str, description: Option<&str>) {
    let ssm = aws_sdk_ssm::Client::new(&sdk_config_as(HOME_ACCOUNT, "us-east-1").await);
    ssm.put_parameter()
        .name(name)
        .value(value)
        .r#type(ParameterType::String)
        .data_type("aws:ec2:image")
        .set_description(description.map(String::from))
        .overwrite(true)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_value_a_person_set_to_a_newer_build_is_not_moved_back() {
    let name = unique("by-hand");
    let param = format!("/{name}/latest");
    let old = publish(&name, "1.0.0/1", &HERE);
    publish(&name, "1.0.0/2", &HERE);
    let newer = ami_id(&name, "1.0.0/2", "us-east-1", HOME_ACCOUNT);
    written_by_someone_else(&param, &newer, Some("set by hand")).await;
    let policy = one_parameter(&param);
    let app = Function::new(policy, false, None, ParameterWriter::new).await;
    let late = app.report(event_json(&old, "AVAILABLE")).await;
    assert_eq!(late.outcomes(), [Skipped], "{late:#?}");
    assert!(
        late.actions[0].detail.contains("Ec2ImageBuilderArn"),
        "{late:#?}"
    );
    assert_eq!(value_of(&param).await, newer);
    // An older value written by someone else is still brought forward.
    let newest = publish(&name, "1.1.0/1", &HERE);
    let forward = app.report(event_json(&newest, "AVAILABLE")).await;
    assert_eq!(forward.outcomes(), [Updated], "{forward:#?}");
}

#[tokio::test]
async fn a_parameter_image_builder_wrote_for_a_newer_build_is_not_moved_back() {
    let name = unique("ib-wrote");
    let param = format!("/{name}/from-distribution");
    publish(&name, "1.0.0/1", &HERE);
    publish(&name, "1.0.0/2", &HERE);
    // Both builds name the parameter in their distribution settings, as Image Builder images do.
    let settings = json!({"distributions": [
        {"region": "us-east-1", "ssmParameterConfigurations": [{"parameterName": param}]}
    ]});
    let mut old = image_json(&name, "1.0.0/1", &HERE);
    old["distributionConfiguration"] = settings;
    let old_arn = old["arn"].as_str().unwrap().to_string();
    env().standin.put_image(old);
    // Image Builder itself wrote build /2's AMI there; amiflow recorded nothing.
    let newer = ami_id(&name, "1.0.0/2", "us-east-1", HOME_ACCOUNT);
    written_by_someone_else(&param, &newer, None).await;
    let app = Function::new(json!({"rules": []}), false, None, ParameterWriter::new).await;
    let late = app.report(event_json(&old_arn, "AVAILABLE")).await;
    assert_eq!(late.outcomes(), [Skipped], "{late:#?}");
    assert_eq!(value_of(&param).await, newer);
}
