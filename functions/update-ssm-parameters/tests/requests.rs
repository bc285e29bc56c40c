//! What update-ssm-parameters sends to SSM, on the wire with aws-smithy-mocks, where moto cannot
//! show it: moto accepts any `aws:ec2:image` value, and does not count calls.

use amiflow_testkit::event_json;
use amiflow_testkit::{
    ami_id, images_without_build_tags, mocked_clients, mocked_ec2, mocked_ssm, one_parameter,
    publish, unique, Function, HOME_ACCOUNT,
};
use aws_sdk_ssm::operation::describe_parameters::DescribeParametersOutput;
use aws_sdk_ssm::operation::get_parameters::GetParametersOutput;
use aws_sdk_ssm::operation::put_parameter::PutParameterOutput;
use aws_sdk_ssm::types::{Parameter, ParameterMetadata, ParameterTier};
use aws_smithy_mocks::{mock, Rule};
use serde_json::{json, Value};
use update_ssm_parameters::{Clients, ParameterWriter, SESSION};

/// update-ssm-parameters whose SSM clients answer from `rules` instead of the network.
async fn mocked(policy: Value, rules: Vec<Rule>) -> Function<ParameterWriter> {
    Function::new(policy, false, None, |pipeline| {
        ParameterWriter::with_clients(
            pipeline,
            mocked_clients(pipeline, SESSION, rules, |config, rules| Clients {
                ssm: mocked_ssm(config, rules),
                ec2: mocked_ec2(config, rules),
            }),
        )
    })
    .await
}

/// A fresh image named from `prefix`, with one AMI in the home account's us-east-1: its ARN and AMI.
fn one_ami(prefix: &str) -> (String, String) {
    let name = unique(prefix);
    let arn = publish(&name, "1.0.0/1", &[("us-east-1", HOME_ACCOUNT)]);
    (arn, ami_id(&name, "1.0.0/1", "us-east-1", HOME_ACCOUNT))
}

#[tokio::test]
async fn an_image_value_the_service_did_not_keep_is_reported_failed() {
    let (arn, _) = one_ami("readback");
    // The parameter does not exist before, and the service drops the write (invalid AMI).
    let get = mock!(aws_sdk_ssm::Client::get_parameters)
        .then_output(|| GetParametersOutput::builder().build());
    let put = mock!(aws_sdk_ssm::Client::put_parameter)
        .match_requests(|r| r.data_type() == Some("aws:ec2:image") && r.overwrite() == Some(false))
        .then_output(|| PutParameterOutput::builder().version(1).build());
    let app = mocked(one_parameter("/p"), vec![get.clone(), put.clone()]).await;
    let error = app.error(event_json(&arn, "AVAILABLE")).await;
    let message = error.to_string();
    assert!(
        message.contains("still shows the old value")
            && message.contains("pending or was rejected"),
        "{message}"
    );
    assert_eq!(put.num_calls(), 1);
    assert!(
        get.num_calls() >= 3,
        "one read before, then reads until the read-back window ends"
    );
}

#[tokio::test]
async fn ten_unchanged_parameters_cost_one_read_and_no_write() {
    let (arn, ami) = one_ami("onecall");
    // Every parameter asked for already holds the AMI.
    let get = mock!(aws_sdk_ssm::Client::get_parameters).then_compute_output(move |r| {
        let mut out = GetParametersOutput::builder();
        for n in r.names() {
            out = out.parameters(Parameter::builder().name(n).value(&ami).build());
        }
        out.build()
    });
    let describe = mock!(aws_sdk_ssm::Client::describe_parameters)
        .then_output(|| DescribeParametersOutput::builder().build());
    let put = mock!(aws_sdk_ssm::Client::put_parameter)
        .then_output(|| PutParameterOutput::builder().version(2).build());
    let parameters: Vec<Value> = (0..10)
        .map(|i| json!({"name": format!("/onecall/{i}"), "regions": ["us-east-1"]}))
        .collect();
    let app = mocked(
        json!({"rules": [{"name": "r", "ssmParameters": parameters}]}),
        vec![get.clone(), describe.clone(), put.clone()],
    )
    .await;
    let report = app.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(report.summary.unchanged, 10, "{report:#?}");
    let calls = [&get, &describe, &put].map(|rule| rule.num_calls());
    // GetParameters takes the 10 names in one call; no description is read, nothing written.
    assert_eq!(calls, [1, 0, 0]);
}

