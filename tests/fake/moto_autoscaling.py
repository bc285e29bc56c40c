"""Auto Scaling groups as moto holds them, for the instance refreshes (autoscaling.py), and the one
patch that makes moto report the launch template version each instance was launched with.

moto reports an instance's launch template version as the group's template's default version at
the time of the describe, so a new default shows on every instance at once. The service records
the version (a number) each instance was launched with, and only replacing the instance (an
instance refresh) changes it. Here moto's InstanceState records the version its group resolved when
moto created it, and reports that; `apply` (a Successful refresh) moves it. Needs moto: imported
by the moto front only.
"""
from __future__ import annotations

from moto.autoscaling.models import InstanceState, autoscaling_backends
from moto.core.exceptions import ServiceException
from moto.ec2.models import ec2_backends

from .autoscaling import invalid


def resolved_version(group) -> str | None:
    """The version number (as text) the group's launch template setting names now; None without a
    template, or when the setting names no version there is (moto then answers as it would)."""
    template = getattr(group, "ec2_launch_template", None)
    if template is None:
        return None
    try:
        return str(template.get_version(group.launch_template_version).number)
    except (ServiceException, ValueError, IndexError):
        return None


def patch_launch_versions() -> None:
    """InstanceState keeps the version resolved when it was made and reports that (once per process)."""
    if getattr(InstanceState, "amiflow_launch_versions", False):
        return
    InstanceState.amiflow_launch_versions = True
    original_init = InstanceState.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.launched_version = resolved_version(self.auto_scaling_group)

    def launch_template(self):
        template = getattr(self.auto_scaling_group, "ec2_launch_template", None)
        if template is None:
            return None
        version = getattr(self, "launched_version", None) or resolved_version(self.auto_scaling_group)
        return {"LaunchTemplateId": template.id, "LaunchTemplateName": template.name, "Version": version}

    InstanceState.__init__ = __init__
    InstanceState.launch_template = property(launch_template)


class MotoGroups:
    """What the instance refreshes ask of moto's groups, in the caller's account and Region."""

    @staticmethod
    def group(region: str, account: str, name: str):
        return autoscaling_backends[account][region].autoscaling_groups.get(name)

    def group_exists(self, region: str, account: str, name: str) -> bool:
        return self.group(region, account, name) is not None

    @staticmethod
    def template(region: str, account: str, spec: dict):
        """The launch template `spec` names (exactly one of LaunchTemplateId, LaunchTemplateName)."""
        tid, name = spec.get("LaunchTemplateId"), spec.get("LaunchTemplateName")
        if bool(tid) == bool(name):
            raise invalid("Valid requests must contain either launchTemplateId or LaunchTemplateName")
        backend = ec2_backends[account][region]
        try:
            return backend.get_launch_template(tid) if tid else backend.get_launch_template_by_name(name)
        except ServiceException:
            raise invalid(f"The specified launch template, {tid or name}, does not exist.")

    def check_template(self, region: str, account: str, spec: dict) -> None:
        template = self.template(region, account, spec)
        version = spec.get("Version") or "$Default"
        try:
            if version not in ("$Latest", "$Default") and int(version) < 1:
                raise ValueError(version)
            template.get_version(version)
        except (ServiceException, ValueError):
            raise invalid(f"The specified launch template version, {version}, of {template.id} does not exist.")

    def apply(self, region: str, account: str, name: str, spec: dict | None, desired: dict | None) -> None:
        """A Successful refresh: the group's launch template setting (or its MixedInstancesPolicy's)
        becomes `spec`, and its instances count as running the version it resolves to now."""
        group = self.group(region, account, name)
        if group is None:
            return
        if spec is not None:
            template = self.template(region, account, spec)
            version = spec.get("Version") or "$Default"
            policy = group.mixed_instances_policy
            if policy and isinstance(policy.get("LaunchTemplate"), dict):
                policy["LaunchTemplate"]["LaunchTemplateSpecification"] = {
                    "LaunchTemplateId": template.id, "LaunchTemplateName": template.name, "Version": version}
            else:
                group.provided_launch_template_version = version
            group.ec2_launch_template, group.launch_template_version = template, version
        now = resolved_version(group)
        for state in group.instance_states:
            state.launched_version = now
