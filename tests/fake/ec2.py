"""EC2, query protocol with XML answers (2016-11-15): launch templates and DescribeImages.

  DescribeLaunchTemplates         by `LaunchTemplateId.N` / `LaunchTemplateName.N` (an unknown one:
                                  InvalidLaunchTemplateId.NotFound; no MaxResults beside them) or by
                                  filters (tag:<key>, tag-key, launch-template-name), paginated; tagSet
  DescribeLaunchTemplateVersions  of one template (LaunchTemplateId or LaunchTemplateName), by
                                  `LaunchTemplateVersion.N` ($Default, $Latest, numbers) or all,
                                  paginated; the whole-account form is not served (amiflow never uses it)
  CreateLaunchTemplateVersion     from SourceVersion, idempotent by ClientToken; the AMI must exist
  ModifyLaunchTemplate            SetDefaultVersion
  DeleteLaunchTemplateVersions    at most 200 a call, the default never
  CreateTags                      on launch templates (ResourceId.N lt-...), at most 50 tags a resource
  DescribeImages                  by ImageId.N or filters (image-id, name, tag:<key>, state), Owner.N,
                                  IncludeDeprecated / IncludeDisabled, paginated; tagSet
"""
from __future__ import annotations

import json
import re

from . import errors
from .wire import QueryService, ServiceError, Unsupported, filters, iso, numbered, page, tag_set, x
from .world import Ami, Template, TemplateVersion

NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
FILTER = (r"Filter\.\d+\.Name", r"Filter\.\d+\.Value\.\d+")
PAGING = ("MaxResults", "NextToken")
ONE_TEMPLATE = ("LaunchTemplateId", "LaunchTemplateName")
DATA_MEMBERS = ("ImageId", "InstanceType", "KeyName", "KernelId", "RamDiskId", "UserData", "EbsOptimized")


def bad_value(message: str) -> ServiceError:
    return ServiceError(400, "InvalidParameterValue", message)


def matches(flt: list[tuple[str, list[str]]], tags: dict, fields: dict) -> bool:
    """Whether a resource with `tags` and filterable `fields` passes every filter (an unknown filter
    name is EC2's InvalidParameterValue)."""
    for name, values in flt:
        if name.startswith("tag:"):
            ok = tags.get(name[4:]) in values
        elif name == "tag-key":
            ok = any(k in values for k in tags)
        elif name in fields:
            ok = fields[name] in values
        else:
            raise bad_value(f"The filter '{name}' is invalid")
        if not ok:
            return False
    return True


def version_not_found(v, t: Template) -> ServiceError:
    return ServiceError(400, "InvalidLaunchTemplateId.VersionNotFound",
                        f"Could not find launch template version {v} for template {t.id}")