#[tokio::test]
async fn a_name_ssm_would_refuse_fails_alone_with_no_call_and_stays_out_of_reads() {
    // Rendered, `{{imagebuilder:name}}-latest` begins with `aws`: SSM reserves that.
    let (arn, _) = one_ami("AWS Golden");
    let segment = arn.split('/').nth(1).unwrap().to_string();
    let get = mock!(aws_sdk_ssm::Client::get_parameters)
        .match_requests(|r| r.names().iter().all(|n| n.starts_with('/')))
        .then_output(|| GetParametersOutput::builder().build());
    let put = mock!(aws_sdk_ssm::Client::put_parameter)
        .then_output(|| PutParameterOutput::builder().version(1).build());
    let app = mocked(
        json!({"rules": [{"name": "r", "ssmParameters": [
            {"name": "{{imagebuilder:name}}-latest"},
            {"name": "/ok/{{imagebuilder:name}}", "dataType": "text"}
        ]}]}),
        vec![get.clone(), put.clone()],
    )
    .await;
    let error = app.error(event_json(&arn, "AVAILABLE")).await;
    let report = error.report().unwrap();
    let outcomes: Vec<(String, amiflow_model::Outcome)> =
        amiflow_testkit::outcomes_by_target(report);
    assert_eq!(
        outcomes,
        [
            (format!("{segment}-latest"), amiflow_model::Outcome::Failed),
            (format!("/ok/{segment}"), amiflow_model::Outcome::Created)
        ]
    );
    let detail = &report.actions[0].detail;
    assert!(
        detail.contains("invalid SSM parameter name")
            && detail.contains("must not begin with `aws` or `ssm`"),
        "{detail}"
    );
    assert_eq!(
        (get.num_calls(), put.num_calls()),
        (1, 1),
        "one read and one write, both for the valid name only"
    );
}

#[tokio::test]
async fn an_overwrite_keeps_the_parameters_tier() {
    let (arn, _) = one_ami("tier");
    let get = mock!(aws_sdk_ssm::Client::get_parameters).then_compute_output(|r| {
        let mut out = GetParametersOutput::builder();
        for n in r.names() {
            let old = Parameter::builder().name(n).value("ami-0000000000000000a");
            out = out.parameters(old.data_type("aws:ec2:image").build());
        }
        out.build()
    });
    let describe = mock!(aws_sdk_ssm::Client::describe_parameters).then_output(|| {
        let advanced = ParameterMetadata::builder()
            .name("/p")
            .tier(ParameterTier::Advanced);
        DescribeParametersOutput::builder()
            .parameters(advanced.build())
            .build()
    });
    let keeps_tier = mock!(aws_sdk_ssm::Client::put_parameter)
        .match_requests(|r| {
            r.overwrite() == Some(true) && r.tier() == Some(&ParameterTier::Advanced)
        })
        .then_output(|| PutParameterOutput::builder().version(2).build());
    let other_put = mock!(aws_sdk_ssm::Client::put_parameter)
        .then_output(|| PutParameterOutput::builder().version(2).build());
    let app = mocked(
        one_parameter("/p"),
        vec![
            get,
            describe,
            images_without_build_tags(),
            keeps_tier.clone(),
            other_put.clone(),
        ],
    )
    .await;
    // The mock keeps answering the old value, so the read-back fails the target: only the write matters here.
    let _ = app.invoke(event_json(&arn, "AVAILABLE")).await;
    assert_eq!((keeps_tier.num_calls(), other_put.num_calls()), (1, 0));
}
