"""Checks AWS Organizations in template.yaml and organization-reader-role.yaml: list-only IAM (on the
functions' roles or through the reader role), AMIFLOW_ORGANIZATION_ROLE, and the new-account rules:
where they exist, and what each makes of its sample event in events/. Run with
scripts/test-templates.sh."""

import fnmatch

import pytest

from stack import FUNCTIONS, WRITERS, REFRESH, Render, resources, statements, role_statements
from stack import actions, allowing, walk, parameter_matches, exists, event, pattern_matches
from stack import transform_input

LISTS = {
    "organizations:ListChildren",
    "organizations:ListAccountsForParent",
}
READER = "arn:aws:iam::999999999999:role/amiflow-organization-reader"
ANY_OU_OR_ROOT = {"arn:aws:organizations::*:ou/*", "arn:aws:organizations::*:root/*"}

# rule logical id: (its sample event, the account that event names as the new one, its condition)
RULES = {
    "OrgCreateAccountResultRule": ("org-create-account-result.json", "444455556666", "organizations"),
    "OrgMoveAccountRule": ("org-move-account.json", "555566667777", "organizations"),
    "OrgAcceptHandshakeRule": ("org-accept-handshake.json", "666677778888", "organizations"),
    "ControlTowerCreateManagedAccountRule": ("controltower-create-managed-account.json", "777788889999", "controltower"),
    "ControlTowerUpdateManagedAccountRule": ("controltower-update-managed-account.json", "888899990000", "controltower"),
}


def organizations_actions(stmts):
    return {a for s in stmts for a in actions(s) if a.lower().startswith("organizations:")}


# --- IAM: list calls only -----------------------------------------------------------------------


@pytest.mark.parametrize("fn", WRITERS + [REFRESH])
def test_functions_list_the_organization_with_their_own_role_by_default(home, fn):
    stmts = statements(home, fn)
    assert organizations_actions(stmts) == LISTS
    (statement,) = [s for s in stmts if LISTS & set(actions(s))]
    assert set(statement["Resource"]) == ANY_OU_OR_ROOT
    # OrganizationId narrows them to that organization's OUs and root.
    stmts = statements(home, fn, OrganizationId="o-a1b2c3d4e5")
    (statement,) = [s for s in stmts if LISTS & set(actions(s))]
    assert set(statement["Resource"]) == {
        "arn:aws:organizations::*:ou/o-a1b2c3d4e5/*",
        "arn:aws:organizations::*:root/o-a1b2c3d4e5/*",
    }


@pytest.mark.parametrize("fn", WRITERS + [REFRESH])
def test_with_an_organization_role_functions_only_assume_it(home, fn):
    stmts = statements(home, fn, OrganizationRoleArn=READER)
    assert not organizations_actions(stmts)
    assume = [s for s in allowing(stmts, "sts:AssumeRole") if s["Resource"] == READER]
    (statement,) = assume
    assert actions(statement) == ["sts:AssumeRole"] and "Condition" not in statement
    # The cross-account statement keeps its own role name.
    others = [s for s in allowing(stmts, "sts:AssumeRole") if s is not statement]
    assert [s["Resource"] for s in others] == ["arn:aws:iam::*:role/amiflow-target"]


@pytest.mark.parametrize(
    "params", [{}, {"OrganizationRoleArn": READER}, {"OrganizationId": "o-a1b2c3d4e5"}, {"RefreshInstances": "false"}]
)
def test_no_organizations_action_but_the_two_list_calls(home, params):
    for fn in FUNCTIONS:
        if not exists(home, fn, **params):
            continue
        assert organizations_actions(statements(home, fn, **params)) <= LISTS, fn
    assert not organizations_actions(statements(home, "DistributeImageFunction", **params))
    # Nor anywhere else in the template (no wildcard such as organizations:List*).
    for node in walk(home):
        if isinstance(node, str) and node.lower().startswith("organizations:"):
            assert node in LISTS, node


