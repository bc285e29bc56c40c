"""Checks that template.yaml and samconfig.toml deploy what operating amiflow needs: alarms, queues,
destinations, the event archive. Run with scripts/test-templates.sh (the lint virtualenv)."""

import tomllib

import pytest

from stack import TEMPLATE_DIR, FUNCTIONS, WRITERS, QUEUES, ACCOUNT, DEFAULT_BUS, Render, resources
from stack import statements, actions, allowing, invoke_configs, alarms, alarm_for, topic_name
from stack import assert_notifies_topic, parameter_matches


# --- A. Operate it ------------------------------------------------------------------------------


def test_no_function_has_a_legacy_dead_letter_queue(home):
    assert "DeadLetterQueue" not in home.get("Globals", {}).get("Function", {})
    for fn in FUNCTIONS:
        assert "DeadLetterQueue" not in home["Resources"][fn]["Properties"], fn


def test_failed_events_go_once_to_failed_invocation_queue(home):
    configs = invoke_configs(home)
    for fn in FUNCTIONS:
        props = home["Resources"][fn]["Properties"]
        assert "DeadLetterQueue" not in props, f"{fn}: a DLQ as well as OnFailure delivers twice"
        assert "EventInvokeConfig" not in props, f"{fn}: SAM's property cannot make OnSuccess optional"
        assert fn in configs, f"{fn} has no AWS::Lambda::EventInvokeConfig"
        config = configs[fn]
        assert config["Qualifier"] == "$LATEST"
        assert config["DestinationConfig"]["OnFailure"]["Destination"] == "<FailedInvocationQueue.Arn>"
        # SAM no longer adds the destination's IAM, so the role must grant it.
        send = allowing(statements(home, fn), "sqs:SendMessage")
        assert [s["Resource"] for s in send] == ["<FailedInvocationQueue.Arn>"], fn


