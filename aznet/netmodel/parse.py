"""ARM resource bodies (Azure's wire names) -> model values. Tolerant: a field
that is missing or malformed is skipped, never fatal; the model records why."""

from __future__ import annotations

from typing import Any

from .addr import AddressError, parse_prefix, try_ip
from .objects import (
    Gateway,
    IpConfig,
    Nic,
    Peering,
    Prefix,
    Route,
    RouteTableDef,
    ServiceEndpoint,
    Subnet,
    Vm,
    VNet,
    key_of,
    name_of,
)
from .service_tags import lookup


def props(body: dict[str, Any] | None) -> dict[str, Any]:
    p = (body or {}).get("properties")
    return p if isinstance(p, dict) else {}


def ref(obj: Any) -> str | None:
    if isinstance(obj, dict) and isinstance(obj.get("id"), str) and obj["id"]:
        return obj["id"]
    return None


def ref_key(obj: Any) -> str | None:
    r = ref(obj)
    return key_of(r) if r else None


def prefixes(texts: list[Any]) -> list[Prefix]:
    out = []
    for t in texts:
        if not isinstance(t, str):
            continue
        try:
            lo, hi, plen = parse_prefix(t)
        except AddressError:
            continue
        out.append(Prefix(t, lo, hi, plen))
    return out


def _bool(v: Any, default: bool = False) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        return v.lower() == "true"
    return default


def child_id(parent_id: str, segment: str, raw: dict[str, Any]) -> str:
    rid = raw.get("id")
    if isinstance(rid, str) and rid:
        return rid
    return f"{parent_id}/{segment}/{raw.get('name')}"


def parse_subnet(raw: dict[str, Any], vnet_id: str) -> Subnet:
    p = props(raw)
    sid = child_id(vnet_id, "subnets", raw)
    texts = list(p.get("addressPrefixes") or [])
    if not texts and p.get("addressPrefix"):
        texts = [p["addressPrefix"]]
    eps = []
    for se in p.get("serviceEndpoints") or []:
        if isinstance(se, dict) and isinstance(se.get("service"), str):
            locs = [str(x).replace(" ", "").lower() for x in se.get("locations") or []]
            eps.append(ServiceEndpoint(se["service"], locs))
    return Subnet(key_of(sid), sid, str(raw.get("name") or name_of(sid)), key_of(vnet_id), prefixes(texts),
                  ref_key(p.get("networkSecurityGroup")), ref_key(p.get("routeTable")), eps,
                  ref_key(p.get("natGateway")),
                  p["defaultOutboundAccess"] if isinstance(p.get("defaultOutboundAccess"), bool) else None)


def parse_peering(raw: dict[str, Any], vnet_id: str) -> Peering:
    p = props(raw)
    pid = child_id(vnet_id, "virtualNetworkPeerings", raw)
    remote = ref(p.get("remoteVirtualNetwork"))
    space = p.get("remoteAddressSpace") or p.get("remoteVirtualNetworkAddressSpace") or {}
    return Peering(key_of(pid), pid, str(raw.get("name") or name_of(pid)), key_of(vnet_id),
                   key_of(remote) if remote else None, remote, str(p.get("peeringState") or ""),
                   _bool(p.get("allowVirtualNetworkAccess"), True), _bool(p.get("allowForwardedTraffic")),
                   _bool(p.get("allowGatewayTransit")), _bool(p.get("useRemoteGateways")),
                   [x for x in (space.get("addressPrefixes") or []) if isinstance(x, str)])


def parse_vnet(body: dict[str, Any], subnets: list[dict[str, Any]], peerings: list[dict[str, Any]]
               ) -> tuple[VNet, list[Subnet]]:
    p = props(body)
    vid = body["id"]
    space = (p.get("addressSpace") or {}).get("addressPrefixes") or []
    subs = [parse_subnet(s, vid) for s in subnets if isinstance(s, dict)]
    peers = [parse_peering(x, vid) for x in peerings if isinstance(x, dict)]
    loc = body.get("location")
    vnet = VNet(key_of(vid), vid, str(body.get("name") or name_of(vid)), loc if isinstance(loc, str) else None,
                prefixes(space), [s.key for s in subs], peers)
    return vnet, subs


