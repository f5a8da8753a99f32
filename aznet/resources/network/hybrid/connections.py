"""Microsoft.Network/connections: IPsec (site-to-site), Vnet2Vnet and ExpressRoute connections.

- IPsec: ``virtualNetworkGateway1`` (a Vpn gateway) and ``localNetworkGateway2``; Vnet2Vnet: two
  different Vpn gateways; ExpressRoute: an ExpressRoute gateway and ``peer`` (a circuit).
- ``sharedKey``: printable ASCII, at most 128 characters; generated when absent (IPsec, Vnet2Vnet).
  ``{connection}/sharedkey`` GET / PUT and ``{connection}/sharedkey/reset`` POST (keyLength 1-128).
- ``enableBgp`` needs BGP on the gateway(s) and, for IPsec, BGP settings on the local network gateway.
- A policy-based gateway takes IKEv1 site-to-site connections only; ``usePolicyBasedTrafficSelectors``
  needs an IPsec/IKE policy (ipsec_policy.py); ``dpdTimeoutSeconds`` 9-3600; ``routingWeight`` 0-32000.
- A gateway holds at most its SKU's tunnel count of connections.
- ExpressRoute: er_link.py (the circuit must be provisioned with private peering; an authorization key
  of the circuit when it is in another subscription; the circuit's VNet link limit).
- ``connectionStatus`` (read time): a Vnet2Vnet connection is Connected when the reverse connection
  exists with the same shared key, otherwise Connecting; an IPsec connection is NotConnected: no
  on-premises IKE peer exists on this machine. Bytes in and out are 0 (no tunnel carries traffic)."""

from __future__ import annotations

import secrets
import string
import uuid
from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ..ref_checks import boolean, cannot_parse, enum, integer, ref_id, resolve, since
from . import custom_bgp, er_link, gateway_nat_rules, ipsec_policy, skus

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/connections"
GW_TYPE = "Microsoft.Network/virtualNetworkGateways"
LNG_TYPE = "Microsoft.Network/localNetworkGateways"
CIRCUIT_TYPE = "Microsoft.Network/expressRouteCircuits"
KEY_ALPHABET = string.ascii_letters + string.digits
MAX_KEY = 128


def check_key(key: Any, owner: str) -> str:
    if not isinstance(key, str) or not key or len(key) > MAX_KEY or not all(32 < ord(c) < 127 for c in key):
        raise bad("InvalidSharedKey", f"The shared key of connection {owner} must be 1 to {MAX_KEY} printable ASCII "
                  "characters without spaces.")
    return key


def new_key(length: int = 32) -> str:
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(length))


def _gateway(ctx: Ctx, props: dict[str, Any], key: str, owner: str, location: str, want_type: str) -> dict[str, Any]:
    gid = ref_id(props.get(key), f"properties.{key}")
    if gid is None:
        raise bad("ConnectionGatewayRequired", f"Connection {owner} needs properties.{key}.")
    body = resolve(ctx, gid, owner, GW_TYPE, location if key == "virtualNetworkGateway1" else None)
    gtype = (body.get("properties") or {}).get("gatewayType")
    if gtype != want_type:
        raise bad("InvalidGatewayTypeForConnection",
                  f"Connection {owner} needs a {want_type} gateway in {key}; {gid} is a {gtype} gateway.")
    props[key] = {"id": body["id"]}
    return body


class ConnectionHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        cid = new["id"]
        ctype = enum(props.get("connectionType"), ("IPsec", "Vnet2Vnet", "ExpressRoute", "VPNClient"),
                     "properties.connectionType", "VirtualNetworkGatewayConnectionType")
        if ctype is None:
            raise bad("ConnectionTypeRequired", f"Connection {cid} needs properties.connectionType.")
        if ctype == "VPNClient":
            raise bad("InvalidConnectionType", f"Connection type VPNClient cannot be created for connection {cid}.")
        old_props = (old or {}).get("properties") or {}
        if old is not None and old_props.get("connectionType") not in (None, ctype):
            raise bad("ConnectionTypeCannotBeChanged", f"The type of connection {cid} cannot be changed.")
        props["connectionType"] = ctype
        gw1 = _gateway(ctx, props, "virtualNetworkGateway1", cid, new["location"],
                       "ExpressRoute" if ctype == "ExpressRoute" else "Vpn")
        g1 = gw1.get("properties") or {}
        sku = skus.SKUS[(g1.get("sku") or {}).get("name", "").lower()]
        lng: dict[str, Any] | None = None
        if ctype == "IPsec":
            lid = ref_id(props.get("localNetworkGateway2"), "properties.localNetworkGateway2")
            if lid is None:
                raise bad("LocalNetworkGatewayRequired", f"IPsec connection {cid} needs properties.localNetworkGateway2.")
            lng = resolve(ctx, lid, cid, LNG_TYPE, new["location"])
            props["localNetworkGateway2"] = {"id": lng["id"]}
            props.pop("virtualNetworkGateway2", None)
        elif ctype == "Vnet2Vnet":
            gw2 = _gateway(ctx, props, "virtualNetworkGateway2", cid, new["location"], "Vpn")
            if normalize(gw2["id"]) == normalize(gw1["id"]):
                raise bad("VnetToVnetConnectionNeedsTwoGateways",
                          f"Vnet2Vnet connection {cid} must connect two different gateways.")
            if (gw2.get("properties") or {}).get("vpnType") == "PolicyBased" or g1.get("vpnType") == "PolicyBased":
                raise bad("PolicyBasedGatewayDoesNotSupportVnetToVnet",
                          f"Vnet2Vnet connection {cid} needs route-based gateways.")
            props.pop("localNetworkGateway2", None)
        else:
            peer = ref_id(props.get("peer"), "properties.peer")
            if peer is None:
                raise bad("ExpressRouteCircuitRequired", f"ExpressRoute connection {cid} needs properties.peer.")
            props["peer"] = {"id": er_link.check(ctx, new, peer, old)}
            props.pop("localNetworkGateway2", None)
            props.pop("virtualNetworkGateway2", None)
        gateway_nat_rules.check_connection(ctx, new, ctype, gw1)
        self._options(ctx, new, ctype, gw1, sku, lng)
        custom_bgp.check_connection(ctx, new, ctype, gw1)
        self._tunnel_limit(ctx, new, gw1, sku)

    def _options(self, ctx: Ctx, new: dict[str, Any], ctype: str, gw1: dict[str, Any], sku: skus.Sku,
                 lng: dict[str, Any] | None) -> None:
        props = new["properties"]
        cid = new["id"]
        g1 = gw1.get("properties") or {}
        proto = enum(props.get("connectionProtocol"), ("IKEv2", "IKEv1"), "properties.connectionProtocol",
                     "VirtualNetworkGatewayConnectionProtocol", "IKEv2")
        if g1.get("vpnType") == "PolicyBased":
            if ctype != "IPsec" or proto != "IKEv1" and props.get("connectionProtocol") is not None:
                raise bad("PolicyBasedGatewaySupportsIkev1Only",
                          f"Connection {cid} on policy-based gateway {gw1['id']} must be an IKEv1 site-to-site "
                          "connection.")
            proto = "IKEv1"
        if ctype != "ExpressRoute":
            props["connectionProtocol"] = proto
            key = props.get("sharedKey")
            old_key = None
            rec = ctx.record(cid)
            if rec is not None:
                old_key = (rec.body.get("properties") or {}).get("sharedKey")
            props["sharedKey"] = check_key(key, cid) if key is not None else (old_key or new_key())
        enable_bgp = boolean(props.get("enableBgp"), "properties.enableBgp", False)
        props["enableBgp"] = enable_bgp
        if enable_bgp:
            if not sku.bgp or not g1.get("enableBgp") and ctype != "ExpressRoute":
                raise bad("BgpNotEnabledOnVirtualNetworkGateway",
                          f"Connection {cid} enables BGP, but virtual network gateway {gw1['id']} does not have BGP "
                          "enabled.")
            if lng is not None and not (lng.get("properties") or {}).get("bgpSettings"):
                raise bad("BgpSettingsRequiredOnLocalNetworkGateway",
                          f"Connection {cid} enables BGP, but local network gateway {lng['id']} has no BGP settings.")
        policies = ipsec_policy.check_policies(props.get("ipsecPolicies"), cid)
        props["ipsecPolicies"] = policies
        selectors = boolean(props.get("usePolicyBasedTrafficSelectors"), "properties.usePolicyBasedTrafficSelectors",
                            False)
        if selectors and not policies:
            raise bad("PolicyBasedTrafficSelectorsRequireIpsecPolicy",
                      f"Connection {cid} uses policy-based traffic selectors, which need an IPsec/IKE policy.")
        props["usePolicyBasedTrafficSelectors"] = selectors
        weight = integer(props.get("routingWeight"), "properties.routingWeight", 0)
        if weight is None or not 0 <= weight <= 32000:
            raise bad("InvalidRoutingWeight", f"routingWeight {weight} of connection {cid} must be 0-32000.")
        props["routingWeight"] = weight
        dpd = integer(props.get("dpdTimeoutSeconds"), "properties.dpdTimeoutSeconds", 45)
        if ctype != "ExpressRoute":
            if dpd is None or not 9 <= dpd <= 3600:
                raise bad("InvalidDpdTimeout", f"dpdTimeoutSeconds {dpd} of connection {cid} must be 9-3600.")
            props["dpdTimeoutSeconds"] = dpd
        mode = enum(props.get("connectionMode"), ("Default", "ResponderOnly", "InitiatorOnly"),
                    "properties.connectionMode", "VirtualNetworkGatewayConnectionMode", "Default")
        props["connectionMode"] = mode

    def _tunnel_limit(self, ctx: Ctx, new: dict[str, Any], gw1: dict[str, Any], sku: skus.Sku) -> None:
        own = normalize(new["id"])
        count = 1
        for rec in ctx.referrers(gw1["id"]):
            if rec.type.lower() == TYPE.lower() and rec.key != own:
                count += 1
        limit = 1 if (gw1.get("properties") or {}).get("vpnType") == "PolicyBased" else sku.s2s_tunnels
        if count > limit:
            raise bad("MaximumConnectionsPerGatewayReached",
                      f"Virtual network gateway {gw1['id']} with SKU {sku.name} supports at most {limit} connections.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        old_props = (old or {}).get("properties") or {}
        props["resourceGuid"] = old_props.get("resourceGuid") or str(uuid.uuid4())
        for k in ("connectionStatus", "ingressBytesTransferred", "egressBytesTransferred", "tunnelConnectionStatus"):
            props.pop(k, None)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        props["connectionStatus"] = connection_status(ctx, body)
        props["ingressBytesTransferred"] = 0
        props["egressBytesTransferred"] = 0


def connection_status(ctx: Ctx, body: dict[str, Any]) -> str:
    props = body.get("properties") or {}
    ctype = props.get("connectionType")
    if ctype == "Vnet2Vnet":
        g1 = normalize(((props.get("virtualNetworkGateway1") or {}).get("id")) or "")
        g2 = normalize(((props.get("virtualNetworkGateway2") or {}).get("id")) or "")
        for rec in ctx.referrers(g2):
            p = rec.body.get("properties") or {}
            if rec.type.lower() == TYPE.lower() and p.get("connectionType") == "Vnet2Vnet" \
                    and normalize((p.get("virtualNetworkGateway1") or {}).get("id") or "") == g2 \
                    and normalize((p.get("virtualNetworkGateway2") or {}).get("id") or "") == g1:
                return "Connected" if p.get("sharedKey") == props.get("sharedKey") else "NotConnected"
        return "Connecting"
    if ctype == "IPsec":
        return "NotConnected"
    if ctype == "ExpressRoute":
        return er_link.status(ctx, body)
    return "Unknown"


def get_shared_key(ctx: Ctx, body: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    key = (body.get("properties") or {}).get("sharedKey")
    if key is None:
        raise bad("SharedKeyNotApplicable", f"Connection {body['id']} has no shared key.")
    return 200, {"value": key, "id": f"{body['id']}/sharedkey"}


def _store_key(ctx: Ctx, body: dict[str, Any], key: str) -> None:
    rec = ctx.record(body["id"])
    assert rec is not None
    stored = dict(rec.body)
    stored["properties"] = {**(rec.body.get("properties") or {}), "sharedKey": key}
    stored["etag"] = f'W/"{uuid.uuid4()}"'
    ctx.write_raw(rec.id, stored)


def set_shared_key(ctx: Ctx, body: dict[str, Any], payload: Any) -> tuple[int, Any]:
    if not isinstance(payload, dict):
        raise cannot_parse("", payload, "ConnectionSharedKey")
    value = next((v for k, v in payload.items() if k.lower() == "value"), None)
    if (body.get("properties") or {}).get("connectionType") == "ExpressRoute":
        raise bad("SharedKeyNotApplicable", f"ExpressRoute connection {body['id']} has no shared key.")
    _store_key(ctx, body, check_key(value, body["id"]))
    return 200, {"value": value, "id": f"{body['id']}/sharedkey"}


def reset_shared_key(ctx: Ctx, body: dict[str, Any], payload: Any) -> tuple[int, Any]:
    if not isinstance(payload, dict):
        raise cannot_parse("", payload, "ConnectionResetSharedKey")
    length = integer(next((v for k, v in payload.items() if k.lower() == "keylength"), None), "keyLength")
    if length is None or not 1 <= length <= MAX_KEY:
        raise bad("InvalidSharedKeyLength", f"keyLength {length} must be between 1 and {MAX_KEY}.")
    if (body.get("properties") or {}).get("connectionType") == "ExpressRoute":
        raise bad("SharedKeyNotApplicable", f"ExpressRoute connection {body['id']} has no shared key.")
    _store_key(ctx, body, new_key(length))
    return 200, {"keyLength": length}


REGISTRY.add(ResourceType(TYPE, since("2015-06-15"), model="VirtualNetworkGatewayConnection", hooks=ConnectionHooks(),
                          names=NameRule(1, 80)))
