"""Checks refresh-instances in template.yaml and target-account-role.yaml: the function, its
trigger on update-launch-templates' success result (applied to events/launch-templates-result.json),
the destination that feeds it, and its least-privilege IAM. Run with scripts/test-templates.sh."""

import json

import pytest

from stack import REFRESH, DEFAULT_BUS, Render, resources, statements, role_statements, actions
from stack import allowing, invoke_configs, parameter_matches, exists, event, pattern_matches

ULT = "UpdateLaunchTemplatesFunction"
GROUPS = "arn:aws:autoscaling:*:111111111111:autoScalingGroup:*:autoScalingGroupName/*"
TEMPLATES = "arn:aws:ec2:*:111111111111:launch-template/*"
ROLE = "arn:aws:iam::111111111111:role/web-instance"


def trigger(template, **params):
    """refresh-instances' EventBridgeRule event, rendered."""
    events = template["Resources"][REFRESH]["Properties"]["Events"]
    found = [e for e in events.values() if e["Type"] == "EventBridgeRule"]
    assert len(found) == 1
    return Render(template, **params)(found[0]["Properties"])


def with_function_arn(pattern, arn):
    """The rendered pattern with update-launch-templates' ARN in place of its placeholder."""
    return json.loads(json.dumps(pattern).replace(f"<{ULT}.Arn>", arn))


# --- the function -------------------------------------------------------------------------------


def test_refresh_instances_is_a_cargo_lambda_binary_run_one_at_a_time(home):
    resource = home["Resources"][REFRESH]
    assert resource["Type"] == "AWS::Serverless::Function"
    assert resource["Metadata"]["BuildMethod"] == "rust-cargolambda"
    assert resource["Metadata"]["BuildProperties"]["Binary"] == "refresh-instances"
    props = resource["Properties"]
    assert props["ReservedConcurrentExecutions"] == 1
    assert "Environment" not in props, "the Globals environment, nothing of its own"
    log_group = props["LoggingConfig"]["LogGroup"]["Ref"]
    assert home["Resources"][log_group]["Type"] == "AWS::Logs::LogGroup"


def test_refresh_instances_exists_only_with_refresh_instances_true(home):
    spec = home["Parameters"]["RefreshInstances"]
    assert spec["Default"] == "true" and spec["AllowedValues"] == ["true", "false"]
    related = [REFRESH, "RefreshInstancesLogGroup", "RefreshInstancesFunctionEventInvokeConfig",
               "RefreshInstancesErrorsAlarm", "RefreshInstancesFailedTargetsAlarm"]
    for name in related:
        assert exists(home, name), name
        assert not exists(home, name, RefreshInstances="false"), name
    # The rule and the schedule are the function's SAM events: SAM gives them its Condition.
    assert set(home["Resources"][REFRESH]["Properties"]["Events"]) == {"LaunchTemplatesUpdated", "Reconcile"}
    for output in ["RefreshInstancesFunctionArn", "RefreshInstancesRoleArn"]:
        assert home["Outputs"][output]["Condition"] == "RefreshInstancesEnabled"


def test_function_role_arns_output_lists_refresh_instances_only_when_deployed(home):
    value = home["Outputs"]["FunctionRoleArns"]["Value"]
    assert Render(home)(value).split(",") == [
        "<UpdateSsmParametersFunctionRole.Arn>", "<UpdateLaunchTemplatesFunctionRole.Arn>",
        "<RefreshInstancesFunctionRole.Arn>",
    ]
    assert "RefreshInstancesFunctionRole" not in Render(home, RefreshInstances="false")(value)


# --- its trigger ----------------------------------------------------------------------------------


def test_trigger_matches_update_launch_templates_results_that_updated(home):
    props = trigger(home)
    pattern = props["Pattern"]
    assert pattern["source"] == ["lambda"]
    assert pattern["detail-type"] == ["Lambda Function Invocation Result - Success"]
    # The invocation record names the function with its qualifier (…:$LATEST): the ARN itself or
    # the ARN and a colon, never another function whose name merely starts the same.
    assert pattern["detail"]["requestContext"]["functionArn"] == [f"<{ULT}.Arn>", {"prefix": f"<{ULT}.Arn>:"}]
    assert pattern["detail"]["responsePayload"]["summary"]["updated"] == [{"numeric": [">", 0]}]
    assert "Input" not in props and "InputPath" not in props and "InputTransformer" not in props
    assert props["DeadLetterConfig"] == {"Arn": "<EventDeadLetterQueue.Arn>"}
    assert props["RetryPolicy"]["MaximumRetryAttempts"] > 0


