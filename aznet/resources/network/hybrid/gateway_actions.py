"""Actions of virtual network gateways. Where the gateway's BGP speakers run (``aznet.dataplane.bgp``),
the BGP answers come from them:

- ``getBgpPeerStatus``: each instance's neighbours with the real session state (Connected /
  Connecting), connected duration, routes received and message counts. A BGP-enabled Vnet2Vnet
  neighbour (no speaker peers with another aznet gateway) is listed as Connecting.
- ``getLearnedRoutes``: the VNet's prefixes and those of peered VNets (origin Network), the static
  prefixes of its connections' local network gateways and Vnet2Vnet peers (origin Network), and every
  route held from a BGP session (origin EBgp, AS path as received, next hop the peer's).
- ``getAdvertisedRoutes?peer=``: what the instance's session announces to that neighbour (the VNet,
  gateway-transit spokes, the other connections' prefixes and the other peers' routes, AS path prepended
  with the gateway's ASN).
- ``reset``; ``supportedvpndevices`` (the device catalogue XML); ``connections`` (GET);
  ``{connection}/vpndeviceconfigurationscript`` (a configuration script for the device named)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from ....arm.errors import ArmError
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Action
from ....jsondata import props_of
from ....netmodel import vpn_nat
from .. import peerings
from . import connections, custom_bgp
from . import virtual_network_gateways as gws

if TYPE_CHECKING:
    from ....arm.context import Ctx

DEVICES = (("Cisco", "ASA", ("8.3", "8.4+")), ("Cisco", "ISR", ("IOS 15.1",)),
           ("Juniper", "SRX", ("JunOS 11.4",)), ("Microsoft", "RRAS", ("Windows Server 2012 R2",)),
           ("Palo Alto Networks", "PAN-OS", ("PAN-OS 7.1",)), ("Fortinet", "FortiGate", ("FortiOS 5.6",)),
           ("Ubiquiti", "EdgeRouter", ("EdgeOS v1.10",)), ("strongSwan", "strongSwan", ("5.x",)))


def _vnet_id(gw: dict[str, Any]) -> str | None:
    for cfg in props_of(gw).get("ipConfigurations") or []:
        sub = (props_of(cfg).get("subnet") or {}).get("id")
        if sub:
            return gws.vnet_of(sub)
    return None


def _space(ctx: Ctx, vnet_id: str | None) -> list[str]:
    body = ctx.body(vnet_id) if vnet_id else None
    return list((props_of(body).get("addressSpace") or {}).get("addressPrefixes") or [])


def _local_address(gw: dict[str, Any]) -> str:
    return (props_of(gw).get("bgpSettings") or {}).get("bgpPeeringAddress", "").split(",")[0] or \
        gws.default_bgp_addresses([], 1)[0]


def _connections(ctx: Ctx, gw_id: str) -> list[dict[str, Any]]:
    own = normalize(gw_id)
    out = []
    for rec in ctx.referrers(gw_id):
        if rec.type.lower() != connections.TYPE.lower():
            continue
        p = props_of(rec.body)
        if normalize((p.get("virtualNetworkGateway1") or {}).get("id") or "") == own:
            out.append(rec.body)
    return out


def connection_nat(ctx: Ctx, gw: dict[str, Any], conn: dict[str, Any]) -> vpn_nat.ConnectionNat:
    """The NAT of one site-to-site connection (its ingress / egress NAT rules; netmodel/vpn_nat.py)."""
    p = props_of(conn)
    rules = {}
    for key in ("ingressNatRules", "egressNatRules"):
        for ref in p.get(key) or []:
            rid = (ref or {}).get("id") if isinstance(ref, dict) else None
            body = ctx.body(rid) if isinstance(rid, str) else None
            if body is not None:
                rules[normalize(rid or "")] = body
    lng = ctx.body((p.get("localNetworkGateway2") or {}).get("id") or "")
    nat = vpn_nat.gateway_nat(normalize(gw["id"]), gw, rules, [(normalize(conn["id"]), conn, lng)])
    return nat.connections[normalize(conn["id"])]


def _remote(ctx: Ctx, conn: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str], str | None, int | None]:
    """(remote body, its prefixes as the VNet sees them (post-NAT), its BGP address, its ASN) of a connection."""
    p = props_of(conn)
    if p.get("connectionType") == "IPsec":
        lng = ctx.body((p.get("localNetworkGateway2") or {}).get("id") or "")
        lp = props_of(lng)
        bgp = lp.get("bgpSettings") or {}
        gw = ctx.body((p.get("virtualNetworkGateway1") or {}).get("id") or "") or {}
        prefixes = connection_nat(ctx, gw, conn).onprem_post_nat() if gw else \
            list((lp.get("localNetworkAddressSpace") or {}).get("addressPrefixes") or [])
        return lng, prefixes, bgp.get("bgpPeeringAddress"), bgp.get("asn")
    if p.get("connectionType") == "Vnet2Vnet":
        other = ctx.body((p.get("virtualNetworkGateway2") or {}).get("id") or "")
        bgp = props_of(other).get("bgpSettings") or {}
        return other, _space(ctx, _vnet_id(other) if other else None), \
            (bgp.get("bgpPeeringAddress") or "").split(",")[0] or None, bgp.get("asn")
    return None, [], None, None


def _peered(ctx: Ctx, vnet_id: str | None, using_gateway: bool) -> list[str]:
    """Prefixes of VNets peered with this one (only the spokes using its gateway when ``using_gateway``)."""
    if not vnet_id:
        return []
    out: list[str] = []
    for rec in ctx.children(vnet_id, peerings.TYPE):
        p = props_of(rec.body)
        remote = (p.get("remoteVirtualNetwork") or {}).get("id")
        if not remote:
            continue
        if using_gateway:
            back = [r for r in ctx.children(remote, peerings.TYPE)
                    if normalize((props_of(r.body).get("remoteVirtualNetwork") or {}).get("id") or "") ==
                    normalize(vnet_id)]
            if not (p.get("allowGatewayTransit") and any(props_of(r.body).get("useRemoteGateways") for r in back)):
                continue
        out.extend(_space(ctx, remote))
    return out


def _bgp_neighbors(ctx: Ctx, gw: dict[str, Any]) -> list[tuple[str, int | None]]:
    return [(addr, asn) for addr, asn, _ in _bgp_peers(ctx, gw)]


def _bgp_peers(ctx: Ctx, gw: dict[str, Any]) -> list[tuple[str, int | None, dict[str, Any]]]:
    """(neighbour address, ASN, connection) of the gateway's BGP-enabled connections."""
    out = []
    for conn in _connections(ctx, gw["id"]):
        if props_of(conn).get("enableBgp"):
            _, _, addr, asn = _remote(ctx, conn)
            if addr:
                out.append((addr, asn, conn))
    return out