def test_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use(home):
    topic = home["Resources"][topic_name(home)]["Properties"]
    key_ref = topic["KmsMasterKeyId"]
    # The AWS-managed alias/aws/sns key cannot be used by CloudWatch alarms.
    assert key_ref != "alias/aws/sns"
    key_name = key_ref["Fn::GetAtt"][0] if "Fn::GetAtt" in key_ref else key_ref["Ref"]
    key = home["Resources"][key_name]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    render = Render(home)
    policy = render(key["Properties"]["KeyPolicy"])["Statement"]
    root = [s for s in policy if s["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}]
    assert root and "kms:*" in actions(root[0])
    cw = [s for s in policy if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert len(cw) == 1
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(actions(cw[0]))
    assert cw[0]["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT


def test_alarm_topic_policy_lets_only_this_accounts_cloudwatch_publish(home):
    topic = topic_name(home)
    policies = [
        p["Properties"]
        for p in resources(home, "AWS::SNS::TopicPolicy").values()
        if {"Ref": topic} in p["Properties"]["Topics"]
    ]
    assert len(policies) == 1
    (statement,) = Render(home)(policies[0]["PolicyDocument"])["Statement"]
    assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert actions(statement) == ["sns:Publish"]
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT


def test_notification_email_subscribes_only_when_set(home):
    spec = home["Parameters"]["NotificationEmail"]
    assert spec["Default"] == ""
    assert parameter_matches(spec, "") and parameter_matches(spec, "ops@example.com")
    subs = list(resources(home, "AWS::SNS::Subscription").values())
    assert len(subs) == 1
    (sub,) = subs
    assert sub["Properties"]["Protocol"] == "email"
    assert sub["Properties"]["Endpoint"] == {"Ref": "NotificationEmail"}
    assert sub["Properties"]["TopicArn"] == {"Ref": topic_name(home)}
    assert Render(home).condition(sub["Condition"]) is False
    assert Render(home, NotificationEmail="ops@example.com").condition(sub["Condition"]) is True


def test_each_queue_alarms_on_a_visible_message(home):
    for queue in QUEUES:
        alarm = alarm_for(
            home,
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}],
        )
        assert_notifies_topic(home, alarm)


def test_each_function_alarms_on_errors(home):
    for fn in FUNCTIONS:
        alarm = alarm_for(home, "AWS/Lambda", "Errors", [{"Name": "FunctionName", "Value": {"Ref": fn}}])
        assert alarm["Statistic"] == "Sum"
        assert_notifies_topic(home, alarm)


def test_each_function_alarms_on_failed_targets_from_its_emf_metric(home):
    for fn, kind in FUNCTIONS.items():
        alarm = alarm_for(
            home,
            "amiflow",
            "Failed",
            [{"Name": "Function", "Value": {"Ref": fn}}, {"Name": "Kind", "Value": kind}],
        )
        assert alarm["Statistic"] == "Sum"
        assert_notifies_topic(home, alarm)


def test_every_alarm_notifies_the_topic(home):
    # Errors and Failed per function, one per queue, Drift per writer.
    assert len(list(alarms(home))) == len(QUEUES) + 2 * len(FUNCTIONS) + len(WRITERS)
    for alarm in alarms(home):
        props = dict(alarm["Properties"])
        props["Threshold"] = Render(home)(props["Threshold"])  # Drift's is DriftAlarmThreshold
        assert_notifies_topic(home, props)


def test_report_destination_is_off_by_default(home):
    assert home["Parameters"]["PublishReports"]["Default"] == "false"
    assert set(invoke_configs(home)) == set(FUNCTIONS)
    # Without refresh-instances nothing goes to the bus (with it, see test_refresh.py).
    params = {"RefreshInstances": "false"}
    configs = invoke_configs(home, **params)
    assert set(configs) == set(FUNCTIONS) - {"RefreshInstancesFunction"}
    for fn, config in configs.items():
        assert "OnSuccess" not in config["DestinationConfig"], fn
        assert not allowing(statements(home, fn, **params), "events:PutEvents"), fn
    configs = invoke_configs(home)
    for fn, config in configs.items():
        if fn != "UpdateLaunchTemplatesFunction":
            assert "OnSuccess" not in config["DestinationConfig"], fn
            assert not allowing(statements(home, fn), "events:PutEvents"), fn


@pytest.mark.parametrize(
    "bus_param, bus",
    [("", DEFAULT_BUS), ("arn:aws:events:us-east-1:222222222222:event-bus/reports", None)],
)
def test_report_destination_when_enabled(home, bus_param, bus):
    bus = bus or bus_param
    params = {"PublishReports": "true", "ReportEventBusArn": bus_param}
    for fn, config in invoke_configs(home, **params).items():
        assert config["DestinationConfig"]["OnSuccess"] == {"Destination": bus}, fn
        assert config["DestinationConfig"]["OnFailure"]["Destination"] == "<FailedInvocationQueue.Arn>"
        put = allowing(statements(home, fn, **params), "events:PutEvents")
        assert [s["Resource"] for s in put] == [bus], fn


def test_image_builder_events_are_archived(home):
    (archive,) = resources(home, "AWS::Events::Archive").values()
    props = archive["Properties"]
    assert Render(home)(props["SourceArn"]) == DEFAULT_BUS
    assert props["EventPattern"]["source"] == ["aws.imagebuilder"]
    assert props["EventPattern"]["detail-type"] == ["EC2 Image Builder Image State Change"]
    assert props["RetentionDays"] == {"Ref": "EventArchiveRetentionDays"}
    spec = home["Parameters"]["EventArchiveRetentionDays"]
    assert spec["Type"] == "Number" and int(spec["Default"]) == 90


def test_samconfig_deploys_the_stack_with_defaults():
    config = tomllib.loads((TEMPLATE_DIR / "samconfig.toml").read_text())
    assert float(config["version"]) == 0.1
    deploy = config["default"]["deploy"]["parameters"]
    assert deploy["stack_name"] == "amiflow"
    assert deploy["s3_prefix"] == "amiflow"
    assert deploy["resolve_s3"] is True
    assert deploy["confirm_changeset"] is True
    assert "CAPABILITY_IAM" in deploy["capabilities"].split()
    assert "region" not in deploy, "the Region is left to the user (sam deploy --guided saves it)"
    assert config["default"]["validate"]["parameters"]["lint"] is True
