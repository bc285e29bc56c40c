"""Image Builder, REST-JSON: GET /GetImage?imageBuildVersionArn=... (an image of the caller's Region)."""
from __future__ import annotations

import re

from .wire import Request, Service, ServiceError, json_body

ARN = re.compile(r"^arn:aws[^:]*:imagebuilder:[^:]+:(?:[0-9]{12}|aws):image/[a-z0-9-_]+/[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$")
ROUTES = {("GET", "/GetImage"): "GetImage"}


class ImageBuilder(Service):
    name = "imagebuilder"
    unknown_operation = "UnknownOperationException"
    denied = (403, "AccessDeniedException")
    members = {"GetImage": ("imageBuildVersionArn",)}

    def operation(self, req: Request) -> str | None:
        return ROUTES.get((req.command, req.url.path))

    def arguments(self, req: Request) -> dict:
        return req.query()

    def answer(self, op: str, result, request_id: str) -> tuple[str, bytes]:
        return "application/json", json_body({"requestId": request_id, **result})

    def error(self, e: ServiceError, request_id: str) -> tuple[str, bytes, dict]:
        return "application/json", json_body({"message": e.message}), {"x-amzn-ErrorType": e.code}

    def GetImage(self, query, ctx):
        arn = query.get("imageBuildVersionArn")
        if not arn or not ARN.match(arn):
            raise ServiceError(400, "InvalidRequestException", f"imageBuildVersionArn {arn!r} is not valid")
        with self.world.lock:
            image = self.world.images.get(arn)
        if image is None or arn.split(":")[3] != ctx.region:
            raise ServiceError(404, "ResourceNotFoundException", f"The image {arn} does not exist")
        return {"image": image}
