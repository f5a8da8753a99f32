"""ExpressRoute circuit peerings and Global Reach circuit connections.

Peerings (``expressRouteCircuits/{circuit}/peerings/{AzurePrivatePeering|MicrosoftPeering|AzurePublicPeering}``),
as "ExpressRoute routing requirements" and "Configure peering" describe them:
- The connectivity provider must have provisioned the circuit first (serviceProviderProvisioningState
  Provisioned), as Azure refuses to configure peering on a circuit the provider has not provisioned.
- The name is the peering type; AzurePublicPeering is retired and cannot be created on a circuit.
- ``peerASN`` 1-4294967295, none of Azure's own (8074, 8075, 12076, 65515-65520); ``vlanId``
  1-4094, unique among the circuit's peerings.
- IPv4: ``primaryPeerAddressPrefix`` and ``secondaryPeerAddressPrefix``, each a /30 given by its network
  address, different and not overlapping each other nor another peering's subnets; the first usable
  address is the customer's router, the second Microsoft's. IPv6 (``ipv6PeeringConfig``): two /126.
  Microsoft peering takes public addresses only (subnets and advertised prefixes).
- MicrosoftPeering needs ``microsoftPeeringConfig`` with ``advertisedPublicPrefixes`` (public, at most
  200); their state is ValidationNeeded until the routing registry check passes (the provider's admin
  action ``aznet expressroute validate-prefixes``), then Configured. ``routeFilter`` (Microsoft peering
  only) selects which Microsoft services' prefixes are advertised.
- Read-only: ``azureASN`` 12076, ``primaryAzurePort``/``secondaryAzurePort``, ``lastModifiedBy``.

Global Reach (``peerings/AzurePrivatePeering/connections/{name}``): links this circuit's private peering
to another circuit's private peering; ``addressPrefix`` an IPv4 /29 (network address) not overlapping the
peerings' subnets; an authorization key of the other circuit when it is in another subscription. The
other circuit's peering lists it under ``peeredConnections``."""

from __future__ import annotations

import ipaddress
import uuid
from typing import TYPE_CHECKING, Any

from ....arm.errors import ArmError
from ....arm.errors import bad_request as bad
from ....arm.ids import normalize, parse_resource_id
from ....arm.registry import REGISTRY, Action, Hooks, NameRule, ResourceType
from ..ref_checks import cannot_parse, enum, integer, ref_id, resolve, since
from . import er_catalogue, er_circuits
from .er_circuits import API_VERSIONS, CIRCUIT_PEERING_TYPES

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = er_circuits.PEERING_TYPE
GR_TYPE = f"{TYPE}/connections"
ROUTE_FILTER_TYPE = "Microsoft.Network/routeFilters"
AZURE_ASN = 12076
RESERVED_ASNS = frozenset({8074, 8075, 12076, *range(65515, 65521)})
REGISTRIES = ("ARIN", "APNIC", "AFRINIC", "LACNIC", "RIPENCC", "RADB", "ALTDB", "LEVEL3")
MAX_ADVERTISED = 200


def peering_of(child_id: str) -> str:
    return child_id[: child_id.lower().rfind("/connections/")]


