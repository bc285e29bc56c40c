"""The benchmark's CPU share and its gate: the quota for a MemorySize, what happens where no cgroup
is writable, a function started behind the gate (a stand-in Python script polling the Runtime API),
and the billing arithmetic of --power-tuning. No timing is asserted: figures belong to the benchmark."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cpu_limit  # noqa: E402
import modes  # noqa: E402
from cpu_limit import CpuLimit  # noqa: E402
from runtime_api import invoke_once  # noqa: E402

FUNCTION = f"""#!{sys.executable}
import json, os, urllib.request
base = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
with urllib.request.urlopen(base + "/invocation/next") as r:
    request_id, event = r.headers["Lambda-Runtime-Aws-Request-Id"], json.loads(r.read())
sum(i * i for i in range(200_000))  # some CPU in the handler
body = json.dumps({{"n": event["n"], "stdin": os.read(0, 10).decode()}}).encode()
urllib.request.urlopen(urllib.request.Request(f"{{base}}/invocation/{{request_id}}/response", data=body))
"""


def test_the_quota_is_the_memory_share_of_one_core(tmp_path):
    assert CpuLimit("cgroup v1 cpu", tmp_path, 128, 20_000).quota_us == 1447
    assert CpuLimit("cgroup v1 cpu", tmp_path, 1769, 20_000).quota_us == 20_000
    assert CpuLimit("cgroup v2", tmp_path, 3538, 100_000).quota_us == 200_000
    assert "7.2% of one core" in CpuLimit("cgroup v1 cpu", tmp_path, 128, 20_000).describe()


def test_no_writable_cgroup_says_why_and_runs_unthrottled(tmp_path, monkeypatch):
    monkeypatch.setattr(cpu_limit, "V1_ROOT", tmp_path / "no-v1")
    monkeypatch.setattr(cpu_limit, "V2_ROOT", tmp_path / "no-v2")
    limit, why = CpuLimit.open(128, 20_000)
    assert limit is None
    assert why.startswith("unthrottled: no cgroup cpu controller is writable")
    assert "no-v1" in why and "no-v2" in why


def test_a_period_too_short_for_the_kernel_is_refused():
    limit, why = CpuLimit.open(128, 10_000)  # 724 us: below the kernel's 1 ms
    assert limit is None and "--cpu-period-ms" in why


def test_a_function_starts_behind_the_gate_and_its_cpu_is_counted(tmp_path):
    binary = tmp_path / "bootstrap"
    binary.write_text(FUNCTION)
    binary.chmod(0o755)
    limit, _ = CpuLimit.open(1769, 20_000)  # throttled where this machine allows it
    outcome = invoke_once(str(binary), {"PATH": "/usr/bin:/bin"}, {"n": 7},
                          "arn:aws:lambda:us-east-1:123456789012:function:f", 60, str(tmp_path / "log"), 1024, limit)
    assert outcome.status == "ok", (tmp_path / "log").read_text()
    # stdin is /dev/null once the gate opens, not the gate's pipe
    assert json.loads(outcome.body) == {"n": 7, "stdin": ""}
    assert outcome.init_ms is not None and outcome.handle_ms is not None
    assert outcome.init_cpu_ms is not None and 0 < outcome.init_cpu_ms < outcome.cpu_ms
    if limit is not None:
        assert outcome.throttled is not None and outcome.throttled.periods >= 0
        assert not limit.live, "the run's cgroup is removed"


def test_billing_a_cold_invocation():
    r = {"init_ms": 10.2, "handle_ms": 89.1, "memory_mb": 512}
    assert modes.billed_ms(r) == 100
    assert modes.gb_seconds(r) == pytest.approx(0.05)
    assert modes.cost_per_1000(r) == pytest.approx(1000 * (0.05 * 0.0000166667 + 0.0000002))
    assert modes.billed_ms({"init_ms": None, "handle_ms": 1.0, "memory_mb": 128}) is None
