"""A Lambda Runtime API emulator on 127.0.0.1 that runs one invocation of a `bootstrap` and measures it.

  GET  /2018-06-01/runtime/invocation/next            the event (once; later polls wait)
  POST /2018-06-01/runtime/invocation/<id>/response   the function's answer
  POST /2018-06-01/runtime/invocation/<id>/error      the function's error
  POST /2018-06-01/runtime/init/error                 a failed cold start

A response or error larger than Lambda's 6 MB limit is refused with 413, as Lambda refuses it.

`invoke_once` starts the binary behind a gate: a `sh` that waits for a line on a pipe and then execs
it. While it waits, the process is put in its own CPU cgroup (cpu_limit.py, when the run is
throttled) and given its open-file limit, so the binary's first instruction already runs as it would
on Lambda. Then the gate opens, the clock starts, the binary gets the event, and after the answer
the harness reads its peak RSS (VmHWM in /proc/<pid>/status), kills it and reaps it with `os.wait4`
(CPU time). VmHWM is also read when the function first asks for an event: the peak RSS of its cold
start. `ru_maxrss` from wait4 is not used for memory while the process is alive to be read: Linux
folds the RSS of the forked parent (this Python process, before exec) into it, so a small binary
spawned from a 300 MB parent reports 300 MB.

  init ms       gate opened (the binary is exec'd) -> its first GET /next
  handle ms     /next answered with the event -> the response (or error) POST arrives
  cpu ms        the function's utime + stime (wait4), less what the gate's `sh` used before exec
  init cpu ms   its CPU at the first GET /next (the sum of its threads' /proc/<pid>/task/*/schedstat,
                nanoseconds), less the same; the handle's CPU is the difference

`python3 -B runtime_api.py serve ...` is the other mode: long-lived processes of a binary fed queued
events with a given concurrency, for the Rust tests (runtime_queue.py).

Standard library only (Python 3.11).
"""
from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"
MAX_PAYLOAD = 6 * 1024 * 1024 + 100  # Lambda's response limit: 6 MB (6291556 bytes)


@dataclass
class Invocation:
    event: dict
    function_arn: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    deadline_ms: int = 0
    pid: int | None = None
    # measured
    first_next: float | None = None
    init_rss_kb: int | None = None  # VmHWM when the function first asks for an event
    init_cpu_ns: int | None = None  # the function's CPU time then (schedstat)
    event_sent: float | None = None
    answered: float | None = None
    kind: str | None = None  # "response" | "error" | "init-error"
    body: bytes = b""
    error_type: str | None = None
    done: threading.Event = field(default_factory=threading.Event)


class LoopbackApi(ThreadingHTTPServer):
    """What both emulators' servers share (this one's and runtime_queue.py's): a free 127.0.0.1 port,
    its `address` (host:port, AWS_LAMBDA_RUNTIME_API), daemon threads, and a client that hangs up is
    no error. Each sets its own `request_queue_size`."""
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        super().__init__(("127.0.0.1", 0), handler)
        self.address = f"127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class RuntimeApi(LoopbackApi):
    request_queue_size = 64

    def __init__(self, invocation: Invocation):
        self.invocation = invocation
        self.delivered = False
        self.closing = threading.Event()
        self.lock = threading.Lock()
        super().__init__(RuntimeHandler)

    def start(self) -> "RuntimeApi":
        threading.Thread(target=self.serve_forever, name="runtime-api", daemon=True).start()
        return self

    def close(self) -> None:
        self.closing.set()
        self.shutdown()
        self.server_close()


