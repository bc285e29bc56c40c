"""`runtime_api.py serve`, as a Rust test runs it: a stand-in function binary (a Python script that
polls the Runtime API as the Lambda runtime does) fed queued events with a given concurrency."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

RUNTIME_API = Path(__file__).resolve().parent / "runtime_api.py"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:queue-test"
FUNCTION = f"""#!{sys.executable}
import json, os, time, urllib.request
base = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
while True:
    with urllib.request.urlopen(base + "/invocation/next") as r:
        request_id, event = r.headers["Lambda-Runtime-Aws-Request-Id"], json.loads(r.read())
    time.sleep(3600 if event.get("hang") else event.get("sleep", 0))
    body = json.dumps({{"n": event.get("n"), "name": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
                       "memory": os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "extra": os.environ.get("EXTRA"),
                       "home": os.environ.get("HOME")}}).encode()
    kind = "error" if event.get("fail") else "response"
    urllib.request.urlopen(urllib.request.Request(f"{{base}}/invocation/{{request_id}}/{{kind}}", data=body))
"""


def serve(tmp_path: Path, events: list[dict], concurrency: int, processes: int, timeout: float):
    binary = tmp_path / "bootstrap"
    binary.write_text(FUNCTION)
    binary.chmod(0o755)
    (tmp_path / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-B", str(RUNTIME_API), "serve", "--function-arn", ARN,
                           "--concurrency", str(concurrency), "--processes", str(processes), "--binary", str(binary),
                           "--env", "EXTRA=given", "--events", str(tmp_path / "events.jsonl"),
                           "--timeout", str(timeout)], capture_output=True, text=True, timeout=60)
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    return done.returncode, answers, time.monotonic() - started


def test_one_in_flight_answers_in_queue_order(tmp_path):
    events = [{"n": n, "sleep": 0.15, "fail": n == 3} for n in range(1, 5)]
    status, answers, took = serve(tmp_path, events, concurrency=1, processes=2, timeout=30)
    assert status == 0
    assert [a["payload"]["n"] for a in answers] == [1, 2, 3, 4]
    assert [a["error"] for a in answers] == [False, False, True, False]
    assert len({a["requestId"] for a in answers}) == 4
    assert answers[0]["payload"] == {"n": 1, "name": "queue-test", "memory": "128", "extra": "given", "home": None}
    assert took >= 0.6  # one at a time, whatever number of processes poll


def test_two_in_flight_answer_in_the_order_they_finish(tmp_path):
    status, answers, _ = serve(tmp_path, [{"n": 1, "sleep": 0.6}, {"n": 2}], concurrency=2, processes=2, timeout=30)
    assert status == 0 and [a["payload"]["n"] for a in answers] == [2, 1]


def test_a_timeout_exits_1_with_what_was_answered(tmp_path):
    status, answers, took = serve(tmp_path, [{"n": 1}, {"hang": True}, {"n": 3}], concurrency=1, processes=1,
                                  timeout=1.5)
    assert status == 1 and [a["payload"]["n"] for a in answers] == [1]
    assert took < 20
