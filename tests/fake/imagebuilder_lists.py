"""Image Builder's list operations over the stored builds, paged as the service pages them.

  ListImages               one ImageVersion per (name, x.y.z) of the caller's own images (owner
                           Self; every other owner lists nothing here), filters name, osVersion,
                           platform, type, version; byName keeps each name's newest version;
                           deprecated builds only with includeDeprecated
  ListImageBuildVersions   one ImageSummary per build of an image version (imageVersionArn), or of
                           every image of the caller's account and Region when it is absent; an
                           unknown version lists nothing, as the service documents
  ListImagePipelineImages  the builds whose image names the pipeline as `sourcePipelineArn`; an
                           unknown pipeline lists nothing

A page holds at most min(maxResults, 25) items (the service caps its pages at 25 whatever
maxResults asks) and a nextToken while more remain. maxResults outside 1..100 is
InvalidRequestException; a token that is not one this query gave is InvalidPaginationTokenException.
A `name` filter value may start or end with `*`; other filters match exactly; the values of one
filter are alternatives, and every filter must hold.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re

from .imagebuilder_arns import BUILD_ARN, PIPELINE_ARN, VERSION_ARN, dotted, parts
from .imagebuilder_store import ImageStore
from .wire import Context, ServiceError

PAGE_CAP = 25
FILTERS = {
    "ListImages": ("name", "osVersion", "platform", "type", "version"),
    "ListImageBuildVersions": ("name", "osVersion", "platform", "type", "version"),
    "ListImagePipelineImages": ("name", "version"),
}
OWNERS = ("Self", "Shared", "Amazon", "ThirdParty", "AWSMarketplace")


def invalid(message: str) -> ServiceError:
    return ServiceError(400, "InvalidRequestException", message)


def summary(image: dict) -> dict:
    """An ImageSummary of one stored build; its version and owner are read from its ARN."""
    _, account, _, version, build = parts(image["arn"])
    fields = {"arn": image["arn"], "name": image.get("name"), "type": image.get("type"),
              "version": f"{dotted(version)}/{build}", "platform": image.get("platform"),
              "osVersion": image.get("osVersion"), "state": image.get("state"), "owner": account,
              "dateCreated": image.get("dateCreated"), "outputResources": image.get("outputResources"),
              "tags": image.get("tags"), "buildType": image.get("buildType"), "imageSource": image.get("imageSource")}
    return {k: v for k, v in fields.items() if v is not None}


def image_version(newest: dict) -> dict:
    """The ImageVersion of the builds of one (name, x.y.z), described by its newest build."""
    _, account, _, version, _ = parts(newest["arn"])
    fields = {"arn": newest["arn"].rsplit("/", 1)[0], "name": newest.get("name"), "type": newest.get("type"),
              "version": dotted(version), "platform": newest.get("platform"), "osVersion": newest.get("osVersion"),
              "owner": account, "dateCreated": newest.get("dateCreated"), "buildType": newest.get("buildType"),
              "imageSource": newest.get("imageSource")}
    return {k: v for k, v in fields.items() if v is not None}


def wildcard(pattern: str) -> re.Pattern:
    return re.compile(".*".join(re.escape(piece) for piece in pattern.split("*")))


def filter_check(op: str, filters) -> list[tuple[str, list[str]]]:
    """The request's filters, checked as the model bounds them and against the names `op` takes."""
    if filters is None:
        return []
    if not isinstance(filters, list) or not 1 <= len(filters) <= 10:
        raise invalid("filters: from 1 to 10 filters")
    out = []
    for f in filters:
        name, values = (f or {}).get("name"), (f or {}).get("values")
        if name not in FILTERS[op]:
            raise invalid(f"The filter name {name!r} is not valid for {op}: use one of {', '.join(FILTERS[op])}")
        if not isinstance(values, list) or not 1 <= len(values) <= 10 or not all(isinstance(v, str) for v in values):
            raise invalid(f"filter {name}: from 1 to 10 values")
        out.append((name, values))
    return out


def passes(image: dict, filters: list[tuple[str, list[str]]]) -> bool:
    _, _, _, version, build = parts(image["arn"])
    for name, values in filters:
        if name == "name":
            ok = any(wildcard(v).fullmatch(image.get("name") or "") for v in values)
        elif name == "version":
            ok = dotted(version) in values or f"{dotted(version)}/{build}" in values
        else:
            ok = image.get(name) in values
        if not ok:
            return False
    return True


