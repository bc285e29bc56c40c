"""Lambda's CPU share for the function, and only the function: a CFS bandwidth quota of
MemorySize / 1,769 of one core (Lambda gives one vCPU at 1,769 MB, in proportion below it).

Each run gets a cgroup of its own, made before the function starts and removed after it is reaped:
with the cgroup v1 `cpu` controller (/sys/fs/cgroup/cpu, `cpu.cfs_period_us` and
`cpu.cfs_quota_us`), else with cgroup v2 (`cpu.max`, the controller enabled in the root's
`cgroup.subtree_control`). The function's process is moved into it while it waits at a gate,
before it runs any of its own code (runtime_api.py), so its whole cold start is throttled; the
harness, the fake and moto stay where they are, unthrottled. The cgroup's `cpu.stat` tells how
many periods throttled the function and for how long.

The period is 20 ms by default: measured on Lambda, a function at 128 MB runs its share and is
then paused for multiples of about 20 ms (docs/benchmarks.md). Where no cgroup is writable (not
root, a read-only /sys/fs/cgroup, no cpu controller), `CpuLimit.open` says why and the run is
unthrottled; the caller prints that on stderr and in the header.

Standard library only (Python 3.11).
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

ONE_VCPU_MB = 1769
V1_ROOT = Path("/sys/fs/cgroup/cpu")
V2_ROOT = Path("/sys/fs/cgroup")
MIN_QUOTA_US = 1000  # the kernel refuses a smaller quota


def share(memory_mb: int) -> float:
    """The fraction of one core Lambda gives a function of `memory_mb`."""
    return memory_mb / ONE_VCPU_MB


@dataclass
class Throttled:
    periods: int  # CFS periods in which the function ran
    throttled: int  # of those, the periods in which it used up its quota and was paused
    throttled_ms: float  # how long it was paused in all


class CpuLimit:
    """Makes one cgroup per run with the quota for `memory_mb`; `None` from `open` when it cannot."""

    def __init__(self, kind: str, root: Path, memory_mb: int, period_us: int):
        self.kind, self.root, self.memory_mb, self.period_us = kind, root, memory_mb, period_us
        self.quota_us = max(MIN_QUOTA_US, round(period_us * share(memory_mb)))
        self.made = 0
        self.live: set[Path] = set()

    @classmethod
    def open(cls, memory_mb: int, period_us: int) -> tuple["CpuLimit | None", str]:
        """The limit, or None and why not; the string describes what is applied either way."""
        if period_us * share(memory_mb) < MIN_QUOTA_US:
            return None, (f"unthrottled: a {period_us} us period gives {memory_mb} MB less than the kernel's "
                          f"smallest quota ({MIN_QUOTA_US} us); use a longer --cpu-period-ms")
        reasons = []
        for kind, root in (("cgroup v1 cpu", V1_ROOT), ("cgroup v2", V2_ROOT)):
            limit = cls(kind, root, memory_mb, period_us)
            try:
                limit.probe()
            except OSError as e:
                reasons.append(f"{kind} at {root}: {e.strerror or e}")
                continue
            except ValueError as e:
                reasons.append(f"{kind} at {root}: {e}")
                continue
            return limit, limit.describe()
        return None, "unthrottled: no cgroup cpu controller is writable (" + "; ".join(reasons) + ")"

    def describe(self) -> str:
        return (f"{self.memory_mb} MB share, {share(self.memory_mb) * 100:.1f}% of one core "
                f"({self.kind}: quota {self.quota_us} us every {self.period_us} us)")

    def probe(self) -> None:
        """Makes and removes one cgroup with the quota: raises OSError or ValueError where it cannot."""
        if self.kind == "cgroup v1 cpu":
            if not (self.root / "cpu.cfs_quota_us").is_file():
                raise ValueError("no cpu controller mounted there")
        else:
            controllers = self.root / "cgroup.controllers"
            if not controllers.is_file() or "cpu" not in controllers.read_text().split():
                raise ValueError("not a cgroup v2 hierarchy with the cpu controller")
            subtree = self.root / "cgroup.subtree_control"
            if "cpu" not in subtree.read_text().split():
                subtree.write_text("+cpu")
        path = self.make()
        self.remove(path)

    def make(self) -> Path:
        """A new cgroup with the quota, for one run."""
        self.made += 1
        path = self.root / f"amiflow-bench-{os.getpid()}-{self.made}"
        path.mkdir()
        self.live.add(path)
        try:
            if self.kind == "cgroup v1 cpu":
                (path / "cpu.cfs_period_us").write_text(str(self.period_us))
                (path / "cpu.cfs_quota_us").write_text(str(self.quota_us))
            else:
                (path / "cpu.max").write_text(f"{self.quota_us} {self.period_us}")
        except OSError:
            self.remove(path)
            raise
        return path

    @staticmethod
    def enter(path: Path, pid: int) -> None:
        (path / "cgroup.procs").write_text(str(pid))

    def throttled(self, path: Path) -> Throttled | None:
        try:
            stat = dict(line.split() for line in (path / "cpu.stat").read_text().splitlines() if line.strip())
        except (OSError, ValueError):
            return None
        if self.kind == "cgroup v1 cpu":
            return Throttled(int(stat.get("nr_periods", 0)), int(stat.get("nr_throttled", 0)),
                             int(stat.get("throttled_time", 0)) / 1e6)
        return Throttled(int(stat.get("nr_periods", 0)), int(stat.get("nr_throttled", 0)),
                         int(stat.get("throttled_usec", 0)) / 1e3)

    def remove(self, path: Path) -> None:
        """Removes a run's cgroup (its process reaped); a cgroup still in use is left and named."""
        try:
            path.rmdir()
        except FileNotFoundError:
            pass
        except OSError as e:
            print(f"bench: could not remove {path}: {e.strerror}", file=sys.stderr, flush=True)
            return
        self.live.discard(path)

    def close(self) -> None:
        for path in list(self.live):
            self.remove(path)