def test_organization_role_parameter_and_environment(home):
    spec = home["Parameters"]["OrganizationRoleArn"]
    assert spec["Default"] == ""
    for good in ["", READER, "arn:aws-us-gov:iam::210987654321:role/path/reader"]:
        assert parameter_matches(spec, good), good
    for bad in ["*", "arn:aws:iam::999999999999:root", "arn:aws:iam::999999999999:user/x", "reader"]:
        assert not parameter_matches(spec, bad), bad
    variables = home["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["AMIFLOW_ORGANIZATION_ROLE"] == {"Ref": "OrganizationRoleArn"}


# --- the reader role ----------------------------------------------------------------------------


def test_reader_role_trusts_only_function_roles_and_amiflow_sessions(reader):
    (trust,) = reader["Resources"]["ReaderRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": {"Ref": "TrustedRoleArns"}}
    assert trust["Action"] == "sts:AssumeRole"
    pattern = trust["Condition"]["StringLike"]["sts:RoleSessionName"]
    assert pattern == "amiflow-*"
    for session in ["amiflow-update-ssm-parameters", "amiflow-update-launch-templates", "amiflow-refresh-instances"]:
        assert fnmatch.fnmatchcase(session, pattern)
    spec = reader["Parameters"]["TrustedRoleArns"]
    assert spec["Type"] == "CommaDelimitedList"
    for bad in ["*", "arn:aws:iam::123456789012:root", "123456789012", "arn:aws:iam::123456789012:role/*", ""]:
        assert not parameter_matches(spec, bad), bad
    assert parameter_matches(spec, "arn:aws:iam::123456789012:role/amiflow-RefreshInstancesFunctionRole-AbC123")
    description = " ".join(spec["Description"].split())
    for output in ["UpdateSsmParametersRoleArn", "UpdateLaunchTemplatesRoleArn", "RefreshInstancesRoleArn"]:
        assert output in description, output


@pytest.mark.parametrize("params", [{}, {"OrganizationId": "o-a1b2c3d4e5"}])
def test_reader_role_allows_only_the_two_list_calls(reader, params):
    (statement,) = role_statements(reader, "ReaderRole", **params)
    assert statement["Effect"] == "Allow" and "Condition" not in statement
    assert set(actions(statement)) == LISTS
    org = params.get("OrganizationId")
    expected = ANY_OU_OR_ROOT if not org else {f"arn:aws:organizations::*:ou/{org}/*", f"arn:aws:organizations::*:root/{org}/*"}
    assert set(statement["Resource"]) == expected
    assert set(reader["Resources"]) == {"ReaderRole"}
    assert "ManagedPolicyArns" not in reader["Resources"]["ReaderRole"]["Properties"]


# --- the new-account rules ----------------------------------------------------------------------


def rules_created(template, region="us-east-1", **params):
    return {name for name in resources(template, "AWS::Events::Rule") if exists(template, name, region, **params)}


def test_new_account_rules_exist_only_in_us_east_1(home):
    assert home["Parameters"]["ReconcileNewAccounts"]["Default"] == "true"
    assert rules_created(home) == set(RULES)
    for region in ["eu-west-1", "us-west-2", "us-east-2"]:
        assert not rules_created(home, region), region
    assert not rules_created(home, ReconcileNewAccounts="false")
    description = " ".join(home["Parameters"]["ReconcileNewAccounts"]["Description"].split())
    assert "us-east-1" in description and "guarantee" in description


def test_control_tower_rules_follow_its_home_region(home):
    assert home["Parameters"]["ControlTowerHomeRegion"]["Default"] == "us-east-1"
    controltower = {name for name, (_, _, kind) in RULES.items() if kind == "controltower"}
    organizations = set(RULES) - controltower
    # Organizations' events stay in us-east-1 whatever Control Tower's home Region is.
    assert rules_created(home, "eu-west-1", ControlTowerHomeRegion="eu-west-1") == controltower
    assert rules_created(home, "us-east-1", ControlTowerHomeRegion="eu-west-1") == organizations


@pytest.mark.parametrize("rule", list(RULES))
def test_each_rule_reconciles_both_writers_for_the_account_its_event_names(home, rule):
    sample_file, account, _ = RULES[rule]
    props = Render(home)(home["Resources"][rule]["Properties"])
    sample = event(sample_file)
    assert pattern_matches(props["EventPattern"], sample), sample_file
    targets = props["Targets"]
    assert sorted(t["Arn"] for t in targets) == sorted(f"<{fn}.Arn>" for fn in WRITERS)
    for target in targets:
        assert "Input" not in target and "InputPath" not in target
        transformer = target["InputTransformer"]
        # Dot notation only (InputPathsMap takes no bracket notation).
        assert all(path.startswith("$.") and "[" not in path for path in transformer["InputPathsMap"].values())
        assert transform_input(transformer, sample) == {"reconcile": True, "accounts": [account]}
        assert target["DeadLetterConfig"] == {"Arn": "<EventDeadLetterQueue.Arn>"}
        assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert "Name" not in props, "CloudFormation's name starts with the stack's, as the queue policy admits"


@pytest.mark.parametrize("rule", list(RULES))
def test_each_rule_matches_its_own_kind_only(home, rule):
    pattern = Render(home)(home["Resources"][rule]["Properties"]["EventPattern"])
    for other, (sample_file, _, _) in RULES.items():
        assert pattern_matches(pattern, event(sample_file)) == (other == rule), (rule, sample_file)
    for unrelated in ["image-available.json", "launch-templates-result.json", "reconcile.json"]:
        assert not pattern_matches(pattern, event(unrelated)), unrelated


def test_unsuccessful_events_do_not_reconcile(home):
    def pattern(rule):
        return Render(home)(home["Resources"][rule]["Properties"]["EventPattern"])

    failed = event("org-create-account-result.json")
    failed["detail"]["serviceEventDetails"]["createAccountStatus"]["state"] = "FAILED"
    assert not pattern_matches(pattern("OrgCreateAccountResultRule"), failed)
    denied = event("org-move-account.json")
    denied["detail"]["errorCode"] = "AccessDenied"
    assert not pattern_matches(pattern("OrgMoveAccountRule"), denied)
    # Accepting anything but an invitation (an all-features request) adds no account.
    features = event("org-accept-handshake.json")
    features["detail"]["responseElements"]["handshake"]["action"] = "ENABLE_ALL_FEATURES"
    assert not pattern_matches(pattern("OrgAcceptHandshakeRule"), features)
    for rule, key in [("ControlTowerCreateManagedAccountRule", "createManagedAccountStatus"),
                      ("ControlTowerUpdateManagedAccountRule", "updateManagedAccountStatus")]:
        sample = event(RULES[rule][0])
        sample["detail"]["serviceEventDetails"][key]["state"] = "FAILED"
        assert not pattern_matches(pattern(rule), sample), rule


def test_each_rule_may_invoke_each_writer_and_nothing_else(home):
    permissions = [p for p in resources(home, "AWS::Lambda::Permission").values()]
    pairs = set()
    for permission in permissions:
        props = permission["Properties"]
        rule = props["SourceArn"]["Fn::GetAtt"][0]
        assert rule in RULES
        assert permission["Condition"] == home["Resources"][rule]["Condition"]
        assert props["Action"] == "lambda:InvokeFunction"
        assert props["Principal"] == "events.amazonaws.com"
        pairs.add((rule, props["FunctionName"]["Fn::GetAtt"][0]))
    assert pairs == {(rule, fn) for rule in RULES for fn in WRITERS}
    assert len(permissions) == len(pairs)


def test_reconcile_samples(home):
    assert event("reconcile.json") == {"reconcile": True}
    assert event("reconcile-dry-run.json") == {"reconcile": True, "dryRun": True}
