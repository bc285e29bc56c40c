"""Who signed a request, as moto itself resolves it: the account an access key acts in (moto's own
order: MOTO_ACCOUNT_ID, the `x-moto-account-id` header, the key's IAM or assumed-role account,
else moto's default account 123456789012, which the plain `testing` keys get) and the caller's ARN
as moto's GetCallerIdentity names it. Needs moto: imported by the moto front and moto_server.py."""
from __future__ import annotations

import os

from moto.iam.models import get_account_id_from
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition


def account_of(access_key: str, headers) -> str:
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if headers.get("x-moto-account-id"):
        return headers.get("x-moto-account-id")
    return get_account_id_from(access_key)


def caller_arn(access_key: str, account: str, region: str) -> str:
    """The ARN GetCallerIdentity answers for the key: an assumed role's session, or the account's user."""
    for owner in list(sts_backends.keys()):
        for backend in sts_backends[owner].values():
            role = backend.get_assumed_role_from_access_key(access_key)
            if role:
                return role.arn
    return sts_backends[account][get_partition(region)].get_caller_identity(access_key, region)[1]
