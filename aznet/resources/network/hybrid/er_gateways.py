"""Virtual WAN ExpressRoute gateways: Microsoft.Network/expressRouteGateways and their
expressRouteConnections (a hub's link to a circuit's private peering).

- ``virtualHub`` (required; the hub type is Virtual WAN's): one ExpressRoute gateway per hub, in the
  hub's region; ``autoScaleConfiguration.bounds.min`` 1-10 scale units (max ≥ min);
  ``allowNonVirtualWanTraffic``.
- connections: ``expressRouteCircuitPeering`` must be an AzurePrivatePeering of a provisioned circuit
  (an authorization key when the circuit is in another subscription); ``routingWeight`` 0-32000;
  ``enableInternetSecurity``; one connection per circuit on a gateway. ``routingConfiguration`` is kept
  as given (Virtual WAN's hub routing reads it).
- The gateway cannot be deleted while it has connections."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....arm.errors import ArmError
from ....arm.errors import bad_request as bad
from ....arm.ids import normalize, parse_resource_id
from ....arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ..ref_checks import boolean, cannot_parse, integer, ref_id, resolve, since
from . import er_circuits

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/expressRouteGateways"
CONN_TYPE = f"{TYPE}/expressRouteConnections"
HUB_TYPE = "Microsoft.Network/virtualHubs"
API_VERSIONS = since("2018-08-01")
MAX_SCALE_UNITS = 10


class GatewayHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        gid = new["id"]
        hub_id = ref_id(props.get("virtualHub"), "properties.virtualHub")
        if hub_id is None:
            raise bad("VirtualHubRequired", f"ExpressRoute gateway {gid} needs properties.virtualHub.")
        hub = resolve(ctx, hub_id, gid, HUB_TYPE, new["location"])
        props["virtualHub"] = {"id": hub["id"]}
        old_hub = (((old or {}).get("properties") or {}).get("virtualHub") or {}).get("id")
        if old_hub and normalize(old_hub) != normalize(hub["id"]):
            raise bad("VirtualHubCannotBeChanged", f"The virtual hub of ExpressRoute gateway {gid} cannot be changed.")
        for rec in ctx.of_type(TYPE):
            if rec.key != normalize(gid) and normalize(((rec.body.get("properties") or {}).get("virtualHub") or {})
                                                        .get("id") or "") == normalize(hub["id"]):
                raise ArmError(409, "VirtualHubAlreadyHasExpressRouteGateway",
                               f"Virtual hub {hub['id']} already has ExpressRoute gateway {rec.id}.")
        scale = props.get("autoScaleConfiguration")
        if scale is not None:
            bounds = (scale or {}).get("bounds") if isinstance(scale, dict) else None
            if not isinstance(bounds, dict):
                raise cannot_parse("properties.autoScaleConfiguration", scale, "ExpressRouteGatewayPropertiesAutoScaleConfiguration")
            lo = integer(bounds.get("min"), "properties.autoScaleConfiguration.bounds.min", 1)
            hi = integer(bounds.get("max"), "properties.autoScaleConfiguration.bounds.max", lo)
            if lo is None or hi is None or not 1 <= lo <= MAX_SCALE_UNITS or not lo <= hi <= MAX_SCALE_UNITS:
                raise bad("InvalidAutoScaleConfiguration",
                          f"Scale units of ExpressRoute gateway {gid} must be 1-{MAX_SCALE_UNITS} with max ≥ min.")
            props["autoScaleConfiguration"] = {"bounds": {"min": lo, "max": hi}}
        props["allowNonVirtualWanTraffic"] = boolean(props.get("allowNonVirtualWanTraffic"),
                                                     "properties.allowNonVirtualWanTraffic", False)

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        if ctx.children(body["id"], CONN_TYPE):
            raise bad("InUseExpressRouteGatewayCannotBeDeleted",
                      f"ExpressRoute gateway {body['id']} has connections; delete them first.")


class ConnectionHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        cid = new["id"]
        peering_id = ref_id(props.get("expressRouteCircuitPeering"), "properties.expressRouteCircuitPeering")
        if peering_id is None:
            raise bad("ExpressRouteCircuitPeeringRequired",
                      f"ExpressRoute connection {cid} needs properties.expressRouteCircuitPeering.")
        peering = resolve(ctx, peering_id, cid, er_circuits.PEERING_TYPE)
        if (peering.get("properties") or {}).get("peeringType") != "AzurePrivatePeering":
            raise bad("ExpressRouteConnectionRequiresPrivatePeering",
                      f"ExpressRoute connection {cid} must use a circuit's AzurePrivatePeering.")
        circuit_id = er_circuits.circuit_of(peering["id"])
        circuit = ctx.body(circuit_id) or {}
        if (circuit.get("properties") or {}).get("serviceProviderProvisioningState") != "Provisioned":
            raise bad("ExpressRouteCircuitNotProvisioned",
                      f"ExpressRoute connection {cid}: circuit {circuit_id} is not provisioned by its provider.")
        props["expressRouteCircuitPeering"] = {"id": peering["id"]}
        parsed = parse_resource_id(circuit_id)
        key = props.get("authorizationKey")
        if (parsed is not None and parsed.subscription.lower() != ctx.subscription.lower()) or key:
            auth = er_circuits.find_authorization(ctx, circuit_id, key)
            if auth is None:
                raise ArmError(403, "AuthorizationKeyInvalid",
                               f"The authorization key of ExpressRoute connection {cid} does not match an "
                               f"authorization of circuit {circuit_id}.")
        weight = integer(props.get("routingWeight"), "properties.routingWeight", 0)
        if weight is None or not 0 <= weight <= 32000:
            raise bad("InvalidRoutingWeight", f"routingWeight {weight} of ExpressRoute connection {cid} must be 0-32000.")
        props["routingWeight"] = weight
        props["enableInternetSecurity"] = boolean(props.get("enableInternetSecurity"),
                                                  "properties.enableInternetSecurity", False)
        gw = cid[: cid.lower().rfind("/expressrouteconnections/")]
        for rec in ctx.children(gw, CONN_TYPE):
            if rec.key == normalize(cid):
                continue
            other = ((rec.body.get("properties") or {}).get("expressRouteCircuitPeering") or {}).get("id") or ""
            if normalize(er_circuits.circuit_of(other)) == normalize(circuit_id):
                raise ArmError(409, "ExpressRouteCircuitAlreadyConnected",
                               f"Circuit {circuit_id} is already connected to gateway {gw} by {rec.id}.")


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="ExpressRouteGateway", hooks=GatewayHooks(),
                          inline_children={"expressRouteConnections": CONN_TYPE},
                          keep_children_when_absent=True, names=NameRule(1, 80)))
REGISTRY.add(ResourceType(CONN_TYPE, API_VERSIONS, model="ExpressRouteConnection", location="none",
                          hooks=ConnectionHooks(), names=NameRule(1, 80)))
