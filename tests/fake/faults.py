"""Errors a test or a benchmark asks for, answered before the request reaches the service.

  fail-next-N   the next `times` requests of a service (and operation, and whose body mentions a
                text) get the given code and status, message "injected <code>"
  storm         while on, each request to the chosen services fails with probability `rate` with
                that service's own throttling error (below); seeded, so a run can be repeated

Both may be limited to the requests signed for some Regions, so that tests running side by side in
one test binary, each in Regions of its own, do not disturb each other.

Throttling as each service words it: SSM ThrottlingException (400), EC2 RequestLimitExceeded (503),
STS and Auto Scaling Throttling (400), Organizations TooManyRequestsException (400), Image Builder
TooManyRequestsException where its model declares it for the operation, else
CallRateLimitExceededException (both 429). The caller renders the error in the service's shape
(errors.py). One lock guards the list, the counts and the random generator, so concurrent requests
draw from one seeded sequence.
"""
from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Callable

from .wire import ServiceError

THROTTLING = {
    "ssm": (400, "ThrottlingException"),
    "ec2": (503, "RequestLimitExceeded"),
    "sts": (400, "Throttling"),
    "autoscaling": (400, "Throttling"),
    "organizations": (400, "TooManyRequestsException"),
    "imagebuilder": (429, "CallRateLimitExceededException"),
}
# The Image Builder operations whose model declares TooManyRequestsException (checked by test_model.py).
IMAGEBUILDER_TOO_MANY = frozenset({"DistributeImage", "ImportDiskImage"})


def throttling(service: str, operation: str) -> ServiceError:
    status, code = THROTTLING[service]
    if service == "imagebuilder" and operation in IMAGEBUILDER_TOO_MANY:
        code = "TooManyRequestsException"
    return ServiceError(status, code, f"injected {code}: Rate exceeded")


@dataclass
class Fault:
    service: str
    operation: str | None  # None: any operation
    contains: str | None  # None: any body
    code: str
    status: int
    remaining: int
    region: str | None = None  # None: any Region


class Faults:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: list[Fault] = []
        self.rate = 0.0
        self.seed: int | None = None
        self.services: frozenset[str] = frozenset()
        self.regions: frozenset[str] = frozenset()  # empty: every Region
        self.random = random.Random()
        self.counts: dict[str, dict[str, int]] = {}  # storm errors: service -> operation -> count

    def fail_next(self, service: str, operation: str | None, contains: str | None, code: str, status: int,
                  times: int, region: str | None = None) -> None:
        with self.lock:
            self.pending.append(Fault(service, operation, contains, code, status, times, region))

    def storm(self, rate: float, seed: int | None = None, services=None, regions=None) -> None:
        """Starts (or retunes) the storm; rate 0 ends it. An unknown service is a ValueError."""
        chosen = frozenset(services or THROTTLING)
        if unknown := sorted(chosen - set(THROTTLING)):
            raise ValueError(f"no storm for {', '.join(unknown)}: services are {', '.join(sorted(THROTTLING))}")
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate is from 0.0 to 1.0")
        with self.lock:
            self.rate, self.seed, self.services = rate, seed, chosen
            self.regions = frozenset(regions or ())
            self.random.seed(seed)

    def storm_state(self) -> dict:
        with self.lock:
            return {"rate": self.rate, "seed": self.seed, "services": sorted(self.services),
                    "regions": sorted(self.regions),
                    "counts": {s: dict(ops) for s, ops in self.counts.items()}}

    def due(self, service: str, operation: str, body_text: Callable[[], str],
            region: str = "") -> ServiceError | None:
        """The error this request (signed for `region`) gets, if any: a pending fault first, then
        the storm. `body_text` (the body as JSON) is only called when a fault needs it."""
        with self.lock:
            for fault in self.pending:
                if (fault.remaining > 0 and fault.service == service
                        and fault.operation in (None, operation)
                        and fault.region in (None, region)
                        and (fault.contains is None or fault.contains in body_text())):
                    fault.remaining -= 1
                    return ServiceError(fault.status, fault.code, f"injected {fault.code}")
            self.pending = [f for f in self.pending if f.remaining > 0]
            in_storm = service in self.services and (not self.regions or region in self.regions)
            if self.rate > 0 and in_storm and self.random.random() < self.rate:
                per_op = self.counts.setdefault(service, {})
                per_op[operation] = per_op.get(operation, 0) + 1
                return throttling(service, operation)
        return None
