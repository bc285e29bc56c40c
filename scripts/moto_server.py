"""moto's server, with two gaps filled where amiflow relies on the real service's habit.

Parameter Store records who wrote each version of a parameter: DescribeParameters answers
`LastModifiedUser`, the ARN of the caller that wrote the current version (for an assumed role, its
session: `arn:aws:sts::<account>:assumed-role/<role>/<session>`). moto 5.2 answers "N/A". Here a
PutParameter records its caller as moto's own GetCallerIdentity names it, and DescribeParameters
answers that.

EC2's DescribeLaunchTemplates lists each template's tags as they are now. moto 5.2 lists them as
they were when the template was created, so a CreateTags on a template never showed. Here a
template's tags are read when it is listed.

Every request first passes the front of tests/fake/moto_front.py, in this process: the request
log, injected faults and storms, Image Builder, Auto Scaling's instance refreshes, STS refusals and
Organizations' empty pages, and the control API under /_amiflow/. `--fixtures DIR` (repeatable)
loads every *.json of DIR into its Image Builder: images (with `image` or `outputResources`) and
distribution configurations. The server is threaded and listens with a backlog of 1,024, so a
burst of parallel connects is not held back by a SYN retransmit.

Run with the project venv's python: `python moto_server.py -H 127.0.0.1 -p 5000 [--fixtures DIR]...`.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from moto.ec2.models.launch_templates import LaunchTemplate
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.ssm.models import Parameter
from moto.ssm.responses import SimpleSystemManagerResponse
from werkzeug.serving import ThreadedWSGIServer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fake.moto_front import MotoFront  # noqa: E402
from fake.moto_identity import caller_arn as identity_arn  # noqa: E402


def caller_arn(response: SimpleSystemManagerResponse) -> str:
    """Who signed the request, as moto's GetCallerIdentity would answer for the same key."""
    return identity_arn(response.get_access_key(), response.current_account, response.region)


original_put = SimpleSystemManagerResponse.put_parameter
original_describe = Parameter.describe_response_object


def put_parameter(self: SimpleSystemManagerResponse):
    result = original_put(self)
    written = self.ssm_backend.get_parameter(self._get_param("Name"))
    if written is not None:
        written.last_modified_user = caller_arn(self)
    return result


def describe_response_object(self: Parameter, *args, **kwargs):
    described = original_describe(self, *args, **kwargs)
    described["LastModifiedUser"] = getattr(self, "last_modified_user", "N/A")
    return described


SimpleSystemManagerResponse.put_parameter = put_parameter
Parameter.describe_response_object = describe_response_object
# moto's constructor assigns the tags it has then; the setter ignores that, the getter reads them now.
LaunchTemplate.tags = property(lambda self: self.get_tags(), lambda self, _: None)



class Server(ThreadedWSGIServer):
    request_queue_size = 1024  # socketserver's default is 5


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description="moto in server mode behind amiflow's test front")
    ap.add_argument("-H", "--host", default="127.0.0.1")
    ap.add_argument("-p", "--port", type=int, default=int(os.environ.get("MOTO_PORT", 5000)))
    ap.add_argument("--fixtures", action="append", default=[], metavar="DIR",
                    help="load every *.json of DIR into Image Builder (repeatable)")
    args = ap.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))  # moto builds some URLs of its own from it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    moto = DomainDispatcherApplication(create_backend_app)
    front = MotoFront(moto)
    for folder in args.fixtures:
        count = front.images.load_fixtures(folder)
        print(f"moto_server: loaded {count} fixtures from {folder}", file=sys.stderr, flush=True)
    server = Server(args.host, args.port, front, handler=MotoRequestHandler)
    print(f"moto_server: serving http://{args.host}:{server.server_address[1]}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
