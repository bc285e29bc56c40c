"""The templates as the template checks see them: loaded with cfn-lint's own decoder, so
CloudFormation's short-form tags (!Ref, !If, ...) come back as the long-form dicts CloudFormation
sees, and a small evaluator that renders a property for given parameter values (Ref, Fn::If,
Fn::Join, Fn::Split, Fn::Sub and the condition functions), so a check sees what a deployment would
get, not only the template's text.

TEMPLATE_DIR points at another folder holding the template files and events/ (default: the
repository root).
"""

import json
import os
import re
from pathlib import Path

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIR = Path(os.environ.get("TEMPLATE_DIR", ROOT))

FUNCTIONS = {
    # logical id: the Kind dimension of its embedded-metric-format lines
    "DistributeImageFunction": "distribute-image",
    "UpdateSsmParametersFunction": "ssm-parameter",
    "UpdateLaunchTemplatesFunction": "launch-template",
    # Deployed with RefreshInstances "true" (the default).
    "RefreshInstancesFunction": "auto-scaling-group",
}
WRITERS = ["UpdateSsmParametersFunction", "UpdateLaunchTemplatesFunction"]
REFRESH = "RefreshInstancesFunction"
# The functions that reconcile on a schedule, and the parameter that sets each one's rate.
RECONCILERS = {
    "UpdateSsmParametersFunction": "ReconcileSchedule",
    "UpdateLaunchTemplatesFunction": "ReconcileSchedule",
    "RefreshInstancesFunction": "RefreshSchedule",
}
QUEUES = ["EventDeadLetterQueue", "FailedInvocationQueue"]
ACCOUNT = "111111111111"
DEFAULT_BUS = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"


def load(name):
    template, matches = decode(str(TEMPLATE_DIR / name))
    assert not matches, f"{name} does not decode: {matches}"
    return template


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
    """Evaluates intrinsic functions for one set of parameter values (and, with region=, for a
    stack in another Region). A resource's Ref or GetAtt becomes the placeholder "<Name>" or
    "<Name.Attribute>"."""

    def __init__(self, template, region="us-east-1", **overrides):
        self.template = template
        self.pseudo = {**PSEUDO, "AWS::Region": region}
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
        if name in self.pseudo:
            return self.pseudo[name]
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


def statements(template, function, region="us-east-1", **params):
    """The function's inline policy statements, rendered for the given parameters."""
    render = Render(template, region, **params)
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
    """function logical id -> its rendered AWS::Lambda::EventInvokeConfig properties (those the
    parameters create)."""
    render = Render(template, **params)
    out = {}
    for config in resources(template, "AWS::Lambda::EventInvokeConfig").values():
        if "Condition" in config and not render.condition(config["Condition"]):
            continue
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


def role_statements(template, role, **params):
    """The first inline policy of an AWS::IAM::Role (target and reader templates), rendered."""
    document = template["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]
    return Render(template, **params)(document)["Statement"]


def exists(template, name, region="us-east-1", **params):
    """Whether a resource is created for these parameters (its Condition, if any, holds)."""
    condition = template["Resources"][name].get("Condition")
    return condition is None or Render(template, region, **params).condition(condition)


def event(name):
    """A sample event of events/ (JSON)."""
    return json.loads((TEMPLATE_DIR / "events" / name).read_text())


# --- EventBridge, as far as the templates use it --------------------------------------------------


def json_path(document, path):
    """$.a.b.c (dot notation only, as InputPathsMap requires) in a JSON document, or KeyError."""
    assert re.fullmatch(r"\$(\.[A-Za-z0-9_-]+)+", path), f"not a dot-notation JSONPath: {path}"
    value = document
    for key in path.split(".")[1:]:
        if not isinstance(value, dict) or key not in value:
            raise KeyError(f"{path}: no {key!r}")
        value = value[key]
    return value


def transform_input(transformer, document):
    """An InputTransformer applied to an event: each <name> of the InputTemplate gets the value at
    its InputPathsMap path, raw inside a JSON string ("<name>"), as JSON outside one; the result
    must then be JSON (the templates only make JSON inputs)."""
    values = {name: json_path(document, path) for name, path in transformer["InputPathsMap"].items()}

    def one(match):
        quoted, name = match.group(1), match.group(2)
        assert name in values, f"<{name}> is not in InputPathsMap"
        value = values[name]
        # EventBridge inserts the value as it is: a string's placeholder must be in quotes, an
        # object's, array's or number's must not.
        assert bool(quoted) == isinstance(value, str), f"<{name}>: quotes do not fit {value!r}"
        return json.dumps(value)

    text = re.sub(r'("?)<([A-Za-z0-9_.-]+)>\1', one, transformer["InputTemplate"])
    return json.loads(text)


def pattern_matches(pattern, document):
    """EventBridge content filtering for what the templates use: a list of exact values,
    {"prefix": ...}, {"numeric": [op, n]} and {"exists": bool}; an array in the event matches if
    any of its elements does; nested objects recurse."""
    for key, want in pattern.items():
        present = isinstance(document, dict) and key in document
        value = document.get(key) if present else None
        if isinstance(want, dict):
            if not present or not pattern_matches(want, value):
                return False
            continue
        assert isinstance(want, list), f"{key}: a pattern leaf is a list"
        values = value if isinstance(value, list) else [value]
        if not any(_leaf(rule, present, v) for rule in want for v in values):
            return False
    return True


def _leaf(rule, present, value):
    if not isinstance(rule, dict):
        return present and value == rule
    (op, arg), = rule.items()
    if op == "exists":
        return present is arg
    if not present:
        return False
    if op == "prefix":
        return isinstance(value, str) and value.startswith(arg)
    if op == "numeric":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        ops = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__, "=": float.__eq__}
        return all(ops[o](float(value), float(n)) for o, n in zip(arg[::2], arg[1::2]))
    raise AssertionError(f"the matcher lacks {op}")
