"""The fake's HTTP server: one asyncio event loop on a thread of its own, so thousands of keep-alive
connections cost no thread each, and the latency is an `asyncio.sleep` that blocks nothing.

Every request is routed by its SigV4 credential scope (service, Region) and acts as the account its
access key belongs to; its signature is checked, and a key STS issued is held to its session
policy. An injected fault or a storm's throttling (faults.py) is answered once the caller is known.
With `tls_dir` it serves HTTPS with a test CA (tls.py), and counts TLS handshakes beside connections. Every call waits `latency_ms` before it is answered and is recorded with its start and end.
A request the fake does not serve (an operation or member it does not know, a service it does not
fake) gets the service's own error shape and is listed in `unknown`, so a benchmark shows it.
"""
from __future__ import annotations

import asyncio
import random
import socket
import sys
import threading
import time
import traceback
import uuid
from email.utils import formatdate
from http import HTTPStatus

from . import errors, requestlog, sigv4, tls
from .ec2 import Ec2
from .faults import Faults
from .imagebuilder import ImageBuilder
from .recorder import Call, Recorder
from .ssm import Ssm
from .sts import Sts
from .wire import Context, Headers, Request, ServiceError, Unsupported
from .world import World


def http_date(cache={}) -> str:
    """The Date header: the same for every answer within a second."""
    now = int(time.time())
    if cache.get("at") != now:
        cache.update(at=now, text=formatdate(now, usegmt=True))
    return cache["text"]