def test_trigger_applied_to_the_sample_result(home):
    sample = event("launch-templates-result.json")
    arn = sample["resources"][0]
    pattern = with_function_arn(trigger(home)["Pattern"], arn)
    assert pattern_matches(pattern, sample)
    # The report the function reads.
    report = sample["detail"]["responsePayload"]
    assert [a["kind"] for a in report["actions"]] == ["launch-template"]
    assert report["actions"][0]["target"].startswith("lt-") and report["summary"]["updated"] == 1
    # Not when nothing was updated, not for another function, not for a failure record.
    nothing = json.loads(json.dumps(sample))
    nothing["detail"]["responsePayload"]["summary"]["updated"] = 0
    assert not pattern_matches(pattern, nothing)
    other = json.loads(json.dumps(sample).replace(arn, arn + "Copy"))
    assert not pattern_matches(pattern, other)
    failure = dict(sample, **{"detail-type": "Lambda Function Invocation Result - Failure"})
    assert not pattern_matches(pattern, failure)
    # A published refresh-instances report (PublishReports) never triggers it again.
    own = json.loads(json.dumps(sample).replace("UpdateLaunchTemplatesFunction", "RefreshInstancesFunction"))
    assert not pattern_matches(pattern, own)


@pytest.mark.parametrize(
    "params, bus",
    [
        ({}, DEFAULT_BUS),
        ({"PublishReports": "true"}, DEFAULT_BUS),
        (
            {"ReportEventBusArn": "arn:aws:events:us-east-1:111111111111:event-bus/amiflow"},
            "arn:aws:events:us-east-1:111111111111:event-bus/amiflow",
        ),
    ],
)
def test_update_launch_templates_results_go_to_the_rules_bus(home, params, bus):
    config = invoke_configs(home, **params)[ULT]
    assert config["DestinationConfig"]["OnSuccess"] == {"Destination": bus}
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == "<FailedInvocationQueue.Arn>"
    (put,) = allowing(statements(home, ULT, **params), "events:PutEvents")
    assert put["Resource"] == bus
    rule_bus = trigger(home, **params)["EventBusName"]
    assert rule_bus == ("default" if bus == DEFAULT_BUS else bus)


def test_without_refresh_or_reports_no_result_leaves(home):
    params = {"RefreshInstances": "false", "PublishReports": "false"}
    assert "OnSuccess" not in invoke_configs(home, **params)[ULT]["DestinationConfig"]
    assert not allowing(statements(home, ULT, **params), "events:PutEvents")
    # PublishReports alone keeps its destination.
    config = invoke_configs(home, RefreshInstances="false", PublishReports="true")[ULT]
    assert config["DestinationConfig"]["OnSuccess"] == {"Destination": DEFAULT_BUS}


# --- IAM ----------------------------------------------------------------------------------------


def refresh_statements(template, stmts):
    return {
        "describe": allowing(stmts, "autoscaling:DescribeAutoScalingGroups"),
        "start": allowing(stmts, "autoscaling:StartInstanceRefresh"),
        "run": allowing(stmts, "ec2:RunInstances"),
        "tag": [s for s in allowing(stmts, "ec2:CreateTags") if "launch-template" not in str(s["Resource"])],
        "pass": allowing(stmts, "iam:PassRole"),
    }


def assert_refresh_is_least_privilege(found):
    (describe,) = found["describe"]
    assert describe["Resource"] == "*" and "Condition" not in describe
    assert "autoscaling:DescribeInstanceRefreshes" in actions(describe)
    (start,) = found["start"]
    assert actions(start) == ["autoscaling:StartInstanceRefresh"]
    assert start["Resource"] == GROUPS
    assert start["Condition"] == {"StringEquals": {"autoscaling:ResourceTag/amiflow:refresh": "true"}}
    # Using a launch template: the template only if amiflow keeps it, the rest only through one.
    template, rest = sorted(found["run"], key=lambda s: isinstance(s["Resource"], list))
    assert actions(template) == ["ec2:RunInstances"] and template["Resource"] == TEMPLATES
    assert template["Condition"] == {"StringEquals": {"aws:ResourceTag/amiflow:managed": "true"}}
    assert actions(rest) == ["ec2:RunInstances"]
    assert not any("launch-template" in r for r in rest["Resource"]), "would bypass the managed tag"
    assert rest["Condition"] == {"ArnLike": {"ec2:LaunchTemplate": TEMPLATES}}
    (tag,) = found["tag"]
    assert actions(tag) == ["ec2:CreateTags"]
    assert tag["Condition"] == {"StringEquals": {"ec2:CreateAction": "RunInstances"}}
    assert {r.split(":")[-1].split("/")[0] for r in tag["Resource"]} == {"instance", "volume", "network-interface"}


