"""The servers the fakes' tests talk to, started once per session on free 127.0.0.1 ports: moto
behind the front (scripts/moto_server.py, this venv's python) and the benchmark's asyncio fake
(in-process). Clients are real boto3 clients, so botocore parses every answer."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Endpoint:
    """A running server: its URL, boto3 clients for it, and its control API (the moto front's)."""

    def __init__(self, url: str, key: str = "testing", secret: str = "testing", verify=None):
        self.url, self.key, self.secret, self.verify = url, key, secret, verify

    def client(self, service: str, region: str = "us-east-1", retries: int = 1, **credentials):
        import boto3
        from botocore.config import Config

        return boto3.client(service, region_name=region, endpoint_url=self.url, verify=self.verify,
                            aws_access_key_id=credentials.get("key", self.key),
                            aws_secret_access_key=credentials.get("secret", self.secret),
                            aws_session_token=credentials.get("token"),
                            config=Config(retries={"mode": "standard", "total_max_attempts": retries}))

    def control(self, method: str, path: str, body=None):
        """(status, parsed JSON) of a control API call."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-B", str(ROOT / "scripts/moto_server.py"), "-H", "127.0.0.1",
                                    "-p", str(port)], stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    endpoint = Endpoint(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    while True:
        try:
            if endpoint.control("GET", "/_amiflow/")[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"moto_server.py did not start: {log.read_text()[-3000:]}")
        time.sleep(0.1)
    yield endpoint
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def bench_fake():
    """The benchmark's fake, with no latency and signatures checked, as bench.py runs it."""
    from fake import BASE_ACCESS_KEY, BASE_SECRET_KEY, FakeAws

    fake = FakeAws(0, log=open("/dev/null", "w")).start()
    yield fake, Endpoint(fake.url, BASE_ACCESS_KEY, BASE_SECRET_KEY)
    fake.shutdown()
