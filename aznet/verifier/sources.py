"""Where ``aznet verify`` gets resources from: a file (an ARM template, ``az
group export`` output, or a JSON list as ``az resource list`` / Azure Resource
Graph return it) or a running emulator (ARM GETs with a client-credentials
token).

Templates are evaluated by ``aznet.deployments.engine.validate`` when that
engine is installed; otherwise by a small literal evaluator that understands
``parameters()``, ``variables()``, ``resourceId()``, ``concat()``,
``format()``, ``resourceGroup()`` and ``subscription()`` — enough for exported
templates and simple hand-written ones."""

from __future__ import annotations

import json
import re
import ssl
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

DEFAULT_SUB = "00000000-0000-0000-0000-000000000000"
NETWORK_API = "2024-05-01"
COMPUTE_API = "2024-07-01"
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
    planned = _via_engine(template, rg, sub, parameters)
    if planned is not None:
        return planned
    ev = _Evaluator(template, rg, sub, parameters)
    out: list[dict[str, Any]] = []

    def walk(resources: list[Any], parent_type: str = "", parent_name: str = "") -> None:
        for r in resources:
            if not isinstance(r, dict) or "copy" in r:
                continue  # copy loops need the real engine
            rtype = str(ev.value(r.get("type", "")))
            name = str(ev.value(r.get("name", "")))
            if parent_type and "/" not in rtype.split("/", 1)[-1] and not rtype.lower().startswith(parent_type.lower()):
                rtype, name = f"{parent_type}/{rtype}", f"{parent_name}/{name}"
            body = ev.value({k: v for k, v in r.items() if k not in ("resources", "dependsOn", "apiVersion")})
            body["type"], body["name"] = rtype, name.rsplit("/", 1)[-1]
            body["id"] = _resource_id(sub, rg, rtype, name.split("/"))
            out.append(body)
            walk(r.get("resources") or [], rtype, name)

    walk(template.get("resources") or [])
    return out


def _via_engine(template: dict[str, Any], rg: str, sub: str, parameters: dict[str, Any]) -> list[dict[str, Any]] | None:
    try:
        from ..deployments import engine  # type: ignore[attr-defined]
    except ImportError:
        return None
    try:
        scope = engine.Scope(subscription_id=sub, tenant_id=DEFAULT_SUB, resource_group=rg,
                             resource_group_location="westeurope", deployment_name="verify",
                             resource_group_id=f"/subscriptions/{sub}/resourceGroups/{rg}")
        planned = engine.validate(template, parameters, scope)
    except Exception:  # the engine's own errors, or an interface we do not know: fall back
        return None
    out = []
    for item in planned or []:
        body = getattr(item, "body", None) or (item if isinstance(item, dict) else None)
        rid = getattr(item, "resource_id", None) or getattr(item, "id", None) or (body or {}).get("id")
        if isinstance(body, dict) and rid:
            out.append(dict(body, id=rid))
    return out or None


def _resource_id(sub: str, rg: str, rtype: str, names: list[str]) -> str:
    ns, _, rest = rtype.partition("/")
    segs = rest.split("/")
    path = "/".join(f"{t}/{n}" for t, n in zip(segs, names, strict=False))
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{path}"


_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+)|(?P<name>[A-Za-z_][\w.]*)|(?P<p>[(),\[\].]))")


class _Evaluator:
    def __init__(self, template: dict[str, Any], rg: str, sub: str, parameters: dict[str, Any]) -> None:
        self.t, self.rg, self.sub = template, rg, sub
        self.params = {k.lower(): (v.get("value") if isinstance(v, dict) and "value" in v else v)
                       for k, v in parameters.items()}

    def value(self, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: self.value(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if isinstance(v, str) and v.startswith("[") and v.endswith("]") and not v.startswith("[["):
            try:
                toks = [m for m in _TOKEN.finditer(v[1:-1]) if m.group(0).strip()]
                val, _ = self._expr(toks, 0)
                return val
            except (IndexError, KeyError, ValueError, TypeError, AttributeError):
                return v
        return v

    def _expr(self, toks: list[re.Match[str]], i: int) -> tuple[Any, int]:
        t = toks[i]
        if t.group("str") is not None:
            val: Any = t.group("str")[1:-1].replace("''", "'")
            i += 1
        elif t.group("num") is not None:
            val, i = int(t.group("num")), i + 1
        else:
            fn = t.group("name").lower()
            i += 1
            args: list[Any] = []
            if toks[i].group("p") != "(":
                raise ValueError(fn)
            i += 1
            while toks[i].group("p") != ")":
                a, i = self._expr(toks, i)
                args.append(a)
                if toks[i].group("p") == ",":
                    i += 1
            i += 1
            val = self._call(fn, args)
        while i < len(toks) and toks[i].group("p") in (".", "["):
            if toks[i].group("p") == ".":
                val, i = val[toks[i + 1].group("name")], i + 2
            else:
                key, i = self._expr(toks, i + 1)
                val, i = val[key], i + 1
        return val, i

    def _call(self, fn: str, args: list[Any]) -> Any:
        if fn == "parameters":
            name = str(args[0]).lower()
            if name in self.params:
                return self.value(self.params[name])
            decl = {k.lower(): v for k, v in (self.t.get("parameters") or {}).items()}[name]
            return self.value(decl["defaultValue"])
        if fn == "variables":
            return self.value({k.lower(): v for k, v in (self.t.get("variables") or {}).items()}[str(args[0]).lower()])
        if fn == "resourceid":
            if len(args) >= 2 and "/" in str(args[1]) and "/" not in str(args[0]):
                args = args[1:]  # resourceId('rg', 'type', ...) in the same subscription
            return _resource_id(self.sub, self.rg, str(args[0]), [str(a) for a in args[1:]])
        if fn == "concat":
            return "".join(str(a) for a in args) if not any(isinstance(a, list) for a in args) else sum(args, [])
        if fn == "format":
            return re.sub(r"\{(\d+)\}", lambda m: str(args[int(m.group(1)) + 1]), str(args[0]))
        if fn == "resourcegroup":
            return {"name": self.rg, "location": "westeurope",
                    "id": f"/subscriptions/{self.sub}/resourceGroups/{self.rg}"}
        if fn == "subscription":
            return {"subscriptionId": self.sub, "id": f"/subscriptions/{self.sub}"}
        if fn in ("tolower", "toupper", "string"):
            return {"tolower": str.lower, "toupper": str.upper, "string": str}[fn](str(args[0]))
        raise ValueError(fn)


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
        s["subscriptionId"] for s in _paged(f"{base}/subscriptions?api-version=2022-12-01", token, ctx)]
    out: list[dict[str, Any]] = []
    for sub in subs:
        listed = _paged(f"{base}/subscriptions/{sub}/resources?api-version=2021-04-01&$expand=properties",
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
