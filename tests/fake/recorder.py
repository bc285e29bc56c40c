"""Recording the calls: per operation, the critical path, the most in flight, connections."""
from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Call:
    op: str  # "<service>:<Operation>"
    region: str
    account: str
    start: float
    end: float
    status: int
    error: str = ""


def critical_path(intervals: list[tuple[float, float]]) -> int:
    """The longest chain of calls in which each starts after the previous one ended.

    depth(i) = 1 + max depth(j) over calls j with end_j <= start_i. Calls are taken in order of
    start; every call that ended before call i started also started before it, so its depth is
    known by then. O(n log n).
    """
    if not intervals:
        return 0
    by_start = sorted(range(len(intervals)), key=lambda i: intervals[i][0])
    by_end = sorted(range(len(intervals)), key=lambda i: intervals[i][1])
    depth = [0] * len(intervals)
    done = 0  # calls of by_end already ended before the current start
    best_ended = 0
    for i in by_start:
        start = intervals[i][0]
        while done < len(by_end) and intervals[by_end[done]][1] <= start:
            best_ended = max(best_ended, depth[by_end[done]])
            done += 1
        depth[i] = best_ended + 1
    return max(depth)


def peak_overlap(calls: list[Call]) -> int:
    events = sorted([(c.start, 1) for c in calls] + [(c.end, -1) for c in calls], key=lambda e: (e[0], e[1]))
    now = peak = 0
    for _, d in events:
        now += d
        peak = max(peak, now)
    return peak


def summarize(calls: list[Call]) -> dict:
    per_op: dict[str, int] = {}
    errors: dict[str, int] = {}
    for c in calls:
        per_op[c.op] = per_op.get(c.op, 0) + 1
        if c.error:
            key = f"{c.op}:{c.error}"
            errors[key] = errors.get(key, 0) + 1
    return {
        "total": len(calls),
        "per_op": dict(sorted(per_op.items())),
        "errors": dict(sorted(errors.items())),
        "critical_path": critical_path([(c.start, c.end) for c in calls]),
        "peak_in_flight": peak_overlap(calls),
    }


class Recorder:
    """Every call served and every connection accepted since the last reset; over TLS, every
    handshake too (each connection makes one; `tls_resumed` counts those that resumed a session)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.calls: list[Call] = []
            self.connections = 0
            self.tls_handshakes = 0
            self.tls_resumed = 0

    def leave(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)

    def connected(self, tls_resumed: bool | None = None) -> None:
        """A connection accepted; `tls_resumed` is None for plain TCP, else whether its handshake
        resumed an earlier session."""
        with self.lock:
            self.connections += 1
            if tls_resumed is not None:
                self.tls_handshakes += 1
                self.tls_resumed += bool(tls_resumed)

    def snapshot(self) -> list[Call]:
        with self.lock:
            return list(self.calls)