class FakeAws:
    def __init__(self, latency_ms: float = 50.0, verify_signatures: bool = True, port: int = 0, log=sys.stderr,
                 trace: bool = False, tls_dir: str | None = None, tls_tickets: int = 2):
        self.trace = trace  # log every request and answer (to `log`)
        self.world = World()
        self.recorder = Recorder()
        self.faults = Faults()  # fail-next-N and storms, as the moto front injects them
        self.latency = latency_ms / 1000.0
        self.verify_signatures = verify_signatures
        self.log = log
        self.services = {s.name: s for s in (Ssm(self.world), Ec2(self.world), Sts(self.world),
                                             ImageBuilder(self.world.imagebuilder))}
        self.unknown: list[str] = []
        # HTTPS with a test CA: a caller sets SSL_CERT_FILE=<ca_file> for the function.
        self.tls, self.ca_file = tls.server_context(tls_dir, tls_tickets) if tls_dir else (None, None)
        # A large backlog: with Python's default of 5, a burst of parallel connects waits out a 1 s SYN retransmit.
        self.sock = socket.create_server(("127.0.0.1", port), backlog=1024)
        self.url = f"{'https' if self.tls else 'http'}://127.0.0.1:{self.sock.getsockname()[1]}"
        self.loop = asyncio.new_event_loop()
        self.thread: threading.Thread | None = None
        self.writers: set[asyncio.StreamWriter] = set()  # open connections, closed by shutdown

    def start(self) -> "FakeAws":
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)
            self.server = self.loop.run_until_complete(asyncio.start_server(self.connection, sock=self.sock, ssl=self.tls))
            ready.set()
            self.loop.run_forever()
            self.loop.close()

        self.thread = threading.Thread(target=run, name="fake-aws", daemon=True)
        self.thread.start()
        ready.wait()
        return self

    def shutdown(self) -> None:
        """Stops serving: open keep-alive connections are closed before the loop stops, so none is
        left pending on a closed loop."""
        if self.thread:
            async def stop():
                self.server.close()
                for writer in list(self.writers):  # each connection's read then ends, and its task with it
                    writer.transport.abort()
                tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                if tasks:
                    await asyncio.wait(tasks, timeout=max(1.0, 2 * self.latency))
                self.loop.stop()

            asyncio.run_coroutine_threadsafe(stop(), self.loop)
            self.thread.join(5)
        self.sock.close()

    def note_unknown(self, what: str) -> None:
        self.unknown.append(what)
        print(f"fake-aws: not served: {what}", file=self.log, flush=True)

    # -- HTTP/1.1 with keep-alive; Content-Length always set

    @staticmethod
    async def read_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Request | None:
        # The whole head in one read: a readline per header cost the fake more CPU than the
        # request itself, and under a burst that CPU is queueing, timed as the function's.
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        line, *fields = head.decode("latin-1").split("\r\n")
        try:
            command, path, version = line.split(" ", 2)
        except ValueError:
            return None
        headers = Headers()
        for h in fields:
            if not h:
                continue
            k, _, v = h.partition(":")
            k, v = k.strip().lower(), v.strip()
            headers[k] = v if k not in headers or k == "content-length" else f"{headers[k]},{v}"
        if headers.get("expect", "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = b""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while size := int((await reader.readline()).split(b";")[0].strip(), 16):
                body += await reader.readexactly(size)
                await reader.readline()
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass
        elif length := int(headers.get("content-length") or 0):
            body = await reader.readexactly(length)
        keep_alive = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        return Request(command, path, headers, body, keep_alive)

    async def connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.add(writer)
        tls_session = writer.get_extra_info("ssl_object")  # the handshake is done before this runs
        self.recorder.connected(tls_resumed=tls_session.session_reused if tls_session is not None else None)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while req := await self.read_request(reader, writer):
                start = time.monotonic()
                call = Call("?", "", "", start, start, 0)
                try:
                    status, content_type, payload, extra = self.process(req, call)
                    # The latency counts from the request's arrival, as a service's does: the
                    # fake's own CPU time is inside it, not added to it.
                    if (wait := self.latency - (time.monotonic() - start)) > 0:
                        await asyncio.sleep(wait)
                    head = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", f"Content-Type: {content_type}",
                            f"Content-Length: {len(payload)}", f"Date: {http_date()}",
                            "Server: amiflow-bench-fake-aws", *(f"{k}: {v}" for k, v in extra.items())]
                    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
                    await writer.drain()
                finally:
                    call.end = time.monotonic()
                    self.recorder.leave(call)
                if not req.keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            self.writers.discard(writer)
            writer.close()

    # -- one request: signature, session policy, dispatch, the service's own error shapes

    def process(self, req: Request, call: Call) -> tuple[int, str, bytes, dict]:
        # A random version-4 UUID without uuid4's system call per request.
        request_id = str(uuid.UUID(int=random.getrandbits(128), version=4))
        auth = sigv4.parse_authorization(req.headers.get("Authorization", ""))
        service = self.services.get(auth["service"]) if auth else None
        name = auth["service"] if auth else "unsigned"
        call.region = auth["region"] if auth else ""
        op = (service.operation(req) if service else None) or f"UNKNOWN:{req.command} {req.url.path}"
        try:
            if auth is None:
                raise Unsupported(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
            if service is None:
                raise Unsupported(400, "UnknownOperationException", f"the fake does not serve the service {name!r}")
            with self.world.lock:
                key = self.world.keys.get(auth["akid"])
            key = sigv4.check(req, auth, key, self.verify_signatures)
            call.account = key.account
            injected = self.faults.due(name, op, lambda: requestlog.compact(
                requestlog.parsed_body(req.command, req.headers.get("Content-Type", ""), req.body, req.url.query)),
                call.region)
            if injected is not None:
                raise injected
            if not sigv4.session_allows(key, f"{name}:{op}"):
                raise ServiceError(*service.denied, f"User: arn:aws:sts::{key.account}:assumed-role/{key.session} is "
                                   f"not authorized to perform: {name}:{op} because no session policy allows the "
                                   f"{name}:{op} action")
            ctx = Context(call.region, key.account, auth["akid"])
            content_type, payload = service.handle(op, req, ctx, request_id)
            status, extra = 200, {}
        except ServiceError as e:
            status, call.error = e.status, e.code
            if isinstance(e, Unsupported):
                self.note_unknown(f"{name}:{op} {req.command} {req.path} {e.message} {req.body[:300]!r}")
            content_type, payload, extra = self.error_shape(service, e, request_id)
        except Exception as e:  # a bug in the fake: visible, never silent
            print(f"fake-aws: internal error on {name}:{op}: {e!r}", file=self.log, flush=True)
            traceback.print_exc(file=self.log)
            status, call.error = 500, "InternalFailure"
            content_type, payload, extra = self.error_shape(service, ServiceError(500, "InternalFailure", repr(e)),
                                                            request_id)
        call.op, call.status = f"{name}:{op}", status
        if self.trace:
            print(f"fake-aws: {call.op} {call.region} {call.account} {req.command} {req.path} {req.body[:1000]!r}"
                  f" -> {status} {payload[:1000]!r}", file=self.log, flush=True)
        return status, content_type, payload, {"x-amzn-RequestId": request_id, **extra}

    @staticmethod
    def error_shape(service, e: ServiceError, request_id: str) -> tuple[str, bytes, dict]:
        if service is not None:
            return service.error(e, request_id)
        return errors.rest_json(e, request_id)
