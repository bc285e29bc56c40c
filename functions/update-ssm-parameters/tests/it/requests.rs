//! What update-ssm-parameters sends to SSM, on the wire with aws-smithy-mocks, where moto cannot
//! show it: moto accepts any `aws:ec2:image` value, and does not count calls.

use amiflow_model::decide::record::write_record as provenance;
use amiflow_model::report::action::Outcome;
use amiflow_model::report::detail::Detail;
use amiflow_model::report::parameter::ParameterDetail;
use amiflow_testkit::function::{
    images_without_build_tags, mocked_clients, mocked_ec2, mocked_ssm, pipeline, settings, Function,
};
use amiflow_testkit::{
    ami_id, event_json, one_parameter, outcomes_by_target, publish, unique, HOME_ACCOUNT,
};
use aws_sdk_ssm::operation::describe_parameters::DescribeParametersOutput;
use aws_sdk_ssm::operation::get_parameters::GetParametersOutput;
use aws_sdk_ssm::operation::put_parameter::PutParameterOutput;
use aws_sdk_ssm::types::{Parameter, ParameterMetadata, ParameterTier};
use aws_smithy_mocks::{mock, Rule};
use serde_json::{json, Value};
use update_ssm_parameters::parameters::{Clients, ParameterWriter, SESSION};

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

/// DescribeParameters answering nothing: none of the names exists.
fn none_exists() -> Rule {
    mock!(aws_sdk_ssm::Client::describe_parameters)
        .then_output(|| DescribeParametersOutput::builder().build())
}

/// DescribeParameters answering every name asked for as an `aws:ec2:image` parameter whose
/// current version `writer` wrote, with `description`.
fn each_written_by(writer: &str, description: String) -> Rule {
    let writer = writer.to_string();
    mock!(aws_sdk_ssm::Client::describe_parameters).then_compute_output(move |r| {
        let names = r.parameter_filters().iter().flat_map(|f| f.values());
        let mut out = DescribeParametersOutput::builder();
        for n in names {
            let p = ParameterMetadata::builder()
                .name(n)
                .data_type("aws:ec2:image")
                .description(&description)
                .last_modified_user(&writer);
            out = out.parameters(p.build());
        }
        out.build()
    })
}

/// GetParameters answering `value` for every name asked for.
fn each_holding(value: &str) -> Rule {
    let value = value.to_string();
    mock!(aws_sdk_ssm::Client::get_parameters).then_compute_output(move |r| {
        let mut out = GetParametersOutput::builder();
        for n in r.names() {
            out = out.parameters(Parameter::builder().name(n).value(&value).build());
        }
        out.build()
    })
}

/// Who the function's own writes are recorded as: moto's answer to its GetCallerIdentity.
async fn own_arn() -> String {
    let pipeline = pipeline(one_parameter("/p"), settings(false, None)).await;
    let arn = pipeline.aws.identity.own_arn(0).await;
    arn.expect("GetCallerIdentity answers").to_string()
}

/// A policy of ten parameters under `/<prefix>/`, in us-east-1.
fn ten_parameters(prefix: &str) -> Value {
    let parameters: Vec<Value> = (0..10)
        .map(|i| json!({"name": format!("/{prefix}/{i}"), "regions": ["us-east-1"]}))
        .collect();
    json!({"rules": [{"name": "r", "ssmParameters": parameters}]})
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
    let app = mocked(
        one_parameter("/p"),
        vec![none_exists(), get.clone(), put.clone()],
    )
    .await;
    let error = app.error(event_json(&arn, "AVAILABLE")).await;
    let detail = &error.report().expect("a report").actions[0].detail;
    assert!(
        matches!(detail, Detail::Parameter(ParameterDetail::NotValidated { written, .. })
            if **written == ParameterDetail::Created { version: 1 }),
        "{detail:?}"
    );
    assert!(
        error.to_string().contains("pending or was rejected"),
        "{error}"
    );
    assert_eq!(put.num_calls(), 1);
    assert!(
        get.num_calls() >= 2,
        "reads until the read-back window ends"
    );
}

/// Two builds of a fresh image with one AMI each in the home account's us-east-1: the older
/// build's ARN and AMI, then the newer's.
fn two_builds(prefix: &str) -> [(String, String); 2] {
    let name = unique(prefix);
    ["1.0.0/1", "1.0.0/2"].map(|build| {
        let arn = publish(&name, build, &[("us-east-1", HOME_ACCOUNT)]);
        (arn, ami_id(&name, build, "us-east-1", HOME_ACCOUNT))
    })
}

/// Ten parameters that already hold `ami`, last written by `writer` beside `record`: the
/// DescribeParameters, GetParameters and PutParameter calls an event for `arn` makes.
async fn calls_over_ten_holding(ami: &str, writer: &str, record: String, arn: &str) -> [usize; 3] {
    let describe = each_written_by(writer, record);
    let get = each_holding(ami);
    let put = mock!(aws_sdk_ssm::Client::put_parameter)
        .then_output(|| PutParameterOutput::builder().version(2).build());
    let app = mocked(
        ten_parameters(&unique("ten")),
        vec![describe.clone(), get.clone(), put.clone()],
    )
    .await;
    let report = app.report(event_json(arn, "AVAILABLE")).await;
    assert_eq!(report.summary.unchanged, 10, "{report:#?}");
    [&describe, &get, &put].map(|rule| rule.num_calls())
}

