"""moto's server, with two gaps filled where amiflow relies on the real service's habit.

Parameter Store records who wrote each version of a parameter: DescribeParameters answers
`LastModifiedUser`, the ARN of the caller that wrote the current version (for an assumed role, its
session: `arn:aws:sts::<account>:assumed-role/<role>/<session>`). moto 5.2 answers "N/A". Here a
PutParameter records its caller as moto's own GetCallerIdentity names it, and DescribeParameters
answers that.

EC2's DescribeLaunchTemplates lists each template's tags as they are now. moto 5.2 lists them as
they were when the template was created, so a CreateTags on a template never showed. Here a
template's tags are read when it is listed. Everything else is moto as installed.

Run with the project venv's python, with moto_server's arguments: `python moto_server.py -H 127.0.0.1 -p 5000`.
"""
from __future__ import annotations

import sys

from moto.ec2.models.launch_templates import LaunchTemplate
from moto.server import main
from moto.ssm.models import Parameter
from moto.ssm.responses import SimpleSystemManagerResponse
from moto.sts.models import sts_backends


def caller_arn(response: SimpleSystemManagerResponse) -> str:
    """Who signed the request, as moto's GetCallerIdentity would answer for the same key."""
    key = response.get_access_key()
    for account in list(sts_backends.keys()):
        for backend in sts_backends[account].values():
            role = backend.get_assumed_role_from_access_key(key)
            if role:
                return role.arn
    backend = sts_backends[response.current_account][response.partition]
    return backend.get_caller_identity(key, response.region)[1]


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

if __name__ == "__main__":
    main(sys.argv[1:])
