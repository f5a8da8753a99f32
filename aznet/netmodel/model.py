"""The network model: built once from ARM resources, updated incrementally.

``NetworkModel.build(resources)`` takes any iterable of ARM resource dicts
(Azure's GET shape: ``id``, ``type``, ``properties``); child resources may be
inline in their parent (``properties.subnets``, ``securityRules``, ``routes``,
``virtualNetworkPeerings``) and/or separate resources — both are merged, a
separate child winning over an inline one of the same name.

``model.apply(changes)`` takes objects with ``kind`` ("put" | "delete"), ``id``,
``type`` and ``body`` and recompiles only what they touch: an NSG (or rule)
change recompiles that NSG; a route table change drops the cached routes of
the subnets using it; a VNet, subnet, peering or gateway change drops cached
routes and VirtualNetwork spaces (recomputed lazily on the next question)."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .. import typenames
from .acl import Acl, compile_nsg
from .addr import IntervalSet, Range, RangeMap, parse_prefix, prefix_ranges, try_ip
from .bgp_routes import LEARNED_TYPE, LearnedRoute, by_prefix
from .firewall import FIREWALL_INPUTS, Firewall, firewalls
from .hub_routes import INPUT_TYPES as HUB_INPUTS
from .hub_routes import HubRouting
from .objects import Gateway, IpConfig, Nic, RouteTableDef, Subnet, Vm, VNet, key_of
from .parse import parse_gateway, parse_nic, parse_route_table, parse_vm, parse_vnet, props, ref_key
from .routing import SubnetRoutes, build_subnet_routes
from .service_tags import AZURE_LB
from .vpn_nat import GatewayNat, gateway_nat, wan_gateway_nat

if TYPE_CHECKING:
    from ..dataplane.appgw.model import GatewayPlan

VNET = typenames.VNET.lower()
NSG = typenames.NSG.lower()
RT = typenames.ROUTE_TABLE.lower()
NIC = typenames.NIC.lower()
VM = typenames.VM.lower()
ASG = typenames.ASG.lower()
PIP = typenames.PUBLIC_IP.lower()
APP_GATEWAY = typenames.APPLICATION_GATEWAY.lower()
APP_GATEWAY_INPUTS = frozenset({APP_GATEWAY, PIP})
GW = "microsoft.network/virtualnetworkgateways"
CONN = "microsoft.network/connections"
LNG = "microsoft.network/localnetworkgateways"
CIRCUIT = "microsoft.network/expressroutecircuits"
CIRCUIT_PEERING = "microsoft.network/expressroutecircuits/peerings"
NATGW = typenames.NAT_GATEWAY.lower()
LB = typenames.LOAD_BALANCER.lower()
HUB = "microsoft.network/virtualhubs"

CHILD_TYPES = {
    f"{VNET}/subnets": (VNET, "subnets"),
    f"{VNET}/virtualnetworkpeerings": (VNET, "virtualNetworkPeerings"),
    f"{NSG}/securityrules": (NSG, "securityRules"),
    f"{NSG}/defaultsecurityrules": (NSG, "defaultSecurityRules"),
    f"{RT}/routes": (RT, "routes"),
}
NAT_RULE = f"{GW}/natrules"
WAN_VPN_GW = "microsoft.network/vpngateways"
WAN_NAT_RULE = f"{WAN_VPN_GW}/natrules"
WAN_VPN_CONN = f"{WAN_VPN_GW}/vpnconnections"
GATEWAY_INPUTS = {GW, CONN, LNG, PIP, CIRCUIT, CIRCUIT_PEERING, NAT_RULE, WAN_NAT_RULE}


@dataclass(frozen=True, slots=True)
class PublicIp:
    key: str
    id: str
    ip: int | None                 # the address in the model's integer space
    fqdn: str | None               # dnsSettings.fqdn, lower case, no trailing dot
    ipconfig_key: str | None       # the ip configuration it is attached to
    address: str | None = None     # properties.ipAddress as ARM shows it


@dataclass(frozen=True, slots=True)
class NatGateway:
    key: str
    id: str
    public_ip_keys: tuple[str, ...]   # its publicIpAddresses, in order


@dataclass(slots=True)
class Change:
    kind: str  # "put" | "delete"
    id: str
    type: str
    body: dict[str, Any] | None = None


def type_from_id(rid: str) -> str:
    """``/subscriptions/s/resourceGroups/g/providers/NS/t1/n1/t2/n2`` -> ``ns/t1/t2`` (lower case)."""
    parts = rid.strip("/").split("/")
    low = [p.lower() for p in parts]
    if "providers" not in low:
        return ""
    i = len(low) - 1 - low[::-1].index("providers")
    rest = parts[i + 1:]
    if not rest:
        return ""
    return "/".join([rest[0]] + rest[1::2]).lower()


class NetworkModel:
    def __init__(self) -> None:
        self.raw: dict[str, dict[str, Any]] = {}
        self.rtype: dict[str, str] = {}
        self.children: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self.vnets: dict[str, VNet] = {}
        self.subnets: dict[str, Subnet] = {}
        self.nics: dict[str, Nic] = {}
        self.vms: dict[str, Vm] = {}
        self.acls: dict[str, Acl] = {}
        self.route_tables: dict[str, RouteTableDef] = {}
        self.gateways: dict[str, Gateway] = {}
        self.ipconfigs: dict[str, IpConfig] = {}
        self.by_ip: dict[int, list[IpConfig]] = {}
        self.skipped: list[str] = []
        self.version = 0
        self._implicit_state: set[str] = set()
        self._routes: dict[str, SubnetRoutes] = {}
        self._space: dict[str, IntervalSet] = {}
        self._subnet_map: dict[str, RangeMap] = {}
        self._vm_of_nic: dict[str, str] = {}
        self.public_ips: dict[str, PublicIp] = {}           # key -> the public IP as the verifier needs it
        self._pip_by_address: dict[int, str] = {}
        self._firewalls: list[Firewall] | None = None   # compiled lazily, dropped when an input changes
        self._app_gateways: dict[str, GatewayPlan] | None = None   # likewise (application gateways)
        # BGP: gateway/hub key -> (VNet key, hubRoutingPreference, learned paths), from the BGP service
        self.learned: dict[str, tuple[str, str, tuple[LearnedRoute, ...]]] = {}
        self._hub_routing: HubRouting | None = None   # Virtual WAN hub routing, rebuilt when a hub input changes
        self._wan_nat: dict[str, GatewayNat] | None = None   # Virtual WAN VPN gateways' NAT, rebuilt likewise

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def build(cls, resources: Iterable[dict[str, Any]]) -> NetworkModel:
        m = cls()
        m.apply(Change("put", r.get("id", ""), r.get("type", ""), r) for r in resources if isinstance(r, dict))
        return m

    def apply(self, changes: Iterable[Any]) -> set[str]:
        """Apply put/delete changes; returns the keys of the recompiled objects.

        The cyclic garbage collector is paused meanwhile: compiling creates many small objects and
        no cycles, and collection passes over a large model more than double the build time."""
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._apply(changes)
        finally:
            if was_enabled:
                gc.enable()

    def _apply(self, changes: Iterable[Any]) -> set[str]:
        dirty: dict[str, set[str]] = {VNET: set(), NSG: set(), RT: set(), NIC: set(), VM: set()}
        gw_dirty = False
        for ch in changes:
            rid = getattr(ch, "id", None) or ""
            if not rid:
                self.skipped.append(f"a {getattr(ch, 'type', '?')} resource without an id")
                continue
            rtype = (getattr(ch, "type", None) or type_from_id(rid)).lower()
            body = getattr(ch, "body", None)
            kind = getattr(ch, "kind", "put")
            key = key_of(rid)
            if rtype == LEARNED_TYPE:
                self._set_learned(rid, None if kind == "delete" else body)
                gw_dirty = True
                self._hub_routing = None       # a Virtual WAN hub's BGP peers feed its routing
                continue
            if rtype in CHILD_TYPES:
                ptype, prop = CHILD_TYPES[rtype]
                pid = rid.rstrip("/").rsplit("/", 2)[0]
                pkey = key_of(pid)
                slot = self.children.setdefault((pkey, prop), {})
                raw_name = rid.rstrip("/").rsplit("/", 1)[-1]
                cname = raw_name.lower()
                if kind == "delete":
                    slot.pop(cname, None)
                    parent = self.raw.get(pkey)
                    if parent is not None:
                        inline = props(parent).get(prop)
                        if isinstance(inline, list):
                            props(parent)[prop] = [x for x in inline if not (
                                isinstance(x, dict) and str(x.get("name", "")).lower() == cname)]
                else:
                    slot[cname] = dict(body or {}, id=rid, name=(body or {}).get("name") or raw_name)
                dirty[ptype].add(pkey)
                continue
            if rtype == PIP:
                self._index_public_ip(key, None if kind == "delete" else body)
            if kind == "delete":
                self.raw.pop(key, None)
                self.rtype.pop(key, None)
            else:
                b = dict(body or {})
                b["id"] = rid
                if isinstance(b.get("properties"), dict):
                    b["properties"] = dict(b["properties"])
                self.raw[key] = b
                self.rtype[key] = rtype
            if rtype in FIREWALL_INPUTS:
                self._firewalls = None
            if rtype in HUB_INPUTS and rtype != VNET:
                self._hub_routing = None
                gw_dirty = True
            if rtype in HUB_INPUTS or rtype == WAN_NAT_RULE:
                self._wan_nat = None
            if rtype in APP_GATEWAY_INPUTS:
                self._app_gateways = None
            if rtype in dirty:
                dirty[rtype].add(key)
            elif rtype in GATEWAY_INPUTS:
                gw_dirty = True
        return self._recompile(dirty, gw_dirty)

    def _set_learned(self, rid: str, body: dict[str, Any] | None) -> None:
        owner = key_of(rid.split("/providers/aznet.bgp/", 1)[0])
        if body is None or not body.get("learned"):
            self.learned.pop(owner, None)
            return
        self.learned[owner] = (key_of(str(body.get("vnet") or "")), str(body.get("preference") or "ExpressRoute"),
                               tuple(body["learned"]))

    def learned_routes(self, vnet_key: str) -> dict[str, list[LearnedRoute]]:
        """prefix -> the BGP paths NICs in ``vnet_key`` use (its own gateways' and, with gateway transit, the
        hub's), after Azure's choice among paths to the same prefix (``bgp_routes.select_best``)."""
        vnets = {vnet_key} | {g.vnet_key for g in self.gateways_for_vnet(vnet_key) if g.vnet_key}
        vnet = self.vnets.get(vnet_key)
        for p in vnet.peerings if vnet else []:
            if p.use_remote_gateways and p.state == "Connected" and p.remote_key:
                remote = self.vnets.get(p.remote_key)
                if remote is not None and any(q.remote_key == vnet_key and q.allow_gateway_transit
                                              for q in remote.peerings):
                    vnets.add(p.remote_key)
        paths: list[LearnedRoute] = [r for g in self.gateways.values() if g.vnet_key in vnets for r in g.er_routes]
        preference = "ExpressRoute"
        for v, pref, routes in self.learned.values():
            if v in vnets:
                paths.extend(self._nat_learned(routes))
                if v == vnet_key or pref != "ExpressRoute":
                    preference = pref
        return by_prefix(paths, preference) if paths else {}

    def _nat_learned(self, routes: Iterable[LearnedRoute]) -> list[LearnedRoute]:
        """BGP routes through the NAT of the gateway that learned them (enableBgpRouteTranslationForNat: a route
        from a connection with IngressSnat rules is used post-NAT)."""
        out: list[LearnedRoute] = []
        for r in routes:
            nat = self.gateway_nat(r.gateway)
            if nat is None or not nat.route_translation:
                out.append(r)
                continue
            out.extend(r if t == r.prefix else replace(r, prefix=t) for t in nat.translate_learned(r.peer, r.prefix))
        return out

    def _index_public_ip(self, key: str, body: dict[str, Any] | None) -> None:
        old = self.public_ips.pop(key, None)
        if old is not None and old.ip is not None and self._pip_by_address.get(old.ip) == key:
            del self._pip_by_address[old.ip]
        if body is None:
            return
        p = props(body)
        fqdn = (p.get("dnsSettings") or {}).get("fqdn") if isinstance(p.get("dnsSettings"), dict) else None
        text = p.get("ipAddress")
        pip = PublicIp(key, str(body.get("id") or key), try_ip(text),
                       fqdn.lower().rstrip(".") if isinstance(fqdn, str) and fqdn else None,
                       ref_key(p.get("ipConfiguration")), text if isinstance(text, str) else None)
        self.public_ips[key] = pip
        if pip.ip is not None:
            self._pip_by_address[pip.ip] = key

    def public_ip_at(self, address: int) -> PublicIp | None:
        """The public IP resource holding ``address`` (an address in the model's integer space)."""
        key = self._pip_by_address.get(address)
        return self.public_ips.get(key) if key else None

    def public_ip_named(self, fqdn: str) -> PublicIp | None:
        """The public IP whose DNS name is ``fqdn`` (case-insensitive)."""
        name = fqdn.lower().rstrip(".")
        return next((p for p in self.public_ips.values() if p.fqdn == name), None)

    def _merged(self, key: str, prop: str) -> list[dict[str, Any]]:
        body = self.raw.get(key)
        items: dict[str, dict[str, Any]] = {}
        for x in props(body).get(prop) or []:
            if isinstance(x, dict):
                items[str(x.get("name", len(items))).lower()] = x
        items.update(self.children.get((key, prop), {}))
        return list(items.values())

    def _recompile(self, dirty: dict[str, set[str]], gw_dirty: bool) -> set[str]:
        changed: set[str] = set()
        for k in dirty[NSG]:
            self.acls.pop(k, None)
            body = self.raw.get(k)
            if body is not None and self.rtype.get(k) == NSG:
                defaults = self._merged(k, "defaultSecurityRules")
                self.acls[k] = compile_nsg(body["id"], body, self._merged(k, "securityRules"), defaults or None)
            changed.add(k)
        for k in dirty[RT]:
            self.route_tables.pop(k, None)
            body = self.raw.get(k)
            if body is not None and self.rtype.get(k) == RT:
                self.route_tables[k] = parse_route_table(body, self._merged(k, "routes"))
            for sk in [s for s, r in self._routes.items() if self.subnets.get(s) is None
                       or self.subnets[s].route_table_key == k]:
                self._routes.pop(sk, None)
            changed.add(k)
        for k in dirty[VNET]:
            old = self.vnets.pop(k, None)
            for sk in old.subnet_keys if old else []:
                self.subnets.pop(sk, None)
            body = self.raw.get(k)
            if body is not None and self.rtype.get(k) == VNET:
                vnet, subs = parse_vnet(body, self._merged(k, "subnets"), self._merged(k, "virtualNetworkPeerings"))
                self.vnets[k] = vnet
                for s in subs:
                    self.subnets[s.key] = s
            changed.add(k)
        if dirty[VNET]:
            self._resolve_peerings()
        for k in dirty[VM]:
            old_vm = self.vms.pop(k, None)
            for nk in old_vm.nic_keys if old_vm else []:
                if self._vm_of_nic.get(nk) == k:
                    del self._vm_of_nic[nk]
            body = self.raw.get(k)
            if body is not None and self.rtype.get(k) == VM:
                vm = parse_vm(body)
                self.vms[k] = vm
                for nk in vm.nic_keys:
                    self._vm_of_nic[nk] = k
            changed.add(k)
        for k in dirty[NIC]:
            old_nic = self.nics.pop(k, None)
            for c in old_nic.ipconfigs if old_nic else []:
                self.ipconfigs.pop(c.key, None)
                if c.ip is not None:
                    lst = [x for x in self.by_ip.get(c.ip, []) if x.key != c.key]
                    if lst:
                        self.by_ip[c.ip] = lst
                    else:
                        self.by_ip.pop(c.ip, None)
            body = self.raw.get(k)
            if body is not None and self.rtype.get(k) == NIC:
                nic = parse_nic(body)
                self.nics[k] = nic
                for c in nic.ipconfigs:
                    self.ipconfigs[c.key] = c
                    if c.ip is not None:
                        self.by_ip.setdefault(c.ip, []).append(c)
            changed.add(k)
        if gw_dirty or dirty[VNET]:
            self._rebuild_gateways()
        if dirty[VNET]:
            self._hub_routing = None        # a connected VNet's address space is a hub input too
        if dirty[VNET] or gw_dirty:
            self._routes.clear()
            self._space.clear()
            self._subnet_map.clear()
        if changed or gw_dirty:
            self.version += 1
        return changed

    def _resolve_peerings(self) -> None:
        for v in self.vnets.values():
            for p in v.peerings:
                if not p.state or p.key in self._implicit_state:
                    self._implicit_state.add(p.key)
                    remote = self.vnets.get(p.remote_key or "")
                    back = remote is not None and any(q.remote_key == v.key for q in remote.peerings)
                    p.state = "Connected" if back else "Initiated"

    def _rebuild_gateways(self) -> None:
        pips = {k: b for k, b in self.raw.items() if self.rtype.get(k) == PIP}
        gws = {k: parse_gateway(b, pips) for k, b in self.raw.items() if self.rtype.get(k) == GW}
        v2v = {(ref_key(props(b).get("virtualNetworkGateway1")), ref_key(props(b).get("virtualNetworkGateway2")),
                props(b).get("sharedKey")) for k, b in self.raw.items()
               if self.rtype.get(k) == CONN and props(b).get("connectionType") == "Vnet2Vnet"}
        s2s: dict[str, list[tuple[str, dict[str, Any], dict[str, Any] | None]]] = {}
        for k, b in self.raw.items():
            if self.rtype.get(k) != CONN:
                continue
            p = props(b)
            g1, g2 = ref_key(p.get("virtualNetworkGateway1")), ref_key(p.get("virtualNetworkGateway2"))
            lng = self.raw.get(ref_key(p.get("localNetworkGateway2")) or "")
            if g1 in gws and p.get("connectionType") == "ExpressRoute":
                gws[g1].er_routes.extend(self._circuit_routes(ref_key(p.get("peer")), g1))
            if g1 in gws and lng is not None:
                s2s.setdefault(g1, []).append((k, b, lng))
            # Vnet2Vnet: the tunnel is up (and routes flow) once the reverse connection exists with the same
            # shared key; the routes of this connection go to its own gateway (virtualNetworkGateway1)
            if g1 in gws and g2 in gws and gws[g2].vnet_key in self.vnets and (g2, g1, p.get("sharedKey")) in v2v:
                gws[g1].onprem_prefixes.extend(x.text for x in self.vnets[gws[g2].vnet_key].prefixes)
        rules = self._nat_rules()
        for g1, conns in s2s.items():
            # the site's prefixes as the VNet sees them: through the IngressSnat rules of its connection
            nat = gateway_nat(g1, self.raw[g1], rules.get(g1, {}), conns)
            gws[g1].nat = nat
            for c in nat.connections.values():
                gws[g1].onprem_prefixes.extend(c.onprem_post_nat())
        self.gateways = gws

    def _nat_rules(self) -> dict[str, dict[str, dict[str, Any]]]:
        """gateway key -> rule key -> NAT rule body (the natRules children and the gateway's inline ones)."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for k, b in self.raw.items():
            if self.rtype.get(k) == GW:
                for r in props(b).get("natRules") or []:
                    if isinstance(r, dict) and r.get("name"):
                        rid = str(r.get("id") or f"{b['id']}/natRules/{r['name']}")
                        out.setdefault(k, {})[key_of(rid)] = dict(r, id=rid)
            elif self.rtype.get(k) == NAT_RULE:
                out.setdefault(k.rsplit("/natrules/", 1)[0], {})[k] = b
        return out

    def wan_gateway_nats(self) -> dict[str, GatewayNat]:
        """Virtual WAN hub VPN gateways' NAT (vpnGateways/natRules linked by VPN site link connections)."""
        if self._wan_nat is None:
            rules: dict[str, dict[str, dict[str, Any]]] = {}
            conns: dict[str, list[tuple[dict[str, Any], dict[str, Any] | None]]] = {}
            for k, b in self.raw.items():
                t = self.rtype.get(k)
                if t == WAN_VPN_GW:
                    for r in props(b).get("natRules") or []:
                        if isinstance(r, dict) and r.get("name"):
                            rid = str(r.get("id") or f"{b['id']}/natRules/{r['name']}")
                            rules.setdefault(k, {})[key_of(rid)] = dict(r, id=rid)
                elif t == WAN_NAT_RULE:
                    rules.setdefault(k.rsplit("/natrules/", 1)[0], {})[k] = b
                elif t == WAN_VPN_CONN:
                    site = self.raw.get(ref_key(props(b).get("remoteVpnSite")) or "")
                    conns.setdefault(k.rsplit("/vpnconnections/", 1)[0], []).append((b, site))
            self._wan_nat = {k: wan_gateway_nat(k, b, rules.get(k, {}), conns.get(k, []))
                             for k, b in self.raw.items() if self.rtype.get(k) == WAN_VPN_GW}
        return self._wan_nat

    def wan_gateway_nats_for_vnet(self, vnet_key: str | None) -> list[GatewayNat]:
        """The hub VPN gateways' NAT of the virtual WAN(s) a VNet is connected to."""
        hubs = self.hub_routing()
        wans = {hubs.hubs[c.hub_key].wan_key for c in hubs.connections.values()
                if c.kind == "vnet" and c.vnet_key == vnet_key and c.hub_key in hubs.hubs}
        return [n for n in self.wan_gateway_nats().values()
                if n.hub_key in hubs.hubs and hubs.hubs[n.hub_key].wan_key in wans]

    def gateway_nat(self, gateway_key: str) -> GatewayNat | None:
        """NAT on a VPN gateway's site-to-site connections (vpn_nat.GatewayNat: ``translate_learned(peer, prefix)``,
        ``translate_advertised(peer, prefix)`` for the BGP speakers, ``outbound(src, dst)`` for the verifier)."""
        gw = self.gateways.get(gateway_key)
        return gw.nat if gw is not None else self.wan_gateway_nats().get(gateway_key)

    def _circuit_routes(self, circuit_key: str | None, gateway_key: str) -> list[LearnedRoute]:
        """What the customer edge announces over the circuit's private peering (once the provider has
        provisioned the circuit and the peering is enabled), as the ExpressRoute gateway learns it: the
        MSEE (AS 12076) in front of the edge's AS path."""
        circuit = self.raw.get(circuit_key or "")
        if circuit is None or props(circuit).get("serviceProviderProvisioningState") != "Provisioned":
            return []
        peering = self.raw.get(f"{circuit_key}/peerings/azureprivatepeering")
        if peering is None or props(peering).get("state") == "Disabled":
            return []
        edge = (peering.get("_aznet") or {}).get("edge") or {}
        out = []
        seen: set[tuple[str, tuple[int, ...]]] = set()
        for r in edge.get("routes") or [] if edge.get("up") else []:
            if not isinstance(r, dict) or not isinstance(r.get("network"), str):
                continue
            path = tuple(int(a) for a in str(r.get("path") or "").split() if a.isdigit())
            seen.add((r["network"], path))
            out.append(LearnedRoute(r["network"], "", (12076, *path), "ExpressRoute", str(circuit.get("id") or ""),
                                    gateway_key))
        # what the customer router announced over the peering's BGP sessions (both links: one path each)
        for r in self.circuit_learned().get(f"{circuit_key}/peerings/azureprivatepeering", ()):
            if (r.prefix, r.as_path) not in seen:
                seen.add((r.prefix, r.as_path))
                out.append(LearnedRoute(r.prefix, "", (12076, *r.as_path), "ExpressRoute",
                                        str(circuit.get("id") or ""), gateway_key))
        return out

    def circuit_learned(self) -> dict[str, tuple[LearnedRoute, ...]]:
        """Peering key -> the routes its MSEE sessions hold from the customer router (customer AS path)."""
        return {owner: routes for owner, (_v, _p, routes) in self.learned.items()
                if self.rtype.get(owner) == CIRCUIT_PEERING}

    # -- lookups the answerers use -------------------------------------------------------------

    def vm_of_nic(self, nic_key: str) -> str | None:
        return self._vm_of_nic.get(nic_key) or (self.nics[nic_key].vm_key if nic_key in self.nics else None)

    def nics_of_vm(self, vm_key: str) -> list[Nic]:
        vm = self.vms.get(vm_key)
        if vm is not None:
            return [self.nics[k] for k in vm.nic_keys if k in self.nics]
        return [n for n in self.nics.values() if n.vm_key == vm_key]

    def gateways_for_vnet(self, vnet_key: str) -> list[Gateway]:
        out = [g for g in self.gateways.values() if g.vnet_key == vnet_key]
        vnet = self.vnets.get(vnet_key)
        for p in vnet.peerings if vnet else []:
            if p.use_remote_gateways and p.state == "Connected":
                # gateway transit: the hub's peering back to this VNet must allow it
                remote = self.vnets.get(p.remote_key or "")
                if remote is not None and any(q.remote_key == vnet_key and q.allow_gateway_transit
                                              for q in remote.peerings):
                    out.extend(g for g in self.gateways.values() if g.vnet_key == p.remote_key)
        return out

    def hub_routing(self) -> HubRouting:
        """Virtual WAN hub routing (netmodel/hub_routes.py) over the model's ARM bodies."""
        if self._hub_routing is None:
            bgp = {owner: [(r.peer, r.prefix, "-".join(map(str, r.as_path))) for r in routes]
                   for owner, (_v, _pref, routes) in self.learned.items() if self.rtype.get(owner) == HUB}
            circuits = {k: [(r.prefix, "-".join(map(str, r.as_path))) for r in routes]
                        for k, routes in self.circuit_learned().items()}
            self._hub_routing = HubRouting(self.raw, self.rtype, bgp, circuits)
        return self._hub_routing

    def hub_routes_for_vnet(self, vnet_key: str) -> list[tuple[str, list[str]]]:
        """(prefix, next hop IPs) a VNet connected to a Virtual WAN hub learns from it."""
        hubs = self.hub_routing()
        return hubs.vnet_learned(vnet_key) if hubs.connections else []

    def hub_prefixes_for_vnet(self, vnet_key: str) -> list[str]:
        """The address prefix of the hub a VNet is connected to (reached like a peered VNet)."""
        hubs = self.hub_routing()
        return hubs.hub_prefix_of_vnet(vnet_key) if hubs.connections else []

    def vnet_space(self, vnet_key: str | None) -> IntervalSet:
        """What the VirtualNetwork service tag means for NICs in this VNet."""
        if vnet_key is None:
            return IntervalSet()
        hit = self._space.get(vnet_key)
        if hit is not None:
            return hit
        ranges: list[Range] = []
        lb = parse_prefix(AZURE_LB)
        ranges.append((lb[0], lb[1]))
        vnet = self.vnets.get(vnet_key)
        if vnet is not None:
            ranges.extend((p.lo, p.hi) for p in vnet.prefixes)
            for peer in vnet.peerings:
                if peer.state != "Connected":
                    continue
                remote = self.vnets.get(peer.remote_key or "")
                texts = [p.text for p in remote.prefixes] if remote else peer.remote_prefixes
                ranges.extend(prefix_ranges(texts))
            for gw in self.gateways_for_vnet(vnet_key):
                ranges.extend(prefix_ranges(gw.onprem_prefixes))
            hub_learned = [t for t, _ in self.hub_routes_for_vnet(vnet_key)] + self.hub_prefixes_for_vnet(vnet_key)
            ranges.extend(prefix_ranges(list(self.learned_routes(vnet_key)) + hub_learned))
        s = IntervalSet(ranges)
        self._space[vnet_key] = s
        return s

    def subnet_routes(self, subnet_key: str) -> SubnetRoutes | None:
        hit = self._routes.get(subnet_key)
        if hit is not None:
            return hit
        sub = self.subnets.get(subnet_key)
        if sub is None:
            return None
        r = build_subnet_routes(self, sub)
        self._routes[subnet_key] = r
        return r

    def subnet_for_ip(self, vnet_key: str | None, ip: int) -> Subnet | None:
        if vnet_key is None or vnet_key not in self.vnets:
            return None
        m = self._subnet_map.get(vnet_key)
        if m is None:
            subs = [self.subnets[k] for k in self.vnets[vnet_key].subnet_keys if k in self.subnets]
            items = sorted(((-p.plen, [(p.lo, p.hi)], s) for s in subs for p in s.prefixes), key=lambda t: t[0])
            m = RangeMap.build((r, s) for _, r, s in items)
            self._subnet_map[vnet_key] = m
        return m.get(ip)

    def vnet_for_ip(self, ip: int, among: Iterable[str]) -> str | None:
        for k in among:
            v = self.vnets.get(k)
            if v is not None and any(p.lo <= ip <= p.hi for p in v.prefixes):
                return k
        return None

    def ipconfig_at(self, ip: int, vnet_key: str | None = None) -> IpConfig | None:
        """The NIC IP configuration holding ``ip`` (in ``vnet_key`` when given)."""
        for c in self.by_ip.get(ip, ()):
            if vnet_key is None:
                return c
            sub = self.subnets.get(c.subnet_key or "")
            if sub is not None and sub.vnet_key == vnet_key:
                return c
        return None

    def subnet_vnet(self, subnet_key: str | None) -> str | None:
        s = self.subnets.get(subnet_key or "")
        return s.vnet_key if s else None

    def nsgs_for(self, cfg: IpConfig) -> tuple[Acl | None, Acl | None]:
        """(subnet NSG, NIC NSG) applied to an IP configuration."""
        sub = self.subnets.get(cfg.subnet_key or "")
        nic = self.nics.get(cfg.nic_key)
        sacl = self.acls.get(sub.nsg_key) if sub and sub.nsg_key else None
        nacl = self.acls.get(nic.nsg_key) if nic and nic.nsg_key else None
        return sacl, nacl

    def asg_ranges(self) -> dict[str, list[Range]]:
        """Each ASG as the addresses of its member IP configurations."""
        out: dict[str, list[Range]] = {}
        for c in self.ipconfigs.values():
            if c.ip is None:
                continue
            for a in c.asgs:
                out.setdefault(a, []).append((c.ip, c.ip))
        return out

    def firewalls(self) -> list[Firewall]:
        if self._firewalls is None:
            found = firewalls(self.raw, self.rtype)
            for fw in found:
                sub = self.subnets.get(fw.subnet_key or "")
                if fw.private_ip is None and sub is not None and sub.prefixes:
                    fw.private_ip = sub.prefixes[0].lo + 4     # a template's firewall: Azure gives it .4
            self._firewalls = found
        return self._firewalls

    def app_gateways(self) -> dict[str, GatewayPlan]:
        """The application gateways, by key, as their routing core sees them (compiled lazily; a frontend
        listens on its private address or on its public IP's address)."""
        if self._app_gateways is None:
            from ..dataplane.appgw.model import compile_gateway

            def address(fe: dict[str, Any]) -> str | None:
                fp = props(fe)
                pip = self.public_ips.get(ref_key(fp.get("publicIPAddress")) or "")
                return pip.address if pip is not None else fp.get("privateIPAddress")
            self._app_gateways = {k: compile_gateway(b, address) for k, b in self.raw.items()
                                  if self.rtype.get(k) == APP_GATEWAY}
        return self._app_gateways

    def firewall_at(self, ip: int) -> Firewall | None:
        """The Azure Firewall whose private (next hop) address is ``ip``."""
        return next((f for f in self.firewalls() if f.private_ip == ip), None)

    def firewall_with_public_ip(self, ip: int) -> Firewall | None:
        return next((f for f in self.firewalls() if ip in f.public_ips), None)

    def body(self, key: str) -> dict[str, Any] | None:
        return self.raw.get(key)

    def resource_id(self, key: str | None) -> str | None:
        """The ARM id (as the client spelled it) of the resource or subnet the model knows as ``key``."""
        if not key:
            return None
        body = self.raw.get(key)
        if body is not None and isinstance(body.get("id"), str):
            return str(body["id"])
        sub = self.subnets.get(key)
        return sub.id if sub is not None else None

    def network_resources(self) -> list[tuple[str, str | None]]:
        """(id, location) of every Microsoft.Network resource in the model."""
        out: list[tuple[str, str | None]] = []
        for k, body in self.raw.items():
            if self.rtype.get(k, "").startswith("microsoft.network/"):
                loc = body.get("location")
                out.append((str(body["id"]), loc if isinstance(loc, str) else None))
        return out

    def nat_gateway(self, key: str | None) -> NatGateway | None:
        """The NAT gateway ``key`` names (None if the model does not hold it)."""
        body = self.raw.get(key) if key else None
        if body is None or key is None:
            return None
        pips = tuple(k for k in (ref_key(x) for x in props(body).get("publicIpAddresses") or []) if k)
        return NatGateway(key, str(body.get("id") or key), pips)
