"""A WSGI front in moto's own process: every request passes it before moto, so the tests reach every
AWS service they need, and the test-only extensions of moto, on one endpoint (AWS_ENDPOINT_URL).

For each signed request, in order:
  1. it is recorded in the request log (requestlog.py): service from the SigV4 credential scope,
     operation, the caller's Region and account (as moto resolves the access key), the body parsed;
  2. an injected fault or a storm's throttling due for it (faults.py) is answered, in the
     service's own error shape (errors.py);
  3. Image Builder is answered here (imagebuilder.py, with its own images and configurations);
     Auto Scaling's StartInstanceRefresh and DescribeInstanceRefreshes too (autoscaling.py, over
     moto's groups); STS AssumeRole into a refused account is AccessDenied (403), as STS answers a
     role that does not trust the caller; an Organizations list call may get an empty page
     (organizations.py);
  4. everything else goes to moto unchanged.
Unsigned requests (moto's own /moto-api/, the readiness probe) go to moto unrecorded, and paths
under /_amiflow/ are the control API (control.py). Needs moto: mounted by scripts/moto_server.py.
"""
from __future__ import annotations

import io
import sys
import traceback
import uuid
from http import HTTPStatus

from . import control, errors, sigv4
from .autoscaling import InstanceRefreshes
from .faults import Faults
from .imagebuilder import ImageBuilder
from .imagebuilder_store import ImageStore
from .moto_autoscaling import MotoGroups, patch_launch_versions
from .moto_identity import account_of, caller_arn
from .organizations import EmptyPages
from .requestlog import RequestLog, operation_of, parsed_body
from .wire import Context, Headers, Request, ServiceError, Unsupported, json_body, query_params

Answer = tuple[int, str, bytes, dict]


def body_of(environ) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    if environ.get("wsgi.input_terminated"):
        return stream.read()
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return stream.read(length) if length else b""


def request_of(environ, body: bytes) -> Request:
    headers = Headers({k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")})
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    query = environ.get("QUERY_STRING", "")
    return Request(environ["REQUEST_METHOD"], environ.get("PATH_INFO", "") + (f"?{query}" if query else ""),
                   headers, body)


class MotoFront:
    def __init__(self, app, groups=None):
        self.app = app
        self.log = RequestLog()
        self.faults = Faults()
        self.images = ImageStore()
        self.imagebuilder = ImageBuilder(self.images)
        self.refreshes = InstanceRefreshes(groups if groups is not None else MotoGroups())
        self.empty_pages = EmptyPages()
        self.refused: frozenset[str] = frozenset()  # accounts whose role does not trust the caller
        patch_launch_versions()

    def __call__(self, environ, start_response):
        body = body_of(environ)
        path = environ.get("PATH_INFO", "")
        if path == "/_amiflow" or path.startswith("/_amiflow/"):
            status, value = control.handle(self, environ["REQUEST_METHOD"], path,
                                           query_params(environ.get("QUERY_STRING", "")), body)
            return self.reply(start_response, (status, "application/json", json_body(value), {}))
        req = request_of(environ, body)
        auth = sigv4.parse_authorization(req.headers.get("Authorization", ""))
        if auth is None:
            return self.forward(environ, body, start_response)
        service, region, query = auth["service"], auth["region"], req.query()
        args = parsed_body(req.command, req.headers.get("Content-Type", ""), body, req.url.query)
        op = operation_of(req.command, req.url.path, req.headers.get("X-Amz-Target"), args, query)
        ctx = Context(region, account_of(auth["akid"], req.headers), auth["akid"])
        entry = self.log.record(service, op, region, ctx.account, args)
        request_id = str(uuid.uuid4())
        try:
            injected = self.faults.due(service, op, lambda: entry.text, region)
            if injected is not None:
                raise injected
            answer = self.serve(service, op, req, ctx, args, request_id)
        except ServiceError as e:
            if isinstance(e, Unsupported):
                print(f"moto-front: not served: {service}:{op} {req.command} {req.path}: {e.message}",
                      file=sys.stderr, flush=True)
            answer = (e.status, *errors.render(service, e, request_id))
        except Exception as e:  # a bug in the front: visible in moto's log, answered as the service would
            traceback.print_exc(file=sys.stderr)
            answer = (500, *errors.render(service, ServiceError(500, "InternalFailure", repr(e)), request_id))
        if answer is None:
            return self.forward(environ, body, start_response)
        if isinstance(answer, bytes):  # a new body for moto
            return self.forward(environ, answer, start_response)
        status, content_type, payload, extra = answer
        return self.reply(start_response, (status, content_type, payload, {"x-amzn-RequestId": request_id, **extra}))

    def serve(self, service: str, op: str, req: Request, ctx: Context, args: dict, request_id: str):
        """This front's own answer (status, content type, payload, headers), a new body for moto,
        or None: moto answers."""
        if service == "imagebuilder":
            return self.served(self.imagebuilder, req, ctx, request_id)
        if service == "autoscaling" and op in self.refreshes.members:
            return self.served(self.refreshes, req, ctx, request_id)
        if service == "sts" and op == "AssumeRole":
            self.refuse(args.get("RoleArn") or "", ctx)
        if service == "organizations":
            answer, forwarded = self.empty_pages.intercept(op, args)
            if answer is not None:
                return 200, errors.JSON_11, json_body(answer), {}
            if forwarded is not None:
                return json_body(forwarded)
        return None

    @staticmethod
    def served(handler, req: Request, ctx: Context, request_id: str) -> Answer:
        """`handler`'s answer; its errors are raised, for __call__ to answer in the service's shape."""
        op = handler.operation(req) or f"UNKNOWN:{req.command} {req.url.path}"
        content_type, payload = handler.handle(op, req, ctx, request_id)
        return 200, content_type, payload, {}

    def refuse(self, role_arn: str, ctx: Context) -> None:
        """AccessDenied, as STS words it, when the role's account is one the test refused."""
        fields = role_arn.split(":")
        if len(fields) > 4 and fields[4] in self.refused:
            try:
                caller = caller_arn(ctx.access_key, ctx.account, ctx.region)
            except Exception:  # moto does not know the key: name the account
                caller = f"arn:aws:iam::{ctx.account}:root"
            raise ServiceError(403, "AccessDenied", f"User: {caller} is not authorized to perform: sts:AssumeRole "
                                                    f"on resource: {role_arn}")

    def forward(self, environ, body: bytes, start_response):
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)

    @staticmethod
    def reply(start_response, answer: Answer):
        status, content_type, payload, extra = answer
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        start_response(f"{status} {phrase}",
                       [("Content-Type", content_type), ("Content-Length", str(len(payload))), *extra.items()])
        return [payload]
