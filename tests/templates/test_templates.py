"""Checks on template.yaml, target-account-role.yaml and samconfig.toml.

Run with the lint virtualenv's Python (scripts/test-templates.sh). The templates are read with
cfn-lint's own decoder, so CloudFormation's short-form tags (!Ref, !If, ...) come back as the
long-form dicts CloudFormation sees. Where a property depends on parameters, a small evaluator
below renders it for given parameter values (Ref, Fn::If, Fn::Join, Fn::Split, Fn::Sub and the
condition functions), so a test checks what a deployment would get, not only the template's text.

TEMPLATE_DIR points at another folder holding the three files (default: the repository root).
"""

import fnmatch
import os
import re
import tomllib
from pathlib import Path

import pytest
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIR = Path(os.environ.get("TEMPLATE_DIR", ROOT))

FUNCTIONS = {
    # logical id: the Kind dimension of its embedded-metric-format lines
    "DistributeImageFunction": "distribute-image",
    "UpdateSsmParametersFunction": "ssm-parameter",
    "UpdateLaunchTemplatesFunction": "launch-template",
}
WRITERS = ["UpdateSsmParametersFunction", "UpdateLaunchTemplatesFunction"]
QUEUES = ["EventDeadLetterQueue", "FailedInvocationQueue"]
ACCOUNT = "111111111111"
DEFAULT_BUS = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"


def load(name):
    template, matches = decode(str(TEMPLATE_DIR / name))
    assert not matches, f"{name} does not decode: {matches}"
    return template


@pytest.fixture(scope="module")
def home():
    return load("template.yaml")


@pytest.fixture(scope="module")
def target():
    return load("target-account-role.yaml")


# --- a small CloudFormation evaluator -------------------------------------------------------------

NO_VALUE = object()
PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": ACCOUNT,
    "AWS::StackName": "amiflow",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NoValue": NO_VALUE,
}