class Ec2(QueryService):
    name = "ec2"
    denied = (403, "UnauthorizedOperation")
    members = {
        "DescribeLaunchTemplates": (r"LaunchTemplateId\.\d+", r"LaunchTemplateName\.\d+", *FILTER, *PAGING, "DryRun"),
        "DescribeLaunchTemplateVersions": (*ONE_TEMPLATE, r"LaunchTemplateVersion\.\d+", *PAGING, "DryRun"),
        "CreateLaunchTemplateVersion": (*ONE_TEMPLATE, "SourceVersion", "VersionDescription", "ClientToken",
                                        r"LaunchTemplateData\.(%s)" % "|".join(DATA_MEMBERS), "DryRun"),
        "ModifyLaunchTemplate": (*ONE_TEMPLATE, "SetDefaultVersion", "ClientToken", "DryRun"),
        "DeleteLaunchTemplateVersions": (*ONE_TEMPLATE, r"LaunchTemplateVersion\.\d+", "DryRun"),
        "CreateTags": (r"ResourceId\.\d+", r"Tag\.\d+\.Key", r"Tag\.\d+\.Value", "DryRun"),
        "DescribeImages": (r"ImageId\.\d+", r"Owner\.\d+", *FILTER, "IncludeDeprecated", "IncludeDisabled",
                           *PAGING, "DryRun"),
    }

    def answer(self, op: str, result: str, request_id: str) -> tuple[str, bytes]:
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<{op}Response xmlns="{NS}">'
               f"<requestId>{request_id}</requestId>{result}</{op}Response>")
        return "text/xml;charset=UTF-8", xml.encode()

    def error(self, e: ServiceError, request_id: str) -> tuple[str, bytes, dict]:
        return errors.ec2(e, request_id)

    # -- launch templates

    def find(self, params, ctx) -> Template:
        tid, name = params.get("LaunchTemplateId"), params.get("LaunchTemplateName")
        templates = self.world.templates_of(ctx.region, ctx.account)
        if tid:
            if not re.fullmatch(r"lt-[0-9a-f]{17}", tid):
                raise ServiceError(400, "InvalidLaunchTemplateId.Malformed",
                                   f"The specified launch template ID is malformed: {tid}")
            if tid not in templates:
                raise ServiceError(400, "InvalidLaunchTemplateId.NotFound",
                                   f"The specified launch template, with template ID {tid}, does not exist.")
            return templates[tid]
        if name:
            found = next((t for t in templates.values() if t.name == name), None)
            if found is None:
                raise ServiceError(400, "InvalidLaunchTemplateName.NotFoundException",
                                   f"The specified launch template, with template name {name}, does not exist.")
            return found
        raise ServiceError(400, "MissingParameter",
                           "The request must contain the parameter launchTemplateName or launchTemplateId")

    @staticmethod
    def version_of(t: Template, v: str) -> int:
        if v in ("$Latest", "$Default"):
            return t.latest if v == "$Latest" else t.default
        if not v.isdigit() or int(v) not in t.versions:
            raise version_not_found(v, t)
        return int(v)

    @staticmethod
    def template_xml(t: Template, account: str, tag: str = "item") -> str:
        return (f"<{tag}>{x('launchTemplateId', t.id)}{x('launchTemplateName', t.name)}"
                f"{x('createTime', iso(t.created))}{x('createdBy', f'arn:aws:iam::{account}:root')}"
                f"{x('defaultVersionNumber', t.default)}{x('latestVersionNumber', t.latest)}"
                f"{tag_set(t.tags)}</{tag}>")

    @staticmethod
    def version_xml(t: Template, v: TemplateVersion, account: str, tag: str = "item") -> str:
        data = "".join(x(k[0].lower() + k[1:], v) for k, v in v.data.items() if k in DATA_MEMBERS)
        return (f"<{tag}>{x('launchTemplateId', t.id)}{x('launchTemplateName', t.name)}"
                f"{x('versionNumber', v.number)}{x('versionDescription', v.description)}"
                f"{x('createTime', iso(v.created))}{x('createdBy', f'arn:aws:iam::{account}:root')}"
                f"{x('defaultVersion', v.number == t.default)}<launchTemplateData>{data}</launchTemplateData></{tag}>")

    def DescribeLaunchTemplates(self, params, ctx):
        ids, names, flt = numbered(params, "LaunchTemplateId"), numbered(params, "LaunchTemplateName"), filters(params)
        if (ids or names) and params.get("MaxResults"):
            raise ServiceError(400, "InvalidParameterCombination",
                               "The parameter MaxResults cannot be used with LaunchTemplateIds or LaunchTemplateNames")
        with self.world.lock:
            templates = self.world.templates_of(ctx.region, ctx.account)
            for tid in ids:
                self.find({"LaunchTemplateId": tid}, ctx)
            for name in names:
                self.find({"LaunchTemplateName": name}, ctx)
            if ids or names:
                candidates = [templates[t] for t in dict.fromkeys(ids)]
                candidates += [t for t in templates.values() if t.name in names and t.id not in ids]
            else:
                candidates = list(templates.values())
            found = [t for t in candidates if matches(flt, t.tags, {"launch-template-name": t.name})]
            found.sort(key=lambda t: (t.created, t.id))
            chunk, nxt = page(found, params.get("MaxResults"), params.get("NextToken"), 1000, 1, 200,
                              "InvalidParameterValue")
            items = "".join(self.template_xml(t, ctx.account) for t in chunk)
        return f"<launchTemplates>{items}</launchTemplates>{x('nextToken', nxt)}"

    def DescribeLaunchTemplateVersions(self, params, ctx):
        if not any(params.get(k) for k in ONE_TEMPLATE):
            raise Unsupported(400, "MissingParameter", "the fake serves DescribeLaunchTemplateVersions for one "
                              "template (LaunchTemplateId or LaunchTemplateName) only: amiflow never reads the account's")
        wanted = numbered(params, "LaunchTemplateVersion")
        with self.world.lock:
            t = self.find(params, ctx)
            numbers = list(dict.fromkeys(self.version_of(t, w) for w in wanted)) if wanted else sorted(t.versions)
            chunk, nxt = page(numbers, params.get("MaxResults"), params.get("NextToken"), 1000, 1, 200,
                              "InvalidParameterValue")
            items = "".join(self.version_xml(t, t.versions[n], ctx.account) for n in chunk)
        return f"<launchTemplateVersionSet>{items}</launchTemplateVersionSet>{x('nextToken', nxt)}"

    def CreateLaunchTemplateVersion(self, params, ctx):
        data = {k.split(".", 1)[1]: v for k, v in params.items() if k.startswith("LaunchTemplateData.")}
        token = params.get("ClientToken")
        fingerprint = json.dumps({k: v for k, v in params.items() if k != "ClientToken"}, sort_keys=True)
        with self.world.lock:
            earlier = self.world.tokens.get((ctx.region, ctx.account, token)) if token else None
            if earlier:
                if earlier[0] != fingerprint:
                    raise ServiceError(400, "IdempotentParameterMismatch", "The client token you have provided is "
                                       "associated with a resource that is already created with different parameters.")
                t = self.world.templates_of(ctx.region, ctx.account)[earlier[1]["id"]]
                return self.version_xml(t, t.versions[earlier[1]["version"]], ctx.account, "launchTemplateVersion")
            t = self.find(params, ctx)
            merged = dict(t.versions[self.version_of(t, params["SourceVersion"])].data) if params.get("SourceVersion") else {}
            merged.update(data)
            if "ImageId" in data and not self.world.ami_visible(ctx.region, ctx.account, data["ImageId"]):
                raise ServiceError(400, "InvalidAMIID.NotFound", f"The image id '[{data['ImageId']}]' does not exist")
            number = t.latest + 1
            t.versions[number] = TemplateVersion(number, merged, params.get("VersionDescription"))
            if token:
                self.world.tokens[(ctx.region, ctx.account, token)] = (fingerprint, {"id": t.id, "version": number})
            return self.version_xml(t, t.versions[number], ctx.account, "launchTemplateVersion")

    def ModifyLaunchTemplate(self, params, ctx):
        with self.world.lock:
            t = self.find(params, ctx)
            if params.get("SetDefaultVersion"):
                t.default = self.version_of(t, params["SetDefaultVersion"])
            return self.template_xml(t, ctx.account, "launchTemplate")

    def DeleteLaunchTemplateVersions(self, params, ctx):
        versions = numbered(params, "LaunchTemplateVersion")
        if not 1 <= len(versions) <= 200:
            raise bad_value("From 1 to 200 versions can be deleted a call")
        ok, bad = [], []
        with self.world.lock:
            t = self.find(params, ctx)
            for v in versions:
                if not v.isdigit() or int(v) not in t.versions:
                    bad.append((v, "launchTemplateVersionDoesNotExist", f"The specified launch template version {v} does not exist"))
                elif int(v) == t.default:
                    bad.append((v, "unexpectedError", "Cannot delete the default version of a launch template"))
                else:
                    del t.versions[int(v)]
                    ok.append(v)
        head = x("launchTemplateId", t.id) + x("launchTemplateName", t.name)
        good = "".join(f"<item>{head}{x('versionNumber', v)}</item>" for v in ok)
        failed = "".join(f"<item>{head}{x('versionNumber', v)}<responseError>{x('code', c)}{x('message', m)}"
                         f"</responseError></item>" for v, c, m in bad)
        return (f"<successfullyDeletedLaunchTemplateVersionSet>{good}</successfullyDeletedLaunchTemplateVersionSet>"
                f"<unsuccessfullyDeletedLaunchTemplateVersionSet>{failed}</unsuccessfullyDeletedLaunchTemplateVersionSet>")

    def CreateTags(self, params, ctx):
        ids = numbered(params, "ResourceId")
        tags, n = {}, 1
        while f"Tag.{n}.Key" in params:
            tags[params[f"Tag.{n}.Key"]] = params.get(f"Tag.{n}.Value", "")
            n += 1
        if not ids or not tags:
            raise ServiceError(400, "MissingParameter", "The request must contain the parameters resourceIdSet and tagSet")
        for value in tags.values():
            if len(value) > 256:
                raise bad_value("Tag value exceeds the maximum length of 256 characters")
        with self.world.lock:
            targets = []
            for rid in ids:
                if not rid.startswith("lt-"):
                    raise Unsupported(400, "InvalidID", f"the fake tags only launch templates, not {rid}")
                t = self.find({"LaunchTemplateId": rid}, ctx)
                if len({**t.tags, **tags}) > 50:
                    raise ServiceError(400, "TagLimitExceeded", "The maximum number of tags for a resource is 50")
                targets.append(t)
            for t in targets:
                t.tags.update(tags)
        return x("return", True)

    # -- AMIs

    def DescribeImages(self, params, ctx):
        ids, owners, flt = numbered(params, "ImageId"), numbered(params, "Owner"), filters(params)
        if ids and params.get("MaxResults"):
            raise ServiceError(400, "InvalidParameterCombination", "The parameter ImageIds cannot be used with MaxResults")
        include = {"deprecated": params.get("IncludeDeprecated") == "true",
                   "disabled": params.get("IncludeDisabled") == "true"}
        by_id = next((set(v) for n, v in flt if n == "image-id"), None)
        with self.world.lock:
            region = self.world.amis.get(ctx.region, {})
            visible = lambda i: self.world.ami_visible(ctx.region, ctx.account, i)
            for i in ids:
                if not visible(i):
                    raise ServiceError(400, "InvalidAMIID.NotFound", f"The image id '[{i}]' does not exist")
            # An id asked for by ImageId is answered even deprecated; by filter, only if included.
            candidates = [visible(i) for i in ids] if ids else [a for a in map(visible, by_id or region) if a]
            found = [a for a in candidates
                     if (ids or include["deprecated"] or not a.deprecated) and (include["disabled"] or not a.disabled)
                     and (not owners or a.owner in [ctx.account if o == "self" else o for o in owners])
                     and matches(flt, a.tags, {"image-id": a.id, "name": a.name,
                                               "state": "disabled" if a.disabled else "available"})]
            found.sort(key=lambda a: a.id)
            chunk, nxt = page(found, params.get("MaxResults"), params.get("NextToken"), 100000, 5, 1000,
                              "InvalidParameterValue")
            items = "".join(self.image_xml(a) for a in chunk)
        return f"<imagesSet>{items}</imagesSet>{x('nextToken', nxt)}"

    @staticmethod
    def image_xml(a: Ami) -> str:
        return (f"<item>{x('imageId', a.id)}{x('imageLocation', f'{a.owner}/{a.name}')}"
                f"{x('imageState', 'disabled' if a.disabled else 'available')}"
                f"{x('imageOwnerId', a.owner)}{x('creationDate', iso(a.created))}{x('isPublic', 'all' in a.shared_with)}"
                f"{x('architecture', 'x86_64')}{x('imageType', 'machine')}{x('name', a.name)}"
                f"{x('rootDeviceType', 'ebs')}{x('rootDeviceName', '/dev/xvda')}"
                f"{x('virtualizationType', 'hvm')}{x('hypervisor', 'xen')}{x('enaSupport', True)}"
                f"{x('platformDetails', 'Linux/UNIX')}{x('usageOperation', 'RunInstances')}"
                f"{x('deprecationTime', iso(a.created) if a.deprecated else None)}{tag_set(a.tags)}</item>")
