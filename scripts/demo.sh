#!/usr/bin/env bash
# The one-command local demo: installs what it needs, starts moto on loopback (with the test front of
# tests/fake/moto_front.py, which serves Image Builder from demo/fixtures on the same endpoint), seeds an image with AMIs in two Regions and two accounts (plus launch templates and
# an old parameter), runs the three functions under `cargo lambda watch` with `cargo lambda invoke`
# on the sample events, prints what changed, and stops everything it started.
# Logs go to .amiflow/ (ignored by git and by cargo lambda watch's reloads).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOGS="$ROOT/.amiflow"
mkdir -p "$LOGS"

echo "==> installing (moto, cargo-lambda)"
MOTO_SERVER=$(bash scripts/emulators.sh)
bash scripts/tools.sh sam
export PATH="$ROOT/.venv-sam/bin:$PATH"

free_port() { "$ROOT/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MOTO_PORT=$(free_port); WATCH_PORT=$(free_port)

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM
start() { # log name, command...: starts in its own process group so cleanup takes its children too
  local log=$1; shift
  setsid "$@" > "$LOGS/$log.log" 2>&1 &
  pids+=($!)
}
wait_http() { # url, what
  for _ in $(seq 1 600); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.5
  done
  echo "$2 did not start; see $LOGS" >&2; exit 1
}

echo "==> building the functions"
cargo build --quiet -p distribute-image -p update-ssm-parameters -p update-launch-templates

echo "==> starting moto (and Image Builder, from demo/fixtures) on 127.0.0.1:$MOTO_PORT"
start moto "$(dirname "$MOTO_SERVER")/python" scripts/moto_server.py -H 127.0.0.1 -p "$MOTO_PORT" --fixtures demo/fixtures
wait_http "http://127.0.0.1:$MOTO_PORT/_amiflow/" moto

export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AMIFLOW_POLICY="$(cat demo/policy.json)" AMIFLOW_CROSS_ACCOUNT_ROLE=amiflow-target

"$ROOT/.venv/bin/python" demo/world.py seed
"$ROOT/.venv/bin/python" demo/world.py show "before"

echo "==> cargo lambda watch on 127.0.0.1:$WATCH_PORT"
start watch cargo lambda watch --invoke-port "$WATCH_PORT" --ignore-changes
wait_http "http://127.0.0.1:$WATCH_PORT/" "cargo lambda watch"

invoke() { # function, event file
  echo
  echo "==> cargo lambda invoke $1 --data-file $2"
  cargo lambda invoke "$1" --invoke-port "$WATCH_PORT" --data-file "$2" --output-format json || true
}
for fn in distribute-image update-ssm-parameters update-launch-templates; do
  invoke "$fn" events/image-available.json
done
echo
echo "==> the same event again: nothing moves"
invoke update-ssm-parameters events/image-available.json
echo
echo "==> events that are left alone, and one that is refused"
invoke distribute-image events/image-available-distributed-product.json
invoke update-launch-templates events/image-failed.json
invoke update-ssm-parameters events/malformed-no-resources.json

echo
echo "==> the Lambda Invoke API against the watch emulator (what aws lambda invoke --endpoint-url calls)"
"$ROOT/.venv/bin/python" demo/world.py invoke "$WATCH_PORT" update-launch-templates events/direct-image.json

echo
"$ROOT/.venv/bin/python" demo/world.py show "after"
echo
echo "==> DistributeImage calls Image Builder received (the front's request log):"
curl -s "$AWS_ENDPOINT_URL/_amiflow/requests?service=imagebuilder&operation=DistributeImage"
echo
echo "==> function logs: $LOGS/watch.log; moto's: $LOGS/moto.log"
