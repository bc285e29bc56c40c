"""The benchmark's two planned modes, each printing a markdown table for docs/benchmarks.md.

--power-tuning, in the manner of aws-lambda-power-tuning: 16x1 and 16x50 ("first": every target
updated) for both writers, at each MemorySize (the function throttled to MB / 1,769 of one core),
every cell the median of --runs cold starts, the runs interleaved (run 1 of every cell, then run 2,
...) so that drift in the machine spreads over all of them. Per cell: init and handle ms, billed
GB-s of a cold invocation, and cost per 1,000 cold invocations.

Billing, as Lambda bills a custom runtime (provided.al2023) on demand: the INIT phase is billed
(it always was for custom runtimes; since 1 August 2025 it is for every runtime), so a cold
invocation's billed duration is init + handle, rounded up to the next 1 ms. Prices: x86, US East
(N. Virginia), the first tier (up to 6 billion GB-s a month): $0.0000166667 per GB-second and $0.20
per million requests (the AWS Lambda pricing page; see docs/benchmarks.md for when it was read).

--goals: the goals of issue 28, each run interleaved as above: 16x1 at 25 ms a call, unthrottled and
at the 128 MB share (the same fake, the same run of the benchmark), and 16x50 at 50 ms a call at
template.yaml's FunctionMemorySize; a table of each figure against its goal. It reports, it asserts
nothing: the exit status says only whether every run worked.
"""
from __future__ import annotations

import math

POWER_SIZES = (128, 256, 512, 1024, 1769)
# Latency per call by scenario, for both modes unless --latency-ms says otherwise.
LATENCY = {"16x1": 25.0, "16x50": 50.0}
PRICE_GB_SECOND = 0.0000166667  # USD, x86, us-east-1, first tier
PRICE_REQUEST = 0.20 / 1_000_000  # USD
GOAL_CPU_PER_CALL_MS = 0.10
GOAL_RATIO = 1.3
GOAL_INIT_MS = 15.0
GOAL_16X50_MS = 2000.0
GOAL_RSS_MB = 40.0


def power_plan(args) -> list[tuple]:
    functions = [f for f in args.function_names]
    return [(run, f, s, st, m, args.latency_ms or LATENCY.get(s, 50.0), False)
            for run in range(1, args.runs + 1) for f in functions for s in args.scenario_names
            for st in args.state_names for m in args.memory_sizes]


def goals_plan(args, default_mb: int) -> list[tuple]:
    out = []
    for run in range(1, args.runs + 1):
        for f in args.function_names:
            out += [(run, f, "16x1", "first", 128, LATENCY["16x1"], True),
                    (run, f, "16x1", "first", 128, LATENCY["16x1"], False),
                    (run, f, "16x50", "first", default_mb, LATENCY["16x50"], False)]
    return out


def billed_ms(r: dict) -> int | None:
    """A cold invocation's billed duration: init + handle, rounded up to 1 ms."""
    if r["init_ms"] is None or r["handle_ms"] is None:
        return None
    return math.ceil(r["init_ms"] + r["handle_ms"])


def gb_seconds(r: dict) -> float | None:
    ms = billed_ms(r)
    return None if ms is None else r["memory_mb"] / 1024 * ms / 1000


def cost_per_1000(r: dict) -> float | None:
    gbs = gb_seconds(r)
    return None if gbs is None else 1000 * (gbs * PRICE_GB_SECOND + PRICE_REQUEST)


