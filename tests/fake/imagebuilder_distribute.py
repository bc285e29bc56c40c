"""DistributeImage, checked as the service documents it (ported from the Rust stand-in that the
integration tests asserted on, check for check and code for code):

  - sourceImage, distributionConfigurationArn, executionRole and clientToken are required and not
    empty (InvalidRequestException); sourceImage at most 1,024 characters; the configuration ARN and
    the role (at most 2,048) match the model's patterns; clientToken at most 64 characters
  - tags: at most 50, keys neither empty nor starting with `aws:` (InvalidRequestException); keys
    of at most 128 and values of at most 256 characters (InvalidParameterValueException, the code
    the stand-in took for a value out of range: the model declares no code for it)
  - the configuration must be in the Region the request was signed for (InvalidRequestException)
  - a client token seen before answers the first answer again when the request is the same, and
    IdempotentParameterMismatchException when it is not
  - an unknown configuration, or an image ARN as the source that is not stored, is
    ResourceNotFoundException (404); a source image that is not AVAILABLE is InvalidRequestException

The product is a new build of the source: its name and version with the next build number (an AMI
id or other non-ARN source gives `distributed/1.0.0`), the request's tags, the configuration as its
`distributionConfiguration`, new AMI ids, state AVAILABLE, buildType IMPORT. It does not come from
the source's pipeline, so it carries no `sourcePipelineArn`.
"""
from __future__ import annotations

import copy
import time

from .imagebuilder_arns import BUILD_ARN, CONFIGURATION_ARN, EXECUTION_ROLE, parts
from .imagebuilder_store import ImageStore
from .wire import Context, ServiceError, iso

REQUIRED = ("sourceImage", "distributionConfigurationArn", "executionRole", "clientToken")


def invalid(message: str) -> ServiceError:
    return ServiceError(400, "InvalidRequestException", message)


def check(request: dict, ctx: Context) -> dict:
    """The request's checks, in the stand-in's order; answers its tags."""
    text = {m: request.get(m) for m in REQUIRED}
    for member, value in text.items():
        if not isinstance(value, str) or not value:
            raise invalid(f"{member} is required")
    if len(text["sourceImage"]) > 1024:
        raise invalid("sourceImage is longer than 1024")
    if not CONFIGURATION_ARN.match(text["distributionConfigurationArn"]):
        raise invalid(f"distributionConfigurationArn does not match {CONFIGURATION_ARN.pattern}")
    if len(text["executionRole"]) > 2048 or not EXECUTION_ROLE.match(text["executionRole"]):
        raise invalid(f"executionRole does not match {EXECUTION_ROLE.pattern}")
    if len(text["clientToken"]) > 64:
        raise invalid("clientToken is longer than 64")
    tags = request.get("tags") if isinstance(request.get("tags"), dict) else {}
    if len(tags) > 50 or any(not k or k.startswith("aws:") for k in tags):
        raise invalid("tags: at most 50, keys not empty and not starting with aws:")
    for key, value in tags.items():
        length = len(value) if isinstance(value, str) else 0
        if len(key) > 128 or length > 256:
            raise ServiceError(400, "InvalidParameterValueException",
                               f"tags: key {key!r} ({len(key)} characters) or its value ({length} characters) is "
                               "too long: keys at most 128, values at most 256")
    region = text["distributionConfigurationArn"].split(":")[3]
    if ctx.region and ctx.region != region:
        raise invalid(f"The distribution configuration must be in the same Region as this operation ({ctx.region})")
    return tags


def distribute_image(store: ImageStore, request: dict, ctx: Context) -> dict:
    tags = check(request, ctx)
    token = (ctx.account, request["clientToken"])
    configuration_arn = request["distributionConfigurationArn"]
    with store.lock:
        if token in store.tokens:
            previous, answer = store.tokens[token]
            if previous == request:
                return dict(answer)
            raise ServiceError(400, "IdempotentParameterMismatchException",
                               f"client token {request['clientToken']} was already used with different parameters")
        configuration = store.configurations.get(configuration_arn)
        if configuration is None:
            raise ServiceError(404, "ResourceNotFoundException",
                               f"The distribution configuration {configuration_arn} does not exist")
        product = product_image(store, request["sourceImage"], configuration, tags)
        store.images[product["arn"]] = product
        answer = {"clientToken": request["clientToken"], "imageBuildVersionArn": product["arn"]}
        store.tokens[token] = (copy.deepcopy(request), answer)
    return dict(answer)


def product_image(store: ImageStore, source: str, configuration: dict, tags: dict) -> dict:
    """The image DistributeImage makes (the caller holds the store's lock)."""
    if BUILD_ARN.match(source):
        image = store.images.get(source)
        if image is None:
            raise ServiceError(404, "ResourceNotFoundException", f"The image {source} does not exist")
        if (image.get("state") or {}).get("status") != "AVAILABLE":
            raise invalid(f"The image {source} is not AVAILABLE")
        prefix, base = source.rsplit("/", 1)[0], copy.deepcopy(image)
    else:
        _, _, _, region, account, _ = (configuration["arn"].split(":", 5) + [""] * 6)[:6]
        prefix = f"arn:aws:imagebuilder:{region or 'us-east-1'}:{account or '123456789012'}:image/distributed/1.0.0"
        base = {"name": "distributed"}
    build = 1 + max((parts(arn)[4] for arn in store.images if BUILD_ARN.match(arn) and arn.rsplit("/", 1)[0] == prefix),
                    default=0)
    store.distributed += 1
    base.pop("sourcePipelineArn", None)
    base.update(arn=f"{prefix}/{build}", version=f"{prefix.rsplit('/', 1)[1]}/{build}", tags=dict(tags),
                state={"status": "AVAILABLE"}, distributionConfiguration=copy.deepcopy(configuration),
                buildType="IMPORT",
                dateCreated=iso(time.time()))
    for n, ami in enumerate((base.get("outputResources") or {}).get("amis") or []):
        ami["image"] = f"ami-0d{store.distributed:011x}{n:04x}"
    return base
