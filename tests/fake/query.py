"""The query protocol's answers as STS and Auto Scaling give them: the result wrapped in
`<{op}Response><{op}Result>` in the service's own namespace, and errors in the query XML shape.
(EC2 speaks its own variant: no Result element, and a different error shape.)"""
from __future__ import annotations

from . import errors
from .wire import QueryService, ServiceError


class QueryXmlService(QueryService):
    def answer(self, op: str, result: str, request_id: str) -> tuple[str, bytes]:
        ns = errors.NAMESPACES[self.name]
        return "text/xml", (f'<{op}Response xmlns="{ns}"><{op}Result>{result}</{op}Result>'
                            f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
                            f"</{op}Response>").encode()

    def error(self, e: ServiceError, request_id: str) -> tuple[str, bytes, dict]:
        return errors.query_xml(errors.NAMESPACES[self.name], e, request_id)
