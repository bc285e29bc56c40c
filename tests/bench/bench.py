"""amiflow scale benchmark ("800 placements as fast as 16"): prints figures, asserts nothing.

Runs the update-ssm-parameters and update-launch-templates `bootstrap` binaries as Lambda would (a
Runtime API emulator, runtime_api.py, one cold start per invocation) against an in-memory fake of
SSM, EC2, STS and Image Builder on 127.0.0.1 (tests/fake/) in which every AWS call takes --latency-ms.
The scenarios (scenarios.py): Regions x accounts grids with one target per placement (1x1, 16x1,
16x10, 16x50, 16x200), and unmanaged2000 (one placement, 2,000 unmanaged launch templates beside 10
managed ones), each in the states "first" (every target is updated) and "steady" (none is), and on
request "untagged" (as "first", templates without amiflow's version tags).

Reported per run: init ms (spawn -> first /next), handle ms (event -> response), AWS calls per
operation, round trips on the critical path (the longest chain of calls each starting after the
previous one ended), the most calls in flight at once, TCP connections, CPU ms of the function and of
this harness, peak RSS (VmHWM, at the first /next and before the kill), the report's summary, and how
many targets hold the new AMI afterwards (checked in the fake). As on Lambda, the function gets
1,024 open files (--nofile) and AWS_LAMBDA_FUNCTION_MEMORY_SIZE (--memory-mb; a peak RSS above it is
flagged, not enforced).

  python3 -B tests/bench/bench.py --bin-dir target/release [--latency-ms 50] [--runs 3]
      [--scenarios 1x1,16x1,16x10,16x50,16x200,unmanaged2000] [--functions ssm,lt] [--states first,steady,untagged]
      [--timeout 120] [--max-concurrency N] [--memory-mb 128] [--nofile 1024] [--trace]
      [--tls-dir DIR] [--storm-rate R [--storm-seed N]]
      [--json [FILE]] [--smoke]

Exit status: 0 when every run answered and no target failed; 1 when a run failed, timed out, or
the fake saw a request it does not serve; 2 when the harness itself broke.
Standard library only (Python 3.11).
"""
from __future__ import annotations

import sys

sys.dont_write_bytecode = True

import argparse
import json
import os
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))  # tests/: the shared fakes, package `fake`

import report  # noqa: E402
import scenarios  # noqa: E402
from fake import FakeAws, summarize  # noqa: E402
from runtime_api import invoke_once  # noqa: E402
from scenarios import FUNCTIONS, HOME, HOME_REGION, SCENARIOS  # noqa: E402


def run_one(fake: FakeAws, binary: str, function: str, name: str, state: str, run: int, args, log_dir: Path) -> dict:
    scenario = SCENARIOS[name]
    scenarios.seed(fake.world, function, scenario, state)
    fake.recorder.reset()
    unknown_before = len(fake.unknown)
    log_path = log_dir / f"{function}-{name}-{state}-{run}.log"
    log_path.unlink(missing_ok=True)
    env = scenarios.function_env(function, fake.url, args.max_concurrency, args.memory_mb)
    if fake.ca_file:
        env["SSL_CERT_FILE"] = str(fake.ca_file)
    harness_cpu = time.process_time()
    outcome = invoke_once(binary, env, scenarios.event(), f"arn:aws:lambda:{HOME_REGION}:{HOME}:function:{function}",
                          args.timeout, str(log_path), args.nofile)
    harness_cpu = (time.process_time() - harness_cpu) * 1000
    calls = fake.recorder.snapshot()
    window_start = outcome.event_sent if outcome.event_sent is not None else float("inf")
    stats = summarize([c for c in calls if c.start >= window_start])
    got, error = report.answer(outcome, log_path, args.timeout)
    held, disturbed = scenarios.afterwards(fake.world, function, scenario)
    return {
        "function": function, "scenario": name, "state": state, "run": run,
        "regions": scenario.regions, "accounts": scenario.accounts, "placements": scenario.placements,
        "targets": scenario.targets(function),
        "status": outcome.status, "error": report.shorten(error, 4000),
        "init_ms": outcome.init_ms, "handle_ms": outcome.handle_ms,
        "calls": stats["total"], "calls_per_op": stats["per_op"], "call_errors": stats["errors"],
        "critical_path": stats["critical_path"], "peak_in_flight": stats["peak_in_flight"],
        "init_calls": summarize([c for c in calls if c.start < window_start])["per_op"],
        "connections": fake.recorder.connections,
        "tls_handshakes": fake.recorder.tls_handshakes if fake.ca_file else None,
        "cpu_ms": outcome.cpu_ms, "harness_cpu_ms": harness_cpu,
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
    ap.add_argument("--latency-ms", type=float, default=None, help="every AWS call takes this long (default 50; 5 with --smoke)")
    ap.add_argument("--runs", type=int, default=1, help="runs per scenario and state; figures are medians")
    ap.add_argument("--scenarios", default=None,
                    help=f"comma-separated, of {', '.join(SCENARIOS)} or placement counts (1,16,160,800,3200)")
    ap.add_argument("--functions", default="ssm,lt", help="comma-separated: ssm, lt (or full names)")
    ap.add_argument("--states", default="first,steady", help="comma-separated: first, steady, untagged (default: first, steady)")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per run before it is killed and reported")
    ap.add_argument("--max-concurrency", type=int, default=None, help="AMIFLOW_MAX_CONCURRENCY (unset: the function's default)")
    ap.add_argument("--memory-mb", type=int, default=128,
                    help="AWS_LAMBDA_FUNCTION_MEMORY_SIZE; a peak RSS above it is flagged (Lambda would kill the function)")
    ap.add_argument("--nofile", type=int, default=1024,
                    help="the function's open-file limit, as Lambda's (1024); 0 leaves the inherited one")
    ap.add_argument("--label", default="", help="what the binaries are (shown in the header), e.g. 'release'")
    ap.add_argument("--log-dir", type=Path, default=None, help="function logs (default: .amiflow/bench in the repository)")
    ap.add_argument("--trace", action="store_true", help="log every AWS request and answer to fake-aws.log")
    ap.add_argument("--tls-dir", default=None,
                    help="serve HTTPS with a test CA kept in this folder (the function trusts it via SSL_CERT_FILE)")
    ap.add_argument("--storm-rate", type=float, default=0.0,
                    help="throttle each AWS call with this probability (0 to 1), in its service's own error")
    ap.add_argument("--storm-seed", type=int, default=None, help="the storm's random seed")
    ap.add_argument("--no-signature-check", action="store_true", help="accept any SigV4 signature (still needs a known key)")
    ap.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                    help="write the figures as JSON to FILE (or stdout, instead of the tables)")
    ap.add_argument("--smoke", action="store_true", help="scenarios 1x1 and 16x1 at 5 ms: seconds, a harness check")
    args = ap.parse_args(argv)

    if args.smoke and args.scenarios is None:
        args.scenarios = "1x1,16x1"
    if args.latency_ms is None:
        args.latency_ms = 5.0 if args.smoke else 50.0
    grid = {str(s.placements): n for n, s in SCENARIOS.items() if s.managed == 1 and not s.unmanaged}
    args.scenario_names = []
    for s in (args.scenarios or ",".join(SCENARIOS)).split(","):
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


