"""An ExpressRoute connection (``connectionType: ExpressRoute``): a VNet's ExpressRoute gateway linked to
a circuit (``peer``), as "Connect a virtual network to an ExpressRoute circuit" describes:

- the circuit must be provisioned by its provider (serviceProviderProvisioningState Provisioned) and
  have Azure private peering configured;
- a circuit in another subscription is linked with one of its authorizations' keys
  (``authorizationKey``), each key redeemed by one connection; in the circuit's own subscription no key
  is needed (a key given must still be the circuit's);
- a circuit links at most a number of VNets: 10 on Standard (and Local/Basic), on Premium 20 to 100 by
  bandwidth (ExpressRoute limits table);
- ``connectionStatus``: Connected while the private peering is enabled, NotConnected otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....arm.errors import ArmError
from ....arm.ids import normalize, parse_resource_id
from ..ref_checks import resolve
from . import er_circuits

if TYPE_CHECKING:
    from ....arm.context import Ctx

# Premium: VNet links by circuit bandwidth in Mbps (ExpressRoute limits)
PREMIUM_LINKS = ((50, 20), (100, 25), (200, 25), (500, 40), (1000, 50), (2000, 60), (5000, 75), (10000, 100))
STANDARD_LINKS = 10


def link_limit(circuit: dict[str, Any]) -> int:
    if (circuit.get("sku") or {}).get("tier") != "Premium":
        return STANDARD_LINKS
    p = circuit.get("properties") or {}
    mbps = int((p.get("serviceProviderProperties") or {}).get("bandwidthInMbps") or
               float(p.get("bandwidthInGbps") or 0) * 1000)
    limit = PREMIUM_LINKS[0][1]
    for bw, n in PREMIUM_LINKS:
        if mbps >= bw:
            limit = n
    return limit


def private_peering(ctx: Ctx, circuit_id: str) -> dict[str, Any] | None:
    for rec in ctx.children(circuit_id, er_circuits.PEERING_TYPE):
        if (rec.body.get("properties") or {}).get("peeringType") == "AzurePrivatePeering":
            return rec.body
    return None


def check(ctx: Ctx, new: dict[str, Any], peer: str, old: dict[str, Any] | None) -> str:
    """Validate the link; returns the circuit's id as stored."""
    cid = new["id"]
    props = new["properties"]
    circuit = resolve(ctx, peer, cid, er_circuits.TYPE)
    circuit_id = circuit["id"]
    cp = circuit.get("properties") or {}
    state = cp.get("serviceProviderProvisioningState")
    if state != "Provisioned":
        raise ArmError(400, "ExpressRouteCircuitNotProvisioned",
                       f"Connection {cid} cannot link circuit {circuit_id}: its service provider provisioning state "
                       f"is {state}. The connectivity provider must provision the circuit first.")
    if private_peering(ctx, circuit_id) is None:
        raise ArmError(400, "ExpressRouteCircuitPrivatePeeringRequired",
                       f"Connection {cid} cannot link circuit {circuit_id}: the circuit has no Azure private peering.")
    key = props.get("authorizationKey")
    parsed = parse_resource_id(circuit_id)
    other_sub = parsed is not None and parsed.subscription.lower() != ctx.subscription.lower()
    if key not in (None, "") or other_sub:
        auth = er_circuits.find_authorization(ctx, circuit_id, key)
        if auth is None:
            raise ArmError(403 if other_sub else 400, "AuthorizationKeyInvalid",
                           f"The authorization key of connection {cid} does not match an authorization of circuit "
                           f"{circuit_id}.")
        used = er_circuits.authorization_in_use(ctx, auth)
        if used and normalize(used) != normalize(cid):
            raise ArmError(409, "AuthorizationKeyInUse",
                           f"The authorization key of connection {cid} is already used by connection {used}.")
    links = {normalize(r.id) for r in ctx.referrers(circuit_id) if r.type.lower() == er_circuits.CONN_TYPE.lower()}
    links.add(normalize(cid))
    limit = link_limit(circuit)
    if len(links) > limit:
        raise ArmError(400, "MaxVirtualNetworkLinksPerCircuitReached",
                       f"Circuit {circuit_id} ({(circuit.get('sku') or {}).get('name')}) can link at most {limit} "
                       "virtual networks.")
    return str(circuit_id)


def status(ctx: Ctx, body: dict[str, Any]) -> str:
    circuit_id = ((body.get("properties") or {}).get("peer") or {}).get("id") or ""
    circuit = ctx.body(circuit_id) if circuit_id else None
    if circuit is None or (circuit.get("properties") or {}).get("serviceProviderProvisioningState") != "Provisioned":
        return "NotConnected"
    peering = private_peering(ctx, circuit_id)
    if peering is None or (peering.get("properties") or {}).get("state") == "Disabled":
        return "NotConnected"
    return "Connected"