def test_refresh_instances_iam_is_least_privilege(home):
    stmts = statements(home, REFRESH)
    assert_refresh_is_least_privilege(refresh_statements(home, stmts))
    (get,) = allowing(stmts, "imagebuilder:GetImage")
    assert get["Resource"] == "arn:aws:imagebuilder:us-east-1:111111111111:image/*"
    describe_templates = allowing(stmts, "ec2:DescribeLaunchTemplateVersions")
    assert describe_templates and all(s["Resource"] == "*" for s in describe_templates)
    # Nothing that writes a launch template, an SSM parameter or an image.
    for action in ["ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate", "ssm:PutParameter",
                   "imagebuilder:DistributeImage", "autoscaling:UpdateAutoScalingGroup"]:
        assert not allowing(stmts, action), action
    (send,) = allowing(stmts, "sqs:SendMessage")
    assert send["Resource"] == "<FailedInvocationQueue.Arn>"


def test_no_pass_role_without_instance_role_arns(home):
    assert home["Parameters"]["InstanceRoleArns"]["Default"] == ""
    assert not allowing(statements(home, REFRESH), "iam:PassRole")
    (passing,) = allowing(statements(home, REFRESH, InstanceRoleArns=ROLE), "iam:PassRole")
    assert passing["Resource"] == [ROLE]
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    spec = home["Parameters"]["InstanceRoleArns"]
    assert parameter_matches(spec, ROLE) and parameter_matches(spec, "")
    for bad in ["*", "arn:aws:iam::111111111111:role/*", "arn:aws:iam::111111111111:root"]:
        assert not parameter_matches(spec, bad), bad


def test_policy_parameter_read_like_the_writers(home):
    params = {"PolicyParameterName": "/amiflow/policy"}
    (read,) = allowing(statements(home, REFRESH, **params), "ssm:GetParameter")
    assert read["Resource"] == "arn:aws:ssm:us-east-1:111111111111:parameter/amiflow/policy"


# --- the target-account role --------------------------------------------------------------------


def test_target_role_allows_refresh_only_when_asked(target):
    spec = target["Parameters"]["AllowInstanceRefresh"]
    assert spec["Default"] == "false" and spec["AllowedValues"] == ["true", "false"]
    off = refresh_statements(target, role_statements(target, "TargetRole"))
    assert not any(off.values()), off
    on = refresh_statements(target, role_statements(target, "TargetRole", AllowInstanceRefresh="true"))
    assert_refresh_is_least_privilege(on)
    assert not on["pass"]


def test_target_role_passes_only_listed_instance_roles(target):
    role = "arn:aws:iam::111111111111:role/batch-instance"
    # InstanceRoleArns alone grants nothing: AllowInstanceRefresh decides.
    assert not allowing(role_statements(target, "TargetRole", InstanceRoleArns=role), "iam:PassRole")
    stmts = role_statements(target, "TargetRole", AllowInstanceRefresh="true", InstanceRoleArns=role)
    (passing,) = allowing(stmts, "iam:PassRole")
    assert passing["Resource"] == [role]
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}


def test_every_target_role_statement_is_named(target):
    for params in [{}, {"AllowInstanceRefresh": "true", "InstanceRoleArns": ROLE}]:
        sids = [s["Sid"] for s in role_statements(target, "TargetRole", **params)]
        assert len(sids) == len(set(sids)), sids


def test_queues_and_topic_unchanged_by_refresh(home):
    # refresh-instances adds no queue or topic of its own: its failures and dead letters go to the
    # stack's two queues, its alarms to the one topic.
    assert len(resources(home, "AWS::SQS::Queue")) == 2
    assert len(resources(home, "AWS::SNS::Topic")) == 1
