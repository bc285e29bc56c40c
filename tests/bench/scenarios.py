"""The benchmark's scenarios: what the fake holds before a run, the event and environment the
function gets, and what the fake holds afterwards.

A grid scenario (`RxA`) is an image with one AMI per (Region, account) placement and a policy that
targets every placement: one parameter /amiflow/bench/latest per placement (every other Region's in
the Advanced tier, which a write must keep), or one launch template tagged amiflow:managed=true.
`unmanaged2000` is one placement holding 2,000 launch templates without amiflow's tags beside 10
managed ones that the policy selects by tag: what reading a crowded account costs in memory.

Every AMI of the image, and of the build before it, exists in the fake's EC2 tagged as Image Builder
tags its output (`Ec2ImageBuilderArn` = the build version ARN, `CreatedBy` = EC2 Image Builder).
States: "first" (targets hold the previous build's AMI, written by amiflow: each is updated),
"steady" (they hold the new AMI already: each is unchanged) and "untagged" (as "first", but no
template carries amiflow's `amiflow:version` tags yet, as before amiflow tagged them: each
template's versions are read).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from fake import HOME_ACCOUNT as HOME, BASE_ACCESS_KEY, BASE_SECRET_KEY
from fake import Ami, Parameter, Template, TemplateVersion, World, stable_id

SSM, LT = "update-ssm-parameters", "update-launch-templates"
HOME_REGION = "us-east-1"
ROLE = "amiflow-target"
REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
    "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2",
]
IMAGE_NAME = "amiflow-bench"
PIPELINE = f"arn:aws:imagebuilder:{HOME_REGION}:{HOME}:image-pipeline/{IMAGE_NAME}"
PREVIOUS = f"arn:aws:imagebuilder:{HOME_REGION}:{HOME}:image/{IMAGE_NAME}/1.0.0/1"
NEW = f"arn:aws:imagebuilder:{HOME_REGION}:{HOME}:image/{IMAGE_NAME}/1.0.0/2"
PARAMETER = "/amiflow/bench/latest"
MANAGED = {"amiflow:managed": "true"}
MATCH = {"imageName": IMAGE_NAME}
EVERYWHERE = {"regions": ["*"], "accounts": ["*"]}


@dataclass(frozen=True)
class Scenario:
    regions: int
    accounts: int
    managed: int = 1  # launch templates amiflow manages, per placement
    unmanaged: int = 0  # launch templates without amiflow's tags, per placement
    functions: tuple[str, ...] = (SSM, LT)

    @property
    def placements(self) -> int:
        return self.regions * self.accounts

    def targets(self, function: str) -> int:
        return self.placements * (self.managed if function == LT else 1)

    def where(self) -> tuple[list[str], list[str]]:
        return REGIONS[:self.regions], [HOME] + [f"2{i:011d}" for i in range(1, self.accounts)]


SCENARIOS = {
    "1x1": Scenario(1, 1), "16x1": Scenario(16, 1), "16x10": Scenario(16, 10), "16x50": Scenario(16, 50),
    "16x200": Scenario(16, 200), "unmanaged2000": Scenario(1, 1, managed=10, unmanaged=2000, functions=(LT,)),
}

FUNCTIONS = {
    SSM: {"short": "ssm", "logical_id": "UpdateSsmParametersFunction", "session": "amiflow-update-ssm-parameters",
          "policy": {"rules": [{"name": "bench", "match": MATCH,
                                "ssmParameters": [{"name": PARAMETER, **EVERYWHERE}]}]}},
    LT: {"short": "lt", "logical_id": "UpdateLaunchTemplatesFunction", "session": "amiflow-update-launch-templates",
         "policy": {"rules": [{"name": "bench", "match": MATCH, "launchTemplates": [
             {"tag": {"key": "amiflow:managed", "value": "true"}, **EVERYWHERE}]}]}},
}


def provenance(arn: str, ami: str) -> str:
    return f"amiflow: {ami} of {arn}"


def amiflow_in(account: str, function: str) -> str:
    """Who the function's writes in `account` are recorded as: itself at home, its session of the
    target role elsewhere."""
    if account == HOME:
        return f"arn:aws:iam::{HOME}:user/bench"
    return f"arn:aws:sts::{account}:assumed-role/{ROLE}/{FUNCTIONS[function]['session']}"


def ami_id(build_arn: str, region: str, account: str) -> str:
    return stable_id("ami-", build_arn, region, account)


def template_id(region: str, account: str, n: int, managed: bool = True) -> str:
    return stable_id("lt-", region, account, "managed" if managed else "other", str(n))


def image(regions: list[str], accts: list[str]) -> dict:
    return {
        "arn": NEW, "name": IMAGE_NAME, "type": "AMI", "version": "1.0.0/2", "platform": "Linux",
        "osVersion": "Amazon Linux 2023", "state": {"status": "AVAILABLE"},
        "sourcePipelineArn": PIPELINE, "buildType": "SCHEDULED", "imageSource": "CUSTOM",
        "dateCreated": "2026-11-22T10:00:00.000Z", "tags": {"Stage": "bench"},
        "outputResources": {"amis": [
            {"region": r, "image": ami_id(NEW, r, a), "name": f"{IMAGE_NAME} 2026-11-22T10-00-00Z",
             "description": f"{IMAGE_NAME} 1.0.0/2", "accountId": a, "state": {"status": "AVAILABLE"}}
            for r in regions for a in accts]},
    }


def version(number: int, ami: str, description: str | None) -> TemplateVersion:
    return TemplateVersion(number, {"ImageId": ami, "InstanceType": "t3.micro"}, description)


def seed(world: World, function: str, scenario: Scenario, state: str) -> None:
    regions, accts = scenario.where()
    world.clear()
    world.put_image(image(regions, accts))
    for a in accts[1:]:
        world.add_role(a, ROLE)
    for ri, r in enumerate(regions):
        for a in accts:
            for build in (PREVIOUS, NEW):
                world.put_ami(Ami(ami_id(build, r, a), r, a, f"{IMAGE_NAME} {build.rsplit('/', 2)[-2]}",
                                  {"Ec2ImageBuilderArn": build, "CreatedBy": "EC2 Image Builder"}))
            held = NEW if state == "steady" else PREVIOUS
            if function == SSM:
                # The previous build's value (or the new one, in "steady"), as amiflow wrote it.
                held_ami = ami_id(held, r, a)
                world.put_parameter(r, a, Parameter(PARAMETER, held_ami, "String", "aws:ec2:image",
                                                    provenance(held, held_ami), 1 + (held == NEW),
                                                    tier="Advanced" if ri % 2 else "Standard",
                                                    writer=amiflow_in(a, function)))
                continue
            for n in range(scenario.managed):
                versions = {1: version(1, stable_id("ami-", "by-hand", r, a), "created by hand"),
                            2: version(2, ami_id(PREVIOUS, r, a), provenance(PREVIOUS, ami_id(PREVIOUS, r, a)))}
                if state == "steady":
                    versions[3] = version(3, ami_id(NEW, r, a), provenance(NEW, ami_id(NEW, r, a)))
                # The tags amiflow puts beside each version it creates: its number and record.
                last = versions[max(versions)]
                tags = {**MANAGED, "Name": "web"}
                if state != "untagged":
                    tags.update({"amiflow:version": str(last.number), "amiflow:record": last.description})
                world.put_template(r, a, Template(template_id(r, a, n), f"{IMAGE_NAME}-web-{n}",
                                                  tags, versions, max(versions)))
            for n in range(scenario.unmanaged):
                world.put_template(r, a, Template(template_id(r, a, n, managed=False), f"other-app-{n}",
                                                  {"Name": f"other-app-{n}", "team": "other"},
                                                  {1: version(1, stable_id("ami-", "other", r, a), None)}, 1))


def afterwards(world: World, function: str, scenario: Scenario) -> tuple[int, int]:
    """How many targets hold the new AMI, and how many things the run should have left alone and
    did not: a parameter whose tier changed, an unmanaged template with another version."""
    regions, accts = scenario.where()
    held = disturbed = 0
    with world.lock:
        for ri, r in enumerate(regions):
            for a in accts:
                new = ami_id(NEW, r, a)
                if function == SSM:
                    p = world.parameters_of(r, a).get(PARAMETER)
                    held += bool(p and p.value == new)
                    disturbed += bool(p and p.tier != ("Advanced" if ri % 2 else "Standard"))
                    continue
                templates = world.templates_of(r, a)
                for n in range(scenario.managed):
                    t = templates.get(template_id(r, a, n))
                    held += bool(t and t.versions[t.default].data.get("ImageId") == new)
                for n in range(scenario.unmanaged):
                    t = templates.get(template_id(r, a, n, managed=False))
                    disturbed += not (t and t.default == 1 and list(t.versions) == [1])
    return held, disturbed


def sessions(world: World, function: str) -> list[str]:
    """What is amiss in the run's AssumeRole calls: another session name, an account assumed twice."""
    with world.lock:
        seen = list(world.sessions)
    want = FUNCTIONS[function]["session"]
    notes = [f"AssumeRole as session {s!r} in {a} (expected {want!r})" for a, s in dict.fromkeys(seen) if s != want]
    twice = len(seen) - len(set(seen))
    if twice:
        notes.append(f"{twice} AssumeRole calls more than one per account")
    return notes


