"""amiflow scale benchmark ("800 placements as fast as 16"): prints figures, asserts nothing.

Runs the update-ssm-parameters and update-launch-templates `bootstrap` binaries as Lambda would (a
Runtime API emulator, runtime_api.py, one cold start per invocation) against an in-memory fake of
SSM, EC2, STS and Image Builder on 127.0.0.1 (tests/fake/) in which every AWS call takes --latency-ms.
The fake speaks HTTPS with a test CA by default (--plain-http for HTTP), and the function trusts it
through SSL_CERT_FILE, beside the machine's own root certificates (as many as Lambda's image holds).
The function, and only the function, gets Lambda's CPU share for --memory-mb: MemorySize / 1,769 of
one core, a CFS quota in a cgroup of its own (cpu_limit.py); where no cgroup is writable, the run says
so and is unthrottled. The scenarios (scenarios.py): Regions x accounts grids with one target per
placement (1x1, 16x1, 16x10, 16x50, 16x200), and unmanaged2000 (one placement, 2,000 unmanaged launch
templates beside 10 managed ones), each in the states "first" (every target is updated) and "steady"
(none is), and on request "untagged" (as "first", templates without amiflow's version tags).

Reported per run: init ms (exec -> first /next), handle ms (event -> response), AWS calls per
operation, new connections (each a TLS handshake; how many resumed a session), round trips on the
critical path (the longest chain of calls each starting after the previous one ended), the most calls
in flight at once, the function's CPU (utime + stime), its CPU at the first /next, its CPU per AWS
call (the handle's CPU over the handle's calls), this harness's CPU, the periods in which the quota
paused the function, peak RSS (VmHWM, at the first /next and before the kill), the report's summary,
and how many targets hold the new AMI afterwards (checked in the fake). As on Lambda, the function
gets 1,024 open files (--nofile) and AWS_LAMBDA_FUNCTION_MEMORY_SIZE (a peak RSS above it is flagged,
not enforced).

  python3 -B tests/bench/bench.py --bin-dir target/release [--latency-ms 50] [--runs 3]
      [--scenarios 1x1,16x1,16x10,16x50,16x200,unmanaged2000] [--functions ssm,lt] [--states first,steady,untagged]
      [--memory-mb M | --unthrottled] [--cpu-period-ms 20] [--plain-http | --tls-dir DIR]
      [--timeout 120] [--max-concurrency N] [--nofile 1024] [--trace] [--storm-rate R [--storm-seed N]]
      [--json [FILE]] [--smoke | --power-tuning | --goals]

Exit status: 0 when every run answered and no target failed; 1 when a run failed, timed out, or
the fake saw a request it does not serve; 2 when the harness itself broke.
Standard library only (Python 3.11).
"""
from __future__ import annotations

import sys

sys.dont_write_bytecode = True

import argparse
import functools
import json
import os
import re
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))  # tests/: the shared fakes, package `fake`

import modes  # noqa: E402
import report  # noqa: E402
import scenarios  # noqa: E402
from cpu_limit import CpuLimit  # noqa: E402
from fake import FakeAws, summarize  # noqa: E402
from fake import tls as fake_tls  # noqa: E402
from runtime_api import invoke_once  # noqa: E402
from scenarios import FUNCTIONS, HOME, HOME_REGION, SCENARIOS  # noqa: E402

TEMPLATE = HERE.parent.parent / "template.yaml"


@functools.cache
def template_memory_mb() -> int:
    """The template's FunctionMemorySize Default: what a deployment gets unless it says otherwise
    (read once)."""
    try:
        text = TEMPLATE.read_text()
        block = text[text.index("\n  FunctionMemorySize:"):]
        return int(re.search(r"\n    Default: (\d+)", block).group(1))
    except (OSError, ValueError, AttributeError):
        return 128


