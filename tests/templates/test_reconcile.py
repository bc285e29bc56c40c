"""Checks the scheduled reconcile of template.yaml: each writer's and refresh-instances' EventBridge
Scheduler schedule (input, retries, dead letters, rate, "off"), the Image Builder list calls a
reconcile makes, the Drift alarms and the dashboard. Run with scripts/test-templates.sh."""

import json

import pytest

from stack import FUNCTIONS, WRITERS, RECONCILERS, REFRESH, QUEUES, Render, resources, statements
from stack import actions, allowing, alarm_for, assert_notifies_topic, parameter_matches, exists

IMAGES = "arn:aws:imagebuilder:us-east-1:111111111111:image/*"
PIPELINES = "arn:aws:imagebuilder:us-east-1:111111111111:image-pipeline/*"
LISTS = ["imagebuilder:ListImages", "imagebuilder:ListImageBuildVersions", "imagebuilder:ListImagePipelineImages"]


def schedule(template, fn, **params):
    """The function's one ScheduleV2 event, rendered."""
    events = template["Resources"][fn]["Properties"]["Events"]
    found = [e for e in events.values() if e["Type"] == "ScheduleV2"]
    assert len(found) == 1, f"{fn}: expected one ScheduleV2 event, found {len(found)}"
    return Render(template, **params)(found[0]["Properties"])


# --- schedules ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", list(RECONCILERS))
def test_each_reconciler_has_a_schedule_sending_reconcile(home, fn):
    props = schedule(home, fn)
    assert json.loads(props["Input"]) == {"reconcile": True}
    assert props["State"] == "ENABLED"
    assert props["ScheduleExpression"] == "rate(1 hour)"
    # SAM's default schedule name is the logical id: a second stack in the account would collide.
    assert props["OmitName"] is True
    assert "Name" not in props


@pytest.mark.parametrize("fn", list(RECONCILERS))
def test_schedule_retries_then_dead_letters_to_the_event_queue(home, fn):
    props = schedule(home, fn)
    retry = props["RetryPolicy"]
    # Scheduler's limits, and less than the default hourly rate: a reconcile that could not be
    # delivered is dead-lettered (and alarmed) before the next one runs.
    assert 0 <= retry["MaximumRetryAttempts"] <= 185
    assert 60 <= retry["MaximumEventAgeInSeconds"] < 3600
    assert props["DeadLetterConfig"] == {"Arn": "<EventDeadLetterQueue.Arn>"}
    # No RoleArn: SAM generates the schedule's role, with lambda:InvokeFunction on the function
    # and sqs:SendMessage on exactly the DeadLetterConfig queue (Scheduler sends dead letters as
    # that role, so the queue policy needs no statement for it).
    assert "RoleArn" not in props
    assert "Type" not in props["DeadLetterConfig"], "Type would make SAM create another queue"


def test_event_queue_policy_grants_no_service_but_eventbridge(home):
    (policy,) = resources(home, "AWS::SQS::QueuePolicy").values()
    statements_ = Render(home)(policy["Properties"]["PolicyDocument"])["Statement"]
    assert [s["Principal"] for s in statements_] == [{"Service": "events.amazonaws.com"}]
    (statement,) = statements_
    # Rules on the default bus (rule/<name>) and on another bus of this account (rule/<bus>/<name>).
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == [
        "arn:aws:events:us-east-1:111111111111:rule/amiflow-*",
        "arn:aws:events:us-east-1:111111111111:rule/*/amiflow-*",
    ]


@pytest.mark.parametrize("fn, parameter", list(RECONCILERS.items()))
def test_schedule_rate_comes_from_its_parameter(home, fn, parameter):
    spec = home["Parameters"][parameter]
    assert spec["Default"] == "rate(1 hour)"
    for expression in ["rate(15 minutes)", "rate(1 day)", "cron(0 */2 * * ? *)"]:
        props = schedule(home, fn, **{parameter: expression})
        assert props["ScheduleExpression"] == expression
        assert props["State"] == "ENABLED"


@pytest.mark.parametrize("fn, parameter", list(RECONCILERS.items()))
def test_off_disables_the_schedule(home, fn, parameter):
    props = schedule(home, fn, **{parameter: "off"})
    assert props["State"] == "DISABLED"
    # A disabled schedule still needs a valid expression.
    assert props["ScheduleExpression"].startswith("rate(")
    # The writers share ReconcileSchedule; RefreshSchedule turns off refresh-instances' alone.
    for other, other_parameter in RECONCILERS.items():
        expected = "DISABLED" if other_parameter == parameter else "ENABLED"
        assert schedule(home, other, **{parameter: "off"})["State"] == expected, other