def main(argv=None) -> int:
    args = parse_args(argv)
    binaries = resolve_binaries(args.bin_dir, args.function_names)
    log_dir = args.log_dir or HERE.parent.parent / ".amiflow" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)

    fake = FakeAws(args.latency_ms, verify_signatures=not args.no_signature_check,
                   log=open(log_dir / "fake-aws.log", "a"), trace=args.trace, tls_dir=args.tls_dir)
    if args.storm_rate:
        fake.faults.storm(args.storm_rate, args.storm_seed)
    fake.start()
    results, all_runs = [], []
    started = time.monotonic()
    for function in args.function_names:
        for name in args.scenario_names:
            if function not in SCENARIOS[name].functions:
                print(f"bench: {name} is a scenario of {', '.join(SCENARIOS[name].functions)} only: "
                      f"not run for {function}", file=sys.stderr)
                continue
            for state in args.state_names:
                runs = []
                for run in range(1, args.runs + 1):
                    r = run_one(fake, binaries[function], function, name, state, run, args, log_dir)
                    runs.append(r)
                    trouble = report.problem(r)
                    print(f"bench: {function} {name} {state} run {run}: {r['status']}, handle "
                          f"{report.fmt(r['handle_ms'])} ms, {r['calls']} calls, {report.summary_text(r['summary'])}"
                          + (f" [{trouble}]" if trouble else ""), file=sys.stderr, flush=True)
                all_runs += runs
                results.append(report.aggregate(runs))
    fake.shutdown()

    header = (f"amiflow bench: latency {args.latency_ms:g} ms per AWS call, {args.runs} run(s) each (median), "
              f"AMIFLOW_MAX_CONCURRENCY={args.max_concurrency or 'default'}, memory size {args.memory_mb} MB, "
              f"open files {args.nofile or 'inherited'}, {time.monotonic() - started:.0f} s in all\n"
              + "\n".join(f"  {f}: {p} ({os.path.getsize(p) / 1048576:.1f} MB){' ' + args.label if args.label else ''}"
                          for f, p in binaries.items())
              + "\n" + report.LEGEND)
    if args.json:
        doc = {"latency_ms": args.latency_ms, "runs_per_scenario": args.runs, "label": args.label,
               "memory_mb": args.memory_mb, "nofile": args.nofile,
               "max_concurrency": args.max_concurrency, "binaries": binaries, "results": results, "runs": all_runs}
        if args.json == "-":
            json.dump(doc, sys.stdout, indent=2)
            print()
        else:
            Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")
    if args.json != "-":
        report.print_tables(results, header, args.memory_mb)
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
