"""The ARN and name patterns Image Builder's model gives the members the fake reads, and what an
image build version ARN says: Region, account, name segment, version and build."""
from __future__ import annotations

import re

BUILD_ARN = re.compile(r"^arn:aws[^:]*:imagebuilder:[^:]+:(?:[0-9]{12}|aws):image/[a-z0-9-_]+/"
                       r"[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$")
VERSION_ARN = re.compile(r"^arn:aws[^:]*:imagebuilder:[^:]+:(?:[0-9]{12}|aws(?:-[a-z-]+)?):image/[a-z0-9-_]+/"
                         r"[0-9]+\.[0-9]+\.[0-9]+$")
# GetImage's member takes either; a version ARN may use `x` wildcards.
VERSION_OR_BUILD_ARN = re.compile(r"^arn:aws[^:]*:imagebuilder:[^:]+:(?:[0-9]{12}|aws(?:-[a-z-]+)?):image/[a-z0-9-_]+/"
                                  r"(?:(?:([0-9]+|x)\.([0-9]+|x)\.([0-9]+|x))|(?:[0-9]+\.[0-9]+\.[0-9]+/[0-9]+))$")
CONFIGURATION_ARN = re.compile(r"^arn:aws[^:]*:imagebuilder:[^:]+:(?:[0-9]{12}|aws):distribution-configuration/"
                               r"[a-z0-9-_]+$")
PIPELINE_ARN = re.compile(r"^arn:aws[^:]*:imagebuilder:[^:]+:(?:[0-9]{12}|aws):image-pipeline/[a-z0-9-_]+$")
EXECUTION_ROLE = re.compile(r"^(?:arn:aws(?:-[a-z]+)*:iam::[0-9]{12}:role/)?[a-zA-Z_0-9+=,.@\-_/]+$")


def parts(arn: str) -> tuple[str, str, str, tuple[int, ...], int]:
    """(Region, account, name segment, (x, y, z), build) of an image build version ARN."""
    fields = arn.split(":", 5)
    _, segment, version, build = fields[5].split("/")
    return fields[3], fields[4], segment, tuple(int(n) for n in version.split(".")), int(build)


def dotted(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))
