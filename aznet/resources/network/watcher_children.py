"""Network Watcher's child resources: flowLogs, connectionMonitors (v2 shape)
and packetCaptures, stored as configuration with Azure's rules and states
(nothing captures or probes yet).

Flow logs: the target is a virtual network, subnet or NIC (VNet flow logs) — an
NSG target is a retired NSG flow log, refused unless AZNET_ALLOW_RETIRED=1 — in
the watcher's region; ``storageId`` names a storage account in that region; one
flow log per target; retention 0-365 days; format JSON version 1 or 2 (0 means the default, 2); traffic
analytics interval 10 or 60 minutes.
Connection monitors: endpoints (unique names; a resource id or an address by
type), test configurations (protocol Tcp / Http / Icmp; Tcp needs a port;
frequency 30-1800 s), test groups naming existing endpoints and test
configurations; the classic (v1) shape with source/destination is retired;
``start`` / ``stop`` set ``monitoringStatus``.
Packet captures: a VM or scale set target that exists, a storage account or a
local file path, limits (time 0-18000 s), filters; ``queryStatus`` reports
Running until ``stop`` or the time limit (then Stopped with Manual /
TimeExceeded); a capture cannot be updated.

Codes are best readings (Network Watcher's errors are not documented), except
the InvalidResourceReference / LocationMismatch shapes shared with NRP."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.ids import normalize, parse_resource_id
from ...arm.registry import REGISTRY, Action, Hooks, NameRule, ResourceType
from ..member_actions import set_member
from ..retirements import NSG_FLOW_LOGS, refuse_new
from .ref_checks import boolean, integer, location_of, since

if TYPE_CHECKING:
    from ...arm.context import Ctx

WATCHER = "Microsoft.Network/networkWatchers"
FLOW_LOG = f"{WATCHER}/flowLogs"
MONITOR = f"{WATCHER}/connectionMonitors"
CAPTURE = f"{WATCHER}/packetCaptures"
STORAGE = "microsoft.storage/storageaccounts"
FLOW_TARGETS = {"microsoft.network/networksecuritygroups", "microsoft.network/virtualnetworks",
                "microsoft.network/virtualnetworks/subnets", "microsoft.network/networkinterfaces"}
ENDPOINT_TYPES = ("AzureVM", "AzureVNet", "AzureSubnet", "ExternalAddress", "MMAWorkspaceMachine",
                  "MMAWorkspaceNetwork", "AzureArcVM", "AzureVMSS", "AzureArcNetwork")


def bad(code: str, message: str, status: int = 400) -> ArmError:
    return ArmError(status, code, message)


def watcher_location(ctx: Ctx, child_id: str) -> str | None:
    return (ctx.body(child_id.rsplit("/", 2)[0]) or {}).get("location")


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _existing(ctx: Ctx, rid: Any, what: str, owner: str, types: set[str] | None = None) -> Any:
    parsed = parse_resource_id(rid) if isinstance(rid, str) else None
    rec = ctx.record(rid) if parsed else None
    if rec is None or (types is not None and rec.type.lower() not in types):
        raise bad("InvalidResourceReference" if rec is None else "InvalidTargetResourceType",
                  f"{what} {rid} of {owner} was not found or is not of a supported type.")
    return rec


# -- flow logs -----------------------------------------------------------------------------------------

class FlowLogHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        where = watcher_location(ctx, new["id"])
        if new.get("location") and where and new["location"] != where:
            raise bad("FlowLogLocationMismatch", f"Flow log {new['name']} must be in the network watcher's region "
                      f"{where}.")
        if where:
            new["location"] = where
        target = _existing(ctx, props.get("targetResourceId"), "Target resource", new["id"], FLOW_TARGETS)
        if target.type.lower() == "microsoft.network/networksecuritygroups":
            refuse_new(ctx, NSG_FLOW_LOGS, new, old)
        if where and location_of(ctx, target.id) != where:
            raise bad("FlowLogTargetInDifferentRegion", f"Target {target.id} of flow log {new['name']} must be in the "
                      f"network watcher's region {where}.")
        if old is not None and normalize(str(old["properties"].get("targetResourceId"))) != normalize(target.id):
            raise bad("FlowLogTargetCannotBeChanged", f"The target of flow log {new['name']} cannot be changed.")
        for rec in ctx.of_type(FLOW_LOG):
            if rec.key != normalize(new["id"]) and \
                    normalize(str((rec.body.get("properties") or {}).get("targetResourceId"))) == target.key:
                raise bad("FlowLogAlreadyExistsForTarget", f"Target {target.id} already has flow log {rec.id}.")
        props["targetResourceId"] = target.id
        props["targetResourceGuid"] = (target.body.get("properties") or {}).get("resourceGuid", "")
        storage = _existing(ctx, props.get("storageId"), "Storage account", new["id"], {STORAGE})
        if where and storage.body.get("location") != where:
            raise bad("StorageAccountInDifferentRegion", f"Storage account {storage.id} of flow log {new['name']} "
                      f"must be in {where}, the region of the flow log's target.")
        props["storageId"] = storage.id
        props["enabled"] = boolean(props.get("enabled"), "properties.enabled", True)
        ret = props.get("retentionPolicy") or {}
        days = integer(ret.get("days"), "properties.retentionPolicy.days", 0)
        if days is None or not 0 <= days <= 365:
            raise bad("InvalidRetentionPolicyDays", f"Retention of flow log {new['name']} must be 0-365 days.")
        props["retentionPolicy"] = {"days": days, "enabled": boolean(ret.get("enabled"),
                                                                     "properties.retentionPolicy.enabled", False)}
        fmt = props.get("format") or {}
        version = integer(fmt.get("version"), "properties.format.version", 2)
        if str(fmt.get("type", "JSON")).upper() != "JSON" or version not in (0, 1, 2):
            raise bad("InvalidFlowLogFormat", "Flow log format must be JSON, version 1 or 2 (0: the default, 2).")
        version = version or 2
        props["format"] = {"type": "JSON", "version": version}
        fa = ((props.get("flowAnalyticsConfiguration") or {}).get("networkWatcherFlowAnalyticsConfiguration")) or {}
        if fa:
            interval = integer(fa.get("trafficAnalyticsInterval"), "trafficAnalyticsInterval", 60)
            if interval not in (10, 60):
                raise bad("InvalidTrafficAnalyticsInterval", "Traffic analytics interval must be 10 or 60 minutes.")
            fa["trafficAnalyticsInterval"] = interval
            if fa.get("enabled") and not fa.get("workspaceResourceId"):
                raise bad("InvalidWorkspaceResourceId", "Traffic analytics needs workspaceResourceId.")


# -- connection monitors ---------------------------------------------------------------------------------

def _named(items: Any, what: str) -> dict[str, dict[str, Any]]:
    if not isinstance(items, list):
        raise bad("InvalidConnectionMonitor", f"{what} must be an array.")
    out: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(items):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name:
            raise bad("InvalidConnectionMonitor", f"{what}[{i}] needs a name.")
        if name.lower() in out:
            raise bad("DuplicateConnectionMonitorEntityName", f"The {what} name '{name}' is used more than once.")
        out[name.lower()] = item
    return out


class ConnectionMonitorHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        where = watcher_location(ctx, new["id"])
        new["location"] = (new.get("location") or where or "").replace(" ", "").lower()
        if where and new["location"] != where:
            raise bad("ConnectionMonitorLocationMismatch", f"Connection monitor {new['name']} must be in the network "
                      f"watcher's region {where}.")
        if props.get("source") is not None or props.get("destination") is not None:
            if not props.get("endpoints"):
                from ..retirements import CLASSIC_CONNECTION_MONITOR
                refuse_new(ctx, CLASSIC_CONNECTION_MONITOR, new, old)
                return
        endpoints = _named(props.get("endpoints"), "endpoints")
        tests = _named(props.get("testConfigurations"), "testConfigurations")
        groups = _named(props.get("testGroups"), "testGroups")
        if not endpoints or not tests or not groups:
            raise bad("InvalidConnectionMonitor", "A connection monitor needs endpoints, testConfigurations and "
                      "testGroups.")
        for ep in endpoints.values():
            etype = ep.get("type")
            if etype is not None and etype not in ENDPOINT_TYPES:
                raise bad("InvalidConnectionMonitorEndpointType", f"Endpoint {ep['name']} has type {etype}: use one of "
                          f"{', '.join(ENDPOINT_TYPES)}.")
            if not ep.get("resourceId") and not ep.get("address"):
                raise bad("InvalidConnectionMonitorEndpoint", f"Endpoint {ep['name']} needs a resourceId or an "
                          "address.")
            if ep.get("resourceId"):
                _existing(ctx, ep["resourceId"], "Endpoint resource", new["id"])
            if etype == "ExternalAddress" and not ep.get("address"):
                raise bad("InvalidConnectionMonitorEndpoint", f"External endpoint {ep['name']} needs an address.")
        for tc in tests.values():
            proto = tc.get("protocol")
            if proto not in ("Tcp", "Http", "Icmp"):
                raise bad("InvalidConnectionMonitorTestConfiguration",
                          f"Test configuration {tc['name']} has protocol {proto}: use Tcp, Http or Icmp.")
            freq = integer(tc.get("testFrequencySec"), "testFrequencySec", 60)
            if freq is None or not 30 <= freq <= 1800:
                raise bad("InvalidConnectionMonitorTestConfiguration",
                          f"Test configuration {tc['name']}: testFrequencySec must be 30-1800.")
            tc["testFrequencySec"] = freq
            if proto == "Tcp":
                port = integer((tc.get("tcpConfiguration") or {}).get("port"), "tcpConfiguration.port")
                if port is None or not 1 <= port <= 65535:
                    raise bad("InvalidConnectionMonitorTestConfiguration",
                              f"Test configuration {tc['name']} needs tcpConfiguration.port between 1 and 65535.")
        for g in groups.values():
            for key, pool in (("sources", endpoints), ("destinations", endpoints), ("testConfigurations", tests)):
                names = g.get(key)
                if not isinstance(names, list) or not names:
                    raise bad("InvalidConnectionMonitorTestGroup", f"Test group {g['name']} needs {key}.")
                for n in names:
                    if not isinstance(n, str) or n.lower() not in pool:
                        raise bad("InvalidConnectionMonitorTestGroup",
                                  f"Test group {g['name']} names {key[:-1]} '{n}', which the monitor does not define.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        oldp = (old or {}).get("properties") or {}
        props["connectionMonitorType"] = "MultiEndpoint"
        props["startTime"] = oldp.get("startTime") or now_iso()
        auto = props.get("autoStart", True)
        props["monitoringStatus"] = oldp.get("monitoringStatus") or ("Running" if auto is not False else "NotStarted")


# -- packet captures ---------------------------------------------------------------------------------------

class PacketCaptureHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        if old is not None:
            raise bad("PacketCaptureUpdateNotSupported", f"Packet capture {new['name']} exists; delete it and create "
                      "a new one to change it.", 409)
        props = new["properties"]
        target_type = props.get("targetType", "AzureVM")
        if target_type not in ("AzureVM", "AzureVMSS"):
            raise bad("InvalidPacketCaptureTargetType", "targetType must be AzureVM or AzureVMSS.")
        want = {"AzureVM": {"microsoft.compute/virtualmachines"},
                "AzureVMSS": {"microsoft.compute/virtualmachinescalesets"}}[target_type]
        target = _existing(ctx, props.get("target"), "Target", new["id"], want)
        props["target"], props["targetType"] = target.id, target_type
        loc = props.get("storageLocation")
        if not isinstance(loc, dict) or not (loc.get("storageId") or loc.get("filePath")):
            raise bad("InvalidPacketCaptureStorageLocation", "storageLocation needs a storageId or a filePath.")
        if loc.get("storageId"):
            storage = _existing(ctx, loc["storageId"], "Storage account", new["id"], {STORAGE})
            loc["storageId"] = storage.id
            loc["storagePath"] = (f"https://{storage.body['name']}.blob.core.windows.net/network-watcher-logs/"
                                  f"{target.id.strip('/').lower()}/packetcapture_{new['name']}.cap")
        for key, default, hi in (("bytesToCapturePerPacket", 0, 4294967295),
                                 ("totalBytesPerSession", 1073741824, 4294967295),
                                 ("timeLimitInSeconds", 18000, 18000)):
            value = integer(props.get(key), f"properties.{key}", default)
            if value is None or not 0 <= value <= hi:
                raise bad("InvalidPacketCaptureParameter", f"properties.{key} must be between 0 and {hi}.")
            props[key] = value
        for i, f in enumerate(props.get("filters") or []):
            proto = (f or {}).get("protocol", "Any")
            if proto not in ("TCP", "UDP", "Any"):
                raise bad("InvalidPacketCaptureFilter", f"filters[{i}].protocol must be TCP, UDP or Any.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new.setdefault("_aznet", {})["started"] = time.time()


def _capture_status(body: dict[str, Any]) -> dict[str, Any]:
    private = body.get("_aznet") or {}
    props = body.get("properties") or {}
    started = private.get("started") or time.time()
    stop = private.get("stopReason")
    limit = props.get("timeLimitInSeconds") or 0
    if stop is None and limit and time.time() - started >= limit:
        stop = "TimeExceeded"
    return {"name": body["name"], "id": body["id"],
            "captureStartTime": datetime.fromtimestamp(started, UTC).isoformat().replace("+00:00", "Z"),
            "packetCaptureStatus": "Stopped" if stop else "Running",
            **({"stopReason": stop} if stop else {}), "packetCaptureError": []}


def query_status(ctx: Ctx, body: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    return 200, _capture_status(ctx.body(body["id"]) or body)


def stop_capture(ctx: Ctx, body: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    rec = ctx.record(body["id"])
    assert rec is not None
    stored = dict(rec.body)
    private = dict(stored.get("_aznet") or {})
    if not _capture_status(stored).get("stopReason"):
        private["stopReason"] = "Manual"
    stored["_aznet"] = private
    ctx.write_raw(rec.id, stored)
    return 200, None


REGISTRY.add(ResourceType(FLOW_LOG, since("2019-11-01"), model="FlowLog", hooks=FlowLogHooks(), location="optional",
                          names=NameRule(1, 80)))
REGISTRY.add(ResourceType(MONITOR, since("2017-10-01"), model="ConnectionMonitor", hooks=ConnectionMonitorHooks(),
                          location="optional", names=NameRule(1, 80),
                          actions=[Action("start", set_member("properties", "monitoringStatus", "Running"), long_running=True),
                                   Action("stop", set_member("properties", "monitoringStatus", "Stopped"), long_running=True)]))
REGISTRY.add(ResourceType(CAPTURE, since("2016-09-01"), model="PacketCapture", hooks=PacketCaptureHooks(), location="none",
                          names=NameRule(1, 80),
                          actions=[Action("queryStatus", query_status, long_running=True),
                                   Action("stop", stop_capture, long_running=True)]))