def fingerprint(op: str, args: dict) -> str:
    query = {k: v for k, v in args.items() if k not in ("nextToken", "maxResults")}
    return hashlib.sha256(json.dumps([op, query], sort_keys=True).encode()).hexdigest()[:16]


def page(items: list, op: str, args: dict) -> tuple[list, str | None]:
    size = args.get("maxResults", PAGE_CAP)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 100:
        raise invalid(f"maxResults must be an integer from 1 to 100, got {size!r}")
    size = min(size, PAGE_CAP)
    start, token = 0, args.get("nextToken")
    if token is not None:
        try:
            kind, mark, offset = base64.urlsafe_b64decode(token.encode()).decode().split(":")
            start = int(offset)
            if kind != op or mark != fingerprint(op, args) or start < 0:
                raise ValueError(token)
        except (ValueError, AttributeError, UnicodeError):
            raise ServiceError(400, "InvalidPaginationTokenException", f"nextToken {token!r} is not valid for this request")
    end = start + size
    nxt = base64.urlsafe_b64encode(f"{op}:{fingerprint(op, args)}:{end}".encode()).decode() if end < len(items) else None
    return items[start:end], nxt


def builds(store: ImageStore, keep) -> list[dict]:
    """The stored builds `keep` accepts, oldest version first (name, x.y.z as numbers, build); an
    image stored under another kind of ARN is no build, and never listed."""
    with store.lock:
        found = [image for arn, image in store.images.items() if BUILD_ARN.match(arn) and keep(arn, image)]
    return sorted(found, key=lambda image: parts(image["arn"])[2:])


def own(ctx: Context):
    return lambda arn, _image: arn.split(":")[4] == ctx.account and (not ctx.region or arn.split(":")[3] == ctx.region)


def paged(op: str, key: str, items: list, args: dict) -> dict:
    chunk, nxt = page(items, op, args)
    return {key: chunk, **({"nextToken": nxt} if nxt else {})}


def list_images(store: ImageStore, args: dict, ctx: Context) -> dict:
    owner = args.get("owner", "Self")
    if owner not in OWNERS:
        raise invalid(f"owner must be one of {', '.join(OWNERS)}")
    filters = filter_check("ListImages", args.get("filters"))
    found = [] if owner != "Self" else builds(store, own(ctx))
    if not args.get("includeDeprecated"):
        found = [b for b in found if (b.get("state") or {}).get("status") != "DEPRECATED"]
    found = [b for b in found if passes(b, filters)]
    newest: dict[tuple, dict] = {}
    for b in found:  # oldest first: the last build of each key is its newest
        _, _, segment, version, _ = parts(b["arn"])
        newest[(segment,) if args.get("byName") else (segment, version)] = b
    return paged("ListImages", "imageVersionList", [image_version(b) for b in newest.values()], args)


def list_image_build_versions(store: ImageStore, args: dict, ctx: Context) -> dict:
    version_arn = args.get("imageVersionArn")
    if version_arn is not None and not (isinstance(version_arn, str) and VERSION_ARN.match(version_arn)):
        raise invalid(f"imageVersionArn {version_arn!r} does not match {VERSION_ARN.pattern}")
    filters = filter_check("ListImageBuildVersions", args.get("filters"))
    keep = own(ctx) if version_arn is None else (lambda arn, _image: arn.rsplit("/", 1)[0] == version_arn)
    found = [summary(b) for b in builds(store, keep) if passes(b, filters)]
    return paged("ListImageBuildVersions", "imageSummaryList", found, args)


def list_image_pipeline_images(store: ImageStore, args: dict, ctx: Context) -> dict:
    pipeline = args.get("imagePipelineArn")
    if not isinstance(pipeline, str) or not PIPELINE_ARN.match(pipeline):
        raise invalid(f"imagePipelineArn {pipeline!r} is required and must match {PIPELINE_ARN.pattern}")
    filters = filter_check("ListImagePipelineImages", args.get("filters"))
    found = [summary(b) for b in builds(store, lambda _arn, image: image.get("sourcePipelineArn") == pipeline)
             if passes(b, filters)]
    return paged("ListImagePipelineImages", "imageSummaryList", found, args)
