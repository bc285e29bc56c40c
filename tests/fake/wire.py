"""What every fake service shares: requests, errors, the calling context, the wire helpers, and the
`Service` base that routes an operation to its method and refuses members it does not know."""
from __future__ import annotations

import datetime as dt
import functools
import json
import re
import urllib.parse
from dataclasses import dataclass
from xml.sax.saxutils import escape


class ServiceError(Exception):
    """An answer in the service's own error shape."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Unsupported(ServiceError):
    """A request the fake does not serve (an operation or member it does not know): answered with
    the service's error shape, and listed by the fake so a benchmark run shows it."""


class Headers(dict):
    """Request headers by lower-case name."""

    def get(self, name, default=None):
        return dict.get(self, name.lower(), default)


@dataclass
class Request:
    command: str
    path: str
    headers: Headers
    body: bytes
    keep_alive: bool = True

    @property
    def url(self) -> urllib.parse.SplitResult:
        return urllib.parse.urlsplit(self.path)

    def query(self) -> dict[str, str]:
        return query_params(self.url.query)


@dataclass
class Context:
    """Who calls, and where: the SigV4 scope's Region and the account of the access key."""
    region: str
    account: str
    access_key: str


def iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def x(tag: str, value) -> str:
    """One XML element (nothing for None)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{tag}>{escape(str(value))}</{tag}>"


def tag_set(tags: dict) -> str:
    """EC2's `tagSet` (nothing for no tags)."""
    items = "".join(f"<item>{x('key', k)}{x('value', v)}</item>" for k, v in tags.items())
    return f"<tagSet>{items}</tagSet>" if items else ""


def query_params(text: str) -> dict[str, str]:
    return {k: v[-1] for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items()}


def numbered(params: dict, prefix: str) -> list[str]:
    """`Prefix.1`, `Prefix.2`, ... in order."""
    out, n = [], 1
    while f"{prefix}.{n}" in params:
        out.append(params[f"{prefix}.{n}"])
        n += 1
    return out


def filters(params: dict) -> list[tuple[str, list[str]]]:
    """EC2's `Filter.N.Name` / `Filter.N.Value.M` (at most 200 values in all, as EC2 takes)."""
    out, n = [], 1
    while f"Filter.{n}.Name" in params:
        out.append((params[f"Filter.{n}.Name"], numbered(params, f"Filter.{n}.Value")))
        n += 1
    if sum(len(values) for _, values in out) > 200:
        raise ServiceError(400, "FilterLimitExceeded",
                           "The maximum number of filter values specified on a single call is 200")
    return out


def page(items: list, size, token: str | None, default: int, low: int, high: int, code: str) -> tuple[list, str | None]:
    """Slices `items` for MaxResults / NextToken (the token is an opaque offset); a size out of
    [low, high] is the service's `code` error."""
    if size in (None, ""):
        size = default
    elif not low <= int(size) <= high:
        raise ServiceError(400, code, f"MaxResults must be between {low} and {high}, got {size}")
    size = int(size)
    start = 0
    if token:
        try:
            start = int(urllib.parse.unquote(token).removeprefix("bench-token-"))
        except ValueError:
            raise ServiceError(400, "InvalidNextToken", "The specified token is not valid")
    return items[start:start + size], (f"bench-token-{start + size}" if start + size < len(items) else None)


@functools.lru_cache(maxsize=None)
def member_pattern(members: tuple[str, ...]) -> re.Pattern:
    """One compiled pattern for every member an operation takes."""
    return re.compile("|".join(f"(?:{m})" for m in members))


class Service:
    """One service: `members` names each operation it serves and the request members (regular
    expressions) that operation takes; the method of the same name answers it with
    `(arguments, Context)`. Subclasses give the protocol: how a request names its operation and
    carries its arguments, and the shapes of answers and errors."""
    name = ""  # the SigV4 scope's service, also the IAM prefix of its actions
    members: dict[str, tuple[str, ...]] = {}
    unknown_operation = "InvalidAction"
    unknown_member = "UnknownParameter"  # the code that refuses a member the fake does not know
    denied = (403, "AccessDenied")  # a call the session policy does not allow

    def __init__(self, world):
        self.world = world

    def operation(self, req: Request) -> str | None:
        raise NotImplementedError

    def arguments(self, req: Request) -> dict:
        raise NotImplementedError

    def answer(self, op: str, result, request_id: str) -> tuple[str, bytes]:
        raise NotImplementedError

    def error(self, e: ServiceError, request_id: str) -> tuple[str, bytes, dict]:
        raise NotImplementedError

    def handle(self, op: str, req: Request, ctx: Context, request_id: str) -> tuple[str, bytes]:
        if op not in self.members:
            raise Unsupported(400, self.unknown_operation, f"{op} is not an operation of the fake {self.name}")
        args = self.arguments(req)
        known = member_pattern(self.members[op])
        extra = sorted(k for k in args if not known.fullmatch(k))
        if extra:
            raise Unsupported(400, self.unknown_member, f"{op}: the fake does not know the member(s) {', '.join(extra)}")
        return self.answer(op, getattr(self, op)(args, ctx), request_id)


class QueryService(Service):
    """The query protocol (EC2, STS): `Action` and form-encoded members in a POST body (or the URL)."""

    def arguments(self, req: Request) -> dict:
        params = query_params(req.body.decode()) if req.command == "POST" else req.query()
        return {k: v for k, v in params.items() if k not in ("Action", "Version")}

    def operation(self, req: Request) -> str | None:
        params = query_params(req.body.decode()) if req.command == "POST" else {}
        return params.get("Action") or req.query().get("Action")


def json_body(data) -> bytes:
    return json.dumps(data).encode()
