"""The fakes against botocore's own service models: Image Builder (served by the benchmark's fake
and the moto front, one class) and Auto Scaling's instance refreshes (the moto front). For every
served operation: the request members are exactly the model's and an unknown one is refused; the
route and method are the model's `http`; every answer given to a real boto3 client in realistic
calls validates against the output shape (member names, types and enums, recursively); every error
code the fake sends is one the model declares for the operation, or one listed below with why."""
from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import botocore.session
import pytest

from fake import BASE_ACCESS_KEY
from fake.autoscaling import InstanceRefreshes
from fake.faults import IMAGEBUILDER_TOO_MANY, throttling
from fake.imagebuilder import ROUTES, ImageBuilder
from fake.imagebuilder_store import ImageStore
from fake.organizations import LISTS
from fake.wire import Context, Headers, Request, ServiceError, Unsupported

HOME = "123456789012"
CTX = Context("us-east-1", HOME, BASE_ACCESS_KEY)
# Codes the fakes send that the model does not declare for the operation.
EXEMPT = {
    # The service answers an unknown image so (amiflow's GetImage handling relies on it); the model
    # lists no ResourceNotFoundException for GetImage.
    ("GetImage", "ResourceNotFoundException"),
    # The Rust stand-in's code for a tag key or value over its length, kept: the model declares none.
    ("DistributeImage", "InvalidParameterValueException"),
}
COMMON_QUERY_ERRORS = {"ValidationError", "Throttling"}  # every query-protocol operation may answer these


def model(service: str):
    return botocore.session.get_session().get_service_model(service)


def wire_names(shape) -> set[str]:
    return {m.serialization.get("name", name) for name, m in shape.members.items()}


