"""Raw HTTPS helpers for protocol-edge tests (real clients cover the rest)."""

from __future__ import annotations

import ssl
from typing import Any

import httpx


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