def event() -> dict:
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "EC2 Image Builder Image State Change",
        "source": "aws.imagebuilder", "account": HOME, "time": "2026-11-22T10:15:30Z", "region": HOME_REGION,
        "resources": [NEW],
        "detail": {"previous-state": {"status": "DISTRIBUTING"}, "state": {"status": "AVAILABLE"}},
    }


def function_env(function: str, fake_url: str, max_concurrency: int | None, memory_mb: int) -> dict:
    env = {
        "PATH": "/usr/bin:/bin",
        "AWS_LAMBDA_FUNCTION_NAME": function,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        # As Lambda sets it from the template's ApplicationLogLevel (LogLevel, INFO by default): the
        # report is logged at INFO, as it is there. (RUST_LOG is not set on Lambda.)
        "AWS_LAMBDA_LOG_LEVEL": "INFO",
        "AWS_REGION": HOME_REGION,
        "AWS_DEFAULT_REGION": HOME_REGION,
        "AWS_ENDPOINT_URL": fake_url,
        "AWS_ACCESS_KEY_ID": BASE_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": BASE_SECRET_KEY,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AMIFLOW_CROSS_ACCOUNT_ROLE": ROLE,
        "AMIFLOW_POLICY": json.dumps(FUNCTIONS[function]["policy"]),
    }
    if max_concurrency:
        env["AMIFLOW_MAX_CONCURRENCY"] = str(max_concurrency)
    return env