class Render:
    """Evaluates intrinsic functions for one set of parameter values. A resource's Ref or GetAtt
    becomes the placeholder "<Name>" or "<Name.Attribute>"."""

    def __init__(self, template, **overrides):
        self.template = template
        self.params = {}
        for name, spec in template.get("Parameters", {}).items():
            value = overrides.pop(name, spec.get("Default"))
            if spec["Type"] == "CommaDelimitedList":
                value = [item.strip() for item in str(value).split(",")]
            elif value is not None:
                value = str(value)
            self.params[name] = value
        assert not overrides, f"unknown parameters {sorted(overrides)}"

    def condition(self, name):
        return self._cond(self.template["Conditions"][name])

    def _cond(self, expr):
        (fn, args), = expr.items()
        if fn == "Condition":
            return self.condition(args)
        if fn == "Fn::Equals":
            return self(args[0]) == self(args[1])
        if fn == "Fn::Not":
            return not self._cond(args[0])
        if fn == "Fn::Or":
            return any(self._cond(a) for a in args)
        if fn == "Fn::And":
            return all(self._cond(a) for a in args)
        raise AssertionError(f"unexpected condition function {fn}")

    def ref(self, name):
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.params:
            return self.params[name]
        assert name in self.template["Resources"], f"Ref to unknown {name}"
        return f"<{name}>"

    def sub(self, text, variables):
        def one(match):
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name:
                return f"<{name}>"
            value = self.ref(name)
            assert isinstance(value, str), f"${{{name}}} is not a string"
            return value

        return re.sub(r"\$\{([^}]+)\}", one, text)

    def __call__(self, value):
        if isinstance(value, list):
            items = [self(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, args), = value.items()
            if key == "Ref":
                return self.ref(args)
            if key == "Fn::If":
                return self(args[1] if self.condition(args[0]) else args[2])
            if key == "Fn::GetAtt":
                return "<" + (args if isinstance(args, str) else ".".join(args)) + ">"
            if key == "Fn::Join":
                items = self(args[1])
                assert isinstance(items, list)
                return args[0].join(self._flat(items))
            if key == "Fn::Split":
                return self(args[1]).split(args[0])
            if key == "Fn::Select":
                return self(args[1])[int(self(args[0]))]
            if key == "Fn::Sub":
                if isinstance(args, str):
                    return self.sub(args, {})
                return self.sub(args[0], {k: self(v) for k, v in args[1].items()})
            assert not key.startswith("Fn::"), f"the evaluator lacks {key}"
        out = {}
        for key, item in value.items():
            item = self(item)
            if item is not NO_VALUE:
                out[key] = item
        return out

    @staticmethod
    def _flat(items):
        for item in items:
            if isinstance(item, list):
                yield from item
            else:
                yield item


# --- helpers ------------------------------------------------------------------------------------


def resources(template, kind):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def statements(template, function, **params):
    """The function's inline policy statements, rendered for the given parameters."""
    render = Render(template, **params)
    out = []
    for policy in template["Resources"][function]["Properties"].get("Policies", []):
        if isinstance(policy, dict) and "Statement" in policy:
            out.extend(render(policy["Statement"]))
    return out


def actions(statement):
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def allowing(stmts, action):
    return [s for s in stmts if s["Effect"] == "Allow" and action in actions(s)]


def walk(value):
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def invoke_configs(template, **params):
    """function logical id -> its rendered AWS::Lambda::EventInvokeConfig properties."""
    render = Render(template, **params)
    out = {}
    for config in resources(template, "AWS::Lambda::EventInvokeConfig").values():
        props = render(config["Properties"])
        name = props["FunctionName"].strip("<>")
        assert name not in out, f"two EventInvokeConfigs for {name}"
        out[name] = props
    return out


def alarms(template):
    return resources(template, "AWS::CloudWatch::Alarm").values()


def alarm_for(template, namespace, metric, dimensions):
    found = [
        a["Properties"]
        for a in alarms(template)
        if a["Properties"].get("Namespace") == namespace
        and a["Properties"].get("MetricName") == metric
        and a["Properties"].get("Dimensions") == dimensions
    ]
    assert len(found) == 1, f"expected one {namespace}/{metric} alarm on {dimensions}, found {len(found)}"
    return found[0]


def topic_name(template):
    topics = resources(template, "AWS::SNS::Topic")
    assert len(topics) == 1, "expected exactly one SNS topic"
    return next(iter(topics))


def assert_notifies_topic(template, alarm):
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert float(alarm["Threshold"]) == 0
    assert alarm["TreatMissingData"] == "notBreaching"
    assert {"Ref": topic_name(template)} in alarm["AlarmActions"]


def parameter_matches(spec, value):
    # CloudFormation applies AllowedPattern to the whole value (a Java regex), and to each element
    # of a CommaDelimitedList.
    return re.fullmatch(spec["AllowedPattern"], value) is not None


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
    assert len(list(alarms(home))) == len(QUEUES) + 2 * len(FUNCTIONS)
    for alarm in alarms(home):
        assert_notifies_topic(home, alarm["Properties"])


def test_report_destination_is_off_by_default(home):
    assert home["Parameters"]["PublishReports"]["Default"] == "false"
    configs = invoke_configs(home)
    assert set(configs) == set(FUNCTIONS)
    for fn, config in configs.items():
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


# --- B. Least privilege -------------------------------------------------------------------------


def test_writers_run_one_at_a_time_and_distribute_keeps_five(home):
    assert "ReservedConcurrentExecutions" not in home["Globals"]["Function"]
    for fn in WRITERS:
        assert home["Resources"][fn]["Properties"]["ReservedConcurrentExecutions"] == 1, fn
    assert home["Resources"]["DistributeImageFunction"]["Properties"]["ReservedConcurrentExecutions"] == 5


def test_only_update_ssm_parameters_gets_the_parameter_path_prefix(home):
    name = "AMIFLOW_PARAMETER_PATH_PREFIX"
    assert name not in home["Globals"]["Function"]["Environment"]["Variables"]
    for fn in FUNCTIONS:
        variables = home["Resources"][fn]["Properties"].get("Environment", {}).get("Variables", {})
        if fn == "UpdateSsmParametersFunction":
            assert variables[name] == {"Ref": "ParameterPathPrefix"}
        else:
            assert name not in variables, fn


def test_target_bound_parameters(home):
    ids = home["Parameters"]["TargetAccountIds"]
    assert ids["Type"] == "CommaDelimitedList" and ids["Default"] == ""
    assert parameter_matches(ids, "") and parameter_matches(ids, "123456789012")
    assert not parameter_matches(ids, "12345678901") and not parameter_matches(ids, "*")
    org = home["Parameters"]["OrganizationId"]
    assert org["Default"] == "" and org["AllowedPattern"] == "^(|o-[a-z0-9]{10,32})$"
    assert parameter_matches(org, "o-a1b2c3d4e5") and not parameter_matches(org, "o-short")
    for spec in (ids, org):
        assert "any account" in " ".join(spec["Description"].split())


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"TargetAccountIds": "", "OrganizationId": ""}, None),
        ({"CrossAccountRoleName": "", "TargetAccountIds": "222222222222"}, "no cross-account role"),
        (
            {"TargetAccountIds": "222222222222,333333333333"},
            {"aws:ResourceAccount": ["222222222222", "333333333333"]},
        ),
        ({"OrganizationId": "o-a1b2c3d4e5"}, {"aws:ResourceOrgID": "o-a1b2c3d4e5"}),
        (
            {"TargetAccountIds": "222222222222", "OrganizationId": "o-a1b2c3d4e5"},
            {"aws:ResourceAccount": ["222222222222"], "aws:ResourceOrgID": "o-a1b2c3d4e5"},
        ),
    ],
)
def test_writers_assume_roles_only_in_bounded_accounts(home, params, expected):
    for fn in WRITERS:
        assumes = allowing(statements(home, fn, **params), "sts:AssumeRole")
        if expected == "no cross-account role":
            assert not assumes, fn
            continue
        (assume,) = assumes
        assert assume["Resource"] == "arn:aws:iam::*:role/amiflow-target", fn
        if expected is None:
            assert "Condition" not in assume, fn
        else:
            assert assume["Condition"] == {"StringEquals": expected}, fn
    assert not allowing(statements(home, "DistributeImageFunction", **params), "sts:AssumeRole")