def parse_nic(body: dict[str, Any]) -> Nic:
    p = props(body)
    nid = body["id"]
    nkey = key_of(nid)
    configs: list[IpConfig] = []
    raw_cfgs = [c for c in p.get("ipConfigurations") or [] if isinstance(c, dict)]
    for i, c in enumerate(raw_cfgs):
        cp = props(c)
        cid = child_id(nid, "ipConfigurations", c)
        ip_text = cp.get("privateIPAddress")
        ip = try_ip(ip_text)
        primary = _bool(cp.get("primary"), i == 0) if len(raw_cfgs) > 1 else True
        configs.append(IpConfig(
            key_of(cid), cid, str(c.get("name") or name_of(cid)), nkey, ip, ip_text if ip is not None else None,
            ref_key(cp.get("subnet")),
            frozenset(k for k in (ref_key(a) for a in cp.get("applicationSecurityGroups") or []) if k),
            ref_key(cp.get("publicIPAddress")),
            tuple(k for k in (ref_key(a) for a in cp.get("loadBalancerBackendAddressPools") or []) if k),
            primary))
    loc = body.get("location")
    return Nic(nkey, nid, str(body.get("name") or name_of(nid)), loc if isinstance(loc, str) else None,
               ref_key(p.get("virtualMachine")), ref_key(p.get("networkSecurityGroup")),
               _bool(p.get("enableIPForwarding")), configs)


def parse_vm(body: dict[str, Any]) -> Vm:
    p = props(body)
    vid = body["id"]
    nics: list[str] = []
    primary: str | None = None
    refs = [n for n in ((p.get("networkProfile") or {}).get("networkInterfaces") or []) if isinstance(n, dict)]
    for n in refs:
        k = ref_key(n)
        if not k:
            continue
        nics.append(k)
        np_ = n.get("properties") or {}
        if primary is None and (_bool(np_.get("primary")) or _bool(n.get("primary"))):
            primary = k
    if primary is None and nics:
        primary = nics[0]
    loc = body.get("location")
    return Vm(key_of(vid), vid, str(body.get("name") or name_of(vid)), loc if isinstance(loc, str) else None,
              nics, primary)


def parse_route(raw: dict[str, Any], rt_id: str) -> Route | None:
    p = props(raw)
    rid = child_id(rt_id, "routes", raw)
    text = p.get("addressPrefix")
    if not isinstance(text, str):
        return None
    tag: str | None = None
    pfx = prefixes([text])
    if not pfx:
        hit = lookup(text)
        if hit is None:
            return None
        tag = hit[0]
        pfx = prefixes(list(hit[1]))
    hop = str(p.get("nextHopType") or "None")
    hops = {"virtualnetworkgateway": "VirtualNetworkGateway", "vnetlocal": "VnetLocal", "internet": "Internet",
            "virtualappliance": "VirtualAppliance", "none": "None"}
    return Route(str(raw.get("name") or name_of(rid)), rid, text, pfx, tag, hops.get(hop.lower(), hop),
                 p.get("nextHopIpAddress") if isinstance(p.get("nextHopIpAddress"), str) else None)


def parse_route_table(body: dict[str, Any], routes: list[dict[str, Any]]) -> RouteTableDef:
    p = props(body)
    rid = body["id"]
    parsed = [r for r in (parse_route(x, rid) for x in routes if isinstance(x, dict)) if r is not None]
    return RouteTableDef(key_of(rid), rid, str(body.get("name") or name_of(rid)), parsed,
                         _bool(p.get("disableBgpRoutePropagation")))


def parse_gateway(body: dict[str, Any], public_ips: dict[str, dict[str, Any]]) -> Gateway:
    p = props(body)
    gid = body["id"]
    vnet_key: str | None = None
    ips: list[str] = []
    for c in p.get("ipConfigurations") or []:
        cp = props(c) if isinstance(c, dict) else {}
        sid = ref(cp.get("subnet"))
        if sid and vnet_key is None and "/subnets/" in sid.lower():
            vnet_key = key_of(sid[: sid.lower().rfind("/subnets/")])
        if isinstance(cp.get("privateIPAddress"), str):
            ips.append(cp["privateIPAddress"])
        else:
            pip = public_ips.get(ref_key(cp.get("publicIPAddress")) or "")
            addr = props(pip).get("ipAddress") if pip else None
            if isinstance(addr, str):
                ips.append(addr)
    bgp = (p.get("bgpSettings") or {}).get("bgpPeeringAddress")
    if not ips and isinstance(bgp, str):
        ips = [x.strip() for x in bgp.split(",") if x.strip()]
    return Gateway(key_of(gid), gid, str(body.get("name") or name_of(gid)), vnet_key,
                   str(p.get("gatewayType") or "Vpn"), ips)
