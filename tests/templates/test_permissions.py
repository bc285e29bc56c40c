"""Checks that template.yaml and target-account-role.yaml grant least privilege: conditions,
bounded accounts, trusted sessions, parameter patterns. Run with scripts/test-templates.sh."""

import fnmatch

import pytest

from stack import FUNCTIONS, WRITERS, REFRESH, Render, statements, role_statements, actions
from stack import allowing, walk, parameter_matches


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
    # refresh-instances reaches target accounts with the same role and bounds.
    for fn in WRITERS + [REFRESH]:
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
    target_stmts = role_statements(target, "TargetRole", AllowInstanceRefresh="true")
    for statement in home_stmts + target_stmts:
        if writes & set(actions(statement)):
            found += 1
            assert statement["Condition"] == {"StringEquals": {"aws:ResourceTag/amiflow:managed": "true"}}
    assert found == 2
    for template in (home, target):
        assert not any(isinstance(node, dict) and "Null" in node for node in walk(template))
    # Tags go only on managed templates, and only amiflow's record of the version it created.
    # (refresh-instances' CreateTags, on what a launch creates, is checked in test_refresh.py.)
    tagging = [
        s
        for s in home_stmts + target_stmts
        if "ec2:CreateTags" in actions(s) and "launch-template" in str(s["Resource"])
    ]
    assert len(tagging) == 2
    for statement in tagging:
        assert actions(statement) == ["ec2:CreateTags"]
        assert statement["Resource"].endswith(":launch-template/*")
        assert statement["Condition"] == {
            "StringEquals": {"aws:ResourceTag/amiflow:managed": "true"},
            "ForAllValues:StringEquals": {"aws:TagKeys": ["amiflow:version", "amiflow:record"]},
        }


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
    assert allowing(role_statements(target, "TargetRole"), "ec2:DescribeImages")


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
    for output in ["UpdateSsmParametersRoleArn", "UpdateLaunchTemplatesRoleArn", "RefreshInstancesRoleArn"]:
        assert output in description, output


def test_target_role_trusts_only_amiflow_sessions(target):
    (trust,) = target["Resources"]["TargetRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": {"Ref": "TrustedRoleArns"}}
    pattern = trust["Condition"]["StringLike"]["sts:RoleSessionName"]
    assert pattern == "amiflow-*"
    for session in ["amiflow-update-ssm-parameters", "amiflow-update-launch-templates", "amiflow-refresh-instances"]:
        assert fnmatch.fnmatchcase(session, pattern)
    assert not fnmatch.fnmatchcase("someone-else", pattern)
