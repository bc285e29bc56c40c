"""Image Builder, REST-JSON (2019-12-02): the operations amiflow calls and the lists its reconcile
reads, one class for both servers (the benchmark's asyncio fake and the moto front).

  GET  /GetImage?imageBuildVersionArn=   an image of the caller's Region, by build version ARN
  PUT  /DistributeImage                  imagebuilder_distribute.py
  POST /ListImages                       imagebuilder_lists.py
  POST /ListImageBuildVersions           imagebuilder_lists.py
  POST /ListImagePipelineImages          imagebuilder_lists.py

Every answer carries the `x-amzn-RequestId` header, and `requestId` in its body where the output
shape has that member (every operation here but DistributeImage); an error carries its code in `x-amzn-ErrorType` and `{"message"}`.
A member the model does not give the operation is refused (InvalidRequestException, listed as not
served), so a client drifting from the model shows instead of being half-answered.
"""
from __future__ import annotations

import json

from . import errors
from .imagebuilder_arns import BUILD_ARN, VERSION_OR_BUILD_ARN
from .imagebuilder_distribute import distribute_image
from .imagebuilder_lists import list_image_build_versions, list_image_pipeline_images, list_images
from .imagebuilder_store import ImageStore
from .wire import Request, Service, ServiceError, Unsupported, json_body

ROUTES = {
    ("GET", "/GetImage"): "GetImage",
    ("PUT", "/DistributeImage"): "DistributeImage",
    ("POST", "/ListImages"): "ListImages",
    ("POST", "/ListImageBuildVersions"): "ListImageBuildVersions",
    ("POST", "/ListImagePipelineImages"): "ListImagePipelineImages",
}
LIST_MEMBERS = ("filters", "maxResults", "nextToken")
NO_REQUEST_ID = frozenset({"DistributeImage"})  # its output shape has no `requestId` member


class ImageBuilder(Service):
    name = "imagebuilder"
    unknown_operation = "UnknownOperationException"
    unknown_member = "InvalidRequestException"
    denied = (403, "AccessDeniedException")
    members = {
        "GetImage": ("imageBuildVersionArn",),
        "DistributeImage": ("sourceImage", "distributionConfigurationArn", "executionRole", "tags", "clientToken",
                            "loggingConfiguration"),
        "ListImages": ("owner", "byName", "includeDeprecated", *LIST_MEMBERS),
        "ListImageBuildVersions": ("imageVersionArn", *LIST_MEMBERS),
        "ListImagePipelineImages": ("imagePipelineArn", *LIST_MEMBERS),
    }

    def __init__(self, store: ImageStore):
        super().__init__(None)
        self.store = store

    def operation(self, req: Request) -> str | None:
        return ROUTES.get((req.command, req.url.path))

    def arguments(self, req: Request) -> dict:
        if req.command == "GET":
            return req.query()
        try:
            body = json.loads(req.body or b"{}")
        except ValueError as e:
            raise ServiceError(400, "InvalidRequestException", f"the body is not JSON: {e}")
        if not isinstance(body, dict):
            raise ServiceError(400, "InvalidRequestException", "the body is not a JSON object")
        return body

    def answer(self, op: str, result, request_id: str) -> tuple[str, bytes]:
        head = {} if op in NO_REQUEST_ID else {"requestId": request_id}
        return "application/json", json_body({**head, **result})

    def error(self, e: ServiceError, request_id: str) -> tuple[str, bytes, dict]:
        return errors.rest_json(e, request_id)

    def GetImage(self, query, ctx):
        arn = query.get("imageBuildVersionArn")
        if not arn:
            raise ServiceError(400, "InvalidRequestException", "imageBuildVersionArn is required")
        if not VERSION_OR_BUILD_ARN.match(arn):
            raise ServiceError(400, "InvalidRequestException",
                               f"imageBuildVersionArn {arn!r} does not match {BUILD_ARN.pattern}")
        if not BUILD_ARN.match(arn):
            raise Unsupported(400, "InvalidRequestException",
                              f"the fake's GetImage takes a build version ARN only (amiflow sends no other): {arn}")
        image = self.store.image(arn)
        if image is None or (ctx.region and arn.split(":")[3] != ctx.region):
            raise ServiceError(404, "ResourceNotFoundException", f"The image {arn} does not exist")
        return {"image": image}

    def DistributeImage(self, request, ctx):
        return distribute_image(self.store, request, ctx)

    def ListImages(self, request, ctx):
        return list_images(self.store, request, ctx)

    def ListImageBuildVersions(self, request, ctx):
        return list_image_build_versions(self.store, request, ctx)

    def ListImagePipelineImages(self, request, ctx):
        return list_image_pipeline_images(self.store, request, ctx)