class JsonHandler(BaseHTTPRequestHandler):
    """What both emulators' handlers share (this one's and runtime_queue.py's): HTTP/1.1 keep-alive,
    no Nagle delay, no request log, and a JSON answer in one write."""
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def reply(self, status: int, body: bytes, headers: dict | None = None):
        reason = self.responses.get(status, ("",))[0]
        head = [f"HTTP/1.1 {status} {reason}", "Content-Type: application/json", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        self.wfile.flush()


class RuntimeHandler(JsonHandler):
    server: RuntimeApi

    def do_GET(self):
        inv = self.server.invocation
        if self.path != f"{PREFIX}/invocation/next":
            return self.reply(404, b'{"errorMessage":"not found","errorType":"NotFound"}')
        with self.server.lock:
            if inv.first_next is None:
                inv.first_next = time.monotonic()
                inv.init_rss_kb = peak_rss_kb(inv.pid)
                inv.init_cpu_ns = cpu_ns(inv.pid)
            first = not self.server.delivered
            self.server.delivered = True
        if not first:
            # One invocation per process: later polls wait until the process is killed.
            self.server.closing.wait(3600)
            return self.reply(500, b'{"errorMessage":"shutting down","errorType":"Shutdown"}')
        inv.deadline_ms = int(time.time() * 1000) + 900_000
        body = json.dumps(inv.event).encode()
        inv.event_sent = time.monotonic()
        self.reply(200, body, {
            "Lambda-Runtime-Aws-Request-Id": inv.request_id,
            "Lambda-Runtime-Deadline-Ms": str(inv.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": inv.function_arn,
            "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0",
        })

    def do_POST(self):
        inv = self.server.invocation
        arrived = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) > MAX_PAYLOAD and "/invocation/" in self.path:
            # Lambda refuses it; the invocation fails with Function.ResponseSizeTooLarge.
            if inv.kind is None:
                inv.answered, inv.kind = arrived, "too-large"
                inv.body = json.dumps({"errorType": "Function.ResponseSizeTooLarge",
                                       "errorMessage": f"the function posted {len(body)} bytes to {self.path}; "
                                                       f"Lambda takes at most {MAX_PAYLOAD}"}).encode()
            self.reply(413, json.dumps({"errorMessage": f"Exceeded maximum allowed payload size ({MAX_PAYLOAD} bytes).",
                                        "errorType": "RequestEntityTooLarge"}).encode())
            inv.done.set()
            return
        if self.path == f"{PREFIX}/init/error":
            kind = "init-error"
        elif self.path == f"{PREFIX}/invocation/{inv.request_id}/response":
            kind = "response"
        elif self.path == f"{PREFIX}/invocation/{inv.request_id}/error":
            kind = "error"
        else:
            return self.reply(404, b'{"errorMessage":"unknown path or request id","errorType":"InvalidRequestID"}')
        if inv.kind is None:
            inv.answered, inv.kind, inv.body = arrived, kind, body
            inv.error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
        self.reply(202, b'{"status":"OK"}')
        inv.done.set()


def peak_rss_kb(pid: int | None) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, TypeError):
        pass
    return None


def cpu_ns(pid: int | None) -> int | None:
    """The CPU time of a live process's threads, in nanoseconds (the first field of each thread's
    schedstat); None where the kernel does not say."""
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                    total += int(f.read().split()[0])
            except FileNotFoundError:
                continue  # the thread ended meanwhile
    except (OSError, ValueError, IndexError, TypeError):
        return None
    return total


# The gate: waits for one line on stdin (the harness sends it once the process is in its cgroup and
# has its limits), then becomes the binary with stdin from /dev/null. Exit 111 if the harness went away.
GATE = 'read -r _ || exit 111; exec "$0" </dev/null'


@dataclass
class Outcome:
    status: str  # "ok" | "error" | "init-error" | "timeout" | "exited"
    init_ms: float | None
    handle_ms: float | None
    event_sent: float | None  # monotonic clock, to window the AWS calls
    answered: float | None
    body: bytes
    error_type: str | None
    init_rss_kb: int | None
    peak_rss_kb: int
    peak_rss_source: str  # "VmHWM" (read just before the kill) or "wait4" (the process had exited)
    cpu_ms: float
    init_cpu_ms: float | None
    exit_status: int | None
    throttled: object = None  # cpu_limit.Throttled, when the run had a CPU quota