def _markdown(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def power_table(results: list[dict], args) -> str:
    sizes = sorted({r["memory_mb"] for r in results})
    keys = []
    for r in results:
        key = (r["function"], r["scenario"], r["state"], r["latency_ms"])
        if key not in keys:
            keys.append(key)
    cell = {(r["function"], r["scenario"], r["state"], r["latency_ms"], r["memory_mb"]): r for r in results}
    quota = {r["memory_mb"]: r["cpu_quota"] for r in results}
    head = ["function, scenario"] + [f"{m:,} MB" for m in sizes]

    def label(key):
        function, scenario, state, latency = key
        return f"{function} {scenario}{'' if state == 'first' else ' ' + state} ({latency:g} ms/call)"

    def rows(render, best=None):
        out = []
        for key in keys:
            line = [cell.get(key + (m,)) for m in sizes]
            values = [render(r) if r else None for r in line]
            chosen = None
            if best is not None:
                scored = [(best(r), i) for i, r in enumerate(line) if r and best(r) is not None]
                chosen = min(scored)[1] if scored else None
            out.append([label(key)] + [("-" if v is None else (f"**{v}**" if i == chosen else v))
                                       for i, v in enumerate(values)])
        return out

    def duration(r):
        if r["handle_ms"] is None:
            return None
        flag = "" if r["status"] == "ok" and not r["problems"] else " (failed)"
        return f"{r['handle_ms']:,.0f} ({r['init_ms']:,.0f}){flag}"

    parts = [
        f"Handle ms (init ms), median of {args.runs} cold starts:",
        _markdown(head, rows(duration)),
        "",
        "Billed GB-s per cold invocation ((init + handle, rounded up to 1 ms) x MemorySize / 1,024):",
        _markdown(head, rows(lambda r: None if gb_seconds(r) is None else f"{gb_seconds(r):.5f}")),
        "",
        "USD per 1,000 cold invocations (GB-s x $0.0000166667 + $0.0000002 a request; the cheapest in bold):",
        _markdown(head, rows(lambda r: None if cost_per_1000(r) is None else f"{cost_per_1000(r):.5f}",
                             best=cost_per_1000)),
        "",
        "CPU per AWS call ms (the handle's CPU over its calls) and peak RSS MB:",
        _markdown(head, rows(lambda r: f"{_f(r['cpu_per_call_ms'], 3)}, {_f(r['peak_rss_mb'], 1)} MB")),
    ]
    missing = [f"{m} MB: unthrottled ({q})" for m, q in quota.items() if q is None]
    if missing:
        parts += ["", "Not throttled, so these columns are not Lambda's share: " + "; ".join(missing)]
    return "\n".join(parts)


def _f(v, digits=0) -> str:
    return "-" if v is None else f"{v:,.{digits}f}"


def goals_table(results: list[dict], default_mb: int) -> str:
    def find(function, scenario, unthrottled):
        return next((r for r in results if r["function"] == function and r["scenario"] == scenario
                     and r["unthrottled"] == unthrottled), None)

    def judged(value, goal, text):
        if value is None:
            return "-"
        return f"{text}: {'met' if value <= goal else 'NOT met'}"

    functions = list(dict.fromkeys(r["function"] for r in results))
    rows = {
        f"CPU per AWS call <= {GOAL_CPU_PER_CALL_MS} ms (16x50, {default_mb} MB share)": [],
        "CPU per AWS call (16x1, unthrottled; 16x1 at the 128 MB share)": [],
        f"16x1, 25 ms/call: handle at the 128 MB share <= {GOAL_RATIO}x unthrottled": [],
        f"16x1: init at the 128 MB share <= {GOAL_INIT_MS:g} ms (unthrottled)": [],
        f"16x50, 50 ms/call, {default_mb} MB share: handle <= {GOAL_16X50_MS / 1000:g} s": [],
        f"16x50: peak RSS <= {GOAL_RSS_MB:g} MB": [],
    }
    cells = list(rows.values())
    for f in functions:
        free, small, big = find(f, "16x1", True), find(f, "16x1", False), find(f, "16x50", False)
        cells[0].append(judged(big and big["cpu_per_call_ms"], GOAL_CPU_PER_CALL_MS,
                               big and f"{_f(big['cpu_per_call_ms'], 3)} ms"))
        cells[1].append(f"{_f(free and free['cpu_per_call_ms'], 3)} ms; {_f(small and small['cpu_per_call_ms'], 3)} ms")
        if free and small and free["handle_ms"] and small["handle_ms"] is not None:
            ratio = small["handle_ms"] / free["handle_ms"]
            cells[2].append(judged(ratio, GOAL_RATIO,
                                   f"{small['handle_ms']:.0f} / {free['handle_ms']:.0f} ms = {ratio:.2f}x"))
        else:
            cells[2].append("-")
        cells[3].append(judged(small and small["init_ms"], GOAL_INIT_MS,
                               small and f"{_f(small['init_ms'], 1)} ms ({_f(free and free['init_ms'], 1)})"))
        cells[4].append(judged(big and big["handle_ms"], GOAL_16X50_MS, big and f"{_f(big['handle_ms'])} ms"))
        cells[5].append(judged(big and big["peak_rss_mb"], GOAL_RSS_MB, big and f"{_f(big['peak_rss_mb'], 1)} MB"))
    note = ""
    if not any(r["cpu_quota"] for r in results if not r["unthrottled"]):
        note += "\n\nNo CPU quota could be applied: the throttled figures are unthrottled ones."
    problems = [f"{r['function']} {r['scenario']}: {p}" for r in results for p in r["problems"]]
    if problems:
        note += "\n\nFailed runs: " + "; ".join(problems)
    return _markdown(["goal"] + functions, [[k] + v for k, v in rows.items()]) + note
