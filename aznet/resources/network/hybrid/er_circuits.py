"""Microsoft.Network/expressRouteCircuits and their authorizations.

Rules (Azure's ExpressRoute docs and FAQ; codes: docs/hybrid.md says which are confirmed):
- ``sku``: tier Standard | Premium | Basic | Local, family MeteredData | UnlimitedData, name
  ``{tier}_{family}``; Local comes with UnlimitedData only. On update the family may go from
  MeteredData to UnlimitedData, never back.
- Either ``serviceProviderProperties`` (a provider of the catalogue, one of its peering locations and
  one of the bandwidths it offers) or ``expressRoutePort`` + ``bandwidthInGbps`` (ExpressRoute Direct:
  1, 2, 5, 10, 40 or 100 Gbps, at most the port's bandwidth), not both.
- Provider and peering location cannot change; the bandwidth can only go up.
- Read-only state: ``serviceKey`` (a GUID), ``serviceProviderProvisioningState`` (NotProvisioned at
  create; moved only by the provider: ``aznet expressroute provision``), ``circuitProvisioningState``
  Enabled, ``stag``, ``globalReachEnabled`` (a Global Reach connection exists), ``authorizationKey``.
- A circuit the provider has provisioned (Provisioning / Provisioned) cannot be deleted: the provider
  deprovisions it first. Nor while a virtual network gateway connection links it.
- authorizations: ``authorizationKey`` (a GUID, generated), ``authorizationUseStatus`` Available |
  InUse (a connection redeemed the key); at most 50 per circuit; one in use cannot be deleted.
- ``stats``: the circuit's bytes in and out on the primary and secondary links: what their BGP sessions
  (aznet's MSEE speakers, a customer router such as FRR peering with them) carried; no data path crosses
  a circuit on this machine.

The provider's side (``serviceProviderProvisioningState``) is an admin action,
``POST /_aznet/expressroute/{sub}/{rg}/{circuit}/provider`` with ``{"serviceProviderProvisioningState":
"Provisioned"}`` (``aznet expressroute provision``), which moves NotProvisioned -> Provisioning ->
Provisioned -> Deprovisioning -> NotProvisioned as a connectivity provider would."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ....arm.errors import ArmError
from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ....arm.provider_actions import provider_action
from ....arm.registry import REGISTRY, Action, Hooks, NameRule, ResourceType
from ..ref_checks import cannot_parse, enum, integer, ref_id, resolve, since
from . import er_catalogue

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/expressRouteCircuits"
AUTH_TYPE = f"{TYPE}/authorizations"
PEERING_TYPE = f"{TYPE}/peerings"
PORT_TYPE = "Microsoft.Network/expressRoutePorts"
CONN_TYPE = "Microsoft.Network/connections"
TIERS = ("Standard", "Premium", "Basic", "Local")
FAMILIES = ("MeteredData", "UnlimitedData")
CIRCUIT_PEERING_TYPES = ("AzurePrivatePeering", "MicrosoftPeering", "AzurePublicPeering")
PROVIDER_STATES = ("NotProvisioned", "Provisioning", "Provisioned", "Deprovisioning")
# the moves a connectivity provider makes
PROVIDER_MOVES = {("NotProvisioned", "Provisioning"), ("Provisioning", "Provisioned"),
                  ("Provisioned", "Deprovisioning"), ("Deprovisioning", "NotProvisioned"),
                  ("NotProvisioned", "Provisioned"), ("Provisioning", "NotProvisioned")}
MAX_AUTHORIZATIONS = 50
API_VERSIONS = since("2015-06-15")


def circuit_of(child_id: str) -> str:
    low = child_id.lower()
    i = low.find("/expressroutecircuits/")
    j = low.find("/", i + len("/expressroutecircuits/"))
    return child_id if j < 0 else child_id[:j]


def _sku(new: dict[str, Any], old: dict[str, Any] | None) -> dict[str, str]:
    raw = new.get("sku")
    cid = new["id"]
    if raw is None:
        raise bad("ExpressRouteCircuitSkuRequired", f"ExpressRoute circuit {cid} needs sku.tier and sku.family.")
    if not isinstance(raw, dict):
        raise cannot_parse("sku", raw, "ExpressRouteCircuitSku")
    tier = enum(raw.get("tier"), TIERS, "sku.tier", "ExpressRouteCircuitSkuTier")
    family = enum(raw.get("family"), FAMILIES, "sku.family", "ExpressRouteCircuitSkuFamily")
    name = raw.get("name")
    if isinstance(name, str) and "_" in name:
        t, _, f = name.partition("_")
        tier = tier or enum(t, TIERS, "sku.name", "ExpressRouteCircuitSkuTier")
        family = family or enum(f, FAMILIES, "sku.name", "ExpressRouteCircuitSkuFamily")
    if tier is None or family is None:
        raise bad("ExpressRouteCircuitSkuRequired", f"ExpressRoute circuit {cid} needs sku.tier and sku.family.")
    if name is not None and (not isinstance(name, str) or name.lower() != f"{tier}_{family}".lower()):
        raise bad("InvalidExpressRouteCircuitSku",
                  f"The SKU name {name} of ExpressRoute circuit {cid} must be {tier}_{family} (tier_family).")
    if tier == "Local" and family != "UnlimitedData":
        raise bad("InvalidExpressRouteCircuitSku",
                  f"ExpressRoute circuit {cid}: the Local SKU is available with the UnlimitedData family only.")
    old_family = ((old or {}).get("sku") or {}).get("family")
    if old_family == "UnlimitedData" and family == "MeteredData":
        raise bad("ExpressRouteCircuitSkuFamilyCannotBeDowngraded",
                  f"The SKU family of ExpressRoute circuit {cid} cannot be changed from UnlimitedData to "
                  "MeteredData.")
    return {"name": f"{tier}_{family}", "tier": tier, "family": family}


class CircuitHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        cid = new["id"]
        new["sku"] = _sku(new, old)
        old_props = (old or {}).get("properties") or {}
        spp = props.get("serviceProviderProperties")
        port = ref_id(props.get("expressRoutePort"), "properties.expressRoutePort")
        if spp not in (None, {}) and port is not None:
            raise bad("ExpressRouteCircuitCannotHaveBothProviderAndPort",
                      f"ExpressRoute circuit {cid} has serviceProviderProperties and expressRoutePort: a circuit "
                      "comes from a connectivity provider or from an ExpressRoute Direct port, not both.")
        if port is not None:
            self._direct(ctx, new, port, old_props)
        else:
            self._provider(new, spp, old_props)
        for flag in ("allowClassicOperations", "globalReachEnabled"):
            if props.get(flag) is not None and not isinstance(props[flag], bool):
                raise cannot_parse(f"properties.{flag}", props[flag], "System.Boolean")
        props["allowClassicOperations"] = bool(props.get("allowClassicOperations", False))

    def _provider(self, new: dict[str, Any], spp: Any, old_props: dict[str, Any]) -> None:
        cid = new["id"]
        props = new["properties"]
        if not isinstance(spp, dict) or not spp:
            if spp is not None and not isinstance(spp, dict):
                raise cannot_parse("properties.serviceProviderProperties", spp,
                                   "ExpressRouteCircuitServiceProviderProperties")
            raise bad("ExpressRouteCircuitServiceProviderPropertiesRequired",
                      f"ExpressRoute circuit {cid} needs serviceProviderProperties (serviceProviderName, "
                      "peeringLocation, bandwidthInMbps) or an expressRoutePort.")
        prov = er_catalogue.provider(spp.get("serviceProviderName"))
        if prov is None:
            raise bad("InvalidServiceProviderName",
                      f"Service provider {spp.get('serviceProviderName')!r} of ExpressRoute circuit {cid} is not an "
                      "ExpressRoute connectivity provider. See expressRouteServiceProviders for the list.")
        loc = spp.get("peeringLocation")
        loc_name = next((x for x in prov.locations if isinstance(loc, str) and x.lower() == loc.lower()), None)
        if loc_name is None:
            raise bad("InvalidPeeringLocation",
                      f"Peering location {loc!r} is not offered by service provider {prov.name} (ExpressRoute "
                      f"circuit {cid}). The provider's peering locations are {', '.join(prov.locations)}.")
        bw = integer(spp.get("bandwidthInMbps"), "properties.serviceProviderProperties.bandwidthInMbps")
        if bw not in prov.bandwidths:
            raise bad("InvalidBandwidth",
                      f"Bandwidth {bw} Mbps of ExpressRoute circuit {cid} is not offered by {prov.name}; offered: "
                      f"{', '.join(str(b) for b in prov.bandwidths)} Mbps.")
        old_spp = old_props.get("serviceProviderProperties") or {}
        if old_spp:
            if old_spp.get("serviceProviderName") != prov.name or old_spp.get("peeringLocation") != loc_name:
                raise bad("ExpressRouteCircuitServiceProviderCannotBeChanged",
                          f"The service provider and peering location of ExpressRoute circuit {cid} cannot be "
                          "changed; create a new circuit.")
            if bw < int(old_spp.get("bandwidthInMbps") or 0):
                raise bad("ExpressRouteCircuitBandwidthCannotBeDecreased",
                          f"The bandwidth of ExpressRoute circuit {cid} cannot be decreased from "
                          f"{old_spp.get('bandwidthInMbps')} to {bw} Mbps.")
        props["serviceProviderProperties"] = {"serviceProviderName": prov.name, "peeringLocation": loc_name,
                                              "bandwidthInMbps": bw}
        props.pop("expressRoutePort", None)
        props.pop("bandwidthInGbps", None)

    def _direct(self, ctx: Ctx, new: dict[str, Any], port_id: str, old_props: dict[str, Any]) -> None:
        cid = new["id"]
        props = new["properties"]
        port = resolve(ctx, port_id, cid, PORT_TYPE)
        port_gbps = int((port.get("properties") or {}).get("bandwidthInGbps") or 0)
        raw = props.get("bandwidthInGbps")
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise bad("InvalidBandwidth", f"ExpressRoute circuit {cid} on port {port['id']} needs bandwidthInGbps.")
        gbps = float(raw)
        if gbps not in DIRECT_STEPS or gbps > port_gbps:
            raise bad("InvalidBandwidth",
                      f"Bandwidth {raw} Gbps of ExpressRoute circuit {cid} is not available on port {port['id']} "
                      f"({port_gbps} Gbps): allowed {', '.join(str(g) for g in er_catalogue.DIRECT_CIRCUIT_GBPS)} "
                      "Gbps up to the port's bandwidth.")
        old_port = (old_props.get("expressRoutePort") or {}).get("id")
        if old_port and normalize(old_port) != normalize(port["id"]):
            raise bad("ExpressRouteCircuitPortCannotBeChanged",
                      f"The ExpressRoute port of circuit {cid} cannot be changed.")
        if old_props.get("bandwidthInGbps") and gbps < float(old_props["bandwidthInGbps"]):
            raise bad("ExpressRouteCircuitBandwidthCannotBeDecreased",
                      f"The bandwidth of ExpressRoute circuit {cid} cannot be decreased.")
        props["expressRoutePort"] = {"id": port["id"]}
        props["bandwidthInGbps"] = int(gbps) if gbps.is_integer() else gbps
        props.pop("serviceProviderProperties", None)

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        old_props = (old or {}).get("properties") or {}
        props["serviceKey"] = old_props.get("serviceKey") or str(uuid.uuid4())
        # the provider's state is the provider's: a client's body never moves it
        state = old_props.get("serviceProviderProvisioningState") or "NotProvisioned"
        if "expressRoutePort" in props:
            state = "Provisioned"      # ExpressRoute Direct: no provider in between
        props["serviceProviderProvisioningState"] = state
        props["circuitProvisioningState"] = "Enabled"
        props["stag"] = old_props.get("stag") or (uuid.UUID(props["serviceKey"]).int % 4000) + 1
        props["gatewayManagerEtag"] = old_props.get("gatewayManagerEtag", "")
        for k in ("globalReachEnabled", "authorizationKey", "authorizationStatus"):
            props.pop(k, None)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        props["globalReachEnabled"] = any(
            ctx.children(p.id, f"{PEERING_TYPE}/connections") for p in ctx.children(body["id"], PEERING_TYPE))

    def validate_children(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        from .er_peerings import check_siblings

        check_siblings(ctx, new["id"])
        if len(ctx.children(new["id"], AUTH_TYPE)) > MAX_AUTHORIZATIONS:
            raise too_many_authorizations(new["id"])

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.get("properties") or {}
        state = props.get("serviceProviderProvisioningState")
        if state in ("Provisioning", "Provisioned") and "expressRoutePort" not in props:
            raise bad("CannotDeleteProvisionedExpressRouteCircuit",
                      f"ExpressRoute circuit {body['id']} cannot be deleted while its service provider provisioning "
                      f"state is {state}. Ask the connectivity provider to deprovision the circuit first.")
        users = [r.id for r in ctx.referrers(body["id"]) if r.type.lower() == CONN_TYPE.lower()]
        if users:
            raise bad("InUseExpressRouteCircuitCannotBeDeleted",
                      f"ExpressRoute circuit {body['id']} cannot be deleted because connection {users[0]} links it to "
                      "a virtual network gateway. Delete the connection first.")


DIRECT_STEPS = frozenset(float(g) for g in er_catalogue.DIRECT_CIRCUIT_GBPS)


def too_many_authorizations(cid: str) -> ArmError:
    return bad("MaxAuthorizationsPerCircuitReached",
               f"ExpressRoute circuit {cid} can have at most {MAX_AUTHORIZATIONS} authorizations.")


def authorization_in_use(ctx: Ctx, auth: dict[str, Any]) -> str | None:
    """The connection (or Global Reach connection) that redeemed this authorization's key."""
    key = (auth.get("properties") or {}).get("authorizationKey")
    if not key:
        return None
    for rtype in (CONN_TYPE, f"{PEERING_TYPE}/connections"):
        for rec in ctx.of_type(rtype):
            if (rec.body.get("properties") or {}).get("authorizationKey") == key:
                return rec.id
    return None


class AuthorizationHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        cid = circuit_of(new["id"])
        if ctx.in_children_batch(cid):
            return
        if old is None and len(ctx.children(cid, AUTH_TYPE)) >= MAX_AUTHORIZATIONS:
            raise too_many_authorizations(cid)

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        old_props = (old or {}).get("properties") or {}
        props["authorizationKey"] = old_props.get("authorizationKey") or str(uuid.uuid4())
        props.pop("authorizationUseStatus", None)
        props.pop("connectionResourceUri", None)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        user = authorization_in_use(ctx, body)
        props["authorizationUseStatus"] = "InUse" if user else "Available"
        if user:
            props["connectionResourceUri"] = user

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        user = authorization_in_use(ctx, body)
        if user:
            raise bad("InUseExpressRouteCircuitAuthorizationCannotBeDeleted",
                      f"Authorization {body['id']} is in use by {user} and cannot be deleted.")


def find_authorization(ctx: Ctx, circuit_id: str, key: Any) -> dict[str, Any] | None:
    if not isinstance(key, str) or not key:
        return None
    for rec in ctx.children(circuit_id, AUTH_TYPE):
        if (rec.body.get("properties") or {}).get("authorizationKey") == key:
            return rec.body
    return None


def circuit_stats(ctx: Ctx, body: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    """The links' bytes in and out, summed over the circuit's peerings: what their BGP sessions carried (no
    data path crosses a circuit on this machine)."""
    from .er_peerings import link_bytes

    total = {"primarybytesIn": 0, "primarybytesOut": 0, "secondarybytesIn": 0, "secondarybytesOut": 0}
    for rec in ctx.children(body["id"], PEERING_TYPE):
        for k, v in link_bytes(ctx, rec.body).items():
            total[k] += v
    return 200, total


# -- the provider's side: an admin action -----------------------------------------------------------------

@provider_action("_aznet/expressroute/{sub}/{rg}/{name}/provider", "POST", api_versions=None,
                 name="expressRouteCircuits/provider", body="required", writes=True, auth="admin")
def provider_move(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    cid = f"/subscriptions/{params['sub']}/resourceGroups/{params['rg']}/providers/{TYPE}/{params['name']}"
    rec = ctx.record(cid)
    if rec is None or rec.type.lower() != TYPE.lower():
        raise ArmError(404, "ResourceNotFound", f"The Resource '{TYPE}/{params['name']}' under resource group "
                                                f"'{params['rg']}' was not found.")
    if not isinstance(payload, dict):
        raise ArmError(400, "InvalidRequestContent", 'Expected {"serviceProviderProvisioningState": "Provisioned"}.')
    want = enum(payload.get("serviceProviderProvisioningState"), PROVIDER_STATES,
                "serviceProviderProvisioningState", "ServiceProviderProvisioningState")
    props = rec.body.get("properties") or {}
    current = props.get("serviceProviderProvisioningState") or "NotProvisioned"
    if want is None:
        raise ArmError(400, "InvalidRequestContent", "serviceProviderProvisioningState is required.")
    if "expressRoutePort" in props:
        raise bad("ExpressRouteDirectCircuitHasNoProvider",
                  f"Circuit {rec.id} is on an ExpressRoute Direct port: no connectivity provider provisions it.")
    if want != current and (current, want) not in PROVIDER_MOVES:
        raise ArmError(409, "InvalidServiceProviderProvisioningStateTransition",
                       f"A provider cannot move circuit {rec.id} from {current} to {want}.")
    if want in ("Deprovisioning", "NotProvisioned") and ctx.children(rec.id, PEERING_TYPE):
        raise ArmError(409, "ExpressRouteCircuitHasPeerings",
                       f"Circuit {rec.id} still has peerings; delete them before the provider deprovisions it.")
    stored = dict(rec.body)
    stored["properties"] = {**props, "serviceProviderProvisioningState": want}
    stored["etag"] = f'W/"{uuid.uuid4()}"'
    ctx.write_raw(rec.id, stored)
    return 200, {"id": rec.id, "serviceProviderProvisioningState": want, "previous": current}


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="ExpressRouteCircuit", hooks=CircuitHooks(),
                          inline_children={"authorizations": AUTH_TYPE, "peerings": PEERING_TYPE},
                          names=NameRule(1, 80), actions=[Action("stats", circuit_stats, method="GET")]))
REGISTRY.add(ResourceType(AUTH_TYPE, API_VERSIONS, model="ExpressRouteCircuitAuthorization", location="none",
                          hooks=AuthorizationHooks(), names=NameRule(1, 80)))