def test_launch_template_writes_need_managed_true(home, target):
    writes = {"ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate", "ec2:DeleteLaunchTemplateVersions"}
    found = 0
    home_stmts = [s for fn in FUNCTIONS for s in statements(home, fn)]
    target_stmts = Render(target)(
        target["Resources"]["TargetRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    )["Statement"]
    for statement in home_stmts + target_stmts:
        if writes & set(actions(statement)):
            found += 1
            assert statement["Condition"] == {"StringEquals": {"aws:ResourceTag/amiflow:managed": "true"}}
    assert found == 2
    for template in (home, target):
        assert not any(isinstance(node, dict) and "Null" in node for node in walk(template))


def test_distribute_tags_only_with_listed_keys(home):
    spec = home["Parameters"]["DistributeTagKeys"]
    assert spec["Type"] == "CommaDelimitedList" and spec["Default"] == "amiflow:source-image"
    for params, keys in [
        ({}, {"amiflow:source-image"}),
        ({"DistributeTagKeys": "Stage,Team"}, {"amiflow:source-image", "Stage", "Team"}),
    ]:
        (tag,) = allowing(statements(home, "DistributeImageFunction", **params), "imagebuilder:TagResource")
        (operator,) = tag["Condition"]
        assert operator == "ForAllValues:StringEquals"
        assert set(tag["Condition"][operator]["aws:TagKeys"]) == keys


def test_writers_may_read_images_here_and_in_targets(home, target):
    for fn in WRITERS:
        (describe,) = allowing(statements(home, fn), "ec2:DescribeImages")
        assert describe["Resource"] == "*", fn
    target_stmts = target["Resources"]["TargetRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert allowing(target_stmts, "ec2:DescribeImages")


def test_trusted_role_arns_accepts_role_arns_only(target):
    spec = target["Parameters"]["TrustedRoleArns"]
    assert spec["Type"] == "CommaDelimitedList"
    for bad in [
        "*",
        "arn:aws:iam::123456789012:root",
        "123456789012",
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:iam::123456789012:role/*",
        "arn:aws:iam::*:role/amiflow",
        "",
    ]:
        assert not parameter_matches(spec, bad), bad
    for good in [
        "arn:aws:iam::123456789012:role/amiflow-UpdateSsmParametersFunctionRole-AbCdEf123456",
        "arn:aws-us-gov:iam::210987654321:role/service/amiflow/UpdateLaunchTemplatesFunctionRole",
    ]:
        assert parameter_matches(spec, good), good
    description = " ".join(spec["Description"].split())
    assert "UpdateSsmParametersRoleArn" in description and "UpdateLaunchTemplatesRoleArn" in description


def test_target_role_trusts_only_amiflow_sessions(target):
    (trust,) = target["Resources"]["TargetRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": {"Ref": "TrustedRoleArns"}}
    pattern = trust["Condition"]["StringLike"]["sts:RoleSessionName"]
    assert pattern == "amiflow-*"
    for session in ["amiflow-update-ssm-parameters", "amiflow-update-launch-templates"]:
        assert fnmatch.fnmatchcase(session, pattern)
    assert not fnmatch.fnmatchcase("someone-else", pattern)
