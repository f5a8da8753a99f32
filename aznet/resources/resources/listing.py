"""Generic listing: ``/subscriptions/{s}/resources`` and
``/resourceGroups/{rg}/resources`` with ``$filter``, ``$top`` and paging."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ...arm import crud
from ...arm.errors import ArmError, resource_group_not_found
from ...arm.http import Request, Response, page
from ...arm.ids import normalize
from ...arm.platform import Platform
from ...arm.router import ROUTES
from ...arm.versions import RESOURCES, check_api_version

_CLAUSE = re.compile(
    r"^\s*(?:(?P<field>\w+)\s+eq\s+'(?P<value>(?:[^']|'')*)'"
    r"|substringof\(\s*'(?P<sub>(?:[^']|'')*)'\s*,\s*(?P<subfield>\w+)\s*\)"
    r"|startswith\(\s*(?P<swfield>\w+)\s*,\s*'(?P<sw>(?:[^']|'')*)'\s*\))\s*$",
    re.IGNORECASE)

Filter = Callable[[dict[str, Any]], bool]


def _group_of(body: dict[str, Any]) -> str:
    parts = str(body.get("id", "")).lower().split("/")
    return parts[4] if len(parts) > 4 and parts[3] == "resourcegroups" else ""


def parse_filter(text: str | None) -> Filter:
    """The OData subset ARM supports: ``field eq 'v'`` joined by ``and``,
    ``substringof('v', name)``, ``startswith(name, 'v')``; fields resourceType,
    name, location, resourceGroup, tagName, tagValue."""
    if not text or not text.strip():
        return lambda body: True
    tests: list[Filter] = []
    tag_name: str | None = None
    tag_value: str | None = None
    for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        m = _CLAUSE.match(part)
        if not m:
            raise ArmError(400, "InvalidFilterInQueryString",
                           f"The $filter '{text}' is invalid. Only 'eq', 'substringof' and 'startswith' "
                           "comparisons joined by 'and' are supported.")
        if m.group("field"):
            field, value = m.group("field").lower(), m.group("value").replace("''", "'")
            if field == "tagname":
                tag_name = value
                continue
            if field == "tagvalue":
                tag_value = value
                continue
            if field == "resourcegroup":    # az network lb create asks this before it creates
                tests.append(lambda b, v=value.lower(): _group_of(b) == v)
                continue
            key = {"resourcetype": "type", "name": "name", "location": "location"}.get(field)
            if key is None:
                raise ArmError(400, "InvalidFilterInQueryString", f"The field '{field}' is not supported in $filter.")
            tests.append(lambda b, k=key, v=value.lower(): str(b.get(k, "")).lower() == v)
        elif m.group("subfield"):
            sub = m.group("sub").replace("''", "'").lower()
            tests.append(lambda b, s=sub, f=m.group("subfield"): s in str(b.get(f, "")).lower())
        else:
            sw = m.group("sw").replace("''", "'").lower()
            tests.append(lambda b, s=sw, f=m.group("swfield"): str(b.get(f, "")).lower().startswith(s))
    if tag_name is not None:
        tn, tv = tag_name.lower(), tag_value

        def tag_test(b: dict[str, Any]) -> bool:
            tags = {k.lower(): v for k, v in (b.get("tags") or {}).items()}
            return tn in tags and (tv is None or tags[tn] == tv)
        tests.append(tag_test)
    elif tag_value is not None:
        raise ArmError(400, "InvalidFilterInQueryString", "tagValue must be used together with tagName.")
    return lambda body: all(t(body) for t in tests)


SUMMARY_FIELDS = ("id", "name", "type", "location", "tags", "sku", "kind", "managedBy", "zones", "identity",
                  "extendedLocation", "plan")


def _list(p: Platform, req: Request, scope: str) -> Response:
    check_api_version(req.api_version, RESOURCES, "resources")
    ctx = p.ctx(req, req.params["sub"])
    flt = parse_filter(req.arg("$filter"))
    expand = (req.arg("$expand") or "").lower()
    recs = [r for r in ctx.txn.in_scope(normalize(scope))
            if r.type != "Microsoft.Resources/resourceGroups" and not r.type.startswith("Microsoft.Resources/deployments")
            and flt(r.body)]

    def summary(rec: Any) -> dict[str, Any] | None:
        body = crud.render_or_skip(ctx, rec) if "properties" in expand else rec.body
        if body is None:
            return None
        out = {k: crud.copy_json(body[k]) for k in SUMMARY_FIELDS if k in body}
        if "properties" in expand:
            out["properties"] = body.get("properties", {})
        if "createdtime" in expand or "provisioningstate" in expand:
            out["provisioningState"] = body.get("properties", {}).get("provisioningState", "Succeeded")
        return out
    return Response(200, page(req, recs, summary, p.settings.page_size))


def list_subscription(p: Platform, req: Request) -> Response:
    return _list(p, req, f"/subscriptions/{req.params['sub']}")


def list_group(p: Platform, req: Request) -> Response:
    ctx = p.ctx(req, req.params["sub"])
    scope = f"/subscriptions/{req.params['sub']}/resourceGroups/{req.params['rg']}"
    if ctx.txn.get(normalize(scope)) is None:
        raise resource_group_not_found(req.params["rg"])
    return _list(p, req, scope)


ROUTES.add("subscriptions/{sub}/resources", "GET", list_subscription)
ROUTES.add("subscriptions/{sub}/resourcegroups/{rg}/resources", "GET", list_group)
