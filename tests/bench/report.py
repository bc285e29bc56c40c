"""Reading a run's outcome, judging it, and printing the figures as tables."""
from __future__ import annotations

import json
import statistics
from pathlib import Path

from scenarios import FUNCTIONS

FIGURES = ("init_ms", "handle_ms", "calls", "critical_path", "peak_in_flight", "connections", "tls_handshakes",
           "tls_resumed", "cpu_ms", "init_cpu_ms", "handle_cpu_ms", "cpu_per_call_ms", "harness_cpu_ms",
           "throttled_periods", "throttled_ms", "init_rss_mb", "peak_rss_mb")
LEGEND = ("  new conns: connections opened to the fake, over TLS each a handshake (\"r N\": N resumed a session;"
          " every service and Region\n  shares the fake's one endpoint); round trips: longest chain of AWS calls each"
          " starting after the previous ended;\n  in flight: most AWS calls at once; cpu ms: the function's utime +"
          " stime; init cpu: its CPU at the first /next;\n  cpu/call: (cpu ms - init cpu) / AWS calls; fake cpu: this"
          " harness's (near handle ms: the fake is the bottleneck);\n  paused: CFS periods in which the quota paused the"
          " function; init RSS: peak RSS at the first /next; RSS MB: peak RSS of\n  the whole run (VmHWM; * wait4's"
          " ru_maxrss: the process had exited); new AMI: targets holding the new AMI afterwards")


def shorten(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters in all)"


def report_from_log(log_path: Path) -> dict | None:
    """The report of a failed invocation: the function logs it (JSON) beside its error."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        try:
            report = json.loads(line).get("fields", {}).get("report")
            if report:
                return json.loads(report)
        except (ValueError, AttributeError):
            continue
    return None


def answer(outcome, log_path: Path, timeout: float) -> tuple[dict | None, str | None]:
    """The function's report and the error, from what it answered (or its log, when it failed)."""
    body = outcome.body.decode(errors="replace")
    if outcome.status == "ok":
        try:
            got = json.loads(body)
        except ValueError:
            return None, f"answered non-JSON: {body[:300]}"
        return (got, None) if "summary" in got else (None, f"answered without a report: {body[:300]}")
    if outcome.status in ("error", "init-error"):
        try:
            e = json.loads(body)
            error = f"{e.get('errorType')}: {e.get('errorMessage')}"
        except ValueError:
            error = body[:300]
        return report_from_log(log_path), error
    if outcome.status == "timeout":
        return None, f"no answer within {timeout:g} s"
    return None, f"the process exited (wait status {outcome.exit_status}) before answering"


def problem(r: dict) -> str | None:
    """Why a run counts as failed: the function answered an error or failed targets, or the harness
    and the function disagree (the fake did not serve a request, the report or the fake's state is
    not what the run should have left)."""
    summary = r["summary"]
    if r["status"] != "ok":
        return shorten(r["error"], 300) or r["status"]
    if summary and summary.get("failed"):
        return f"{summary['failed']} failed targets"
    if summary and sum(summary.values()) != r["targets"]:
        return f"the report has {sum(summary.values())} actions for {r['targets']} targets"
    if r["unknown_requests"]:
        return f"{len(r['unknown_requests'])} requests the fake does not serve"
    if r["holding_new_ami"] != r["targets"]:
        return f"only {r['holding_new_ami']}/{r['targets']} targets hold the new AMI afterwards"
    if r["disturbed"]:
        return f"{r['disturbed']} things the run should have left alone were changed"
    return None


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def aggregate(runs: list[dict]) -> dict:
    last = runs[-1]
    out = {k: last[k] for k in ("function", "scenario", "state", "regions", "accounts", "placements", "targets",
                                "latency_ms", "memory_mb", "cpu_quota")}
    out["runs"] = len(runs)
    out.update({k: median([r[k] for r in runs]) for k in FIGURES})
    ops = sorted({op for r in runs for op in r["calls_per_op"]})
    out["calls_per_op"] = {op: median([r["calls_per_op"].get(op, 0) for r in runs]) for op in ops}
    out["call_errors"] = last["call_errors"]
    bad = [r for r in runs if problem(r)]
    out["status"] = "ok" if not bad else bad[-1]["status"]
    out["problems"] = [f"run {r['run']}: {problem(r)}" for r in bad]
    out["notes"] = sorted({n for r in runs for n in r["notes"]})
    out["summary"] = (bad[-1] if bad else last)["summary"]
    out["holding_new_ami"] = min(r["holding_new_ami"] for r in runs)
    out["peak_rss_source"] = "VmHWM" if all(r["peak_rss_source"] == "VmHWM" for r in runs) else "wait4"
    return out