@pytest.mark.parametrize("parameter", ["ReconcileSchedule", "RefreshSchedule"])
def test_schedule_parameters_accept_off_rate_and_cron_only(home, parameter):
    spec = home["Parameters"][parameter]
    for good in ["off", "rate(1 hour)", "rate(5 minutes)", "rate(2 days)", "cron(0 6 * * ? *)"]:
        assert parameter_matches(spec, good), good
    for bad in ["", "OFF", "1 hour", "rate(0 hours)", "rate(1 week)", "at(2026-01-01T00:00:00)", "cron()"]:
        assert not parameter_matches(spec, bad), bad


def test_refresh_schedule_goes_with_the_function(home):
    assert home["Resources"][REFRESH]["Condition"] == "RefreshInstancesEnabled"
    assert not exists(home, REFRESH, RefreshInstances="false")
    # SAM gives a function's event resources (the schedule, its role, the rule) its Condition.
    assert "Condition" not in schedule(home, REFRESH)


# --- reconcile's Image Builder list calls ---------------------------------------------------------


@pytest.mark.parametrize("fn", WRITERS + [REFRESH])
def test_reconcile_lists_only_this_accounts_images(home, fn):
    stmts = statements(home, fn)
    (list_images,) = allowing(stmts, "imagebuilder:ListImages")
    # ListImages has no resource type (Service Authorization Reference): "*", and nothing else in it.
    assert actions(list_images) == ["imagebuilder:ListImages"]
    assert list_images["Resource"] == "*"
    for action in LISTS[1:]:
        (statement,) = allowing(stmts, action)
        assert "Condition" not in statement
        assert set(statement["Resource"]) == {IMAGES, PIPELINES}, action
        assert set(actions(statement)) == set(LISTS[1:])


def test_distribute_image_does_not_reconcile(home):
    stmts = statements(home, "DistributeImageFunction")
    for action in LISTS:
        assert not allowing(stmts, action), action
    events = home["Resources"]["DistributeImageFunction"]["Properties"]["Events"]
    assert all(e["Type"] != "ScheduleV2" for e in events.values())


# --- Drift --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", WRITERS)
def test_each_writer_alarms_on_drift(home, fn):
    alarm = alarm_for(
        home,
        "amiflow",
        "Drift",
        [{"Name": "Function", "Value": {"Ref": fn}}, {"Name": "Kind", "Value": FUNCTIONS[fn]}],
    )
    assert alarm["Statistic"] == "Sum"
    assert alarm["Threshold"] == {"Ref": "DriftAlarmThreshold"}
    assert_notifies_topic(home, {**alarm, "Threshold": Render(home)(alarm["Threshold"])})
    assert float(Render(home, DriftAlarmThreshold="3")(alarm["Threshold"])) == 3
    # The description says what a repair means.
    description = " ".join(alarm["AlarmDescription"].split())
    assert "missed" in description and "moved" in description


def test_drift_threshold_parameter(home):
    spec = home["Parameters"]["DriftAlarmThreshold"]
    assert spec["Type"] == "Number" and int(spec["Default"]) == 0 and int(spec["MinValue"]) == 0
    description = " ".join(spec["Description"].split())
    assert "missed" in description and "moved a target back" in description


def dashboard_widgets(template, **params):
    (dashboard,) = resources(template, "AWS::CloudWatch::Dashboard").values()
    body = json.loads(Render(template, **params)(dashboard["Properties"]["DashboardBody"]))
    return body["widgets"]


@pytest.mark.parametrize("refresh", ["true", "false"])
def test_dashboard_shows_drift_failed_and_changes_per_function(home, refresh):
    widgets = dashboard_widgets(home, RefreshInstances=refresh)
    shown = WRITERS + ([REFRESH] if refresh == "true" else [])
    assert len(widgets) == len(shown)
    for fn, widget in zip(shown, widgets):
        assert widget["type"] == "metric"
        props = widget["properties"]
        assert props["region"] == "us-east-1" and props["stat"] == "Sum"
        metrics = {m[1]: m for m in props["metrics"]}
        # A writer's change is an update; refresh-instances reports a started refresh as created.
        changed = "Created" if fn == REFRESH else "Updated"
        assert set(metrics) == {"Drift", "Failed", changed}, fn
        for metric in metrics.values():
            assert metric[0] == "amiflow"
            assert metric[2:] == ["Function", f"<{fn}>", "Kind", FUNCTIONS[fn]], fn


def test_alarm_count_without_refresh_instances(home):
    render = Render(home, RefreshInstances="false")
    created = [
        a for a in resources(home, "AWS::CloudWatch::Alarm").values()
        if "Condition" not in a or render.condition(a["Condition"])
    ]
    assert len(created) == len(QUEUES) + 2 * (len(FUNCTIONS) - 1) + len(WRITERS)
