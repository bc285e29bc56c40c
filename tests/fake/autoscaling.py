"""Auto Scaling's instance refreshes, query protocol with the service's XML (2011-01-01): what moto
does not serve. The groups themselves stay in moto; `groups` (moto_autoscaling.MotoGroups, or any
object with the same three methods) is asked whether a group exists, whether a launch template
version exists, and told when a refresh made a group run a new configuration.

  StartInstanceRefresh       AutoScalingGroupName (a group of the caller's account and Region, else
                             ValidationError), Strategy, DesiredConfiguration, Preferences. One
                             active refresh per group (InstanceRefreshInProgress). AutoRollback needs
                             a DesiredConfiguration and refuses its launch template version `$Latest`
                             or `$Default` (absent means `$Default`), as RefreshPreferences documents;
                             at most 10 alarms. Answers InstanceRefreshId.
  DescribeInstanceRefreshes  AutoScalingGroupName, InstanceRefreshIds, MaxRecords (1..100, default
                             50), NextToken: newest first.

A refresh starts InProgress and stays so until `finish` (the control API) ends it: a test decides
how it ends. Ending Successful points the group at the desired launch template and version and
counts its instances as running it.
"""
from __future__ import annotations

import datetime as dt
import threading
import uuid
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from .query import QueryXmlService
from .wire import Context, ServiceError, iso, x

ACTIVE = ("Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking")
ENDINGS = ("Successful", "Failed", "Cancelled", "RollbackSuccessful")
STRATEGIES = ("Rolling", "ReplaceRootVolume")


def invalid(message: str) -> ServiceError:
    return ServiceError(400, "ValidationError", message)


def nest(flat: dict[str, str]) -> dict:
    """Query-protocol members as a structure: `A.B=v` -> {"A": {"B": "v"}}, `L.member.N` -> a list."""
    root: dict = {}
    for key, value in flat.items():
        node, *path, last = [root, *key.split(".")]
        for step in path:
            node = node.setdefault(step, {})
            if not isinstance(node, dict):
                raise invalid(f"{key}: conflicts with another member")
        node[last] = value
    return listed(root)


def listed(node):
    if not isinstance(node, dict):
        return node
    if node and set(node) == {"member"} and isinstance(node["member"], dict) and all(k.isdigit() for k in node["member"]):
        return [listed(v) for _, v in sorted(node["member"].items(), key=lambda kv: int(kv[0]))]
    return {k: listed(v) for k, v in node.items()}


def xml_of(value) -> str:
    """A structure as the query protocol's XML: members as elements, lists as `<member>`s."""
    if isinstance(value, dict):
        return "".join(f"<{k}>{xml_of(v)}</{k}>" for k, v in value.items())
    if isinstance(value, list):
        return "".join(f"<member>{xml_of(v)}</member>" for v in value)
    return escape(str(value))


def template_spec(desired: dict | None) -> dict | None:
    """The launch template a DesiredConfiguration names, directly or in its MixedInstancesPolicy."""
    if not isinstance(desired, dict):
        return None
    spec = desired.get("LaunchTemplate")
    if spec is None:
        spec = (((desired.get("MixedInstancesPolicy") or {}).get("LaunchTemplate") or {})
                .get("LaunchTemplateSpecification"))
    return spec if isinstance(spec, dict) else None


@dataclass
class Refresh:
    id: str
    region: str
    account: str
    group: str
    strategy: str
    desired: dict | None
    preferences: dict | None
    status: str = "InProgress"
    reason: str | None = None
    start: float = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).timestamp())
    end: float | None = None
    percentage: int = 0

    def xml(self) -> str:
        return (f"<member>{x('InstanceRefreshId', self.id)}{x('AutoScalingGroupName', self.group)}"
                f"{x('Status', self.status)}{x('StatusReason', self.reason)}{x('StartTime', iso(self.start))}"
                f"{x('EndTime', None if self.end is None else iso(self.end))}{x('PercentageComplete', self.percentage)}"
                f"{x('InstancesToUpdate', 0 if self.end else None)}"
                f"{f'<Preferences>{xml_of(self.preferences)}</Preferences>' if self.preferences else ''}"
                f"{f'<DesiredConfiguration>{xml_of(self.desired)}</DesiredConfiguration>' if self.desired else ''}"
                f"{x('Strategy', self.strategy)}</member>")


