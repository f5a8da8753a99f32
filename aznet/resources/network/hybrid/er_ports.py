"""ExpressRoute Direct: Microsoft.Network/expressRoutePorts and their links.

- ``peeringLocation``: one of the ExpressRoutePortsLocations; ``bandwidthInGbps`` 10 or 100, as the
  location offers; ``encapsulation`` Dot1Q | QinQ; ``billingType`` MeteredData | UnlimitedData. Neither
  the location nor the bandwidth nor the encapsulation changes once created.
- A port is a pair of links, ``link1`` and ``link2`` (created with the port, kept in its body and
  listed as ``links``; their ``adminState`` is Disabled until the customer enables it through the port;
  ``macSecConfig`` optional).
- Read-only: ``provisionedBandwidthInGbps`` (the sum of its circuits' bandwidths), ``circuits``, ``mtu``,
  ``etherType``, ``allocationDate``; a port with circuits cannot be deleted.
- ``generateLoa``: the Letter of Authorization the colocation provider needs for the cross-connects."""

from __future__ import annotations

import base64
import time
import uuid
from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Action, Hooks, NameRule, ResourceType
from ..ref_checks import cannot_parse, enum, integer, since
from . import er_catalogue

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/expressRoutePorts"
LINK_TYPE = f"{TYPE}/links"
CIRCUIT_TYPE = "Microsoft.Network/expressRouteCircuits"
API_VERSIONS = since("2018-08-01")
LINK_NAMES = ("link1", "link2")


def _circuits(ctx: Ctx, port_id: str) -> list[dict[str, Any]]:
    own = normalize(port_id)
    return [r.body for r in ctx.referrers(port_id) if r.type.lower() == CIRCUIT_TYPE.lower()
            and normalize(((r.body.get("properties") or {}).get("expressRoutePort") or {}).get("id") or "") == own]


class PortHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        pid = new["id"]
        loc = er_catalogue.port_location(props.get("peeringLocation"))
        if loc is None:
            raise bad("InvalidPeeringLocation",
                      f"Peering location {props.get('peeringLocation')!r} of ExpressRoute port {pid} is not an "
                      "ExpressRoute Direct location (see ExpressRoutePortsLocations).")
        gbps = integer(props.get("bandwidthInGbps"), "properties.bandwidthInGbps")
        if gbps not in er_catalogue.PORT_GBPS:
            raise bad("InvalidBandwidth", f"bandwidthInGbps {gbps} of ExpressRoute port {pid} must be 10 or 100.")
        encap = enum(props.get("encapsulation"), ("Dot1Q", "QinQ"), "properties.encapsulation",
                     "ExpressRoutePortsEncapsulation")
        if encap is None:
            raise bad("ExpressRoutePortEncapsulationRequired", f"ExpressRoute port {pid} needs properties.encapsulation.")
        props.update(peeringLocation=loc, bandwidthInGbps=gbps, encapsulation=encap)
        props["billingType"] = enum(props.get("billingType"), ("MeteredData", "UnlimitedData"),
                                    "properties.billingType", "ExpressRoutePortsBillingType", "MeteredData")
        old_props = (old or {}).get("properties") or {}
        for k in ("peeringLocation", "bandwidthInGbps", "encapsulation"):
            if old is not None and old_props.get(k) not in (None, props[k]):
                raise bad("ExpressRoutePortPropertyCannotBeChanged",
                          f"{k} of ExpressRoute port {pid} cannot be changed.")
        links = props.get("links") or []
        if not isinstance(links, list):
            raise cannot_parse("properties.links", links, "ExpressRouteLink[]")
        by_name = {}
        for link in links:
            name = str((link or {}).get("name") or "").lower() if isinstance(link, dict) else ""
            if name not in LINK_NAMES:
                raise bad("InvalidExpressRouteLinkName",
                          f"ExpressRoute port {pid} has the links link1 and link2 only, not {name!r}.")
            by_name[name] = link
        old_links = {str(lk.get("name", "")).lower(): lk for lk in (old_props.get("links") or [])}
        out = []
        port_key = uuid.uuid5(uuid.NAMESPACE_URL, pid.lower()).hex[:6]
        for i, name in enumerate(LINK_NAMES):
            given = (by_name.get(name) or {}).get("properties") or {}
            kept = (old_links.get(name) or {}).get("properties") or {}
            state = enum(given.get("adminState", kept.get("adminState")), ("Enabled", "Disabled"),
                         f"properties.links[{i}].properties.adminState", "ExpressRouteLinkAdminState", "Disabled")
            n = i + 1
            lp: dict[str, Any] = {
                "routerName": f"{loc.split('-')[-1].lower()}-er-ex{n}", "interfaceName": f"HundredGigE2/2/2.{n}",
                "patchPanelId": f"PP:{n}:{port_key}", "rackId": f"RACK-{n}", "coloLocation": loc,
                "connectorType": "LC", "adminState": state, "provisioningState": "Succeeded"}
            if given.get("macSecConfig") is not None or kept.get("macSecConfig") is not None:
                lp["macSecConfig"] = given.get("macSecConfig", kept.get("macSecConfig"))
            out.append({"name": name, "id": f"{pid}/links/{name}", "etag": new.get("etag"),
                        "properties": lp})
        props["links"] = out

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        old_props = (old or {}).get("properties") or {}
        props["resourceGuid"] = old_props.get("resourceGuid") or str(uuid.uuid4())
        props["allocationDate"] = old_props.get("allocationDate") or time.strftime("%A, %B %d, %Y", time.gmtime())
        props["mtu"] = "1500"
        props["etherType"] = "0x8100" if props.get("encapsulation") == "Dot1Q" else "0x88a8"
        props.pop("circuits", None)
        props.pop("provisionedBandwidthInGbps", None)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        circuits = _circuits(ctx, body["id"])
        props["circuits"] = [{"id": c["id"]} for c in circuits]
        props["provisionedBandwidthInGbps"] = float(sum(float((c.get("properties") or {}).get("bandwidthInGbps") or 0)
                                                        for c in circuits))

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        circuits = _circuits(ctx, body["id"])
        if circuits:
            raise bad("InUseExpressRoutePortCannotBeDeleted",
                      f"ExpressRoute port {body['id']} cannot be deleted because circuit {circuits[0]['id']} uses it.")


def _links(ctx: Ctx, port: dict[str, Any]) -> list[dict[str, Any]]:
    return list((port.get("properties") or {}).get("links") or [])


def generate_loa(ctx: Ctx, body: dict[str, Any], payload: Any) -> tuple[int, Any]:
    name = (payload or {}).get("customerName") if isinstance(payload, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise bad("CustomerNameRequired", "generateLoa needs customerName.")
    props = body.get("properties") or {}
    lines = ["LETTER OF AUTHORIZATION AND CONNECTING FACILITY ASSIGNMENT",
             f"Date: {time.strftime('%Y-%m-%d', time.gmtime())}",
             f"Customer: {name.strip()}", f"Port: {body['id']}", f"Location: {props.get('peeringLocation')}",
             f"Bandwidth: {props.get('bandwidthInGbps')} Gbps", "Connector: LC, single-mode fibre"]
    for link in props.get("links") or []:
        lines.append(f"{link.get('name')}: patch panel {(link.get('properties') or {}).get('patchPanelId', '')}")
    return 200, {"encodedContent": base64.b64encode("\n".join(lines).encode()).decode()}


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="ExpressRoutePort", hooks=PortHooks(),
                          names=NameRule(1, 80), actions=[Action("generateLoa", generate_loa)]))
REGISTRY.add(ResourceType(LINK_TYPE, API_VERSIONS, model="ExpressRouteLink", location="none", virtual=_links))
