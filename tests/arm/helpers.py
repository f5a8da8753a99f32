"""Raw HTTPS helpers for protocol-edge tests (real clients cover the rest), and one request handed to the platform
in process (the fuzz tests)."""

from __future__ import annotations

import json
import ssl
from typing import Any

import httpx

from aznet.arm.http import Request


def http(inst: Any) -> httpx.Client:
    return httpx.Client(base_url=inst.endpoint, verify=ssl.create_default_context(cafile=str(inst.ca_path)), timeout=30)


def token(inst: Any, **form: str) -> str:
    data = {"grant_type": "client_credentials", "client_id": "raw-client", "client_secret": "s",
            "scope": f"{inst.endpoint}/.default", **form}
    with http(inst) as c:
        r = c.post(f"/{inst.tenant_id}/oauth2/v2.0/token", data=data)
    r.raise_for_status()
    return r.json()["access_token"]


def authed(inst: Any) -> httpx.Client:
    c = http(inst)
    c.headers["Authorization"] = f"Bearer {token(inst)}"
    return c


def handle_in_process(inst: Any, method: str, path: str, body: object, api: str) -> Any:
    """``method path?api-version=api`` with ``body`` as JSON, handled by the platform on its loop thread (no TLS, no
    SDK) with a token issued to a client of its own: the platform's Response."""
    tok = inst.platform.issuer.issue(inst.tenant_id, {"grant_type": "client_credentials",
                                                      "client_id": "fuzz"})["access_token"]
    req = Request(method, path, {"api-version": api},
                  {"authorization": f"Bearer {tok}", "content-type": "application/json"},
                  json.dumps(body).encode() if body is not None else b"", inst.endpoint)
    return inst.call(inst.platform.handle, req)