class Limits:
    """One CpuLimit per memory size, opened on first use; `why` says what each applies."""

    def __init__(self, period_us: int):
        self.period_us = period_us
        self.opened: dict[int, tuple[CpuLimit | None, str]] = {}

    def get(self, memory_mb: int) -> CpuLimit | None:
        if memory_mb not in self.opened:
            self.opened[memory_mb] = CpuLimit.open(memory_mb, self.period_us)
            if self.opened[memory_mb][0] is None:
                print(f"bench: CPU at {memory_mb} MB: {self.opened[memory_mb][1]}", file=sys.stderr, flush=True)
        return self.opened[memory_mb][0]

    def describe(self) -> str:
        return "; ".join(f"{m} MB: {why}" if limit is None else why for m, (limit, why) in sorted(self.opened.items()))

    def close(self) -> None:
        for limit, _ in self.opened.values():
            if limit is not None:
                limit.close()


def run_one(fake: FakeAws, binary: str, function: str, name: str, state: str, run: int, args, log_dir: Path,
            memory_mb: int, limits: Limits | None, trust_file: Path | None) -> dict:
    """One run; `limits` None runs it unthrottled."""
    scenario = SCENARIOS[name]
    scenarios.seed(fake.world, function, scenario, state)
    fake.recorder.reset()
    unknown_before = len(fake.unknown)
    log_path = log_dir / f"{function}-{name}-{state}-{run}.log"
    log_path.unlink(missing_ok=True)
    env = scenarios.function_env(function, fake.url, args.max_concurrency, memory_mb)
    if trust_file:
        env["SSL_CERT_FILE"] = str(trust_file)
    env.update(pair.split("=", 1) for pair in args.function_env)
    limit = limits.get(memory_mb) if limits is not None else None
    harness_cpu = time.process_time()
    outcome = invoke_once(binary, env, scenarios.event(), f"arn:aws:lambda:{HOME_REGION}:{HOME}:function:{function}",
                          args.timeout, str(log_path), args.nofile, limit)
    harness_cpu = (time.process_time() - harness_cpu) * 1000
    calls = fake.recorder.snapshot()
    window_start = outcome.event_sent if outcome.event_sent is not None else float("inf")
    stats = summarize([c for c in calls if c.start >= window_start])
    got, error = report.answer(outcome, log_path, args.timeout)
    held, disturbed = scenarios.afterwards(fake.world, function, scenario)
    handle_cpu = outcome.cpu_ms - outcome.init_cpu_ms if outcome.init_cpu_ms is not None else None
    throttled = outcome.throttled
    return {
        "function": function, "scenario": name, "state": state, "run": run,
        "regions": scenario.regions, "accounts": scenario.accounts, "placements": scenario.placements,
        "targets": scenario.targets(function), "latency_ms": fake.latency * 1000, "memory_mb": memory_mb,
        "cpu_quota": limit.describe() if limit else None,
        "status": outcome.status, "error": report.shorten(error, 4000),
        "init_ms": outcome.init_ms, "handle_ms": outcome.handle_ms,
        "calls": stats["total"], "calls_per_op": stats["per_op"], "call_errors": stats["errors"],
        "critical_path": stats["critical_path"], "peak_in_flight": stats["peak_in_flight"],
        "init_calls": summarize([c for c in calls if c.start < window_start])["per_op"],
        "connections": fake.recorder.connections,
        "tls_handshakes": fake.recorder.tls_handshakes if fake.ca_file else None,
        "tls_resumed": fake.recorder.tls_resumed if fake.ca_file else None,
        "cpu_ms": outcome.cpu_ms, "init_cpu_ms": outcome.init_cpu_ms, "handle_cpu_ms": handle_cpu,
        "cpu_per_call_ms": handle_cpu / stats["total"] if handle_cpu is not None and stats["total"] else None,
        "harness_cpu_ms": harness_cpu,
        "throttled_periods": throttled.throttled if throttled else None,
        "throttled_ms": throttled.throttled_ms if throttled else None,
        "peak_rss_mb": outcome.peak_rss_kb / 1024, "peak_rss_source": outcome.peak_rss_source,
        "init_rss_mb": outcome.init_rss_kb / 1024 if outcome.init_rss_kb is not None else None,
        "summary": got["summary"] if got else None, "holding_new_ami": held, "disturbed": disturbed,
        "notes": scenarios.sessions(fake.world, function),
        "unknown_requests": fake.unknown[unknown_before:],
        "log": str(log_path),
    }