def _net(value: Any, path: str, version: int, plen: int, owner: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    kind = "IPv4 /30" if version == 4 else "IPv6 /126"
    if plen == 29 or plen == 125:
        kind = f"IPv{version} /{plen}"
    try:
        net = ipaddress.ip_network(value, strict=True) if isinstance(value, str) and "/" in value else None
    except ValueError:
        net = None
    if net is None or net.version != version or net.prefixlen != plen:
        raise bad("InvalidPeerAddressPrefix",
                  f"{path} {value!r} of {owner} must be an {kind} subnet given by its network address.")
    return net


# address space that is not public (RFC 1918, shared, loopback, link-local, multicast, reserved, ULA)
NOT_PUBLIC = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.168.0.0/16", "224.0.0.0/3", "::/8", "fc00::/7", "fe80::/10", "ff00::/8"))


def _is_public(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    return not any(net.version == n.version and net.overlaps(n) for n in NOT_PUBLIC)


Net = ipaddress.IPv4Network | ipaddress.IPv6Network
PEER_PREFIX = {4: 30, 6: 126}         # a peering's primary and secondary subnets: IPv4 /30, IPv6 /126


def _peer_pair(node: dict[str, Any], path: str, version: int, owner: str) -> tuple[Net, Net]:
    """A peering's primary and secondary peer subnets (``node``'s members; ``path`` leads to them in the
    body): each a /30 (IPv4) or /126 (IPv6), and not the same subnet."""
    plen = PEER_PREFIX[version]
    a = _net(node.get("primaryPeerAddressPrefix"), f"{path}primaryPeerAddressPrefix", version, plen, owner)
    b = _net(node.get("secondaryPeerAddressPrefix"), f"{path}secondaryPeerAddressPrefix", version, plen, owner)
    if a.overlaps(b):
        family = "" if version == 4 else "IPv6 "
        raise bad("PrimaryAndSecondaryPeerAddressPrefixesOverlap",
                  f"The primary and secondary {family}peer subnets of peering {owner} must be different /{plen} "
                  "subnets.")
    return a, b


def _public_pair(a: Net, b: Net, owner: str) -> None:
    """Microsoft peering's peer subnets are public ones the customer owns."""
    for net in (a, b):
        if not _is_public(net):
            raise bad("PeerAddressPrefixMustBePublic",
                      f"Microsoft peering {owner} takes public /{net.prefixlen} subnets you own; {net} is not public.")


def peering_subnets(body: dict[str, Any]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    p = body.get("properties") or {}
    out = []
    for src in (p, p.get("ipv6PeeringConfig") or {}):
        for k in ("primaryPeerAddressPrefix", "secondaryPeerAddressPrefix"):
            try:
                if src.get(k):
                    out.append(ipaddress.ip_network(src[k], strict=False))
            except ValueError:
                continue
    return out


def _microsoft_config(raw: Any, owner: str, path: str, version: int, old: dict[str, Any] | None) -> dict[str, Any]:
    if raw in (None, {}):
        raise bad("MicrosoftPeeringConfigRequired",
                  f"Microsoft Peering Config is not specified for Express Route Bgp Peering {owner}.")
    if not isinstance(raw, dict):
        raise cannot_parse(path, raw, "ExpressRouteCircuitPeeringConfig")
    prefixes = raw.get("advertisedPublicPrefixes") or []
    if not isinstance(prefixes, list) or not prefixes:
        raise bad("AdvertisedPublicPrefixesRequired",
                  f"Microsoft peering {owner} needs at least one prefix in {path}.advertisedPublicPrefixes.")
    if len(prefixes) > MAX_ADVERTISED:
        raise bad("TooManyAdvertisedPublicPrefixes",
                  f"Microsoft peering {owner} advertises {len(prefixes)} prefixes; at most {MAX_ADVERTISED}.")
    nets = []
    for pfx in prefixes:
        try:
            net = ipaddress.ip_network(pfx, strict=True) if isinstance(pfx, str) and "/" in pfx else None
        except ValueError:
            net = None
        if net is None or net.version != version:
            raise bad("InvalidAdvertisedPublicPrefix",
                      f"Advertised prefix {pfx!r} of Microsoft peering {owner} is not a valid IPv{version} prefix.")
        if not _is_public(net):
            raise bad("AdvertisedPublicPrefixMustBePublic",
                      f"Advertised prefix {pfx} of Microsoft peering {owner} is not a public address range: "
                      "Microsoft peering takes public prefixes that you or your provider own.")
        nets.append(str(net))
    customer = integer(raw.get("customerASN"), f"{path}.customerASN", 0)
    if customer is None or not 0 <= customer <= 4294967295:
        raise bad("InvalidCustomerAsn", f"customerASN {customer} of Microsoft peering {owner} is not a valid ASN.")
    registry = enum(raw.get("routingRegistryName"), REGISTRIES, f"{path}.routingRegistryName", "System.String",
                    "ARIN")
    old_cfg = old or {}
    same = sorted(nets) == sorted(old_cfg.get("advertisedPublicPrefixes") or []) and \
        old_cfg.get("routingRegistryName", "ARIN") == registry
    state = old_cfg.get("advertisedPublicPrefixesState") if same else None
    out = {k: v for k, v in raw.items() if k not in ("advertisedPublicPrefixesState", "advertisedPublicPrefixInfo")}
    out.update({"advertisedPublicPrefixes": nets, "customerASN": customer, "routingRegistryName": registry,
                "advertisedPublicPrefixesState": state or "ValidationNeeded",
                "legacyMode": integer(raw.get("legacyMode"), f"{path}.legacyMode", 0)})
    out.setdefault("advertisedCommunities", [])
    return out


class PeeringHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        pid = new["id"]
        cid = er_circuits.circuit_of(pid)
        circuit = ctx.body(cid) or {}
        ptype = enum(props.get("peeringType") or new["name"], CIRCUIT_PEERING_TYPES, "properties.peeringType",
                     "ExpressRoutePeeringType")
        assert ptype is not None
        if ptype.lower() != new["name"].lower():
            raise bad("InvalidPeeringName",
                      f"Peering {pid} must be named after its peering type {ptype}.")
        props["peeringType"] = ptype
        if old is None and ptype == "AzurePublicPeering":
            raise bad("AzurePublicPeeringNotSupported",
                      f"Azure public peering is retired and cannot be created on circuit {cid}; use Microsoft peering.")
        state = (circuit.get("properties") or {}).get("serviceProviderProvisioningState")
        if state != "Provisioned":
            raise bad("ExpressRouteCircuitNotProvisioned",
                      f"Peering {ptype} cannot be configured on circuit {cid}: its service provider provisioning "
                      f"state is {state}. The connectivity provider must provision the circuit first.")
        asn = integer(props.get("peerASN"), "properties.peerASN")
        if asn is None or not 1 <= asn <= 4294967295:
            raise bad("InvalidPeerAsn", f"peerASN {asn} of peering {pid} must be between 1 and 4294967295.")
        if asn in RESERVED_ASNS:
            raise bad("PeerAsnReservedByAzure",
                      f"peerASN {asn} of peering {pid} is reserved by Azure (8074, 8075, 12076, 65515-65520).")
        props["peerASN"] = asn
        vlan = integer(props.get("vlanId"), "properties.vlanId")
        if vlan is None or not 1 <= vlan <= 4094:
            raise bad("InvalidVlanId", f"vlanId {vlan} of peering {pid} must be between 1 and 4094.")
        props["vlanId"] = vlan
        props["state"] = enum(props.get("state"), ("Disabled", "Enabled"), "properties.state",
                              "ExpressRoutePeeringState", "Enabled")
        self._ipv4(props, ptype, pid, (old or {}).get("properties") or {})
        self._ipv6(props, ptype, pid, (old or {}).get("properties") or {})
        if not props.get("primaryPeerAddressPrefix") and not props.get("ipv6PeeringConfig"):
            raise bad("PeerAddressPrefixRequired",
                      f"Peering {pid} needs primaryPeerAddressPrefix and secondaryPeerAddressPrefix (IPv4 /30) or an "
                      "ipv6PeeringConfig.")
        rf = ref_id(props.get("routeFilter"), "properties.routeFilter")
        if rf is not None:
            if ptype != "MicrosoftPeering":
                raise bad("RouteFilterOnlyOnMicrosoftPeering",
                          f"A route filter can be attached to Microsoft peering only, not to {ptype} ({pid}).")
            props["routeFilter"] = {"id": resolve(ctx, rf, pid, ROUTE_FILTER_TYPE)["id"]}
        if ctx.in_children_batch(cid):
            return
        check_siblings(ctx, cid, new)

    def _ipv4(self, props: dict[str, Any], ptype: str, pid: str, old_props: dict[str, Any]) -> None:
        primary, secondary = props.get("primaryPeerAddressPrefix"), props.get("secondaryPeerAddressPrefix")
        if primary in (None, "") and secondary in (None, ""):
            if ptype != "MicrosoftPeering":
                props.pop("microsoftPeeringConfig", None)
            if ptype == "MicrosoftPeering" and props.get("microsoftPeeringConfig") not in (None, {}) \
                    and not props.get("ipv6PeeringConfig"):
                raise bad("PeerAddressPrefixRequired", f"Microsoft peering {pid} needs IPv4 peer subnets.")
            return
        a, b = _peer_pair(props, "", 4, pid)
        if ptype == "MicrosoftPeering":
            _public_pair(a, b, pid)
            props["microsoftPeeringConfig"] = _microsoft_config(
                props.get("microsoftPeeringConfig"), pid, "properties.microsoftPeeringConfig", 4,
                old_props.get("microsoftPeeringConfig"))
        elif props.get("microsoftPeeringConfig") not in (None, {}) and \
                (props["microsoftPeeringConfig"].get("advertisedPublicPrefixes") or []):
            raise bad("MicrosoftPeeringConfigNotAllowed",
                      f"microsoftPeeringConfig applies to Microsoft peering only, not to {ptype} ({pid}).")
        else:
            props.pop("microsoftPeeringConfig", None)
        props["primaryPeerAddressPrefix"], props["secondaryPeerAddressPrefix"] = str(a), str(b)

    def _ipv6(self, props: dict[str, Any], ptype: str, pid: str, old_props: dict[str, Any]) -> None:
        raw = props.get("ipv6PeeringConfig")
        if raw in (None, {}):
            props.pop("ipv6PeeringConfig", None)
            return
        if not isinstance(raw, dict):
            raise cannot_parse("properties.ipv6PeeringConfig", raw, "Ipv6ExpressRouteCircuitPeeringConfig")
        a, b = _peer_pair(raw, "ipv6PeeringConfig.", 6, pid)
        out = dict(raw)
        out["primaryPeerAddressPrefix"], out["secondaryPeerAddressPrefix"] = str(a), str(b)
        out["state"] = enum(raw.get("state"), ("Disabled", "Enabled"), "properties.ipv6PeeringConfig.state",
                            "ExpressRouteCircuitPeeringState", "Enabled")
        if ptype == "MicrosoftPeering":
            _public_pair(a, b, pid)
            out["microsoftPeeringConfig"] = _microsoft_config(
                raw.get("microsoftPeeringConfig"), pid, "properties.ipv6PeeringConfig.microsoftPeeringConfig", 6,
                (old_props.get("ipv6PeeringConfig") or {}).get("microsoftPeeringConfig"))
        else:
            out.pop("microsoftPeeringConfig", None)
        props["ipv6PeeringConfig"] = out

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        old_props = (old or {}).get("properties") or {}
        props["azureASN"] = AZURE_ASN
        circuit = ctx.body(er_circuits.circuit_of(new["id"])) or {}
        guid = (circuit.get("properties") or {}).get("serviceKey") or "0"
        props["primaryAzurePort"] = old_props.get("primaryAzurePort") or f"MSEE-{guid[:8]}-PRI"
        props["secondaryAzurePort"] = old_props.get("secondaryAzurePort") or f"MSEE-{guid[:8]}-SEC"
        props["lastModifiedBy"] = "Customer"
        props["gatewayManagerEtag"] = old_props.get("gatewayManagerEtag", "")
        props.pop("peeredConnections", None)
        props.pop("expressRouteConnection", None)
        if not props.get("sharedKey"):
            props.pop("sharedKey", None)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        props["peeredConnections"] = peered_connections(ctx, body["id"])

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.get("properties") or {}
        if props.get("peeringType") != "AzurePrivatePeering":
            return
        cid = er_circuits.circuit_of(body["id"])
        for rec in ctx.referrers(cid):
            if rec.type.lower() == er_circuits.CONN_TYPE.lower():
                raise bad("InUseExpressRouteCircuitPeeringCannotBeDeleted",
                          f"Private peering {body['id']} cannot be deleted while connection {rec.id} links circuit "
                          f"{cid} to a virtual network gateway.")
        if peered_connections(ctx, body["id"]):
            raise bad("InUseExpressRouteCircuitPeeringCannotBeDeleted",
                      f"Private peering {body['id']} cannot be deleted while another circuit's Global Reach connection "
                      "uses it.")


def check_siblings(ctx: Ctx, cid: str, new: dict[str, Any] | None = None) -> None:
    """VLAN ids and peer subnets are unique among a circuit's peerings."""
    bodies = {rec.key: rec.body for rec in ctx.children(cid, TYPE)}
    if new is not None:
        bodies[normalize(new["id"])] = new
    seen_vlan: dict[int, str] = {}
    seen_nets: list[tuple[Any, str]] = []
    for body in bodies.values():
        p = body.get("properties") or {}
        vlan = p.get("vlanId")
        if vlan in seen_vlan:
            raise bad("VlanIdInUse", f"VLAN id {vlan} of peering {body['id']} is already used by peering "
                                      f"{seen_vlan[vlan]} of the circuit.")
        seen_vlan[vlan] = body["id"]
        for net in peering_subnets(body):
            for other, oid in seen_nets:
                if net.version == other.version and net.overlaps(other):
                    raise bad("PeerAddressPrefixInUse",
                              f"Subnet {net} of peering {body['id']} overlaps subnet {other} of peering {oid}.")
            seen_nets.append((net, body["id"]))


def peered_connections(ctx: Ctx, peering_id: str) -> list[dict[str, Any]]:
    """Global Reach connections of other circuits that name this peering."""
    own = normalize(peering_id)
    out = []
    for rec in ctx.referrers(peering_id):
        if rec.type.lower() != GR_TYPE.lower():
            continue
        p = rec.body.get("properties") or {}
        if normalize((p.get("peerExpressRouteCircuitPeering") or {}).get("id") or "") != own:
            continue
        name = rec.id.rsplit("/", 1)[-1]
        out.append({"name": name, "id": f"{peering_id}/peerConnections/{name}",
                    "type": f"{TYPE}/peerConnections",
                    "properties": {"expressRouteCircuitPeering": {"id": peering_id},
                                   "peerExpressRouteCircuitPeering": {"id": peering_of(rec.id)},
                                   "addressPrefix": p.get("addressPrefix"),
                                   "circuitConnectionStatus": "Connected", "connectionName": name,
                                   "authResourceGuid": (rec.body.get("_aznet") or {}).get("authResourceGuid", ""),
                                   "provisioningState": "Succeeded"}})
    return out


class GlobalReachHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        gid = new["id"]
        own_peering = peering_of(gid)
        own = ctx.body(own_peering) or {}
        if (own.get("properties") or {}).get("peeringType") != "AzurePrivatePeering":
            raise bad("GlobalReachRequiresPrivatePeering",
                      f"Global Reach connection {gid} must be created on the circuit's AzurePrivatePeering.")
        mine = ref_id(props.get("expressRouteCircuitPeering"), "properties.expressRouteCircuitPeering")
        if mine is not None and normalize(mine) != normalize(own_peering):
            raise bad("InvalidExpressRouteCircuitPeering",
                      f"expressRouteCircuitPeering of Global Reach connection {gid} must be {own_peering}.")
        props["expressRouteCircuitPeering"] = {"id": own["id"]}
        peer_id = ref_id(props.get("peerExpressRouteCircuitPeering"), "properties.peerExpressRouteCircuitPeering")
        if peer_id is None:
            raise bad("PeerExpressRouteCircuitPeeringRequired",
                      f"Global Reach connection {gid} needs properties.peerExpressRouteCircuitPeering.")
        peer = resolve(ctx, peer_id, gid, TYPE)
        if (peer.get("properties") or {}).get("peeringType") != "AzurePrivatePeering":
            raise bad("GlobalReachRequiresPrivatePeering",
                      f"The peer peering {peer_id} of Global Reach connection {gid} must be an AzurePrivatePeering.")
        peer_circuit = er_circuits.circuit_of(peer["id"])
        own_circuit = er_circuits.circuit_of(gid)
        if normalize(peer_circuit) == normalize(own_circuit):
            raise bad("GlobalReachRequiresTwoCircuits", f"Global Reach connection {gid} must link two different circuits.")
        props["peerExpressRouteCircuitPeering"] = {"id": peer["id"]}
        parsed = parse_resource_id(peer["id"])
        key = props.get("authorizationKey")
        if parsed is not None and parsed.subscription.lower() != ctx.subscription.lower():
            auth = er_circuits.find_authorization(ctx, peer_circuit, key)
            if auth is None:
                raise ArmError(403, "AuthorizationKeyInvalid",
                               f"Global Reach connection {gid}: the authorization key does not match an authorization "
                               f"of circuit {peer_circuit} in another subscription.")
            used = er_circuits.authorization_in_use(ctx, auth)
            if used and normalize(used) != normalize(gid):
                raise ArmError(409, "AuthorizationKeyInUse",
                               f"The authorization key of Global Reach connection {gid} is already used by {used}.")
            ctx.scratch["er-gr-auth"] = auth["id"]
        net = _net(props.get("addressPrefix"), "addressPrefix", 4, 29, gid)
        props["addressPrefix"] = str(net)
        for body in (own, peer):
            for sub in peering_subnets(body):
                if sub.version == 4 and sub.overlaps(net):
                    raise bad("GlobalReachAddressPrefixOverlaps",
                              f"addressPrefix {net} of Global Reach connection {gid} overlaps subnet {sub} of peering "
                              f"{body['id']}.")
        v6 = props.get("ipv6CircuitConnectionConfig")
        if v6 not in (None, {}):
            if not isinstance(v6, dict):
                raise cannot_parse("properties.ipv6CircuitConnectionConfig", v6, "Ipv6CircuitConnectionConfig")
            v6net = _net(v6.get("addressPrefix"), "ipv6CircuitConnectionConfig.addressPrefix", 6, 125, gid)
            props["ipv6CircuitConnectionConfig"] = {"addressPrefix": str(v6net), "circuitConnectionStatus": "Connected"}
        for rec in ctx.children(own_peering, GR_TYPE):
            if rec.key == normalize(gid):
                continue
            p = rec.body.get("properties") or {}
            if normalize((p.get("peerExpressRouteCircuitPeering") or {}).get("id") or "") == normalize(peer["id"]):
                raise ArmError(409, "GlobalReachConnectionAlreadyExists",
                               f"Circuits {own_circuit} and {peer_circuit} are already linked by {rec.id}.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        props["circuitConnectionStatus"] = "Connected"
        props.pop("authResourceGuid", None)
        # the authorization redeemed (another subscription's circuit) is private state: the connection's model
        # has no such member; the other circuit's peerConnections show it as authResourceGuid
        auth = ctx.scratch.pop("er-gr-auth", None) or ((old or {}).get("_aznet") or {}).get("authResourceGuid")
        if auth:
            new["_aznet"] = {**(new.get("_aznet") or {}), "authResourceGuid": auth}


# -- the peering's tables: answered from the customer edge's routes (aznet expressroute advertise) ---------

def _device(params_path: str) -> str:
    low = params_path.lower()
    if low not in ("primary", "secondary"):
        raise bad("InvalidDevicePath", f"The device path {params_path!r} must be primary or secondary.")
    return low


def edge(body: dict[str, Any]) -> dict[str, Any]:
    """The customer edge's state on this peering: {"up": bool, "routes": [{"network", "path"}]}."""
    return (body.get("_aznet") or {}).get("edge") or {}


LINKS = ("primary", "secondary")


def live(ctx: Ctx, peering: dict[str, Any], device: str) -> dict[str, Any] | None:
    """The BGP session of this link of the peering, when aznet runs an MSEE speaker for it (a customer router
    such as FRR peers with it): up, routes held {prefix: AS path}, seconds up, bytes in/out. None without one."""
    from ....dataplane.bgp.service import BgpService

    svc = ctx.platform.services.get(BgpService)
    return svc.link_state(peering["id"], LINKS.index(device)) if svc is not None else None


def _uptime(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def addresses(body: dict[str, Any], device: str) -> tuple[str | None, str | None]:
    """(customer router, Microsoft router) addresses of a link: the first and second usable of its /30."""
    p = body.get("properties") or {}
    pfx = p.get(f"{device}PeerAddressPrefix") or ((p.get("ipv6PeeringConfig") or {}).get(f"{device}PeerAddressPrefix"))
    if not pfx:
        return None, None
    net = ipaddress.ip_network(pfx, strict=False)
    return str(net.network_address + 1), str(net.network_address + 2)


def _mac(seed: str) -> str:
    raw = uuid.uuid5(uuid.NAMESPACE_URL, seed).bytes[:6]
    first = (raw[0] | 0x02) & 0xFE                # locally administered, unicast
    return "".join(f"{b:02x}" for b in (first, *raw[1:]))


def _linked_vnet_routes(ctx: Ctx, circuit_id: str) -> list[dict[str, Any]]:
    """What the MSEE learns from the gateways linked to the circuit: their VNets' prefixes, AS 65515."""
    out = []
    for rec in ctx.referrers(circuit_id):
        if rec.type.lower() != er_circuits.CONN_TYPE.lower():
            continue
        gw = ctx.body(((rec.body.get("properties") or {}).get("virtualNetworkGateway1") or {}).get("id") or "")
        gp = (gw or {}).get("properties") or {}
        hop = ((gp.get("bgpSettings") or {}).get("bgpPeeringAddress") or "").split(",")[0]
        for cfg in gp.get("ipConfigurations") or []:
            sub = ((cfg.get("properties") or {}).get("subnet") or {}).get("id") or ""
            vnet = ctx.body(sub[: sub.lower().rfind("/subnets/")]) if "/subnets/" in sub.lower() else None
            for pfx in (((vnet or {}).get("properties") or {}).get("addressSpace") or {}).get("addressPrefixes") or []:
                out.append({"network": pfx, "nextHop": hop, "locPrf": "", "weight": 0, "path": "65515"})
            break
    return out


def arp_table(ctx: Ctx, peering: dict[str, Any], device: str) -> list[dict[str, Any]]:
    onprem, msee = addresses(peering, device)
    if msee is None:
        return []
    out = [{"age": 0, "interface": "Microsoft", "ipAddress": msee, "macAddress": _mac(f"{peering['id']}/{device}/ms")}]
    session = live(ctx, peering, device)
    if edge(peering).get("up") or (session is not None and session["up"]):
        out.insert(0, {"age": 0, "interface": "On-Prem", "ipAddress": onprem,
                       "macAddress": _mac(f"{peering['id']}/{device}/onprem")})
    return out


def microsoft_routes(ctx: Ctx, peering: dict[str, Any], device: str) -> list[dict[str, Any]]:
    """What Microsoft announces over Microsoft peering: the prefixes of the communities the attached route
    filter allows (none without a filter), next hop Microsoft's router, AS path 12076."""
    p = peering.get("properties") or {}
    rf = (p.get("routeFilter") or {}).get("id")
    if not rf:
        return []
    _, msee = addresses(peering, device)
    out = []
    for rec in ctx.children(rf, f"{ROUTE_FILTER_TYPE}/routeFilterRules"):
        rp = rec.body.get("properties") or {}
        if rp.get("access") != "Allow":
            continue
        for community in rp.get("communities") or []:
            for pfx in er_catalogue.community_prefixes(community):
                out.append({"network": pfx, "nextHop": msee, "locPrf": "", "weight": 0, "path": str(AZURE_ASN)})
    return out


def route_table(ctx: Ctx, peering: dict[str, Any], device: str) -> list[dict[str, Any]]:
    onprem, _ = addresses(peering, device)
    e = edge(peering)
    routes = [{"network": r["network"], "nextHop": onprem, "locPrf": "", "weight": 0, "path": r["path"]}
              for r in (e.get("routes") or [])] if e.get("up") else []
    session = live(ctx, peering, device)
    if session is not None and session["up"]:
        held = {r["network"] for r in routes}
        routes.extend({"network": p, "nextHop": onprem, "locPrf": "", "weight": 0, "path": path}
                      for p, path in session["routes"].items() if p not in held)
    ptype = (peering.get("properties") or {}).get("peeringType")
    if ptype == "AzurePrivatePeering":
        routes.extend(_linked_vnet_routes(ctx, er_circuits.circuit_of(peering["id"])))
    elif ptype == "MicrosoftPeering":
        routes.extend(microsoft_routes(ctx, peering, device))
    return routes


def route_summary(ctx: Ctx, peering: dict[str, Any], device: str) -> list[dict[str, Any]]:
    onprem, _ = addresses(peering, device)
    if onprem is None:
        return []
    p = peering.get("properties") or {}
    session = live(ctx, peering, device)
    if session is not None and session["up"]:
        return [{"neighbor": onprem, "v": 4, "as": p.get("peerASN"), "upDown": _uptime(session["seconds"]),
                 "statePfxRcd": str(len(session["routes"]))}]
    e = edge(peering)
    return [{"neighbor": onprem, "v": 4 if "." in onprem else 6, "as": p.get("peerASN"),
             "upDown": e.get("since", "") if e.get("up") else "never",
             "statePfxRcd": str(len(e.get("routes") or [])) if e.get("up") else "Active"}]


def link_bytes(ctx: Ctx, peering: dict[str, Any]) -> dict[str, int]:
    """The peering's byte counters: what crossed each link, i.e. its BGP session (no data path runs over a
    circuit on this machine), seen from Microsoft's side (in = from the customer)."""
    out: dict[str, int] = {}
    for device in LINKS:
        session = live(ctx, peering, device)
        out[f"{device}bytesIn"] = session["bytesIn"] if session else 0
        out[f"{device}bytesOut"] = session["bytesOut"] if session else 0
    return out


def peering_stats(ctx: Ctx, body: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    return 200, link_bytes(ctx, body)


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="ExpressRouteCircuitPeering", location="none",
                          hooks=PeeringHooks(), inline_children={"connections": GR_TYPE}, names=NameRule(1, 80),
                          actions=[Action("stats", peering_stats, method="GET")]))
REGISTRY.add(ResourceType(f"{TYPE}/peerConnections", since("2018-12-01"), model="PeerExpressRouteCircuitConnection",
                          location="none", virtual=lambda ctx, peering: peered_connections(ctx, peering["id"])))
REGISTRY.add(ResourceType(GR_TYPE, since("2018-02-01"),
                          model="ExpressRouteCircuitConnection", location="none", hooks=GlobalReachHooks(),
                          names=NameRule(1, 80)))
