"""STS, query protocol with XML answers: AssumeRole (RoleSessionName and a session Policy checked as
STS checks them; the key it issues encodes the role's account, `ASIA<account><n>`, and carries the
session policy, which the fake then enforces on every call made with it), GetCallerIdentity."""
from __future__ import annotations

import datetime as dt
import json
import re
import secrets

from .query import QueryXmlService
from .wire import ServiceError, x
from .world import Key

POLICY_CHARACTERS = 2048  # an inline session policy's plain-text limit


def invalid(message: str) -> ServiceError:
    return ServiceError(400, "ValidationError", message)


def statement_actions(policy: str) -> tuple[list[str], list[str]]:
    """The actions a session policy allows and denies, or STS's MalformedPolicyDocument."""
    try:
        doc = json.loads(policy)
        statements = doc["Statement"]
        statements = [statements] if isinstance(statements, dict) else list(statements)
        allow, deny = [], []
        for s in statements:
            actions = s["Action"]
            (allow if s["Effect"] == "Allow" else deny).extend([actions] if isinstance(actions, str) else actions)
        return allow, deny
    except (ValueError, KeyError, TypeError) as e:
        raise ServiceError(400, "MalformedPolicyDocument", f"The policy is not valid: {e!r}")


class Sts(QueryXmlService):
    name = "sts"
    members = {
        "AssumeRole": ("RoleArn", "RoleSessionName", "Policy", "DurationSeconds", "ExternalId", "SourceIdentity"),
        "GetCallerIdentity": (),
    }

    def GetCallerIdentity(self, params, ctx):
        return (f"{x('Arn', self.world.caller_arn(ctx.access_key))}{x('UserId', ctx.access_key)}"
                f"{x('Account', ctx.account)}")

    def AssumeRole(self, params, ctx):
        arn, session = params.get("RoleArn", ""), params.get("RoleSessionName", "")
        m = re.fullmatch(r"arn:aws[a-z-]*:iam::(\d{12}):role/(?:[\w+=,.@/-]*/)?([\w+=,.@-]+)", arn)
        if not m:
            raise invalid(f"{arn} is not a valid role ARN")
        if not re.fullmatch(r"[\w+=,.@-]{2,64}", session):
            raise invalid(f"1 validation error detected: Value '{session}' at 'roleSessionName' failed to satisfy "
                          r"constraint: Member must satisfy regular expression pattern: [\w+=,.@-]* (2 to 64 characters)")
        policy = params.get("Policy")
        allow, deny = None, []
        if policy is not None:
            if len(policy) > POLICY_CHARACTERS:
                raise invalid(f"1 validation error detected: Value at 'policy' failed to satisfy constraint: Member "
                              f"must have length less than or equal to {POLICY_CHARACTERS}")
            allow, deny = statement_actions(policy)
        duration = int(params.get("DurationSeconds") or 3600)
        if not 900 <= duration <= 43200:
            raise invalid("DurationSeconds must be from 900 to 43200")
        account, name = m.group(1), m.group(2)
        with self.world.lock:
            if (account, name) not in self.world.roles:
                raise ServiceError(403, "AccessDenied", f"User: arn:aws:iam::{ctx.account}:user/bench is not "
                                   f"authorized to perform: sts:AssumeRole on resource: {arn}")
            self.world.key_counter += 1
            key = f"ASIA{account}{self.world.key_counter % 10000:04d}"
            secret = secrets.token_urlsafe(30)[:40]
            token = "FwoGZXIvYXdzE" + secrets.token_urlsafe(96)
            self.world.keys[key] = Key(account, secret, token, f"{name}/{session}", allow, deny)
            self.world.sessions.append((account, session))
        expiration = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=duration)
        packed = -(-len(policy or "") * 100 // POLICY_CHARACTERS)
        return (f"<Credentials>{x('AccessKeyId', key)}{x('SecretAccessKey', secret)}{x('SessionToken', token)}"
                f"{x('Expiration', expiration.strftime('%Y-%m-%dT%H:%M:%SZ'))}</Credentials>"
                f"<AssumedRoleUser>{x('AssumedRoleId', f'AROA{account}BENCH:{session}')}"
                f"{x('Arn', f'arn:aws:sts::{account}:assumed-role/{name}/{session}')}</AssumedRoleUser>"
                f"{x('PackedPolicySize', packed if policy else None)}")
