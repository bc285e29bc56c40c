"""The Runtime API as Lambda runs a function with reserved concurrency: long-lived processes of the
binary poll one Runtime API, which hands out queued events in order, at most `concurrency` in flight
at once; the rest wait, as Lambda's asynchronous queue holds them, whatever number of processes
poll. `runtime_api.py serve` runs it for a Rust test (it replaces tests/src/runtime_api.rs, whose
semantics it keeps):

  python3 -B tests/bench/runtime_api.py serve --function-arn ARN --concurrency C --processes P \\
      --binary PATH [--env K=V]... --events FILE.jsonl --timeout SECONDS

One JSON line per answer, in answer order, on stdout: {"requestId", "error": bool, "payload": the
answer parsed as JSON, or null}. A failed cold start (POST /runtime/init/error) is an answer too,
with requestId "init", as it was in Rust. Exit 0 once there are as many answers as events, 1 when
the timeout passes first (what was answered is printed). The processes get a clean environment:
PATH, AWS_LAMBDA_RUNTIME_API, AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128,
AWS_LAMBDA_FUNCTION_VERSION=$LATEST and the --env pairs; their stdout is dropped, their stderr is
ours; they are killed when this exits, and by the kernel (PR_SET_PDEATHSIG) if it is killed.

Standard library only (Python 3.11).
"""
from __future__ import annotations

import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import deque

from runtime_api import PREFIX, JsonHandler, LoopbackApi

ANSWER = re.compile(rf"^{PREFIX}/invocation/([^/]+)/(response|error)$")
PR_SET_PDEATHSIG = 1


class QueueApi(LoopbackApi):
    request_queue_size = 128

    def __init__(self, function_arn: str, concurrency: int, events: list, out=sys.stdout):
        self.function_arn = function_arn
        self.concurrency = max(1, concurrency)
        self.changed = threading.Condition()
        self.waiting = deque((str(uuid.uuid4()), event) for event in events)
        self.in_flight = 0
        self.answered: list[dict] = []
        self.out = out
        super().__init__(QueueHandler)

    def next_event(self) -> tuple[str, object]:
        """Waits until an event may be handed out (one is queued and fewer than `concurrency` are in flight)."""
        with self.changed:
            self.changed.wait_for(lambda: self.waiting and self.in_flight < self.concurrency)
            self.in_flight += 1
            return self.waiting.popleft()

    def answer(self, request_id: str, error: bool, body: bytes) -> None:
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        line = {"requestId": request_id, "error": error, "payload": payload}
        with self.changed:
            self.in_flight = max(0, self.in_flight - 1)
            self.answered.append(line)
            print(json.dumps(line), file=self.out, flush=True)  # under the lock: in answer order
            self.changed.notify_all()

    def wait_answers(self, count: int, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: len(self.answered) >= count, timeout)


class QueueHandler(JsonHandler):
    server: QueueApi

    def do_GET(self):
        if self.path != f"{PREFIX}/invocation/next":
            return self.reply(404, b'{"errorMessage":"not found","errorType":"NotFound"}')
        request_id, event = self.server.next_event()
        self.reply(200, json.dumps(event).encode(), {
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(int((time.time() + 300) * 1000)),
            "Lambda-Runtime-Invoked-Function-Arn": self.server.function_arn,
            "Lambda-Runtime-Trace-Id": f"Root=1-{request_id}",
        })

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path == f"{PREFIX}/init/error":
            self.server.answer("init", True, body)
        elif m := ANSWER.match(self.path):
            self.server.answer(m.group(1), m.group(2) == "error", body)
        else:
            return self.reply(404, b'{"errorMessage":"not found","errorType":"NotFound"}')
        self.reply(202, b'{"status":"OK"}')


def die_with_parent() -> None:
    """In the child, before exec: the kernel kills it when this process dies."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def start_processes(binary: str, api: QueueApi, processes: int, env: dict[str, str]) -> list[subprocess.Popen]:
    """Spawned before any other thread runs (preexec_fn and threads do not mix)."""
    environment = {"PATH": os.environ.get("PATH", ""), "AWS_LAMBDA_RUNTIME_API": api.address,
                   "AWS_LAMBDA_FUNCTION_NAME": api.function_arn.rsplit(":", 1)[-1] or "f",
                   "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", **env}
    return [subprocess.Popen([binary], env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             preexec_fn=die_with_parent) for _ in range(processes)]


def serve(args) -> int:
    with open(args.events) as f:
        events = [json.loads(line) for line in f if line.strip()]
    env = dict(pair.split("=", 1) for pair in args.env)
    api = QueueApi(args.function_arn, args.concurrency, events)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    children: list[subprocess.Popen] = []
    try:
        children = start_processes(args.binary, api, args.processes, env)
        threading.Thread(target=api.serve_forever, name="runtime-api", daemon=True).start()
        if api.wait_answers(len(events), args.timeout):
            return 0
        print(f"runtime_api: {len(api.answered)} of {len(events)} events answered within {args.timeout:g} s",
              file=sys.stderr, flush=True)
        return 1
    finally:
        for child in children:
            child.kill()
        for child in children:
            child.wait()
