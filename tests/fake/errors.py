"""Each service's own error shape, written once: the fake's services answer their errors with these,
and an injected fault or a storm's throttling (faults.py) is answered with the same ones, so a client
parses an injected error exactly as it parses a served one.

  JSON 1.1 (SSM, Organizations)   `{"__type": code, "message"|"Message": ...}`, the status as given
  REST-JSON (Image Builder)       `{"message": ...}` and the code in the `x-amzn-ErrorType` header
  EC2                             `<Response><Errors><Error><Code>…` with `RequestID`
  query XML (STS, Auto Scaling)   `<ErrorResponse xmlns=…><Error><Type>Sender|Receiver</Type><Code>…`
"""
from __future__ import annotations

import json

from .wire import ServiceError, x

JSON_11 = "application/x-amz-json-1.1"
NAMESPACES = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    # botocore's autoscaling model (`xmlNamespace`) and the service say http, not https.
    "autoscaling": "http://autoscaling.amazonaws.com/doc/2011-01-01/",
}

Shape = tuple[str, bytes, dict]


def json_11(e: ServiceError, request_id: str, message_key: str = "message") -> Shape:
    return JSON_11, json.dumps({"__type": e.code, message_key: e.message}).encode(), {}


def rest_json(e: ServiceError, request_id: str) -> Shape:
    return "application/json", json.dumps({"message": e.message}).encode(), {"x-amzn-ErrorType": e.code}


def ec2(e: ServiceError, request_id: str) -> Shape:
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>{x("Code", e.code)}'
           f'{x("Message", e.message)}</Error></Errors>{x("RequestID", request_id)}</Response>')
    return "text/xml;charset=UTF-8", xml.encode(), {}


def query_xml(namespace: str, e: ServiceError, request_id: str) -> Shape:
    kind = "Receiver" if e.status >= 500 else "Sender"
    return "text/xml", (f'<ErrorResponse xmlns="{namespace}"><Error>{x("Type", kind)}{x("Code", e.code)}'
                        f'{x("Message", e.message)}</Error>{x("RequestId", request_id)}</ErrorResponse>').encode(), {}


def render(service: str | None, e: ServiceError, request_id: str) -> Shape:
    """`e` in `service`'s shape (the SigV4 scope's name); a service not known here gets REST-JSON's."""
    if service == "ssm":
        return json_11(e, request_id)
    if service == "organizations":
        return json_11(e, request_id, "Message")
    if service == "ec2":
        return ec2(e, request_id)
    if service in NAMESPACES:
        return query_xml(NAMESPACES[service], e, request_id)
    return rest_json(e, request_id)