def problems_json(shape, value, path="$") -> list[str]:
    """Where `value` (parsed JSON) does not fit `shape`."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: {value!r} is not an object ({shape.name})"]
        names = {m.serialization.get("name", n): m for n, m in shape.members.items()
                 if m.serialization.get("location") is None}
        out = [f"{path}.{k}: not a member of {shape.name}" for k in value if k not in names]
        for k, v in value.items():
            if k in names:
                out += problems_json(names[k], v, f"{path}.{k}")
        return out
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: not a list"]
        return [p for n, v in enumerate(value) for p in problems_json(shape.member, v, f"{path}[{n}]")]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: not a map"]
        return [p for k, v in value.items() for p in problems_json(shape.value, v, f"{path}[{k}]")]
    checks = {"string": lambda v: isinstance(v, str) and (not shape.enum or v in shape.enum),
              "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "boolean": lambda v: isinstance(v, bool),
              "timestamp": lambda v: isinstance(v, (str, int, float)) and not isinstance(v, bool),
              "double": lambda v: isinstance(v, (int, float)), "float": lambda v: isinstance(v, (int, float))}
    return [] if checks[kind](value) else [f"{path}: {value!r} is not a {kind} ({shape.name})"]


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def problems_xml(shape, element, path="$") -> list[str]:
    """Where an element of a query-protocol answer does not fit `shape`."""
    kind = shape.type_name
    if kind == "structure":
        names = {m.serialization.get("name", n): m for n, m in shape.members.items()}
        out = []
        for child in element:
            name = local(child.tag)
            out += ([f"{path}.{name}: not a member of {shape.name}"] if name not in names
                    else problems_xml(names[name], child, f"{path}.{name}"))
        return out
    if kind == "list":
        return [p for n, child in enumerate(element) for p in
                ([f"{path}[{n}]: <{local(child.tag)}> is not <member>"] if local(child.tag) != "member"
                 else problems_xml(shape.member, child, f"{path}[{n}]"))]
    text = element.text or ""
    parse = {"string": lambda t: not shape.enum or t in shape.enum, "integer": lambda t: int(t) is not None,
             "boolean": lambda t: t in ("true", "false"),
             "timestamp": lambda t: dt.datetime.fromisoformat(t.replace("Z", "+00:00")) is not None}
    try:
        ok = parse[kind](text)
    except ValueError:
        ok = False
    return [] if ok else [f"{path}: {text!r} is not a {kind} ({shape.name})"]


def raw_answers(client) -> list[tuple[str, bytes]]:
    """(operation, raw body) of every answer the client receives from now on."""
    seen: list[tuple[str, bytes]] = []
    client.meta.events.register("after-call", lambda http_response, model, **_: seen.append(
        (model.name, http_response.content)))
    return seen


def build(name: str, version: str, n: int, pipeline: str | None = None, **extra) -> dict:
    arn = f"arn:aws:imagebuilder:us-east-1:{HOME}:image/{name}/{version}/{n}"
    return {"arn": arn, "name": name, "type": "AMI", "version": f"{version}/{n}", "platform": "Linux",
            "osVersion": "Amazon Linux 2023", "state": {"status": "AVAILABLE"}, "tags": {"Stage": "dev"},
            "dateCreated": "2026-11-22T10:00:00.000Z", "buildType": "USER_INITIATED", "imageSource": "CUSTOM",
            "outputResources": {"amis": [{"region": "us-east-1", "image": f"ami-0{n:016x}", "accountId": HOME,
                                          "name": f"{name} {n}", "state": {"status": "AVAILABLE"}}]},
            **({"sourcePipelineArn": pipeline} if pipeline else {}), **extra}


def call(service, op: str, args: dict, method: str | None = None) -> None:
    """Sends `op` straight to the service object (no HTTP): its errors propagate."""
    method = method or next(m for (m, _), o in ROUTES.items() if o == op)
    path = next(p for (_, p), o in ROUTES.items() if o == op)
    if method == "GET":
        from urllib.parse import urlencode
        req = Request("GET", f"{path}?{urlencode(args)}", Headers(), b"")
    else:
        req = Request(method, path, Headers({"content-type": "application/json"}), json.dumps(args).encode())
    service.handle(op, req, CTX, "test")


def test_image_builder_requests_and_routes_are_the_models():
    ib = model("imagebuilder")
    assert set(ROUTES.values()) == set(ImageBuilder.members)
    for (method, path), op in ROUTES.items():
        operation = ib.operation_model(op)
        assert (method, path) == (operation.http["method"], operation.http["requestUri"])
        assert set(ImageBuilder.members[op]) == wire_names(operation.input_shape), op
        service = ImageBuilder(ImageStore())
        every = {name: "x" for name in wire_names(operation.input_shape)}
        try:
            call(service, op, every)  # every model member is taken (the values may well be refused)
        except Unsupported as e:
            pytest.fail(f"{op} refused a model member: {e}")
        except ServiceError:
            pass
        with pytest.raises(Unsupported):
            call(service, op, {**every, "notAMember": "x"})


def error_cases(source: str, config: str) -> dict[str, list[dict]]:
    missing = f"arn:aws:imagebuilder:us-east-1:{HOME}:image/missing/1.0.0/1"
    distribute = {"sourceImage": source, "distributionConfigurationArn": config, "executionRole": "R",
                  "clientToken": "t"}
    west = config.replace("us-east-1", "us-west-2")
    return {
        "GetImage": [{}, {"imageBuildVersionArn": "not-an-arn"}, {"imageBuildVersionArn": missing}],
        "DistributeImage": [{}, {**distribute, "tags": {"k" * 129: "v"}}, {**distribute, "tags": {"aws:x": "v"}},
                            {**distribute, "distributionConfigurationArn": west}, distribute,
                            {**distribute, "executionRole": "Other"},
                            {**distribute, "clientToken": "u", "distributionConfigurationArn": config + "x"},
                            {**distribute, "clientToken": "v", "sourceImage": missing},
                            {**distribute, "clientToken": "w", "sourceImage": source.replace("/1", "/2")}],
        "ListImages": [{"owner": "Nobody"}, {"maxResults": 0}, {"nextToken": "junk"},
                       {"filters": [{"name": "colour", "values": ["red"]}]}],
        "ListImageBuildVersions": [{"imageVersionArn": "junk"}, {"maxResults": 101}, {"nextToken": "junk"}],
        "ListImagePipelineImages": [{}, {"imagePipelineArn": "junk"}],
    }


def test_image_builder_errors_are_declared_by_the_model():
    ib, store = model("imagebuilder"), ImageStore()
    source = build("errs", "1.0.0", 1)["arn"]
    config = f"arn:aws:imagebuilder:us-east-1:{HOME}:distribution-configuration/errs"
    store.put_image(build("errs", "1.0.0", 1))
    store.put_image(build("errs", "1.0.0", 2, state={"status": "FAILED"}))
    store.put_configuration({"arn": config, "name": "errs", "distributions": [{"region": "us-east-1"}]})
    service, sent = ImageBuilder(store), set()
    for op, cases in error_cases(source, config).items():
        for args in cases:
            try:
                call(service, op, args)
            except ServiceError as e:
                sent.add((op, e.code))
        sent.add((op, throttling("imagebuilder", op).code))
    declared = {(op, e.name) for op in ImageBuilder.members for e in ib.operation_model(op).error_shapes}
    assert sent - declared <= EXEMPT, sent - declared - EXEMPT
    assert EXEMPT <= sent, "an exemption no longer happens: drop it"
    assert {o for o in ib.operation_names
            if "TooManyRequestsException" in {e.name for e in ib.operation_model(o).error_shapes}} == IMAGEBUILDER_TOO_MANY


def test_image_builder_answers_fit_the_output_shapes(bench_fake):
    fake, endpoint = bench_fake
    ib, client = model("imagebuilder"), endpoint.client("imagebuilder")
    pipeline = f"arn:aws:imagebuilder:us-east-1:{HOME}:image-pipeline/shapes"
    for n in range(1, 61):
        fake.world.put_image(build("shapes", f"1.{n % 3}.0", n, pipeline))
    config = f"arn:aws:imagebuilder:us-east-1:{HOME}:distribution-configuration/shapes"
    fake.world.imagebuilder.put_configuration({"arn": config, "name": "shapes", "distributions": [{"region": "us-east-1"}]})
    seen = raw_answers(client)
    client.get_image(imageBuildVersionArn=build("shapes", "1.1.0", 1)["arn"])
    client.distribute_image(sourceImage=build("shapes", "1.1.0", 1)["arn"], distributionConfigurationArn=config,
                            executionRole="R", clientToken="shapes-1", tags={"Stage": "prod"})
    builds = [s for page in client.get_paginator("list_image_build_versions").paginate(
        imageVersionArn=build("shapes", "1.1.0", 1)["arn"].rsplit("/", 1)[0]) for s in page["imageSummaryList"]]
    assert len(builds) == 21  # 20 built, 1 distributed
    every = client.get_paginator("list_image_build_versions").paginate(
        filters=[{"name": "name", "values": ["shap*"]}])
    assert [len(page["imageSummaryList"]) for page in every] == [25, 25, 11]
    versions = client.list_images(filters=[{"name": "name", "values": ["shapes"]}])["imageVersionList"]
    assert sorted(v["version"] for v in versions) == ["1.0.0", "1.1.0", "1.2.0"]
    pages = list(client.get_paginator("list_image_pipeline_images").paginate(imagePipelineArn=pipeline,
                                                                               PaginationConfig={"PageSize": 40}))
    assert [len(p["imageSummaryList"]) for p in pages] == [25, 25, 10]
    for op, body in seen:
        assert problems_json(ib.operation_model(op).output_shape, json.loads(body)) == [], op
    assert {op for op, _ in seen} == set(ImageBuilder.members)


class Groups:
    """Stand-in groups: only "g" exists."""

    def group_exists(self, region, account, name):
        return name == "g"

    def check_template(self, region, account, spec):
        pass

    def apply(self, *args):
        pass


def query(op: str, **form) -> Request:
    from urllib.parse import urlencode
    body = urlencode({"Action": op, "Version": "2011-01-01", **form}).encode()
    return Request("POST", "/", Headers({"content-type": "application/x-www-form-urlencoded"}), body)


def test_instance_refresh_requests_and_errors_are_the_models():
    autoscaling, refreshes, sent = model("autoscaling"), InstanceRefreshes(Groups()), set()
    for op in InstanceRefreshes.members:
        operation = autoscaling.operation_model(op)
        assert (operation.http["method"], operation.http["requestUri"]) == ("POST", "/")
        assert set(InstanceRefreshes.members[op]) == wire_names(operation.input_shape), op
        with pytest.raises(Unsupported):
            refreshes.handle(op, query(op, AutoScalingGroupName="g", NotAMember="x"), CTX, "t")
        sent.add((op, throttling("autoscaling", op).code))
    cases = [("StartInstanceRefresh", {}), ("StartInstanceRefresh", {"AutoScalingGroupName": "nope"}),
             ("StartInstanceRefresh", {"AutoScalingGroupName": "g", "Preferences.AutoRollback": "true"}),
             ("StartInstanceRefresh", {"AutoScalingGroupName": "g"}), ("StartInstanceRefresh", {"AutoScalingGroupName": "g"}),
             ("DescribeInstanceRefreshes", {"AutoScalingGroupName": "g", "NextToken": "junk"}),
             ("DescribeInstanceRefreshes", {"AutoScalingGroupName": "g", "MaxRecords": "0"})]
    for op, form in cases:
        try:
            refreshes.handle(op, query(op, **form), CTX, "t")
        except ServiceError as e:
            sent.add((op, e.code))
    declared = {(op, autoscaling.shape_for(e.name).metadata["error"]["code"])
                for op in InstanceRefreshes.members for e in autoscaling.operation_model(op).error_shapes}
    assert {code for op, code in sent - declared} <= COMMON_QUERY_ERRORS
    assert ("StartInstanceRefresh", "InstanceRefreshInProgress") in sent


def test_instance_refresh_answers_fit_the_output_shapes(moto):
    autoscaling = model("autoscaling")
    ec2, client = moto.client("ec2"), moto.client("autoscaling")
    template = ec2.create_launch_template(LaunchTemplateName="shapes", LaunchTemplateData={"ImageId": "ami-12c6146b"})
    tid = template["LaunchTemplate"]["LaunchTemplateId"]
    client.create_auto_scaling_group(AutoScalingGroupName="shapes", LaunchTemplate={"LaunchTemplateId": tid},
                                     MinSize=0, MaxSize=2, DesiredCapacity=1, AvailabilityZones=["us-east-1a"])
    seen = raw_answers(client)
    client.start_instance_refresh(AutoScalingGroupName="shapes", DesiredConfiguration={
        "LaunchTemplate": {"LaunchTemplateId": tid, "Version": "1"}}, Preferences={
        "SkipMatching": True, "AutoRollback": True, "MinHealthyPercentage": 90, "CheckpointPercentages": [50, 100],
        "AlarmSpecification": {"Alarms": ["a", "b"]}})
    moto.control("POST", "/_amiflow/autoscaling/refreshes/finish", {"group": "shapes", "status": "Successful"})
    client.start_instance_refresh(AutoScalingGroupName="shapes")
    described = client.describe_instance_refreshes(AutoScalingGroupName="shapes", MaxRecords=1)
    client.describe_instance_refreshes(AutoScalingGroupName="shapes", NextToken=described["NextToken"])
    assert len(seen) == 4
    for op, body in seen:
        root = ET.fromstring(body)
        assert root.tag == f"{{{autoscaling.metadata['xmlNamespace']}}}{op}Response"
        result = root.find(f"{{{autoscaling.metadata['xmlNamespace']}}}{op}Result")
        assert problems_xml(autoscaling.operation_model(op).output_shape, result) == [], op


def test_organizations_empty_pages_name_the_models_list_members():
    organizations = model("organizations")
    for op, member in LISTS.items():
        shape = organizations.operation_model(op).output_shape
        assert shape.members[member].type_name == "list" and "NextToken" in shape.members, op
        assert "TooManyRequestsException" in {e.name for e in organizations.operation_model(op).error_shapes}
