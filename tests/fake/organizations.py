"""Organizations' empty pages: the service may answer a list call with no items and a NextToken (a
page cut short), and only a client that follows every token sees everything. moto never does; here
the next N list calls get such a page, and the call that follows its token is sent on to moto with
the token the client sent before (none, for a first page), so nothing is lost or repeated for a
client that keeps following, and a client that stops at an empty page misses what was there.
"""
from __future__ import annotations

import base64
import threading

from .wire import ServiceError

# Each list operation and the member its output shape lists (checked against the model by test_model.py).
LISTS = {
    "ListChildren": "Children",
    "ListAccountsForParent": "Accounts",
    "ListOrganizationalUnitsForParent": "OrganizationalUnits",
    "ListAccounts": "Accounts",
    "ListRoots": "Roots",
}
PREFIX = "amiflow-empty-page:"


class EmptyPages:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.remaining = 0

    def arm(self, times: int) -> int:
        with self.lock:
            self.remaining = max(0, int(times))
            return self.remaining

    def intercept(self, operation: str, body: dict) -> tuple[dict | None, dict | None]:
        """(an answer to give instead of moto's, or a body to send moto instead of this one); both
        None: send the request on unchanged."""
        if operation not in LISTS:
            return None, None
        token = body.get("NextToken")
        if isinstance(token, str) and token.startswith(PREFIX):
            try:
                earlier = base64.urlsafe_b64decode(token[len(PREFIX):].encode()).decode()
            except ValueError:
                raise ServiceError(400, "InvalidInputException", "You provided an invalid NextToken value.")
            forwarded = {k: v for k, v in body.items() if k != "NextToken"}
            return None, ({**forwarded, "NextToken": earlier} if earlier else forwarded)
        with self.lock:
            if self.remaining <= 0:
                return None, None
            self.remaining -= 1
        ours = PREFIX + base64.urlsafe_b64encode((token or "").encode()).decode()
        return {LISTS[operation]: [], "NextToken": ours}, None
