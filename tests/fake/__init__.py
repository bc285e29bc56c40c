"""In-memory, wire-accurate fakes of the AWS APIs amiflow calls, shared by the benchmark and the tests.

The benchmark's asyncio server (server.py, `python3 -B -m fake`) serves SSM (ssm.py), EC2 (ec2.py),
STS (sts.py) and Image Builder (imagebuilder.py) from memory, routed by the SigV4 scope (sigv4.py).
The tests run moto instead, behind a WSGI front in moto's own process (moto_front.py, mounted by
scripts/moto_server.py) that serves the same Image Builder class, Auto Scaling's instance refreshes
(autoscaling.py), Organizations' empty pages (organizations.py), a request log (requestlog.py) and a
control API (control.py). Both inject faults and throttling storms the same way (faults.py) and
answer errors in each service's own shape (errors.py).

Importing this package, and every module the benchmark uses, needs the standard library only
(Python 3.11); the moto_*.py modules need moto and are loaded by the moto front alone."""
from .recorder import Call, summarize
from .server import FakeAws
from .world import (BASE_ACCESS_KEY, BASE_SECRET_KEY, HOME_ACCOUNT, Ami, Parameter, Template, TemplateVersion,
                    World, stable_id)

__all__ = ["Ami", "BASE_ACCESS_KEY", "BASE_SECRET_KEY", "Call", "FakeAws", "HOME_ACCOUNT", "Parameter", "Template",
           "TemplateVersion", "World", "stable_id", "summarize"]