class InstanceRefreshes(QueryXmlService):
    name = "autoscaling"
    members = {
        "StartInstanceRefresh": ("AutoScalingGroupName", "Strategy", "DesiredConfiguration", "Preferences"),
        "DescribeInstanceRefreshes": ("AutoScalingGroupName", "InstanceRefreshIds", "NextToken", "MaxRecords"),
    }

    def __init__(self, groups):
        super().__init__(None)
        self.groups = groups
        self.lock = threading.Lock()
        self.refreshes: list[Refresh] = []  # oldest first

    def arguments(self, req) -> dict:
        return nest(super().arguments(req))

    @staticmethod
    def group_name(args: dict) -> str:
        name = args.get("AutoScalingGroupName")
        if not isinstance(name, str) or not 1 <= len(name) <= 255:
            raise invalid("1 validation error detected: Value null at 'autoScalingGroupName' failed to satisfy "
                          "constraint: Member must not be null")
        return name

    def StartInstanceRefresh(self, args, ctx: Context):
        group = self.group_name(args)
        strategy = args.get("Strategy") or "Rolling"
        if strategy not in STRATEGIES:
            raise invalid(f"Value '{strategy}' at 'strategy' failed to satisfy constraint: Member must satisfy "
                          f"enum value set: [{', '.join(STRATEGIES)}]")
        desired = args.get("DesiredConfiguration") or None
        preferences = args.get("Preferences") or None
        if not self.groups.group_exists(ctx.region, ctx.account, group):
            raise invalid(f"AutoScalingGroup name not found - AutoScalingGroup '{group}' not found")
        spec = template_spec(desired)
        if desired is not None and spec is not None:
            self.groups.check_template(ctx.region, ctx.account, spec)
        self.check_preferences(preferences or {}, desired, spec)
        with self.lock:
            active = [r for r in self.refreshes
                      if (r.region, r.account, r.group) == (ctx.region, ctx.account, group) and r.status in ACTIVE]
            if active:
                raise ServiceError(400, "InstanceRefreshInProgress", "An Instance Refresh is already in progress and "
                                   "blocks the execution of this Instance Refresh.")
            refresh = Refresh(str(uuid.uuid4()), ctx.region, ctx.account, group, strategy, desired, preferences)
            self.refreshes.append(refresh)
        return x("InstanceRefreshId", refresh.id)

    @staticmethod
    def check_preferences(preferences: dict, desired: dict | None, spec: dict | None) -> None:
        alarms = (preferences.get("AlarmSpecification") or {}).get("Alarms") or []
        if isinstance(alarms, list) and len(alarms) > 10:
            raise invalid("Preferences.AlarmSpecification.Alarms: at most 10 alarms")
        if str(preferences.get("AutoRollback", "false")).lower() != "true":
            return
        if desired is None:
            raise invalid("AutoRollback is not supported when no DesiredConfiguration is specified for the "
                          "instance refresh.")
        version = (spec or {}).get("Version") or "$Default"
        if version in ("$Latest", "$Default"):
            raise invalid(f"AutoRollback is not supported when the desired configuration uses the launch "
                          f"template's {version} version: specify a version number.")

    def DescribeInstanceRefreshes(self, args, ctx: Context):
        group = self.group_name(args)
        ids = args.get("InstanceRefreshIds") or []
        size = args.get("MaxRecords") or "50"
        if not size.isdigit() or not 1 <= int(size) <= 100:
            raise invalid(f"MaxRecords must be from 1 to 100, got {size}")
        with self.lock:
            found = [r for r in reversed(self.refreshes)
                     if (r.region, r.account, r.group) == (ctx.region, ctx.account, group) and (not ids or r.id in ids)]
            start = 0
            if token := args.get("NextToken"):
                start = next((n + 1 for n, r in enumerate(found) if r.id == token), -1)
                if start < 0:
                    raise ServiceError(400, "InvalidNextToken", "The token is not valid.")
            chunk = found[start:start + int(size)]
            items = "".join(r.xml() for r in chunk)
            more = start + int(size) < len(found)
        return f"<InstanceRefreshes>{items}</InstanceRefreshes>{x('NextToken', chunk[-1].id if more else None)}"

    def finish(self, group: str | None, status: str, reason: str | None = None) -> list[str]:
        """Ends the active refreshes (of `group`, or every one) in `status`; a Successful one makes its
        group run the desired configuration. Answers the ids it ended."""
        if status not in ENDINGS:
            raise ValueError(f"status is one of {', '.join(ENDINGS)}")
        with self.lock:
            ending = [r for r in self.refreshes if r.status in ACTIVE and group in (None, r.group)]
            for r in ending:
                r.status, r.reason = status, reason
                r.end = dt.datetime.now(dt.timezone.utc).timestamp()
                r.percentage = 100 if status == "Successful" else r.percentage
        for r in ending:
            if status == "Successful":
                self.groups.apply(r.region, r.account, r.group, template_spec(r.desired), r.desired)
        return [r.id for r in ending]
