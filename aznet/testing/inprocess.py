"""An in-process ARM client: requests go straight to ``Platform.handle``, with
no TLS, sockets or threads. For hook and rule tests where a real client adds
nothing (the request a real client sends is tested in tests/e2e)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from ..arm.http import Request, Response
from ..arm.platform import Platform
from ..arm.versions import default
from ..config import DEFAULT_SUBSCRIPTION, DEFAULT_TENANT, Settings

NETWORK_API = default("network")
RESOURCES_API = default("resources")


class InProcessClient:
    """``runner``: how a call reaches the platform (default: directly; a platform served on another
    thread, such as the test session's, takes its loop thread's runner: ``aznet.call``)."""

    def __init__(self, platform: Platform, base_url: str = "https://127.0.0.1:8443",
                 runner: Callable[..., Any] | None = None) -> None:
        self.platform = platform
        self.base_url = base_url
        self.runner = runner or (lambda fn, *args: fn(*args))
        self.subscription = platform.settings.default_subscription
        form = urlencode({"grant_type": "client_credentials", "client_id": "in-process", "client_secret": "x",
                          "scope": f"{base_url}/.default"}).encode()
        resp = self.request("POST", f"/{DEFAULT_TENANT}/oauth2/v2.0/token", raw=form,
                            headers={"content-type": "application/x-www-form-urlencoded"}, auth=False)
        self.token = str(self._json(resp)["access_token"])

    @classmethod
    def fresh(cls, data_dir: Path | None = None, **settings: Any) -> InProcessClient:
        """A client over a new platform in its own data dir (a temporary one by default)."""
        from ..server import build_platform

        d = data_dir or Path(tempfile.mkdtemp(prefix="aznet-inproc-"))
        return cls(build_platform(Settings(data_dir=d, port=8443, **settings)))

    def request(self, method: str, path: str, body: Any = None, *, api_version: str | None = None,
                raw: bytes | None = None, headers: dict[str, str] | None = None, auth: bool = True) -> Response:
        path, _, query_text = path.partition("?")
        query = dict(parse_qsl(query_text))
        if api_version is not None:
            query["api-version"] = api_version
        h = {"content-type": "application/json"}
        if auth:
            h["authorization"] = f"Bearer {self.token}"
        h.update(headers or {})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        resp: Response = self.runner(self.platform.handle, Request(method, path, query, h, data, base_url=self.base_url))
        return resp

    @staticmethod
    def _json(resp: Response) -> Any:
        if isinstance(resp.body, bytes):
            return json.loads(resp.body) if resp.body else None
        return resp.body

    def call(self, method: str, path: str, body: Any = None, api_version: str = NETWORK_API) -> tuple[int, Any]:
        """(status, parsed body)."""
        resp = self.request(method, path, body, api_version=api_version)
        return resp.status, self._json(resp)

    def group(self, name: str, location: str = "westeurope") -> str:
        path = f"/subscriptions/{self.subscription}/resourceGroups/{name}"
        status, body = self.call("PUT", path, {"location": location}, RESOURCES_API)
        assert status in (200, 201), body
        return path

    def network(self, rg_path: str, rtype: str, name: str) -> str:
        return f"{rg_path}/providers/Microsoft.Network/{rtype}/{name}"


__all__ = ["DEFAULT_SUBSCRIPTION", "InProcessClient"]
