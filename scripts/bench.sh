#!/usr/bin/env bash
# The scale benchmark ("800 placements as fast as 16"): runs update-ssm-parameters and
# update-launch-templates as Lambda would (a Runtime API emulator, one cold start per invocation,
# the function alone throttled to Lambda's CPU share for its MemorySize) against an in-memory fake of
# SSM, EC2, STS and Image Builder on 127.0.0.1 over HTTPS with a test CA, with a fixed latency per AWS
# call (tests/fake/), for 1, 16, 160, 800 and 3,200 (Region, account) placements and for one account
# crowded with 2,000 launch templates amiflow does not manage, and prints the figures: init and handle
# ms, AWS calls per operation, new connections (TLS handshakes), round trips on the critical path, the
# function's CPU and its CPU per AWS call, peak RSS, and the report's summary. It measures; it asserts
# no threshold. Python 3.11 standard library only (tests/bench/). docs/benchmarks.md has the results.
#
#   bash scripts/bench.sh [--smoke | --power-tuning | --goals] [--bin-dir DIR] [--latency-ms N] [--runs N]
#                         [--scenarios LIST] [--memory-mb M | --unthrottled] [--cpu-period-ms 20]
#                         [--plain-http] [more options of tests/bench/bench.py: --functions, --states,
#                          --timeout, --max-concurrency, --nofile, --function-env K=V, --tls-dir DIR,
#                          --tls-tickets N, --storm-rate R, --storm-seed N, --trace, --json [FILE]]
#
#   (default)       builds release bootstraps (cargo build --release --locked) and runs target/release
#   --bin-dir DIR   uses the binaries in DIR instead, named update-ssm-parameters and
#                   update-launch-templates, or <name>/bootstrap, or sam build's
#                   <LogicalId>/bootstrap (--bin-dir .aws-sam/build); nothing is built
#   --smoke         scenarios 1x1 and 16x1 at 5 ms per call: a few seconds; fails only when the
#                   harness breaks or the function answers an error or reports failed targets
#   --power-tuning  16x1 (25 ms per call) and 16x50 (50 ms), both writers, at 128, 256, 512, 1,024
#                   and 1,769 MB (or --memory-mb LIST), 3 runs each: markdown tables of handle ms,
#                   billed GB-s and cost per 1,000 cold invocations
#   --goals         issue 28's goals: 16x1 at 25 ms unthrottled and at the 128 MB share, 16x50 at 50 ms
#                   at template.yaml's FunctionMemorySize, 3 runs each: a markdown table, met or not
#   --memory-mb M   the function's CPU quota, M / 1,769 of one core (cgroup v1 cpu or v2 cpu.max, a
#                   CFS period of --cpu-period-ms), and AWS_LAMBDA_FUNCTION_MEMORY_SIZE; default
#                   template.yaml's FunctionMemorySize. Where no cgroup is writable it says so (stderr
#                   and header) and runs unthrottled. --unthrottled: no quota
#   --plain-http    the fake serves HTTP instead of HTTPS with its test CA (--tls-tickets N: TLS 1.3
#                   session tickets it sends a handshake, default 2; 0 turns resumption off)
#   --scenarios     comma-separated: 1x1,16x1,16x10,16x50,16x200 (Regions x accounts) or 1,16,160,800,3200,
#                   and unmanaged2000 (update-launch-templates only: 2,000 unmanaged and 10 managed
#                   templates in one placement, selected by tag); default: all of them
#
# Function logs, the fake's log and the test CA go to .amiflow/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir=""
label=""
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) bin_dir=${2:?--bin-dir needs a directory}; shift 2 ;;
    --bin-dir=*) bin_dir=${1#--bin-dir=}; shift ;;
    --scenarios|--latency-ms|--runs|--functions|--states|--timeout|--max-concurrency|--memory-mb|--cpu-period-ms|--tls-tickets|--function-env|--nofile|--label|--log-dir|--tls-dir|--storm-rate|--storm-seed)
      pass+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    --json)
      if [ $# -gt 1 ] && [ "${2#-}" = "$2" ]; then pass+=("$1" "$2"); shift 2; else pass+=("$1"); shift; fi ;;
    --smoke|--power-tuning|--goals|--unthrottled|--plain-http|--trace|--no-signature-check|--*=*) pass+=("$1"); shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

python=$(command -v python3.11 || command -v python3 || true)
if [ -z "$python" ] || ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "bench: needs Python 3.11 or newer (python3)" >&2; exit 2
fi

if [ -z "$bin_dir" ]; then
  echo "==> building release bootstraps" >&2
  cargo build --release --locked -p update-ssm-parameters -p update-launch-templates
  bin_dir=target/release
  label="release"
fi
[ -d "$bin_dir" ] || { echo "bench: --bin-dir $bin_dir is not a directory" >&2; exit 2; }
# Absolute: the functions are started from another working directory.
bin_dir=$(cd "$bin_dir" && pwd)
if [ -z "$label" ]; then
  case "$bin_dir" in
    */debug|*/debug/|debug) label="debug" ;;
    */release|*/release/|release) label="release" ;;
    *.aws-sam/build*) label="sam build" ;;
  esac
fi

exec "$python" -B tests/bench/bench.py --bin-dir "$bin_dir" ${label:+--label "$label"} ${pass[@]+"${pass[@]}"}