def fmt(v, digits=0) -> str:
    if v is None:
        return "-"
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def summary_text(s: dict | None) -> str:
    if not s:
        return "no report"
    parts = [f"{k} {s[k]}" for k in ("created", "updated", "unchanged", "skipped", "planned", "failed") if s.get(k)]
    if s.get("failed"):
        parts[-1] = f"FAILED {s['failed']}"
    return ", ".join(parts) or "nothing"


def table(rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(r)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def connections(r: dict) -> str:
    if r.get("tls_handshakes") is None:
        return fmt(r["connections"])
    return f"{fmt(r['connections'])} (r {fmt(r['tls_resumed'])})"


def paused(r: dict) -> str:
    if r.get("cpu_quota") is None:
        return "-"
    return f"{fmt(r['throttled_periods'])} ({fmt(r['throttled_ms'])} ms)"


def row(r: dict) -> list[str]:
    result = summary_text(r["summary"])
    if r["status"] != "ok":
        result = f"{r['status'].upper()}: {result}"
    rss = fmt(r["peak_rss_mb"], 1) + ("*" if r["peak_rss_source"] != "VmHWM" else "")
    return [r["scenario"], r["state"], fmt(r["targets"]), fmt(r["init_ms"]), fmt(r["handle_ms"]), fmt(r["calls"]),
            connections(r), fmt(r["critical_path"]), fmt(r["peak_in_flight"]), fmt(r["cpu_ms"]),
            fmt(r["init_cpu_ms"], 1), fmt(r["cpu_per_call_ms"], 3), fmt(r["harness_cpu_ms"]), paused(r),
            fmt(r["init_rss_mb"], 1), rss, f"{r['holding_new_ami']}/{r['targets']}", result]


def print_tables(results: list[dict], header: str) -> None:
    print(header)
    for function in FUNCTIONS:
        rows = [r for r in results if r["function"] == function]
        if not rows:
            continue
        print(f"\n{function}")
        head = ["scenario", "state", "targets", "init ms", "handle ms", "AWS calls", "new conns", "round trips",
                "in flight", "cpu ms", "init cpu", "cpu/call", "fake cpu", "paused", "init RSS", "RSS MB", "new AMI",
                "summary"]
        print(table([head] + [row(r) for r in rows], set(range(2, 17))))
        ops = sorted({op for r in rows for op in r["calls_per_op"]})
        if ops:
            body = [["scenario", "state"] + ops]
            body += [[r["scenario"], r["state"]] + [fmt(r["calls_per_op"].get(op, 0)) for op in ops] for r in rows]
            print("\nAWS calls per operation")
            print(table(body, set(range(2, 2 + len(ops)))))
        for r in rows:
            where = f"{r['scenario']} {r['state']}"
            for p in r["problems"]:
                print(f"  ! {where}: {p}")
            for n in r["notes"]:
                print(f"  ~ {where}: {n}")
            if r["peak_rss_mb"] and r["peak_rss_mb"] > r["memory_mb"]:
                print(f"  ~ {where}: peak RSS {r['peak_rss_mb']:.0f} MB is over the {r['memory_mb']} MB memory size: "
                      "Lambda would kill the function")
            if r["call_errors"]:
                print(f"  . {where}: error answers {r['call_errors']}")