def resolve_binaries(bin_dir: Path, wanted: list[str]) -> dict[str, str]:
    out = {}
    for function in wanted:
        candidates = [bin_dir / function, bin_dir / function / "bootstrap",
                      bin_dir / FUNCTIONS[function]["logical_id"] / "bootstrap"]
        found = next((c for c in candidates if c.is_file() and os.access(c, os.X_OK)), None)
        if found is None:
            print(f"bench: no executable for {function} in {bin_dir} (looked for "
                  + ", ".join(str(c.relative_to(bin_dir)) for c in candidates) + ")", file=sys.stderr)
            sys.exit(2)
        out[function] = str(found)
    return out


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin-dir", type=Path, required=True,
                    help="holds update-ssm-parameters and update-launch-templates, as <name>, <name>/bootstrap "
                         "or <LogicalId>/bootstrap (sam build's .aws-sam/build)")
    ap.add_argument("--latency-ms", type=float, default=None,
                    help="every AWS call takes this long (default 50; 5 with --smoke; per scenario with "
                         "--power-tuning and --goals: 25 for 16x1, 50 for 16x50)")
    ap.add_argument("--runs", type=int, default=None, help="runs per scenario and state; figures are medians "
                                                           "(default 1; 3 with --power-tuning and --goals)")
    ap.add_argument("--scenarios", default=None,
                    help=f"comma-separated, of {', '.join(SCENARIOS)} or placement counts (1,16,160,800,3200)")
    ap.add_argument("--functions", default="ssm,lt", help="comma-separated: ssm, lt (or full names)")
    ap.add_argument("--states", default=None, help="comma-separated: first, steady, untagged (default: first, "
                                                   "steady; first with --power-tuning and --goals)")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per run before it is killed and reported")
    ap.add_argument("--max-concurrency", type=int, default=None, help="AMIFLOW_MAX_CONCURRENCY (unset: the function's default)")
    ap.add_argument("--memory-mb", default=None,
                    help="Lambda MemorySize: the function's CPU quota (MB / 1,769 of one core) and "
                         "AWS_LAMBDA_FUNCTION_MEMORY_SIZE; a peak RSS above it is flagged. Default: template.yaml's "
                         "FunctionMemorySize. --power-tuning takes a list (default 128,256,512,1024,1769)")
    ap.add_argument("--unthrottled", action="store_true", help="no CPU quota (AWS_LAMBDA_FUNCTION_MEMORY_SIZE is still set)")
    ap.add_argument("--cpu-period-ms", type=float, default=20.0,
                    help="the CFS period of the quota (default 20, as Lambda's throttling pauses show)")
    ap.add_argument("--function-env", action="append", default=[], metavar="K=V",
                    help="adds K=V to the function's environment (repeatable), e.g. RUST_LOG=info")
    ap.add_argument("--nofile", type=int, default=1024,
                    help="the function's open-file limit, as Lambda's (1024); 0 leaves the inherited one")
    ap.add_argument("--label", default="", help="what the binaries are (shown in the header), e.g. 'release'")
    ap.add_argument("--log-dir", type=Path, default=None, help="function logs (default: .amiflow/bench in the repository)")
    ap.add_argument("--trace", action="store_true", help="log every AWS request and answer to fake-aws.log")
    ap.add_argument("--tls-dir", default=None,
                    help="where the test CA and the function's trust file are kept (default: <log dir>/tls)")
    ap.add_argument("--plain-http", action="store_true", help="serve plain HTTP instead of HTTPS")
    ap.add_argument("--tls-tickets", type=int, default=2,
                    help="TLS 1.3 session tickets the fake sends after each handshake (default 2, OpenSSL's; "
                         "0: no session resumption)")
    ap.add_argument("--storm-rate", type=float, default=0.0,
                    help="throttle each AWS call with this probability (0 to 1), in its service's own error")
    ap.add_argument("--storm-seed", type=int, default=None, help="the storm's random seed")
    ap.add_argument("--no-signature-check", action="store_true", help="accept any SigV4 signature (still needs a known key)")
    ap.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                    help="write the figures as JSON to FILE (or stdout, instead of the tables)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--smoke", action="store_true", help="scenarios 1x1 and 16x1 at 5 ms: seconds, a harness check")
    mode.add_argument("--power-tuning", action="store_true",
                      help="16x1 and 16x50, state first, both writers, at each memory size: a markdown table of "
                           "handle ms, billed GB-s and cost per 1,000 invocations")
    mode.add_argument("--goals", action="store_true",
                      help="the issue's goals: 16x1 at 25 ms unthrottled and at the 128 MB share, 16x50 at 50 ms at "
                           "the template's MemorySize; a markdown table, met or not (no exit status)")
    args = ap.parse_args(argv)

    planned = args.power_tuning or args.goals
    if args.smoke and args.scenarios is None:
        args.scenarios = "1x1,16x1"
    if planned and args.scenarios is None:
        args.scenarios = "16x1,16x50"
    if args.latency_ms is None and not planned:
        args.latency_ms = 5.0 if args.smoke else 50.0
    if any("=" not in pair or pair.startswith("=") for pair in args.function_env):
        ap.error("--function-env takes K=V")
    if args.runs is None:
        args.runs = 3 if planned else 1
    if args.states is None:
        args.states = "first" if planned else "first,steady"
    try:
        sizes = [int(m) for m in args.memory_mb.split(",")] if args.memory_mb else []
    except ValueError:
        ap.error(f"--memory-mb takes MB as whole numbers, not {args.memory_mb!r}")
    if args.power_tuning:
        args.memory_sizes = sizes or list(modes.POWER_SIZES)
    else:
        if len(sizes) > 1:
            ap.error("--memory-mb takes one size, except with --power-tuning")
        args.memory_sizes = sizes or [template_memory_mb()]
    if any(m < 128 or m > 10240 for m in args.memory_sizes):
        ap.error("Lambda's MemorySize is 128 to 10,240 MB")
    grid = {str(s.placements): n for n, s in SCENARIOS.items() if s.managed == 1 and not s.unmanaged}
    args.scenario_names = []
    for s in args.scenarios.split(",") if args.scenarios else list(SCENARIOS):
        name = s.strip() if s.strip() in SCENARIOS else grid.get(s.strip())
        if name is None:
            ap.error(f"unknown scenario {s!r}: use {', '.join(SCENARIOS)} or {', '.join(grid)}")
        args.scenario_names.append(name)
    shorts = {v["short"]: k for k, v in FUNCTIONS.items()}
    args.function_names = [shorts.get(f.strip(), f.strip()) for f in args.functions.split(",")]
    if any(f not in FUNCTIONS for f in args.function_names):
        ap.error(f"unknown function in {args.functions!r}: use ssm, lt")
    args.state_names = [s.strip() for s in args.states.split(",")]
    if any(s not in ("first", "steady", "untagged") for s in args.state_names):
        ap.error("states are first, steady and untagged")
    return args


