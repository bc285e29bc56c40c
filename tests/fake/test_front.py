"""The moto front as the tests meet it: scripts/moto_server.py on a free port, real boto3 clients,
the control API. Each test uses names of its own: the server is shared by the session."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

HOME_ACCOUNT = "123456789012"  # moto's account for the plain `testing` keys
TARGET = "210987654321"


def code(error: pytest.ExceptionInfo) -> str:
    return error.value.response["Error"]["Code"]


def image(name: str, n: int, version: str = "1.0.0") -> dict:
    return {"arn": f"arn:aws:imagebuilder:us-east-1:{HOME_ACCOUNT}:image/{name}/{version}/{n}", "name": name,
            "type": "AMI", "version": f"{version}/{n}", "state": {"status": "AVAILABLE"},
            "outputResources": {"amis": [{"region": "us-east-1", "image": f"ami-0{n:016x}"}]}}


def test_image_builder_lists_page_and_distribute_image_is_idempotent(moto):
    for n in range(1, 61):
        assert moto.control("POST", "/_amiflow/imagebuilder/images", {"image": image("front-list", n)})[0] == 200
    config = f"arn:aws:imagebuilder:us-east-1:{HOME_ACCOUNT}:distribution-configuration/front-list"
    assert moto.control("POST", "/_amiflow/imagebuilder/configurations",
                        {"arn": config, "name": "front-list", "distributions": [{"region": "us-east-1"}]})[0] == 200
    client = moto.client("imagebuilder")
    version = image("front-list", 1)["arn"].rsplit("/", 1)[0]
    pages = list(client.get_paginator("list_image_build_versions").paginate(imageVersionArn=version))
    assert [len(p["imageSummaryList"]) for p in pages] == [25, 25, 10]
    assert len({s["arn"] for p in pages for s in p["imageSummaryList"]}) == 60
    with pytest.raises(ClientError) as bad:
        client.list_image_build_versions(imageVersionArn=version, nextToken="not-a-token")
    assert code(bad) == "InvalidPaginationTokenException"

    request = {"sourceImage": image("front-list", 60)["arn"], "distributionConfigurationArn": config,
               "executionRole": "DistributionRole", "clientToken": "front-token"}
    first, again = client.distribute_image(**request), client.distribute_image(**request)
    assert first["imageBuildVersionArn"] == again["imageBuildVersionArn"] == f"{version}/61"
    with pytest.raises(ClientError) as mismatch:
        client.distribute_image(**{**request, "executionRole": "OtherRole"})
    assert code(mismatch) == "IdempotentParameterMismatchException"
    status, product = moto.control("GET", f"/_amiflow/imagebuilder/images?arn={version}/61")
    assert status == 200 and product["distributionConfiguration"]["arn"] == config
    assert client.get_image(imageBuildVersionArn=f"{version}/61")["image"]["state"]["status"] == "AVAILABLE"
    assert moto.control("GET", f"/_amiflow/imagebuilder/images?arn={version}/99")[0] == 404


def test_a_storm_throttles_each_service_in_its_own_words_until_it_ends(moto):
    clients = {"ssm": moto.client("ssm"), "ec2": moto.client("ec2"), "sts": moto.client("sts")}
    calls = {"ssm": lambda c: c.describe_parameters(), "ec2": lambda c: c.describe_launch_templates(),
             "sts": lambda c: c.get_caller_identity()}
    expected = {"ssm": "ThrottlingException", "ec2": "RequestLimitExceeded", "sts": "Throttling"}
    status, state = moto.control("POST", "/_amiflow/storm", {"rate": 1.0, "seed": 7, "services": list(clients)})
    assert status == 200 and state["rate"] == 1.0
    try:
        for service, client in clients.items():
            with pytest.raises(ClientError) as throttled:
                calls[service](client)
            assert code(throttled) == expected[service]
    finally:
        assert moto.control("POST", "/_amiflow/storm", {"rate": 0})[0] == 200
    for service, client in clients.items():
        calls[service](client)
    counts = moto.control("GET", "/_amiflow/storm")[1]["counts"]
    assert counts["ssm"]["DescribeParameters"] >= 1 and counts["ec2"]["DescribeLaunchTemplates"] >= 1
    assert counts["sts"]["GetCallerIdentity"] >= 1
    assert moto.control("POST", "/_amiflow/storm", {"rate": 0.5, "services": ["lambda"]})[0] == 400


def test_fail_next_n_and_the_request_log(moto):
    ssm = moto.client("ssm")
    ssm.put_parameter(Name="/front/fail", Value="v", Type="String")
    fault = {"service": "ssm", "operation": "GetParameter", "contains": "/front/fail",
             "code": "InternalServerError", "status": 500, "times": 2}
    assert moto.control("POST", "/_amiflow/faults", fault)[0] == 200
    for _ in range(2):
        with pytest.raises(ClientError) as failed:
            ssm.get_parameter(Name="/front/fail")
        assert code(failed) == "InternalServerError"
        assert failed.value.response["Error"]["Message"] == "injected InternalServerError"
    assert ssm.get_parameter(Name="/front/fail")["Parameter"]["Value"] == "v"
    status, log = moto.control("GET", "/_amiflow/requests?service=ssm&operation=GetParameter&contains=/front/fail")
    assert status == 200 and len(log) == 3
    assert log[0] == {"service": "ssm", "operation": "GetParameter", "region": "us-east-1",
                      "account": HOME_ACCOUNT, "body": {"Name": "/front/fail"}}

    creds = moto.client("sts").assume_role(RoleArn=f"arn:aws:iam::{TARGET}:role/AmiflowTarget",
                                           RoleSessionName="front-log")["Credentials"]
    other = moto.client("ec2", region="eu-west-1", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                        token=creds["SessionToken"])
    other.describe_launch_templates()
    entry = moto.control("GET", "/_amiflow/requests?service=ec2&operation=DescribeLaunchTemplates")[1][-1]
    assert (entry["region"], entry["account"]) == ("eu-west-1", TARGET)
    assume = moto.control("GET", "/_amiflow/requests?operation=AssumeRole&contains=front-log")[1]
    assert assume[0]["body"]["RoleSessionName"] == "front-log" and assume[0]["service"] == "sts"


def test_sts_refuses_an_account_whose_role_does_not_trust_the_caller(moto):
    sts = moto.client("sts")
    assert moto.control("POST", "/_amiflow/sts/refuse", {"accounts": ["999999999999"]})[1] == {
        "refused": ["999999999999"]}
    try:
        with pytest.raises(ClientError) as refused:
            sts.assume_role(RoleArn="arn:aws:iam::999999999999:role/AmiflowTarget", RoleSessionName="front")
        assert code(refused) == "AccessDenied"
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert "is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::999999999999:role/" \
               "AmiflowTarget" in refused.value.response["Error"]["Message"]
        sts.assume_role(RoleArn=f"arn:aws:iam::{TARGET}:role/AmiflowTarget", RoleSessionName="front")
    finally:
        moto.control("POST", "/_amiflow/sts/refuse", {"accounts": []})


def test_instance_refreshes_and_the_version_each_instance_was_launched_with(moto):
    ec2, autoscaling = moto.client("ec2"), moto.client("autoscaling")
    tid = ec2.create_launch_template(LaunchTemplateName="front-refresh", LaunchTemplateData={
        "ImageId": "ami-12c6146b", "InstanceType": "t3.micro"})["LaunchTemplate"]["LaunchTemplateId"]
    autoscaling.create_auto_scaling_group(AutoScalingGroupName="front-refresh", MinSize=0, MaxSize=4,
                                          DesiredCapacity=2, AvailabilityZones=["us-east-1a"],
                                          LaunchTemplate={"LaunchTemplateId": tid, "Version": "$Default"})
    ec2.create_launch_template_version(LaunchTemplateId=tid, SourceVersion="1", LaunchTemplateData={"ImageId": "ami-1"})
    ec2.modify_launch_template(LaunchTemplateId=tid, DefaultVersion="2")

    def described():
        group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["front-refresh"])["AutoScalingGroups"][0]
        return group["LaunchTemplate"]["Version"], [i["LaunchTemplate"]["Version"] for i in group["Instances"]]

    assert described() == ("$Default", ["1", "1"])  # launched before the default moved
    desired = {"LaunchTemplate": {"LaunchTemplateId": tid, "Version": "2"}}
    for bad in [{"Preferences": {"AutoRollback": True}},
                {"Preferences": {"AutoRollback": True},
                 "DesiredConfiguration": {"LaunchTemplate": {"LaunchTemplateId": tid, "Version": "$Latest"}}},
                {"Preferences": {"AlarmSpecification": {"Alarms": [f"a{n}" for n in range(11)]}}}]:
        with pytest.raises(ClientError) as refused:
            autoscaling.start_instance_refresh(AutoScalingGroupName="front-refresh", **bad)
        assert code(refused) == "ValidationError"
    with pytest.raises(ClientError) as unknown:
        autoscaling.start_instance_refresh(AutoScalingGroupName="no-such-group")
    assert code(unknown) == "ValidationError"
    started = autoscaling.start_instance_refresh(AutoScalingGroupName="front-refresh", DesiredConfiguration=desired,
                                                 Preferences={"SkipMatching": True, "AutoRollback": True})
    with pytest.raises(ClientError) as busy:
        autoscaling.start_instance_refresh(AutoScalingGroupName="front-refresh", DesiredConfiguration=desired)
    assert code(busy) == "InstanceRefreshInProgress"
    refresh = autoscaling.describe_instance_refreshes(AutoScalingGroupName="front-refresh")["InstanceRefreshes"][0]
    assert (refresh["InstanceRefreshId"], refresh["Status"]) == (started["InstanceRefreshId"], "InProgress")
    assert refresh["DesiredConfiguration"] == desired and refresh["Preferences"]["SkipMatching"] is True

    finished = moto.control("POST", "/_amiflow/autoscaling/refreshes/finish",
                            {"group": "front-refresh", "status": "Successful"})[1]
    assert finished == {"finished": [started["InstanceRefreshId"]]}
    assert described() == ("2", ["2", "2"])
    ended = autoscaling.describe_instance_refreshes(AutoScalingGroupName="front-refresh")["InstanceRefreshes"][0]
    assert (ended["Status"], ended["PercentageComplete"]) == ("Successful", 100) and "EndTime" in ended
    instances = autoscaling.describe_auto_scaling_instances()["AutoScalingInstances"]
    assert {i["LaunchTemplate"]["Version"] for i in instances if i["AutoScalingGroupName"] == "front-refresh"} == {"2"}


def test_organizations_empty_pages_hide_only_from_a_client_that_stops(moto):
    organizations = moto.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    root = organizations.list_roots()["Roots"][0]["Id"]
    units = {organizations.create_organizational_unit(ParentId=root, Name=f"front-{n}")["OrganizationalUnit"]["Id"]
             for n in range(3)}
    assert moto.control("POST", "/_amiflow/organizations/empty-pages", {"times": 1})[1] == {"remaining": 1}
    first = organizations.list_children(ParentId=root, ChildType="ORGANIZATIONAL_UNIT")
    assert first["Children"] == [] and first["NextToken"]
    rest = organizations.list_children(ParentId=root, ChildType="ORGANIZATIONAL_UNIT", NextToken=first["NextToken"])
    assert units <= {c["Id"] for c in rest["Children"]}
    moto.control("POST", "/_amiflow/organizations/empty-pages", {"times": 2})
    paged = organizations.get_paginator("list_organizational_units_for_parent").paginate(ParentId=root)
    assert units <= {u["Id"] for page in paged for u in page["OrganizationalUnits"]}
