//! What update-ssm-parameters must not do, against moto: write outside its path, change a
//! parameter's data type, or start a write it has no time left to finish.

use std::time::Duration;

use amiflow_model::report::action::Outcome::{Created, Failed};
use amiflow_model::report::detail::{Detail, Failure};
use amiflow_model::report::parameter::ParameterDetail;
use amiflow_testkit::function::{settings, Function};
use amiflow_testkit::resources::{parameter, sdk_config_as};
use amiflow_testkit::{event_json, one_parameter, publish, unique, HOME_ACCOUNT};
use aws_sdk_ssm::types::ParameterType;
use serde_json::json;
use update_ssm_parameters::parameters::ParameterWriter;

const HERE: [(&str, &str); 1] = [("us-east-1", HOME_ACCOUNT)];

#[tokio::test]
async fn a_parameter_outside_the_path_prefix_fails_alone_naming_the_prefix() {
    let name = unique("prefix");
    let (inside, outside) = (format!("/amiflow/{name}"), format!("/elsewhere/{name}"));
    let policy =
        json!({"rules": [{"name": "r", "ssmParameters": [{"name": inside}, {"name": outside}]}]});
    let mut settings = settings(false, None);
    settings.parameter_path_prefix = Some("/amiflow".into());
    let app = Function::with_settings(policy, settings, ParameterWriter::new).await;
    let error = app
        .error(event_json(&publish(&name, "1.0.0/1", &HERE), "AVAILABLE"))
        .await;
    let report = error.report().expect("a report");
    assert_eq!(report.outcomes(), [Created, Failed], "{report:#?}");
    let detail = &report.actions[1].detail;
    let outside_prefix = ParameterDetail::OutsidePrefix {
        prefix: "/amiflow".into(),
    };
    assert_eq!(detail, &Detail::Parameter(outside_prefix));
    assert!(
        detail.to_string().contains("ParameterPathPrefix"),
        "{detail}"
    );
    assert!(parameter(HOME_ACCOUNT, "us-east-1", &inside)
        .await
        .is_some());
    assert!(parameter(HOME_ACCOUNT, "us-east-1", &outside)
        .await
        .is_none());
}

#[tokio::test]
async fn a_parameter_of_another_data_type_is_never_written() {
    let name = unique("datatype");
    let param = format!("/{name}/latest");
    aws_sdk_ssm::Client::new(&sdk_config_as(HOME_ACCOUNT, "us-east-1").await)
        .put_parameter()
        .name(&param)
        .value("ami-0000000000000000a")
        .r#type(ParameterType::String)
        .data_type("text")
        .send()
        .await
        .unwrap();
    let policy = one_parameter(&param);
    let app = Function::new(policy, false, None, ParameterWriter::new).await;
    let error = app
        .error(event_json(&publish(&name, "1.0.0/1", &HERE), "AVAILABLE"))
        .await;
    let detail = &error.report().expect("a report").actions[0].detail;
    let data_type = ParameterDetail::DataType {
        existing: "text".into(),
        wanted: "aws:ec2:image".into(),
    };
    assert_eq!(detail, &Detail::Parameter(data_type));
    let kept = parameter(HOME_ACCOUNT, "us-east-1", &param).await.unwrap();
    assert_eq!(
        (kept.version, kept.value.as_str()),
        (1, "ami-0000000000000000a")
    );
}

#[tokio::test]
async fn near_the_deadline_no_write_is_started_and_the_report_says_so() {
    let name = unique("deadline");
    let param = format!("/{name}/latest");
    let policy = one_parameter(&param);
    let app = Function::new(policy, false, None, ParameterWriter::new).await;
    let event = event_json(&publish(&name, "1.0.0/1", &HERE), "AVAILABLE");
    let error = app
        .invoke_ending_in(event, Duration::from_secs(5))
        .await
        .unwrap_err();
    let report = error.report().expect("the report is still written");
    assert_eq!(report.outcomes(), [Failed]);
    assert!(
        matches!(
            report.actions[0].detail,
            Detail::Failed(Failure::Deadline { .. })
        ),
        "{report:#?}"
    );
    assert!(parameter(HOME_ACCOUNT, "us-east-1", &param).await.is_none());
}