def plan(args) -> list[tuple]:
    """(run, function, scenario, state, memory MB, latency ms, unthrottled) for every run, in the
    order they are made: modes.py plans --power-tuning and --goals."""
    if args.power_tuning:
        return modes.power_plan(args)
    if args.goals:
        return modes.goals_plan(args, template_memory_mb())
    memory = args.memory_sizes[0]
    return [(run, f, s, st, memory, args.latency_ms, args.unthrottled)
            for f in args.function_names for s in args.scenario_names if f in SCENARIOS[s].functions
            for st in args.state_names for run in range(1, args.runs + 1)]


def main(argv=None) -> int:
    args = parse_args(argv)
    binaries = resolve_binaries(args.bin_dir, args.function_names)
    log_dir = args.log_dir or HERE.parent.parent / ".amiflow" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    for function in args.function_names:
        for name in args.scenario_names:
            if function not in SCENARIOS[name].functions:
                print(f"bench: {name} is a scenario of {', '.join(SCENARIOS[name].functions)} only: "
                      f"not run for {function}", file=sys.stderr)

    tls_dir = None if args.plain_http else (args.tls_dir or str(log_dir / "tls"))
    fake = FakeAws(args.latency_ms or 50.0, verify_signatures=not args.no_signature_check,
                   log=open(log_dir / "fake-aws.log", "a"), trace=args.trace, tls_dir=tls_dir,
                   tls_tickets=args.tls_tickets)
    trust_file, roots = (fake_tls.trust_file(tls_dir) if tls_dir else (None, 0))
    if args.storm_rate:
        fake.faults.storm(args.storm_rate, args.storm_seed)
    limits = Limits(int(args.cpu_period_ms * 1000))
    ran_unthrottled = False
    fake.start()
    groups: dict[tuple, list[dict]] = {}
    started = time.monotonic()
    try:
        for run, function, name, state, memory, latency, unthrottled in plan(args):
            fake.latency = latency / 1000
            ran_unthrottled = ran_unthrottled or unthrottled
            r = run_one(fake, binaries[function], function, name, state, run, args, log_dir, memory,
                        None if unthrottled else limits, trust_file)
            r["unthrottled"] = unthrottled
            groups.setdefault((function, name, state, memory, latency, unthrottled), []).append(r)
            trouble = report.problem(r)
            cpu = "unthrottled" if r["cpu_quota"] is None else f"{memory} MB share"
            print(f"bench: {function} {name} {state} {latency:g} ms/call, {cpu}, run {run}: {r['status']}, init "
                  f"{report.fmt(r['init_ms'])} ms, handle {report.fmt(r['handle_ms'])} ms, {r['calls']} calls, "
                  f"{report.summary_text(r['summary'])}" + (f" [{trouble}]" if trouble else ""),
                  file=sys.stderr, flush=True)
    finally:
        fake.shutdown()
        limits.close()

    results = [dict(report.aggregate(runs), unthrottled=key[5]) for key, runs in groups.items()]
    all_runs = [r for runs in groups.values() for r in runs]
    transport = ("plain HTTP (--plain-http)" if not tls_dir else
                 f"HTTPS (RSA 2048 chain, {args.tls_tickets} session tickets a handshake), its test CA trusted "
                 f"through SSL_CERT_FILE beside {roots} of this machine's root certificates")
    cpu = limits.describe() or "unthrottled"
    if ran_unthrottled:
        cpu = (cpu + "; and unthrottled runs") if limits.opened else "unthrottled (--unthrottled)"
    latencies = sorted({key[4] for key in groups})
    header = (f"amiflow bench: latency {', '.join(f'{x:g}' for x in latencies)} ms per AWS call, {args.runs} run(s) each "
              f"(median), AMIFLOW_MAX_CONCURRENCY={args.max_concurrency or 'default'}, "
              f"open files {args.nofile or 'inherited'}, {time.monotonic() - started:.0f} s in all\n"
              f"  CPU: {cpu}\n  transport: {transport}\n"
              + "\n".join(f"  {f}: {p} ({os.path.getsize(p) / 1048576:.1f} MB){' ' + args.label if args.label else ''}"
                          for f, p in binaries.items())
              + "\n" + report.LEGEND)
    if args.json:
        doc = {"runs_per_scenario": args.runs, "label": args.label, "cpu": cpu, "transport": transport,
               "nofile": args.nofile, "max_concurrency": args.max_concurrency, "binaries": binaries,
               "results": results, "runs": all_runs}
        if args.json == "-":
            json.dump(doc, sys.stdout, indent=2)
            print()
        else:
            Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")
    if args.json != "-":
        if args.power_tuning:
            print(header)
            print()
            print(modes.power_table(results, args))
        elif args.goals:
            print(header)
            print()
            print(modes.goals_table(results, template_memory_mb()))
        else:
            report.print_tables(results, header)
    return 1 if any(r["problems"] for r in results) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except SystemExit:
        raise
    except BaseException:
        import traceback

        traceback.print_exc()
        sys.exit(2)
