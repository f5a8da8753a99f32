"""Microsoft.DocumentDB/databaseAccounts: enough for private endpoints and
service endpoints (no database engine).

- Name: 3-44 lower-case letters, digits and hyphens, not starting or ending with a
  hyphen; global (it becomes ``<name>.documents.azure.com``).
- ``databaseAccountOfferType`` Standard and at least one location (unique
  regions, failover priorities 0..n-1 with 0 in the write region) are required.
- ``documentEndpoint`` ``https://<name>.documents.azure.com:443/``; read and
  write locations derived from ``locations``.
- ``isVirtualNetworkFilterEnabled`` with VNet rules whose subnets need the
  Microsoft.AzureCosmosDB service endpoint (unless ignoreMissingVNetServiceEndpoint);
  ``ipRules`` of IPv4 addresses or CIDR ranges.
- ``listKeys`` / ``listConnectionStrings``.
- Private link group ids Sql, MongoDB, Cassandra, Gremlin, Table (by kind).

Codes are best readings."""

from __future__ import annotations

import base64
import os
import re
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.registry import Action, Hooks, NameRule, ResourceType
from ...arm.versions import supported
from ...netmodel.addr import try_ip, try_prefix
from .. import private_link_targets as plt

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.DocumentDB/databaseAccounts"
API_VERSIONS = supported("cosmosdb")
NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{1,42}[a-z0-9])$")
GROUPS = [plt.GroupId(g, (g,), z) for g, z in (
    ("Sql", "privatelink.documents.azure.com"), ("MongoDB", "privatelink.mongo.cosmos.azure.com"),
    ("Cassandra", "privatelink.cassandra.cosmos.azure.com"), ("Gremlin", "privatelink.gremlin.cosmos.azure.com"),
    ("Table", "privatelink.table.cosmos.azure.com"))]


def bad(code: str, message: str, status: int = 400) -> ArmError:
    return ArmError(status, code, message)


class DatabaseAccountHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        name = new["name"]
        if not NAME_RE.match(name):
            raise bad("BadRequest", f"Database account name '{name}' is invalid: use 3-44 lower-case letters, digits "
                      "and hyphens, not starting or ending with a hyphen.")
        if old is None and plt.name_taken(ctx, TYPE, name, new["id"]):
            raise bad("BadRequest", f"Database account name '{name}' already exists.", 409)
        props = new["properties"]
        if props.get("databaseAccountOfferType") != "Standard":
            raise bad("BadRequest", "properties.databaseAccountOfferType is required and must be 'Standard'.")
        kind = new.get("kind") or "GlobalDocumentDB"
        if kind not in ("GlobalDocumentDB", "MongoDB", "Parse"):
            raise bad("BadRequest", f"kind '{kind}' is not valid: GlobalDocumentDB, MongoDB or Parse.")
        new["kind"] = kind
        locs = props.get("locations")
        if not isinstance(locs, list) or not locs:
            raise bad("BadRequest", "properties.locations must name at least one region.")
        seen, prios = set(), []
        for i, loc in enumerate(locs):
            if not isinstance(loc, dict) or not isinstance(loc.get("locationName"), str):
                raise bad("BadRequest", f"properties.locations[{i}] needs a locationName.")
            region = loc["locationName"].replace(" ", "").lower()
            ctx.platform.check_location(region, TYPE)
            if region in seen:
                raise bad("BadRequest", f"Region {loc['locationName']} appears more than once in properties.locations.")
            seen.add(region)
            prio = loc.get("failoverPriority", i)
            if not isinstance(prio, int) or isinstance(prio, bool):
                raise bad("BadRequest", f"properties.locations[{i}].failoverPriority must be an integer.")
            prios.append(prio)
        if sorted(prios) != list(range(len(locs))):
            raise bad("BadRequest", "Failover priorities must be 0 to n-1, each used once.")
        props["locations"] = [{"locationName": loc["locationName"], "failoverPriority": p,
                               "isZoneRedundant": bool(loc.get("isZoneRedundant", False))}
                              for loc, p in zip(locs, prios, strict=True)]
        vnet_filter = props.get("isVirtualNetworkFilterEnabled", False)
        if not isinstance(vnet_filter, bool):
            raise bad("BadRequest", "properties.isVirtualNetworkFilterEnabled must be true or false.")
        rules = []
        for i, r in enumerate(props.get("virtualNetworkRules") or []):
            ignore = bool((r or {}).get("ignoreMissingVNetServiceEndpoint"))
            sid = plt.check_subnet_rule(ctx, (r or {}).get("id"), new["id"], "Microsoft.AzureCosmosDB",
                                        f"properties.virtualNetworkRules[{i}].id", ignore, code="BadRequest")
            rules.append({"id": sid, "ignoreMissingVNetServiceEndpoint": ignore})
        props["virtualNetworkRules"] = rules
        ips = []
        for i, r in enumerate(props.get("ipRules") or []):
            v = (r or {}).get("ipAddressOrRange")
            if not isinstance(v, str) or (try_ip(v) is None and try_prefix(v) is None):
                raise bad("BadRequest", f"properties.ipRules[{i}].ipAddressOrRange '{v}' is not an IPv4 address or "
                          "CIDR range.")
            ips.append({"ipAddressOrRange": v})
        props["ipRules"] = ips

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        name = new["name"]
        props["documentEndpoint"] = f"https://{name}.documents.azure.com:443/"
        ordered = sorted(props["locations"], key=lambda x: x["failoverPriority"])
        shown = [{"id": f"{name}-{loc['locationName'].replace(' ', '').lower()}", **loc,
                  "documentEndpoint": f"https://{name}-{loc['locationName'].replace(' ', '').lower()}"
                                      ".documents.azure.com:443/", "provisioningState": "Succeeded"}
                 for loc in ordered]
        props["locations"] = shown
        props["readLocations"] = shown
        props["writeLocations"] = shown[:1]
        props["failoverPolicies"] = [{"id": s["id"], "locationName": s["locationName"],
                                      "failoverPriority": s["failoverPriority"]} for s in shown]
        props.pop("privateEndpointConnections", None)
        private = new.setdefault("_aznet", {})
        if "keys" not in private:
            private["keys"] = {k: base64.b64encode(os.urandom(64)).decode() for k in
                               ("primaryMasterKey", "secondaryMasterKey", "primaryReadonlyMasterKey",
                                "secondaryReadonlyMasterKey")}

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        plt.render_connections(ctx, body)


def list_keys(ctx: Ctx, body: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    return 200, dict(((ctx.body(body["id"]) or {}).get("_aznet") or {}).get("keys") or {})


def list_connection_strings(ctx: Ctx, body: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    keys = ((ctx.body(body["id"]) or {}).get("_aznet") or {}).get("keys") or {}
    endpoint = body["properties"]["documentEndpoint"]
    return 200, {"connectionStrings": [
        {"connectionString": f"AccountEndpoint={endpoint};AccountKey={keys.get(k, '')};",
         "description": d} for k, d in (("primaryMasterKey", "Primary SQL Connection String"),
                                        ("secondaryMasterKey", "Secondary SQL Connection String"))]}


plt.declare(ResourceType(TYPE, API_VERSIONS, model="DatabaseAccountCreateUpdateParameters", schema_package="cosmosdb",
                         hooks=DatabaseAccountHooks(), names=NameRule(1, 80, r"^.+$", ""), created_status=200,
                         actions=[Action("listKeys", list_keys),
                                  Action("listConnectionStrings", list_connection_strings)]), GROUPS)
