"""The moto front's control API: how a test fills Image Builder, reads the request log and asks for
errors, on the endpoint the functions call (paths under /_amiflow/, JSON in and out, no auth).

  GET  /_amiflow/                                  {"ok": true} (readiness)
  POST /_amiflow/imagebuilder/images               an image (GetImage's `image`) or {"image": {...}}
                                                   -> {"arn": ...}
  POST /_amiflow/imagebuilder/configurations       a distribution configuration (has `arn`), or
                                                   {"distributionConfiguration": {...}} -> {"arn": ...}
  GET  /_amiflow/imagebuilder/images?arn=ARN       the stored image, or 404
  GET  /_amiflow/requests?service=&operation=&contains=&region=
                                                   [{"service", "operation", "region", "account",
                                                   "body"}, ...] in arrival order, each filter optional
  POST /_amiflow/faults                            {"service", "operation"?, "contains"?, "region"?,
                                                   "code", "status", "times"} -> {"ok": true}
  POST /_amiflow/storm                             {"rate", "seed"?, "services"?, "regions"?}
                                                   -> the storm's state
  GET  /_amiflow/storm                             {"rate", "seed", "services", "counts":
                                                   {service: {operation: n}}}
  POST /_amiflow/sts/refuse                        {"accounts": [...]}: the refused accounts become
                                                   these ([] refuses none) -> {"refused": [...]}
  POST /_amiflow/autoscaling/refreshes/finish      {"group"?, "status", "statusReason"?}
                                                   -> {"finished": [refresh ids]}
  POST /_amiflow/organizations/empty-pages         {"times": n} -> {"remaining": n}

A malformed request is 400 `{"error": ...}`; an unknown path 404.
"""
from __future__ import annotations

import json
import re


class Refused(Exception):
    """A control request this API cannot act on: (status, message)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def need(body: dict, member: str, kind, optional: bool = False):
    value = body.get(member)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise Refused(400, f"{member} must be a {getattr(kind, '__name__', kind)}")
    return value


def handle(front, method: str, path: str, query: dict, raw: bytes) -> tuple[int, object]:
    try:
        body = json.loads(raw or b"{}")
        if not isinstance(body, dict):
            raise ValueError("not a JSON object")
    except ValueError as e:
        return 400, {"error": f"the body is not a JSON object: {e}"}
    route = ROUTES.get((method, path.rstrip("/") or "/_amiflow"))
    if route is None:
        return 404, {"error": f"no control route {method} {path}"}
    try:
        return 200, route(front, query, body)
    except Refused as e:
        return e.status, {"error": str(e)}
    except ValueError as e:
        return 400, {"error": str(e)}


def ready(front, query, body):
    return {"ok": True}


def put_image(front, query, body):
    return {"arn": front.images.put_image(body)["arn"]}


def put_configuration(front, query, body):
    return {"arn": front.images.put_configuration(body)["arn"]}


def get_image(front, query, body):
    image = front.images.image(query.get("arn", ""))
    if image is None:
        raise Refused(404, f"no image {query.get('arn')!r}")
    return image


def requests(front, query, body):
    return front.log.matching(query.get("service"), query.get("operation"), query.get("contains"),
                              query.get("region"))


def fault(front, query, body):
    status = need(body, "status", int)
    if not 400 <= status <= 599:
        raise Refused(400, "status is an HTTP error status (400 to 599)")
    front.faults.fail_next(need(body, "service", str), need(body, "operation", str, True),
                           need(body, "contains", str, True), need(body, "code", str), status,
                           need(body, "times", int), need(body, "region", str, True))
    return {"ok": True}


def storm(front, query, body):
    rate = need(body, "rate", (int, float))
    services = need(body, "services", list, True)
    regions = need(body, "regions", list, True)
    front.faults.storm(float(rate), need(body, "seed", int, True), services, regions)
    return front.faults.storm_state()


def storm_state(front, query, body):
    return front.faults.storm_state()


def refuse(front, query, body):
    accounts = need(body, "accounts", list)
    if not all(isinstance(a, str) and re.fullmatch(r"\d{12}", a) for a in accounts):
        raise Refused(400, "accounts are 12-digit account ids")
    front.refused = frozenset(accounts)
    return {"refused": sorted(front.refused)}


def finish(front, query, body):
    ended = front.refreshes.finish(need(body, "group", str, True), need(body, "status", str),
                                   need(body, "statusReason", str, True))
    return {"finished": ended}


def empty_pages(front, query, body):
    return {"remaining": front.empty_pages.arm(need(body, "times", int))}


ROUTES = {
    ("GET", "/_amiflow"): ready,
    ("POST", "/_amiflow/imagebuilder/images"): put_image,
    ("GET", "/_amiflow/imagebuilder/images"): get_image,
    ("POST", "/_amiflow/imagebuilder/configurations"): put_configuration,
    ("GET", "/_amiflow/requests"): requests,
    ("POST", "/_amiflow/faults"): fault,
    ("POST", "/_amiflow/storm"): storm,
    ("GET", "/_amiflow/storm"): storm_state,
    ("POST", "/_amiflow/sts/refuse"): refuse,
    ("POST", "/_amiflow/autoscaling/refreshes/finish"): finish,
    ("POST", "/_amiflow/organizations/empty-pages"): empty_pages,
}