def _connecting(local: str, addr: str, asn: int | None) -> dict[str, Any]:
    return {"localAddress": local, "neighbor": addr, "asn": asn, "state": "Connecting",
            "connectedDuration": "00:00:00", "routesReceived": 0, "messagesSent": 0, "messagesReceived": 0}


def _custom_local(ctx: Ctx, gw: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """A live session's row with the local address the connection peers from: its custom (APIPA) BGP address
    for that instance when it names one (gatewayCustomBgpIpAddresses)."""
    cfg = custom_bgp.instance_of_address(gw, str(row.get("localAddress") or ""))
    for addr, _, conn in _bgp_peers(ctx, gw):
        if addr == row.get("neighbor") and cfg is not None:
            chosen = custom_bgp.choices_of(conn).get(cfg)
            if chosen:
                return {**row, "localAddress": chosen}
    return row


def _bgp(ctx: Ctx, gw: dict[str, Any]) -> list[Any]:
    """The gateway's running BGP speakers (one per instance), or none."""
    from ....dataplane.bgp.service import BgpService

    svc = ctx.platform.services.get(BgpService)
    return svc.instances(gw["id"]) if svc is not None else []


def _msee_speakers(ctx: Ctx, gw: dict[str, Any]) -> list[Any]:
    """An ExpressRoute gateway's BGP peers: the MSEE speakers (one per link) of the private peerings of the
    circuits its connections link (the customer router peers with them; the gateway learns through them)."""
    from ....dataplane.bgp.service import BgpService

    svc = ctx.platform.services.get(BgpService)
    if svc is None or props_of(gw).get("gatewayType") != "ExpressRoute":
        return []
    out = []
    for conn in _connections(ctx, gw["id"]):
        circuit = (props_of(conn).get("peer") or {}).get("id") if props_of(conn).get("connectionType") == \
            "ExpressRoute" else None
        if circuit:
            out.extend(svc.instances(f"{circuit}/peerings/AzurePrivatePeering"))
    return out


def _er_peer_status(ctx: Ctx, gw: dict[str, Any], peer: str | None) -> list[dict[str, Any]]:
    """One row per MSEE link (neighbour its address, AS 12076), state from the link's session."""
    from ....dataplane.bgp.speaker import timespan

    rows = []
    local = _local_address(gw)
    now = time.monotonic()
    for sp in _msee_speakers(ctx, gw):
        if peer not in (None, "", sp.azure_address):
            continue
        sess = next(iter(sp.sessions.values()), None)
        n = next(iter(sp.neighbors.values()), None)
        st = sp.stats_for(n.address) if n is not None else None
        up = sess is not None and sess.state == "Connected"
        rows.append({"localAddress": local, "neighbor": sp.azure_address, "asn": sp.asn,
                     "state": "Connected" if up else "Connecting",
                     "connectedDuration": timespan(now - st.established_at) if up and st and st.established_at
                     else "00:00:00",
                     "routesReceived": len(sess.rib) if up and sess is not None else 0,
                     "messagesSent": st.messages_sent if st else 0,
                     "messagesReceived": st.messages_received if st else 0})
    return rows


def bgp_peer_status(ctx: Ctx, gw: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    peer = ctx.arg("peer")
    if props_of(gw).get("gatewayType") == "ExpressRoute":
        return 200, {"value": _er_peer_status(ctx, gw, peer)}
    local = _local_address(gw)
    speakers = _bgp(ctx, gw)
    if speakers:
        live = [_custom_local(ctx, gw, row) for sp in speakers for row in sp.peer_status()
                if peer in (None, "", row["neighbor"])]
        known = {row["neighbor"] for row in live}
        live.extend(_connecting(local, addr, asn)
                    for addr, asn in _bgp_neighbors(ctx, gw) if addr not in known and peer in (None, "", addr))
        return 200, {"value": live}
    # without a running speaker: one row per instance the connection peers from (its custom APIPA address where
    # it names one, else the instance's default BGP address)
    value = [_connecting(mine, addr, asn) for addr, asn, conn in _bgp_peers(ctx, gw) if peer in (None, "", addr)
             for mine in (custom_bgp.local_addresses(gw, conn) or [local])]
    return 200, {"value": value}


def learned_routes(ctx: Ctx, gw: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    local = _local_address(gw)
    vnet = _vnet_id(gw)
    routes = [{"localAddress": local, "network": p, "nextHop": "", "sourcePeer": local, "origin": "Network",
               "asPath": "", "weight": 32768} for p in _space(ctx, vnet) + _peered(ctx, vnet, False)]
    for conn in _connections(ctx, gw["id"]):
        remote, prefixes, _, _ = _remote(ctx, conn)
        hop = props_of(remote).get("gatewayIpAddress") or props_of(remote).get("fqdn") or ""
        if props_of(conn).get("connectionType") == "Vnet2Vnet" and remote is not None:
            hop = (props_of(remote).get("bgpSettings") or {}).get("bgpPeeringAddress", "").split(",")[0]
        routes.extend({"localAddress": local, "network": p, "nextHop": hop, "sourcePeer": local,
                       "origin": "Network", "asPath": "", "weight": 32768} for p in prefixes)
    translate = bool(props_of(gw).get("enableBgpRouteTranslationForNat"))
    ingress = {addr: connection_nat(ctx, gw, conn).ingress for addr, _, conn in _bgp_peers(ctx, gw)
               if translate and props_of(conn).get("connectionType") == "IPsec"}
    for sp in _bgp(ctx, gw):
        for neighbor, prefix, attrs in sp.learned():
            # BGP route translation: a route from a connection with IngressSnat rules is used post-NAT
            for net in vpn_nat.translate_prefix(prefix, ingress.get(neighbor) or []):
                routes.append({"localAddress": sp.azure_address, "network": net, "nextHop": attrs.next_hop,
                               "sourcePeer": neighbor, "origin": "EBgp", "asPath": " ".join(map(str, attrs.as_path)),
                               "weight": 32768})
    for sp in _msee_speakers(ctx, gw):      # ExpressRoute: the customer's routes through each MSEE, 12076 first
        for _neighbor, prefix, attrs in sp.learned():
            routes.append({"localAddress": local, "network": prefix, "nextHop": sp.azure_address,
                           "sourcePeer": sp.azure_address, "origin": "EBgp",
                           "asPath": " ".join(map(str, (sp.asn, *attrs.as_path))), "weight": 32768})
    return 200, {"value": routes}


def advertised_routes(ctx: Ctx, gw: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    peer = ctx.arg("peer")
    if not peer:
        raise ArmError(400, "MissingRequiredParameter", "Required parameter 'peer' is missing (null).")
    neighbors = _bgp_neighbors(ctx, gw)
    if peer not in [a for a, _ in neighbors]:
        raise ArmError(400, "InvalidBgpPeerAddress",
                       f"{peer} is not a BGP neighbour of virtual network gateway {gw['id']}.")
    speakers = [sp for sp in _bgp(ctx, gw) if peer in sp.advertised]
    if speakers:
        rows = [{"localAddress": sp.azure_address, "neighbor": peer, "network": p, "nextHop": hop, "sourcePeer": "",
                 "origin": "Igp", "asPath": " ".join(map(str, ap)), "weight": 0}
                for sp in speakers for p, (ap, hop) in sp.advertised[peer].items()]
        rows = [_custom_local(ctx, gw, r) for r in rows]
        for r in rows:
            del r["neighbor"]
        return 200, {"value": rows}
    local = _local_address(gw)
    asn = str((props_of(gw).get("bgpSettings") or {}).get("asn") or "")
    vnet = _vnet_id(gw)
    nets = _space(ctx, vnet) + _peered(ctx, vnet, True)
    for conn in _connections(ctx, gw["id"]):
        _, prefixes, addr, _ = _remote(ctx, conn)
        if addr != peer:
            nets.extend(prefixes)
            continue
        if props_of(conn).get("enableBgp"):
            local = (custom_bgp.local_addresses(gw, conn) or [local])[0]   # the APIPA address it peers from
        if props_of(gw).get("enableBgpRouteTranslationForNat") and props_of(conn).get("connectionType") == "IPsec":
            # the VNet's space as the site sees it: the EgressSnat rules of this peer's connection
            egress = connection_nat(ctx, gw, conn).egress
            nets = [t for n in nets for t in vpn_nat.translate_prefix(n, egress)]
    seen: set[str] = set()
    value = []
    for n in nets:
        if n not in seen:
            seen.add(n)
            value.append({"localAddress": local, "network": n, "nextHop": local, "sourcePeer": "", "origin": "Igp",
                          "asPath": asn, "weight": 0})
    return 200, {"value": value}


def reset(ctx: Ctx, gw: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    vip = ctx.arg("gatewayVip")
    if vip and vip.lower() not in ("none", "null"):   # az sends gatewayVip=None when --gateway-vip is not given
        ips = [props_of(ctx.body(props_of(c).get("publicIPAddress", {}).get("id", "")) or {}).get("ipAddress")
               for c in props_of(gw).get("ipConfigurations") or []]
        if vip not in ips:
            raise ArmError(400, "InvalidGatewayVip", f"{vip} is not a public IP address of gateway {gw['id']}.")
    return 200, gw


def supported_devices(ctx: Ctx, gw: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    rows = "".join(f'<Vendor name="{escape(v)}"><DeviceFamily name="{escape(f)}">'
                   + "".join(f'<FirmwareVersion name="{escape(x)}" />' for x in fw) + "</DeviceFamily></Vendor>"
                   for v, f, fw in DEVICES)
    return 200, f"<Vendors>{rows}</Vendors>"


def list_connections(ctx: Ctx, gw: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    out = []
    for c in _connections(ctx, gw["id"]):
        rendered = ctx.rendered(c["id"]) or c
        p = props_of(rendered)
        out.append({"id": c["id"], "name": c.get("name"), "type": "Microsoft.Network/connections",
                    "location": c.get("location"), "etag": c.get("etag"),
                    "properties": {k: p.get(k) for k in ("connectionType", "connectionStatus", "connectionProtocol",
                                                         "enableBgp", "routingWeight", "provisioningState",
                                                         "ingressBytesTransferred", "egressBytesTransferred",
                                                         "virtualNetworkGateway1", "virtualNetworkGateway2",
                                                         "localNetworkGateway2", "resourceGuid") if k in p}})
    return 200, {"value": out}


def device_script(ctx: Ctx, conn: dict[str, Any], payload: Any) -> tuple[int, Any]:
    if not isinstance(payload, dict):
        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
    vendor, family, fw = (next((v for k, v in payload.items() if k.lower() == n.lower()), None)
                          for n in ("vendor", "deviceFamily", "firmwareVersion"))
    known = [(v, f, x) for v, f, fws in DEVICES for x in fws]
    if not any(str(vendor).lower() == v.lower() and str(family).lower() == f.lower() and str(fw).lower() == x.lower()
               for v, f, x in known):
        raise ArmError(400, "InvalidVpnDeviceParameters",
                       f"No configuration script for vendor {vendor!r}, device family {family!r}, firmware {fw!r}; "
                       "see supportedvpndevices.")
    p = props_of(conn)
    if p.get("connectionType") != "IPsec":
        raise ArmError(400, "VpnDeviceScriptRequiresSiteToSiteConnection",
                       f"Connection {conn['id']} is not a site-to-site (IPsec) connection.")
    gw = ctx.body((p.get("virtualNetworkGateway1") or {}).get("id") or "") or {}
    lng = ctx.body((p.get("localNetworkGateway2") or {}).get("id") or "") or {}
    vnet = _vnet_id(gw)
    pip_ids = [(props_of(c).get("publicIPAddress") or {}).get("id") for c in props_of(gw).get("ipConfigurations") or []]
    azure_ips = [props_of(ctx.body(i) if i else None).get("ipAddress") for i in pip_ids]
    policy = (p.get("ipsecPolicies") or [{}])[0]
    lines = [f"! Azure VPN gateway configuration for {vendor} {family} ({fw})",
             f"! Connection: {conn['name']} ({p.get('connectionProtocol', 'IKEv2')})",
             f"! Azure gateway public IP(s): {', '.join(str(a) for a in azure_ips if a)}",
             f"! On-premises device public IP: {props_of(lng).get('gatewayIpAddress') or props_of(lng).get('fqdn')}",
             f"! Azure virtual network prefixes: {', '.join(_space(ctx, vnet))}",
             "! On-premises prefixes: " + ", ".join((props_of(lng).get("localNetworkAddressSpace") or {})
                                                     .get("addressPrefixes") or []),
             f"! Pre-shared key: {p.get('sharedKey', '')}",
             f"! IKE: {policy.get('ikeEncryption', 'AES256')}/{policy.get('ikeIntegrity', 'SHA256')}/"
             f"{policy.get('dhGroup', 'DHGroup2')}; IPsec: {policy.get('ipsecEncryption', 'AES256')}/"
             f"{policy.get('ipsecIntegrity', 'SHA256')}/PFS {policy.get('pfsGroup', 'None')}; "
             f"SA lifetime {policy.get('saLifeTimeSeconds', 27000)} s"]
    if p.get("enableBgp"):
        lines.append(f"! BGP: Azure ASN {(props_of(gw).get('bgpSettings') or {}).get('asn')} at "
                     f"{_local_address(gw)}")
    return 200, "\n".join(lines) + "\n"


REGISTRY.add_actions(gws.TYPE, [
    Action("getBgpPeerStatus", bgp_peer_status, long_running=True),
    Action("getLearnedRoutes", learned_routes, long_running=True),
    Action("getAdvertisedRoutes", advertised_routes, long_running=True),
    Action("reset", reset, long_running=True),
    Action("supportedvpndevices", supported_devices),
    Action("connections", list_connections, method="GET"),
])
REGISTRY.add_actions(connections.TYPE, [Action("vpndeviceconfigurationscript", device_script)])
