"""Microsoft.Insights/diagnosticSettings as an extension resource on any resource
(``{resourceId}/providers/Microsoft.Insights/diagnosticSettings/{name}``), and
``diagnosticSettingsCategories`` (the log and metric categories the resource's
type offers).

Rules: the resource exists; at least one destination (storage account, Log
Analytics workspace, event hub or partner solution); a storage account
destination exists and is in the resource's region; each log entry names a
category or a category group (allLogs, audit) the type offers, each metric entry
a metric category (AllMetrics) it offers; at most 5 settings per resource; one
destination of a kind per category across the resource's settings; retention
0-365 days. As in Azure, settings outlive their resource (deleting a resource
leaves them, and they apply again if it is recreated).

``settings_for(ctx_or_store, resource_id)`` gives the stored settings for the
data planes that write diagnostic logs.

Categories come from Azure Monitor's "Supported logs" / "Supported metrics" tables
for each type. Codes are best readings (Azure answers most of these with BadRequest /
Conflict and a message)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.ids import normalize, parse_resource_id
from ...arm.provider_actions import provider_action, require_body
from ...arm.versions import supported

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.Insights/diagnosticSettings"
CATEGORY_TYPE = "Microsoft.Insights/diagnosticSettingsCategories"
STORE_SCOPE = "_aznet:diagnosticsettings"
API_VERSIONS = supported("diagnosticsettings")
MARKER = "/providers/microsoft.insights/diagnosticsettings"
MAX_SETTINGS = 5
METRICS = ("AllMetrics",)
LOGS: dict[str, tuple[str, ...]] = {
    "microsoft.network/networksecuritygroups": ("NetworkSecurityGroupEvent", "NetworkSecurityGroupRuleCounter"),
    "microsoft.network/publicipaddresses": ("DDoSProtectionNotifications", "DDoSMitigationFlowLogs",
                                            "DDoSMitigationReports"),
    "microsoft.network/loadbalancers": ("LoadBalancerHealthEvent",),
    "microsoft.network/applicationgateways": ("ApplicationGatewayAccessLog", "ApplicationGatewayPerformanceLog",
                                              "ApplicationGatewayFirewallLog"),
    "microsoft.network/azurefirewalls": ("AzureFirewallApplicationRule", "AzureFirewallNetworkRule",
                                         "AzureFirewallDnsProxy", "AZFWNetworkRule", "AZFWApplicationRule",
                                         "AZFWNatRule", "AZFWThreatIntel", "AZFWIdpsSignature", "AZFWDnsQuery",
                                         "AZFWFqdnResolveFailure", "AZFWFatFlow", "AZFWFlowTrace",
                                         "AZFWApplicationRuleAggregation", "AZFWNetworkRuleAggregation",
                                         "AZFWNatRuleAggregation"),
    "microsoft.network/bastionhosts": ("BastionAuditLogs",),
    "microsoft.network/frontdoors": ("FrontdoorAccessLog", "FrontdoorWebApplicationFirewallLog"),
    "microsoft.cdn/profiles": ("FrontDoorAccessLog", "FrontDoorHealthProbeLog", "FrontDoorWebApplicationFirewallLog"),
    "microsoft.network/trafficmanagerprofiles": ("ProbeHealthStatusEvents",),
    "microsoft.network/virtualnetworks": ("VMProtectionAlerts",),
    "microsoft.network/virtualnetworkgateways": ("GatewayDiagnosticLog", "TunnelDiagnosticLog",
                                                 "RouteDiagnosticLog", "IKEDiagnosticLog", "P2SDiagnosticLog"),
    "microsoft.network/expressroutecircuits": ("PeeringRouteLog",),
    "microsoft.network/networkmanagers": ("NetworkGroupMembershipChange", "RuleCollectionChange"),
    "microsoft.network/dnsresolverpolicies": ("DnsResponse",),
    "microsoft.keyvault/vaults": ("AuditEvent", "AzurePolicyEvaluationDetails"),
    "microsoft.web/sites": ("AppServiceHTTPLogs", "AppServiceConsoleLogs", "AppServiceAppLogs",
                            "AppServiceAuditLogs", "AppServicePlatformLogs"),
    "microsoft.sql/servers/databases": ("SQLInsights", "AutomaticTuning", "QueryStoreRuntimeStatistics", "Errors",
                                        "DatabaseWaitStatistics", "Timeouts", "Blocks", "Deadlocks"),
    "microsoft.documentdb/databaseaccounts": ("DataPlaneRequests", "QueryRuntimeStatistics",
                                              "PartitionKeyStatistics", "ControlPlaneRequests"),
    "microsoft.containerinstance/containergroups": ("ContainerInstanceLog", "ContainerEvent"),
}
AUDIT = {"microsoft.keyvault/vaults": ("AuditEvent",), "microsoft.network/bastionhosts": ("BastionAuditLogs",),
         "microsoft.web/sites": ("AppServiceAuditLogs",)}
NO_METRICS = {"microsoft.network/networksecuritygroups"}


def resource_type_of(resource_id: str) -> str:
    parsed = parse_resource_id(resource_id)
    return parsed.full_type.lower() if parsed else ""


def categories(rtype: str) -> list[dict[str, Any]]:
    """(name, categoryType, categoryGroups) the type offers."""
    out = [{"name": c, "categoryType": "Logs",
            "categoryGroups": ["allLogs", *(["audit"] if c in AUDIT.get(rtype, ()) else [])]}
           for c in LOGS.get(rtype, ())]
    if rtype not in NO_METRICS:
        out.extend({"name": m, "categoryType": "Metrics", "categoryGroups": []} for m in METRICS)
    return out


def settings_for(ctx_or_store: Any, resource_id: str) -> list[dict[str, Any]]:
    prefix = normalize(resource_id) + MARKER + "/"
    return [r.body for r in ctx_or_store.of_type(TYPE) if r.key.startswith(prefix)]


def bad(message: str, code: str = "BadRequest", status: int = 400) -> ArmError:
    return ArmError(status, code, message)


_RESOURCE = "subscriptions/{sub}/resourcegroups/{rg}/providers/{ns}"
_BASES = [_RESOURCE + "".join(f"/{{t{i}}}/{{n{i}}}" for i in range(depth)) + "/providers/microsoft.insights"
          for depth in (1, 2, 3)]
_SETTINGS = [base + "/diagnosticsettings" for base in _BASES]
_SETTING = [base + "/diagnosticsettings/{name}" for base in _BASES]
_CATEGORIES = [base + "/diagnosticsettingscategories" for base in _BASES]
_CATEGORY = [base + "/diagnosticsettingscategories/{name}" for base in _BASES]


def _resource_and_name(path: str) -> tuple[str, str | None]:
    path = "/" + "/".join(s for s in path.split("?", 1)[0].split("/") if s)
    low = path.lower()
    i = low.rfind("/providers/microsoft.insights/")
    rest = path[i + len("/providers/microsoft.insights/"):].split("/")
    return path[:i], (rest[1] if len(rest) > 1 else None)


def _resource(ctx: Ctx, params: dict[str, str]) -> str:
    rid, _ = _resource_and_name(ctx.path)
    rec = ctx.txn.get(normalize(rid))
    if rec is None:
        parsed = parse_resource_id(rid)
        raise ArmError(404, "ResourceNotFound", f"The Resource '{parsed.full_type if parsed else rid}/"
                       f"{parsed.name if parsed else ''}' under resource group '{params.get('rg')}' was not found.")
    return rec.id


def _entries(value: Any, what: str, allowed: dict[str, str], groups: set[str]) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad(f"properties.{what} must be an array.")
    out = []
    for i, e in enumerate(value):
        if not isinstance(e, dict) or not isinstance(e.get("enabled"), bool):
            raise bad(f"properties.{what}[{i}] needs 'enabled' (true or false).")
        cat, group = e.get("category"), e.get("categoryGroup")
        if (cat is None) == (group is None) and what == "logs":
            raise bad(f"properties.logs[{i}] must name either a category or a categoryGroup.")
        if cat is not None:
            canon = allowed.get(str(cat).lower())
            if canon is None:
                raise bad(f"Category '{cat}' is not supported.")
            e["category"] = canon
        elif group is not None:
            if str(group) not in groups:
                raise bad(f"Category group '{group}' is not supported.")
        ret = e.get("retentionPolicy")
        if ret is not None:
            days = ret.get("days") if isinstance(ret, dict) else None
            if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 365:
                raise bad(f"properties.{what}[{i}].retentionPolicy.days must be 0-365.")
        out.append(e)
    return out


@provider_action(_SETTING, "PUT", api_versions=API_VERSIONS, name="diagnosticSettings", body="optional", writes=True)
def put_setting(ctx: Ctx, body: Any, params: dict[str, str]) -> tuple[int, Any]:
    rid = _resource(ctx, params)
    name = params["name"]
    if not name or len(name) > 260 or any(c in name for c in "<>*%&:\\?/+"):
        raise bad(f"The diagnostic setting name '{name}' is invalid.")
    require_body(body)
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict):
        raise bad("The request must have a 'properties' object.")
    rtype = resource_type_of(rid)
    offered = categories(rtype)
    logs = {c["name"].lower(): c["name"] for c in offered if c["categoryType"] == "Logs"}
    metrics = {c["name"].lower(): c["name"] for c in offered if c["categoryType"] == "Metrics"}
    groups = {g for c in offered for g in c["categoryGroups"]}
    props["logs"] = _entries(props.get("logs"), "logs", logs, groups)
    props["metrics"] = _entries(props.get("metrics"), "metrics", metrics, set())
    sinks = {k: props.get(k) for k in ("storageAccountId", "workspaceId", "eventHubAuthorizationRuleId",
                                       "marketplacePartnerId") if props.get(k)}
    if not sinks:
        raise bad("A diagnostic setting needs at least one destination: a storage account, a Log Analytics "
                  "workspace, an event hub or a partner solution.")
    if "storageAccountId" in sinks:
        srec = ctx.txn.get(normalize(str(sinks["storageAccountId"])))
        if srec is None or srec.type.lower() != "microsoft.storage/storageaccounts":
            raise bad(f"Storage account '{sinks['storageAccountId']}' was not found.")
        res_loc = (ctx.txn.get(normalize(rid)).body.get("location") or "global")  # type: ignore[union-attr]
        if res_loc != "global" and srec.body.get("location") != res_loc:
            raise bad(f"The storage account {srec.id} must be in the resource's region {res_loc}.")
        props["storageAccountId"] = srec.id
    own = normalize(f"{rid}{MARKER}/{name}")
    others = [s for s in settings_for(ctx.txn, rid) if normalize(s["id"]) != own]
    if len(others) >= MAX_SETTINGS:
        raise bad(f"A resource can have at most {MAX_SETTINGS} diagnostic settings.", "BadRequest")
    mine = {e.get("category") or e.get("categoryGroup") for e in props["logs"] + props["metrics"] if e["enabled"]}
    for other in others:
        op = other.get("properties") or {}
        theirs = {e.get("category") or e.get("categoryGroup") for e in (op.get("logs") or []) +
                  (op.get("metrics") or []) if e.get("enabled")}
        for kind, value in sinks.items():
            if op.get(kind) and normalize(str(op[kind])) == normalize(str(value)) and mine & theirs:
                raise bad(f"Data sink '{value}' is already used in diagnostic setting '{other['name']}' for category "
                          f"'{sorted(mine & theirs)[0]}'. Data sinks can't be reused in different settings on the same "
                          "category for the same resource.", "Conflict", 409)
    sid = f"{rid}/providers/{TYPE}/{name}"
    old = ctx.txn.get(own)
    out = {"id": old.id if old else sid, "type": TYPE, "name": name, "properties": props}
    ctx.txn.put(out["id"], TYPE, None, STORE_SCOPE, out)
    return 200, out


@provider_action(_SETTING, "GET", api_versions=API_VERSIONS, name="diagnosticSettings")
def get_setting(ctx: Ctx, body: Any, params: dict[str, str]) -> tuple[int, Any]:
    rid = _resource(ctx, params)
    rec = ctx.txn.get(normalize(f"{rid}{MARKER}/{params['name']}"))
    if rec is None:
        raise ArmError(404, "ResourceNotFound", f"The diagnostic setting '{params['name']}' doesn't exist.")
    return 200, rec.body


@provider_action(_SETTING, "DELETE", api_versions=API_VERSIONS, name="diagnosticSettings", writes=True)
def delete_setting(ctx: Ctx, body: Any, params: dict[str, str]) -> tuple[int, Any]:
    rid = _resource(ctx, params)
    key = normalize(f"{rid}{MARKER}/{params['name']}")
    if ctx.txn.get(key) is None:
        return 204, None
    ctx.txn.delete(key)
    return 200, None


@provider_action(_SETTINGS, "GET", api_versions=API_VERSIONS, name="diagnosticSettings")
def list_settings(ctx: Ctx, body: Any, params: dict[str, str]) -> tuple[int, Any]:
    return 200, {"value": settings_for(ctx.txn, _resource(ctx, params))}


def _category_body(rid: str, c: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"{rid}/providers/{CATEGORY_TYPE}/{c['name']}", "name": c["name"], "type": CATEGORY_TYPE,
            "properties": {"categoryType": c["categoryType"], "categoryGroups": c["categoryGroups"]}}


@provider_action(_CATEGORIES, "GET", api_versions=API_VERSIONS, name="diagnosticSettingsCategories", paged=True)
def list_categories(ctx: Ctx, body: Any, params: dict[str, str]) -> tuple[int, Any]:
    rid = _resource(ctx, params)
    return 200, [_category_body(rid, c) for c in categories(resource_type_of(rid))]


@provider_action(_CATEGORY, "GET", api_versions=API_VERSIONS, name="diagnosticSettingsCategories")
def get_category(ctx: Ctx, body: Any, params: dict[str, str]) -> tuple[int, Any]:
    rid = _resource(ctx, params)
    for c in categories(resource_type_of(rid)):
        if c["name"].lower() == params["name"].lower():
            return 200, _category_body(rid, c)
    raise ArmError(404, "ResourceNotFound", f"The diagnostic settings category '{params['name']}' doesn't exist.")
