"""Where ``aznet verify`` gets resources from: a file (an ARM template, ``az
group export`` output, or a JSON list as ``az resource list`` / Azure Resource
Graph return it) or a running emulator (ARM GETs with a client-credentials
token).

Templates are evaluated by the one ARM template engine,
``aznet.deployments.engine.validate`` (the verifier keeps no evaluator of its
own)."""

from __future__ import annotations

import json
import ssl
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from ..arm.versions import default
from ..config import DEFAULT_LOCATION

DEFAULT_SUB = "00000000-0000-0000-0000-000000000000"
NETWORK_API = default("network")
COMPUTE_API = default("compute")
WANTED = ("microsoft.network/", "microsoft.compute/virtualmachines")


class SourceError(Exception):
    pass


def load_file(path: str | Path, resource_group: str = "local", subscription: str = DEFAULT_SUB,
              parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SourceError(f"cannot read {path}: {exc}") from None
    return from_document(doc, resource_group, subscription, parameters)


def from_document(doc: Any, resource_group: str = "local", subscription: str = DEFAULT_SUB,
                  parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    if isinstance(doc, dict) and isinstance(doc.get("resources"), list) and (
            "$schema" in doc or "contentVersion" in doc):
        return from_template(doc, resource_group, subscription, parameters or {})
    if isinstance(doc, dict):
        for k in ("value", "data"):
            if isinstance(doc.get(k), list):
                doc = doc[k]
                break
    if not isinstance(doc, list):
        raise SourceError("expected an ARM template or a JSON list of resources")
    return [r for r in doc if isinstance(r, dict) and r.get("id")]


# -- templates ----------------------------------------------------------------------------------

def from_template(template: dict[str, Any], rg: str, sub: str, parameters: dict[str, Any]) -> list[dict[str, Any]]:
    """The resources a template deploys, evaluated by aznet's template engine (the one ARM deployments
    use: copy loops, conditions, functions). A resource whose body needs runtime values (``reference()``
    of something not deployed) is left out."""
    from ..deployments import engine
    from ..deployments.errors import TemplateError

    scope = engine.Scope(subscription_id=sub, tenant_id=DEFAULT_SUB, resource_group=rg,
                         resource_group_location=DEFAULT_LOCATION, deployment_name="verify",
                         resource_group_id=f"/subscriptions/{sub}/resourceGroups/{rg}")
    try:
        planned = engine.validate(template, parameters, scope)
    except TemplateError as exc:
        raise SourceError(f"the template is not valid: {getattr(exc, 'message', exc)}") from None
    out = []
    for item in planned:
        body = item.body
        if body is not None:
            out.append(dict(body, id=item.resource_id))
    return out


# -- a running emulator ----------------------------------------------------------------------------

def fetch_token(endpoint: str, tenant: str, ctx: ssl.SSLContext | None) -> str:
    data = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "aznet-verify",
                                   "client_secret": "aznet", "scope": "https://management.azure.com/.default"})
    req = urllib.request.Request(f"{endpoint.rstrip('/')}/{tenant}/oauth2/v2.0/token", data=data.encode(),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, context=ctx, timeout=30) as resp:  # noqa: S310 - the user's endpoint
        return json.loads(resp.read())["access_token"]


def _get(url: str, token: str, ctx: ssl.SSLContext | None) -> Any:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, context=ctx, timeout=60) as resp:  # noqa: S310
        return json.loads(resp.read())


def _paged(url: str, token: str, ctx: ssl.SSLContext | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        page = _get(next_url, token, ctx)
        out.extend(page.get("value") or [])
        next_url = page.get("nextLink")
    return out


def fetch_resources(endpoint: str, subscription: str | None = None, tenant: str = "common",
                    ca_file: str | None = None, insecure: bool = False) -> list[dict[str, Any]]:
    """Every network resource and VM of a subscription (all of them when none is given), with properties."""
    ctx: ssl.SSLContext | None = None
    if endpoint.lower().startswith("https"):
        ctx = ssl.create_default_context(cafile=ca_file)
        if insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
    base = endpoint.rstrip("/")
    token = fetch_token(base, tenant, ctx)
    subs = [subscription] if subscription else [
        s["subscriptionId"] for s in _paged(f"{base}/subscriptions?api-version={default('subscriptions')}", token, ctx)]
    out: list[dict[str, Any]] = []
    for sub in subs:
        listed = _paged(f"{base}/subscriptions/{sub}/resources?api-version={default('resources')}&$expand=properties",
                        token, ctx)
        for r in listed:
            rtype = str(r.get("type", "")).lower()
            if not rtype.startswith(WANTED):
                continue
            if not isinstance(r.get("properties"), dict):
                api = COMPUTE_API if rtype.startswith("microsoft.compute") else NETWORK_API
                r = _get(f"{base}{r['id']}?api-version={api}", token, ctx)
            out.append(r)
    return out
