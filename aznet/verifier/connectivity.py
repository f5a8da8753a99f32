"""``networkWatchers/{nw}/connectivityCheck`` from the model: the path trace
turned into Azure's ConnectivityInformation (hops, issues, status).

Nothing is sent anywhere: hops come from the model, and the latency figures
are fixed model values (1 ms per hop), not measurements. ``connectionStatus``
is "Reachable" / "Unreachable", the values Azure's service returns (the spec's
enum also lists Connected / Disconnected)."""

from __future__ import annotations

import uuid
from typing import Any

from ..netmodel import IpConfig, NetworkModel
from ..netmodel.addr import format_ip, try_ip
from . import params
from .errors import error, not_found
from .security import Packet
from .trace import ACCEPTED, DENIED_IN, DENIED_OUT, EXITS_NETWORK, NULL_ROUTED, Trace, trace

PROBES = 10
HOP_TYPES = {"Source": "Source", "VirtualAppliance": "VirtualAppliance", "Destination": "VirtualMachine",
             "Internet": "Internet", "AzureService": "Internet", "VirtualNetworkGateway": "VnetGateway",
             "AzureFirewall": "VirtualAppliance"}


def _hop_id(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(str(p) for p in parts)))


def _resolve_destination(model: NetworkModel, dest: dict[str, Any]) -> tuple[int | None, str]:
    rid = params.field(dest, "resourceId", required=False)
    if rid:
        _, nics = params.target_nics(model, str(rid))
        cfg = nics[0].primary_ipconfig
        if cfg is None or cfg.ip is None:
            raise error("bad_reference", f"Destination '{rid}' has no private IP address.", "destination")
        return cfg.ip, cfg.ip_text or ""
    addr = params.field(dest, "address", required=False)
    if not addr:
        raise error("bad_format", "Either destination.resourceId or destination.address must be specified.",
                    "destination")
    x = try_ip(str(addr))
    if x is not None:
        return x, str(addr)
    # a host name: an FQDN of a public IP in the model, else unresolvable
    pip = model.public_ip_named(str(addr))
    if pip is not None and pip.ip is not None:
        return pip.ip, str(addr)
    return None, str(addr)


def _issue(t: Trace) -> tuple[int, dict[str, Any]] | None:
    """(index of the hop the issue belongs to, ConnectivityIssue)."""
    last = len(t.hops) - 1
    if t.disposition in (DENIED_OUT, DENIED_IN) and t.deciding_rule:
        rule = t.deciding_rule.split(": ", 1)[-1]
        if "/azurefirewalls/" not in (t.deciding_resource or "").lower():   # an NSG: securityRules/NAME -> NAME
            rule = rule.split("/", 1)[-1]
        origin = "Outbound" if t.disposition == DENIED_OUT else "Inbound"
        idx = 0 if t.disposition == DENIED_OUT and len(t.hops) == 1 else last
        return idx, {"origin": origin, "severity": "Error", "type": "NetworkSecurityRule",
                     "context": [{"key": "RuleName", "value": rule}]}
    if t.disposition == NULL_ROUTED:
        ctx = [{"key": "RouteType", "value": t.route.source if t.route else "System"}]
        if t.deciding_rule:
            ctx.append({"key": "RouteName", "value": t.deciding_rule})
        return last, {"origin": "Outbound", "severity": "Error",
                      "type": "UserDefinedRoute" if t.route and t.route.source == "User" else "Platform",
                      "context": ctx}
    if t.disposition not in (ACCEPTED, EXITS_NETWORK):
        return last, {"origin": "Local" if last == 0 else "Outbound", "severity": "Error", "type": "Platform",
                      "context": [{"key": "Reason", "value": t.reason}]}
    return None


def connectivity_check(model: NetworkModel, body: dict[str, Any]) -> dict[str, Any]:
    """ConnectivityParameters -> ConnectivityInformation."""
    source = params.field(body, "source")
    dest = params.field(body, "destination")
    if not isinstance(source, dict) or not isinstance(dest, dict):
        raise error("bad_format", "source and destination must be objects.", "source")
    src_id = params.resource_id(source, "resourceId")
    assert src_id is not None
    proto = params.enum(body, "protocol", ["Tcp", "Http", "Https", "Icmp"], required=False) or "Tcp"
    _, nics = params.target_nics(model, src_id)
    cfg: IpConfig | None = nics[0].primary_ipconfig
    if cfg is None or cfg.ip is None:
        raise not_found(src_id)
    dport = params.port(dest, "port", required=False)
    if dport is None:
        dport = {"Http": 80, "Https": 443}.get(proto)
    sport = params.port(source, "port", required=False) or 49152
    dst_ip, shown = _resolve_destination(model, dest)
    src_hop_id = _hop_id(cfg.key, "source")
    src_hop = {"type": "Source", "id": src_hop_id, "address": cfg.ip_text, "resourceId": cfg.id,
               "nextHopIds": [], "issues": []}
    if dst_ip is None:
        src_hop["issues"] = [{"origin": "Local", "severity": "Error", "type": "DnsResolution",
                              "context": [{"key": "FQDN", "value": shown}]}]
        return _result([src_hop], False)
    wire_proto = "Icmp" if proto == "Icmp" else "Tcp"
    t = trace(model, cfg, Packet(wire_proto, cfg.ip, sport, dst_ip, None if proto == "Icmp" else dport))
    hops: list[dict[str, Any]] = []
    for i, h in enumerate(t.hops):
        hid = src_hop_id if i == 0 else _hop_id(cfg.key, format_ip(dst_ip), i, h.resource_id or h.kind)
        hops.append({"type": HOP_TYPES.get(h.kind, h.kind), "id": hid,
                     "address": h.address or (format_ip(dst_ip) if i == len(t.hops) - 1 else None),
                     "resourceId": h.resource_id or "Internet", "nextHopIds": [], "issues": []})
    for a, b in zip(hops, hops[1:], strict=False):
        a["nextHopIds"] = [b["id"]]
    issue = _issue(t)
    if issue is not None:
        hops[issue[0]]["issues"].append(issue[1])
    # leaving Azure's network towards the destination (Internet, gateway, service) counts as reachable:
    # the model cannot know whether the far end answers
    reachable = t.disposition in (ACCEPTED, EXITS_NETWORK)
    return _result(hops, reachable)


def _result(hops: list[dict[str, Any]], reachable: bool) -> dict[str, Any]:
    n = max(len(hops) - 1, 1)
    return {"hops": hops, "connectionStatus": "Reachable" if reachable else "Unreachable",
            "avgLatencyInMs": n if reachable else 0, "minLatencyInMs": n if reachable else 0,
            "maxLatencyInMs": n + 1 if reachable else 0, "probesSent": PROBES,
            "probesFailed": 0 if reachable else PROBES}