def invoke_once(binary: str, env: dict, event: dict, function_arn: str, timeout_s: float, log_path: str,
                nofile: int | None = None, cpu_limit=None) -> Outcome:
    """One cold start and invocation of `binary`; `cpu_limit` (a cpu_limit.CpuLimit) throttles it."""
    invocation = Invocation(event=event, function_arn=function_arn)
    api = RuntimeApi(invocation).start()
    env = dict(env, AWS_LAMBDA_RUNTIME_API=api.address)
    exit_status = None
    rusage = None
    cgroup = None
    gate_r, gate_w = os.pipe()
    try:
        try:
            with open(log_path, "ab") as log:
                proc = subprocess.Popen(["/bin/sh", "-c", GATE, binary], env=env, stdin=gate_r, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True, cwd="/tmp")
            invocation.pid = proc.pid
            if cpu_limit is not None:
                cgroup = cpu_limit.make()
                cpu_limit.enter(cgroup, proc.pid)
            if nofile:
                # Lambda's limit on open files, kept by exec. Set from here, not in the child
                # (preexec_fn and threads do not mix).
                resource.prlimit(proc.pid, resource.RLIMIT_NOFILE, (nofile, nofile))
            gate_cpu_ns = cpu_ns(proc.pid) or 0
            spawned = time.monotonic()
            os.write(gate_w, b"go\n")
        finally:
            os.close(gate_r)
            os.close(gate_w)  # a gate never opened: the sh exits 111
        deadline = spawned + timeout_s
        status = "timeout"
        while time.monotonic() < deadline:
            if invocation.done.wait(0.02):
                status = {"response": "ok", "error": "error", "init-error": "init-error",
                          "too-large": "error"}[invocation.kind]
                break
            pid, st, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                exit_status, rusage, status = st, ru, "exited"
                break
        peak_kb = peak_rss_kb(proc.pid) if rusage is None else None
        if rusage is None:
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, exit_status, rusage = os.wait4(proc.pid, 0)
        proc.returncode = exit_status  # reaped here; Popen must not wait for it again
    finally:
        if invocation.pid is not None and rusage is None:  # the harness broke: leave no process behind
            try:
                os.kill(invocation.pid, signal.SIGKILL)
                os.wait4(invocation.pid, 0)
            except OSError:
                pass
        api.close()
        if cgroup is not None:
            throttled = cpu_limit.throttled(cgroup)
            cpu_limit.remove(cgroup)
    init_ms = (invocation.first_next - spawned) * 1000 if invocation.first_next else None
    handle_ms = ((invocation.answered - invocation.event_sent) * 1000
                 if invocation.answered and invocation.event_sent else None)
    cpu_ms = (rusage.ru_utime + rusage.ru_stime) * 1000 - gate_cpu_ns / 1e6
    init_cpu_ms = (invocation.init_cpu_ns - gate_cpu_ns) / 1e6 if invocation.init_cpu_ns is not None else None
    return Outcome(status, init_ms, handle_ms, invocation.event_sent, invocation.answered, invocation.body,
                   invocation.error_type, invocation.init_rss_kb,
                   peak_kb if peak_kb is not None else rusage.ru_maxrss,
                   "VmHWM" if peak_kb is not None else "wait4", cpu_ms, init_cpu_ms, exit_status,
                   throttled if cgroup is not None else None)


def env_pair(text: str) -> str:
    if "=" not in text or text.startswith("="):
        raise ValueError(text)
    return text


def main(argv: list[str]) -> int:
    import argparse

    import runtime_queue

    ap = argparse.ArgumentParser(description="Lambda Runtime API emulators")
    commands = ap.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help=runtime_queue.__doc__.split("\n\n")[0].replace("\n", " "),
                                description=runtime_queue.__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--function-arn", required=True)
    serve.add_argument("--concurrency", type=int, required=True, help="invocations in flight at once at most")
    serve.add_argument("--processes", type=int, required=True, help="long-lived processes of the binary")
    serve.add_argument("--binary", required=True)
    serve.add_argument("--env", action="append", default=[], type=env_pair, metavar="K=V",
                       help="added to the processes' environment (repeatable)")
    serve.add_argument("--events", required=True, help="one event (JSON) a line, queued in order")
    serve.add_argument("--timeout", type=float, required=True, help="seconds until every event must be answered")
    return runtime_queue.serve(ap.parse_args(argv))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main(sys.argv[1:]))
