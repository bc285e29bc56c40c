"""The benchmark's asyncio fake: served as `python3 -B -m fake`, over HTTPS with its test CA, with
injected faults and storms from the same module as the moto front's."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from fake import BASE_ACCESS_KEY, BASE_SECRET_KEY, FakeAws

from .conftest import Endpoint

TESTS = Path(__file__).resolve().parents[1]


def test_python_m_fake_serves_https_and_a_storm(tmp_path):
    process = subprocess.Popen([sys.executable, "-B", "-m", "fake", "--tls-dir", str(tmp_path / "tls"),
                                "--storm-rate", "1", "--storm-seed", "3"], cwd=TESTS, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        url, ca = process.stdout.readline().strip(), process.stdout.readline().strip()
        assert url.startswith("https://127.0.0.1:") and ca == f"SSL_CERT_FILE={tmp_path / 'tls' / 'ca.pem'}"
        sts = Endpoint(url, BASE_ACCESS_KEY, BASE_SECRET_KEY, verify=ca.split("=", 1)[1]).client("sts")
        with pytest.raises(ClientError) as throttled:
            sts.get_caller_identity()
        assert throttled.value.response["Error"]["Code"] == "Throttling"
    finally:
        process.kill()
        process.wait()


def test_tls_handshakes_are_counted_and_the_ca_is_made_once(tmp_path):
    fake = FakeAws(0, tls_dir=str(tmp_path), log=open("/dev/null", "w")).start()
    try:
        made = fake.ca_file.stat().st_mtime_ns
        endpoint = Endpoint(fake.url, BASE_ACCESS_KEY, BASE_SECRET_KEY, verify=str(fake.ca_file))
        for _ in range(2):
            client = endpoint.client("sts")
            assert client.get_caller_identity()["Account"] == "123456789012"
            client.get_caller_identity()  # the same connection
        assert (fake.recorder.connections, fake.recorder.tls_handshakes) == (2, 2)
    finally:
        fake.shutdown()
    again = FakeAws(0, tls_dir=str(tmp_path), log=open("/dev/null", "w"))
    assert again.ca_file.stat().st_mtime_ns == made
    again.sock.close()


def test_faults_on_the_bench_fake(bench_fake):
    fake, endpoint = bench_fake
    fake.faults.fail_next("ssm", "GetParameters", "/bench/fault", "ThrottlingException", 400, 1)
    ssm = endpoint.client("ssm")
    with pytest.raises(ClientError) as failed:
        ssm.get_parameters(Names=["/bench/fault"])
    assert failed.value.response["Error"]["Code"] == "ThrottlingException"
    assert ssm.get_parameters(Names=["/bench/fault"])["InvalidParameters"] == ["/bench/fault"]
    # The fake records a call once its answer is written: the client may read it a moment before.
    deadline = time.monotonic() + 5
    while len(calls := [c for c in fake.recorder.snapshot() if c.op == "ssm:GetParameters"]) < 2:
        assert time.monotonic() < deadline, calls
        time.sleep(0.01)
    assert [c.error for c in calls[-2:]] == ["ThrottlingException", ""]
