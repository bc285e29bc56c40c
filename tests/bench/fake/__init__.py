"""An in-memory, wire-accurate fake of the AWS APIs amiflow calls, on 127.0.0.1, for benchmarks:
SSM (ssm.py), EC2 (ec2.py), STS (sts.py) and Image Builder (imagebuilder.py) behind one HTTP server
(server.py) that routes by the SigV4 scope (sigv4.py). Standard library only (Python 3.11)."""
from .recorder import Call, summarize
from .server import FakeAws
from .world import (BASE_ACCESS_KEY, BASE_SECRET_KEY, HOME_ACCOUNT, Ami, Parameter, Template, TemplateVersion,
                    World, stable_id)

__all__ = ["Ami", "BASE_ACCESS_KEY", "BASE_SECRET_KEY", "Call", "FakeAws", "HOME_ACCOUNT", "Parameter", "Template",
           "TemplateVersion", "World", "stable_id", "summarize"]
