"""Every request a test's endpoint received, as a test asks about it: which service and operation,
the caller's Region and account, and the body parsed (a JSON object for the JSON protocols, the
form fields for the query protocols, the query parameters for a GET). `contains` matches a
substring of the body serialised as compact JSON (`{"k":"v"}`, what serde_json writes), so a test
written against the Rust stand-in's log matches the same text here.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass

from .wire import query_params


def parsed_body(method: str, content_type: str, body: bytes, query: str) -> dict:
    """The request's arguments as a dict: query parameters for a GET (or a request with no body),
    form fields for a form-encoded body, else the JSON object (a body that is no JSON object is
    kept as `{"raw": text}`)."""
    if method == "GET" or not body:
        return query_params(query)
    text = body.decode("utf-8", "replace")
    if content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
        return query_params(text)
    try:
        value = json.loads(text)
    except ValueError:
        return {"raw": text}
    return value if isinstance(value, dict) else {"raw": text}


def compact(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def operation_of(method: str, path: str, target: str | None, body: dict, query: dict) -> str:
    """The operation a request names: X-Amz-Target's (JSON protocols), else the query protocols'
    `Action`, else the first segment of a REST path (`PUT /DistributeImage` -> DistributeImage)."""
    if target:
        return target.rsplit(".", 1)[-1]
    action = body.get("Action") if method != "GET" else None
    action = action or query.get("Action")
    if action:
        return action
    return path.strip("/").split("/", 1)[0] or f"{method} /"


@dataclass
class Entry:
    service: str
    operation: str
    region: str
    account: str
    body: dict
    text: str  # the body as compact JSON, for `contains`

    def shown(self) -> dict:
        return {"service": self.service, "operation": self.operation, "region": self.region,
                "account": self.account, "body": self.body}


class RequestLog:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: list[Entry] = []

    def record(self, service: str, operation: str, region: str, account: str, body: dict) -> Entry:
        entry = Entry(service, operation, region, account, body, compact(body))
        with self.lock:
            self.entries.append(entry)
        return entry

    def matching(self, service: str | None = None, operation: str | None = None,
                 contains: str | None = None, region: str | None = None) -> list[dict]:
        """The entries that match every filter given, in arrival order."""
        with self.lock:
            entries = list(self.entries)
        return [e.shown() for e in entries
                if (not service or e.service == service) and (not operation or e.operation == operation)
                and (not region or e.region == region) and (not contains or contains in e.text)]
