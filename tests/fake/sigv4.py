"""SigV4: the credential scope routes a request (service, Region), the access key names the account,
and the signature is checked as AWS checks it; a session policy narrows what an assumed key may call."""
from __future__ import annotations

import fnmatch
import functools
import hashlib
import hmac
import re
import urllib.parse

from .wire import Request, ServiceError
from .world import Key


def parse_authorization(header: str) -> dict | None:
    m = re.match(r"AWS4-HMAC-SHA256\s+(.*)", header or "")
    if not m:
        return None
    parts = {}
    for item in m.group(1).split(","):
        k, _, v = item.strip().partition("=")
        parts[k] = v
    try:
        akid, date, region, service, term = parts["Credential"].split("/")
    except (KeyError, ValueError):
        return None
    return {
        "akid": akid, "date": date, "region": region, "service": service, "term": term,
        "signed_headers": parts.get("SignedHeaders", ""), "signature": parts.get("Signature", ""),
    }


def _quote(s: str) -> str:
    return urllib.parse.quote(s, safe="-_.~")


@functools.lru_cache(maxsize=4096)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The key derived for one day, Region and service: the same for every request of a scope, as
    AWS caches it too."""
    k = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return k


def check(req: Request, auth: dict, key: Key | None, verify: bool) -> Key:
    """The key of a signed request, or the service's 403 (unknown key, wrong token or signature)."""
    if key is None:
        raise ServiceError(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
    if key.token is not None and req.headers.get("X-Amz-Security-Token") != key.token:
        raise ServiceError(403, "InvalidClientTokenId",
                           "The security token included in the request is invalid (session token missing or wrong).")
    if not verify:
        return key
    url = req.url
    canonical_uri = "/".join(_quote(_quote(urllib.parse.unquote(seg))) for seg in (url.path or "/").split("/"))
    pairs = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
    canonical_query = "&".join(f"{_quote(k)}={_quote(v)}" for k, v in sorted(pairs))
    canonical_headers = "".join(
        f"{h}:{' '.join((req.headers.get(h) or '').split())}\n" for h in auth["signed_headers"].split(";"))
    payload = req.headers.get("X-Amz-Content-Sha256") or hashlib.sha256(req.body).hexdigest()
    creq = "\n".join([req.command, canonical_uri, canonical_query, canonical_headers, auth["signed_headers"], payload])
    scope = f"{auth['date']}/{auth['region']}/{auth['service']}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", req.headers.get("X-Amz-Date", ""), scope,
                         hashlib.sha256(creq.encode()).hexdigest()])
    k = signing_key(key.secret, auth["date"], auth["region"], auth["service"])
    if not hmac.compare_digest(hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest(), auth["signature"]):
        raise ServiceError(403, "SignatureDoesNotMatch",
                           "The request signature we calculated does not match the signature you provided.")
    return key


def session_allows(key: Key, action: str) -> bool:
    """Whether the key's session policy allows `service:Operation` (no session policy: yes)."""
    if key.allow is None:
        return True
    hit = lambda patterns: any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in patterns)
    return hit(key.allow) and not hit(key.deny)
