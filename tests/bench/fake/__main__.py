"""Serves the fake AWS APIs (an empty world) until interrupted: `python3 -B -m fake` in tests/bench."""
import argparse
import threading

from .server import FakeAws

ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--latency-ms", type=float, default=0)
a = ap.parse_args()
fake = FakeAws(a.latency_ms, port=a.port).start()
print(fake.url, flush=True)
try:
    threading.Event().wait()
except KeyboardInterrupt:
    fake.shutdown()