#[tokio::test]
async fn ten_unchanged_parameters_amiflow_wrote_cost_one_read_and_no_write() {
    let (arn, ami) = one_ami("onecall");
    // This function wrote each current version, recording the AMI it wrote.
    let record = provenance(&arn.parse().unwrap(), &ami, None);
    let calls = calls_over_ten_holding(&ami, &own_arn().await, record, &arn).await;
    // DescribeParameters takes the 10 names in one call, and the records name the values.
    assert_eq!(calls, [1, 0, 0]);
}

#[tokio::test]
async fn a_record_someone_else_wrote_over_is_not_taken_for_the_value() {
    // amiflow recorded the AMI of build 1; someone else then wrote build 2's AMI without a
    // description, so SSM kept amiflow's record beside it. Build 2 arrives: the value is read,
    // and it already holds the AMI.
    let [(old, old_ami), (arn, ami)] = two_builds("overwritten");
    let stale = provenance(&old.parse().unwrap(), &old_ami, None);
    let person = "arn:aws:sts::123456789012:assumed-role/ops/alice";
    let calls = calls_over_ten_holding(&ami, person, stale, &arn).await;
    // One DescribeParameters and one GetParameters for the 10 names; nothing written.
    assert_eq!(calls, [1, 1, 0]);
}

#[tokio::test]
async fn a_value_amiflow_wrote_for_the_build_before_takes_three_round_trips() {
    let [(old, old_ami), (arn, ami)] = two_builds("threetrips");
    let recorded = provenance(&old.parse().unwrap(), &old_ami, None);
    let describe = each_written_by(&own_arn().await, recorded);
    // After the write the service shows the new value: the read-back sees it at once.
    let get = each_holding(&ami);
    let images = mock!(aws_sdk_ec2::Client::describe_images).then_output(|| {
        aws_sdk_ec2::operation::describe_images::DescribeImagesOutput::builder().build()
    });
    let put = mock!(aws_sdk_ssm::Client::put_parameter)
        .match_requests(|r| r.overwrite() == Some(true))
        .then_output(|| PutParameterOutput::builder().version(2).build());
    let app = mocked(
        one_parameter("/p"),
        vec![describe.clone(), get.clone(), images.clone(), put.clone()],
    )
    .await;
    let report = app.report(event_json(&arn, "AVAILABLE")).await;
    assert_eq!(report.summary.updated, 1, "{report:#?}");
    assert!(
        matches!(&report.actions[0].detail, Detail::Parameter(ParameterDetail::Updated { was, .. }) if *was == old_ami),
        "{report:#?}"
    );
    // DescribeParameters, then PutParameter, then the read-back: no GetParameters before the
    // write and no build tag, since the record names the value and its build.
    let calls = [&describe, &put, &get, &images].map(|rule| rule.num_calls());
    assert_eq!(calls, [1, 1, 1, 0]);
}

#[tokio::test]
async fn a_name_ssm_would_refuse_fails_alone_with_no_call_and_stays_out_of_reads() {
    // Rendered, `{{imagebuilder:name}}-latest` begins with `aws`: SSM reserves that.
    let (arn, _) = one_ami("AWS Golden");
    let segment = arn.split('/').nth(1).unwrap().to_string();
    let describe = mock!(aws_sdk_ssm::Client::describe_parameters)
        .match_requests(|r| {
            let mut names = r.parameter_filters().iter().flat_map(|f| f.values());
            names.all(|n| n.starts_with('/'))
        })
        .then_output(|| DescribeParametersOutput::builder().build());
    let put = mock!(aws_sdk_ssm::Client::put_parameter)
        .then_output(|| PutParameterOutput::builder().version(1).build());
    let app = mocked(
        json!({"rules": [{"name": "r", "ssmParameters": [
            {"name": "{{imagebuilder:name}}-latest"},
            {"name": "/ok/{{imagebuilder:name}}", "dataType": "text"}
        ]}]}),
        vec![describe.clone(), put.clone()],
    )
    .await;
    let error = app.error(event_json(&arn, "AVAILABLE")).await;
    let report = error.report().unwrap();
    assert_eq!(
        outcomes_by_target(report),
        [
            (format!("{segment}-latest"), Outcome::Failed),
            (format!("/ok/{segment}"), Outcome::Created)
        ]
    );
    let detail = &report.actions[0].detail;
    assert!(
        matches!(detail, Detail::Parameter(ParameterDetail::InvalidName { problem })
            if problem.contains("must not begin with `aws` or `ssm`")),
        "{detail:?}"
    );
    assert!(
        detail.to_string().contains("invalid SSM parameter name"),
        "{detail}"
    );
    assert_eq!(
        (describe.num_calls(), put.num_calls()),
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
