"""SSM, JSON 1.1 (`X-Amz-Target: AmazonSSM.<Op>`): GetParameter, GetParameters, DescribeParameters
(Name Equals filters; answers the tier), PutParameter (data types, tiers, and `aws:ec2:image` values
checked against the AMIs the account sees in the Region, as SSM does after the call returns)."""
from __future__ import annotations

import json
import re

from . import errors
from .errors import JSON_11
from .wire import Context, Request, Service, ServiceError, json_body, page
from .world import Parameter

TIERS = ("Standard", "Advanced", "Intelligent-Tiering")


def invalid(message: str) -> ServiceError:
    return ServiceError(400, "ValidationException", message)


class Ssm(Service):
    name = "ssm"
    unknown_operation = "UnknownOperationException"
    denied = (400, "AccessDeniedException")
    members = {
        "GetParameter": ("Name", "WithDecryption"),
        "GetParameters": ("Names", "WithDecryption"),
        "DescribeParameters": ("ParameterFilters", "MaxResults", "NextToken"),
        "PutParameter": ("Name", "Value", "Type", "DataType", "Description", "Overwrite", "Tier"),
    }

    def operation(self, req: Request) -> str | None:
        target = req.headers.get("X-Amz-Target", "")
        return target.removeprefix("AmazonSSM.") if target.startswith("AmazonSSM.") else None

    def arguments(self, req: Request) -> dict:
        if req.headers.get("Content-Type", "").split(";")[0] != JSON_11:
            raise ServiceError(400, "UnknownOperationException",
                               f"content type {req.headers.get('Content-Type')!r} is not {JSON_11}")
        try:
            return json.loads(req.body or b"{}")
        except ValueError:
            raise ServiceError(400, "SerializationException", "the body is not JSON")

    def answer(self, op: str, result, request_id: str) -> tuple[str, bytes]:
        return JSON_11, json_body(result)

    def error(self, e: ServiceError, request_id: str) -> tuple[str, bytes, dict]:
        return errors.json_11(e, request_id)

    @staticmethod
    def arn(ctx: Context, name: str) -> str:
        return f"arn:aws:ssm:{ctx.region}:{ctx.account}:parameter{name if name.startswith('/') else '/' + name}"

    def shape(self, p: Parameter, ctx: Context) -> dict:
        return {"Name": p.name, "Type": p.type, "Value": p.value, "Version": p.version,
                "LastModifiedDate": round(p.modified, 3), "ARN": self.arn(ctx, p.name), "DataType": p.data_type}

    def GetParameter(self, req, ctx):
        name = req.get("Name")
        if not name:
            raise invalid("1 validation error detected: Value null at 'name' failed to satisfy constraint: "
                          "Member must not be null")
        with self.world.lock:
            p = self.world.parameters_of(ctx.region, ctx.account).get(name)
            if p is None:
                raise ServiceError(400, "ParameterNotFound", f"Parameter {name} not found.")
            return {"Parameter": self.shape(p, ctx)}

    def GetParameters(self, req, ctx):
        names = req.get("Names") or []
        if not 1 <= len(names) <= 10:
            raise invalid(f"1 validation error detected: Value '{names}' at 'names' failed to satisfy constraint: "
                          "Member must have length less than or equal to 10 and greater than or equal to 1")
        with self.world.lock:
            store = self.world.parameters_of(ctx.region, ctx.account)
            found = [self.shape(store[n], ctx) for n in dict.fromkeys(names) if n in store]
            missing = [n for n in dict.fromkeys(names) if n not in store]
        return {"Parameters": found, "InvalidParameters": missing}

    def DescribeParameters(self, req, ctx):
        wanted = None
        for f in req.get("ParameterFilters") or []:
            key, option, values = f.get("Key"), f.get("Option", "Equals"), f.get("Values") or []
            if key != "Name" or option != "Equals":
                raise ServiceError(400, "InvalidFilterKey", f"The fake serves only Name Equals filters, got {key} {option}")
            if not 1 <= len(values) <= 50:
                raise ServiceError(400, "InvalidFilterValue", "A filter takes from 1 to 50 values")
            wanted = set(values) if wanted is None else wanted & set(values)
        with self.world.lock:
            store = self.world.parameters_of(ctx.region, ctx.account)
            found = sorted((p for p in store.values() if wanted is None or p.name in wanted), key=lambda p: p.name)
            items = [{"Name": p.name, "ARN": self.arn(ctx, p.name), "Type": p.type,
                      "LastModifiedDate": round(p.modified, 3),
                      "LastModifiedUser": p.writer or "N/A",
                      **({"Description": p.description} if p.description is not None else {}),
                      "Version": p.version, "Tier": p.tier, "Policies": [], "DataType": p.data_type}
                     for p in found]
        chunk, nxt = page(items, req.get("MaxResults"), req.get("NextToken"), 10, 1, 50, "ValidationException")
        return {"Parameters": chunk, **({"NextToken": nxt} if nxt else {})}

    def PutParameter(self, req, ctx):
        name, value, ptype = req.get("Name"), req.get("Value"), req.get("Type")
        if not name or value is None:
            raise invalid("Name and Value are required")
        data_type = req.get("DataType") or "text"
        if data_type not in ("text", "aws:ec2:image", "aws:ssm:integration"):
            raise invalid(f"The following data type is not supported: {data_type}")
        if data_type == "aws:ec2:image" and not re.fullmatch(r"ami-[0-9a-f]{8}([0-9a-f]{9})?", value):
            raise invalid(f"Parameter value, {value}, failed to satisfy constraint: Member must be a valid AMI ID.")
        tier = req.get("Tier") or "Standard"  # the account's default tier
        if tier not in TIERS:
            raise invalid(f"Value '{tier}' at 'tier' failed to satisfy constraint: Member must satisfy enum value set: {list(TIERS)}")
        with self.world.lock:
            store = self.world.parameters_of(ctx.region, ctx.account)
            old = store.get(name)
            if old is not None and not req.get("Overwrite"):
                raise ServiceError(400, "ParameterAlreadyExists", "The parameter already exists. To overwrite this "
                                   "value, set the overwrite option in the request to true.")
            if old is None and not ptype:
                raise invalid("A parameter type is required when you create a parameter.")
            if old is not None and ptype and ptype != old.type:
                raise ServiceError(400, "HierarchyTypeMismatchException",
                                   f"The parameter {name} is of type {old.type}; its type cannot be changed to {ptype}.")
            if old is not None and data_type != old.data_type:
                raise invalid(f"The data type of parameter {name} is {old.data_type}; it cannot be changed to {data_type}.")
            if tier == "Intelligent-Tiering":
                tier = old.tier if old else "Standard"
            if old is not None and old.tier == "Advanced" and tier == "Standard":
                raise invalid("This parameter uses the advanced-parameter tier. You can't downgrade a parameter from "
                              "the advanced-parameter tier to the standard-parameter tier. If necessary, you can "
                              "delete the advanced parameter and recreate it as a standard parameter.")
            version = old.version + 1 if old else 1
            # aws:ec2:image values are validated after the call returns: a value naming an AMI the
            # account cannot see in this Region is never stored (the read-back shows the old one).
            if data_type == "aws:ec2:image" and not self.world.ami_visible(ctx.region, ctx.account, value):
                return {"Version": version, "Tier": tier}
            store[name] = Parameter(
                name=name, value=value, type=ptype or old.type, data_type=data_type,
                description=req["Description"] if "Description" in req else (old.description if old else None),
                version=version, tier=tier, writer=self.world.caller_arn(ctx.access_key))
        return {"Version": version, "Tier": tier}
