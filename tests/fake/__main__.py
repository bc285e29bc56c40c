"""Serves the fake AWS APIs (an empty world) until interrupted: `python3 -B -m fake` in tests/.

Prints the URL on the first line; with --tls-dir, a second line `SSL_CERT_FILE=<the test CA>` for
the function's environment. --storm-rate R makes each request fail with probability R with its
service's own throttling error (--storm-seed to repeat a run); --fixtures loads Image Builder images
and distribution configurations as the moto front's --fixtures does."""
import argparse
import threading

from .server import FakeAws

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--latency-ms", type=float, default=0)
ap.add_argument("--tls-dir", default=None, help="serve HTTPS with a test CA kept in this folder (made once)")
ap.add_argument("--storm-rate", type=float, default=0.0, help="probability (0 to 1) that a request is throttled")
ap.add_argument("--storm-seed", type=int, default=None)
ap.add_argument("--fixtures", action="append", default=[], metavar="DIR", help="Image Builder fixtures (repeatable)")
a = ap.parse_args()
fake = FakeAws(a.latency_ms, port=a.port, tls_dir=a.tls_dir)
for folder in a.fixtures:
    fake.world.imagebuilder.load_fixtures(folder)
if a.storm_rate:
    fake.faults.storm(a.storm_rate, a.storm_seed)
fake.start()
print(fake.url, flush=True)
if fake.ca_file:
    print(f"SSL_CERT_FILE={fake.ca_file}", flush=True)
try:
    threading.Event().wait()
except KeyboardInterrupt:
    fake.shutdown()
