"""Transport-neutral request and response values the ARM layer works on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from .errors import ArmError
from .jsonio import dumps, parse_request_body


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]                 # keys as sent
    headers: dict[str, str]               # keys lower case
    body: bytes = b""
    base_url: str = ""                    # scheme://host:port the client used
    params: dict[str, str] = field(default_factory=dict)
    request_id: str = ""
    claims: dict[str, Any] = field(default_factory=dict)
    authenticated: bool = False           # set once the pipeline has checked the token (or found none needed)

    def arg(self, name: str) -> str | None:
        low = name.lower()
        for k, v in self.query.items():
            if k.lower() == low:
                return v
        return None

    @property
    def api_version(self) -> str | None:
        return self.arg("api-version")

    def json(self, required: bool = True) -> Any:
        if not self.body.strip():
            if required:
                raise ArmError(400, "InvalidRequestContent",
                               "The request content was invalid and could not be deserialized: "
                               "'The request body is empty.'")
            return None
        return parse_request_body(self.body)

    def url(self, path: str | None = None, **query: str) -> str:
        q = urlencode(query) if query else ""
        return f"{self.base_url}{path if path is not None else self.path}" + (f"?{q}" if q else "")


@dataclass
class Response:
    status: int = 200
    body: Any = None                      # JSON value, bytes, or None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return dumps(self.body).encode()


def page(req: Request, items: list[Any], render: Any = None, page_size: int = 100) -> dict[str, Any]:
    """One page of a list, ARM style: ``{"value": [...], "nextLink": ...}``."""
    try:
        start = int(req.arg("$skiptoken") or 0)
        top = req.arg("$top")
        size = min(int(top), page_size * 10) if top else page_size
    except ValueError:
        raise ArmError(400, "InvalidQueryParameterValue", "A paging parameter is not a valid number.") from None
    if start < 0 or size <= 0:
        raise ArmError(400, "InvalidQueryParameterValue", "A paging parameter is out of range.")
    chunk = items[start:start + size]
    # a render that answers None drops the item (a stored record that can no longer be shown)
    values = [v for v in (render(i) for i in chunk) if v is not None] if render else chunk
    out: dict[str, Any] = {"value": values}
    if start + size < len(items):
        query = {k: v for k, v in req.query.items() if k.lower() != "$skiptoken"}
        query["$skiptoken"] = str(start + size)
        out["nextLink"] = req.url(**query)
    return out
