"""Where a Virtual WAN's connections are: the hubs of a virtual WAN, and every connection with a routing
configuration in them (hub VNet connections, VPN connections of the hubs' VPN gateways, point-to-site
configurations of their point-to-site gateways), for route tables' read-only lists and in-use checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ....arm.ids import normalize
from ....jsondata import props_of
from ..ref_checks import ref_id

if TYPE_CHECKING:
    from ....arm.context import Ctx

HUB_TYPE = "microsoft.network/virtualhubs"
VNET_CONN_TYPE = "Microsoft.Network/virtualHubs/hubVirtualNetworkConnections"
VPN_GW_TYPE = "microsoft.network/vpngateways"
VPN_CONN_TYPE = "Microsoft.Network/vpnGateways/vpnConnections"
P2S_GW_TYPE = "microsoft.network/p2svpngateways"


def hubs_of_wan(ctx: Ctx, wan_id: str | None) -> list[str]:
    if not wan_id:
        return []
    out = []
    for rec in ctx.referrers(wan_id):
        if rec.type.lower() == HUB_TYPE and \
                normalize(ref_id(props_of(rec.body).get("virtualWan"), "") or "") == normalize(wan_id):
            out.append(rec.id)
    return out


def gateways_of_hub(ctx: Ctx, hub_id: str, gw_type: str) -> list[Any]:
    return [rec for rec in ctx.referrers(hub_id) if rec.type.lower() == gw_type and
            normalize(ref_id(props_of(rec.body).get("virtualHub"), "") or "") == normalize(hub_id)]


def routing_of_hub(ctx: Ctx, hub_id: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for rec in ctx.children(hub_id, VNET_CONN_TYPE):
        yield rec.id, props_of(rec.body).get("routingConfiguration") or {}
    for gw in gateways_of_hub(ctx, hub_id, VPN_GW_TYPE):
        for rec in ctx.children(gw.id, VPN_CONN_TYPE):
            yield rec.id, props_of(rec.body).get("routingConfiguration") or {}
    for gw in gateways_of_hub(ctx, hub_id, P2S_GW_TYPE):
        for cfg in props_of(gw.body).get("p2SConnectionConfigurations") or []:
            if isinstance(cfg, dict):
                yield str(cfg.get("id") or gw.id), props_of(cfg).get("routingConfiguration") or {}


def routing_of_wan(ctx: Ctx, hub_id: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every connection (id, routingConfiguration) of every hub in ``hub_id``'s virtual WAN."""
    wan = ref_id(props_of(ctx.body(hub_id)).get("virtualWan"), "")
    for hub in hubs_of_wan(ctx, wan) or [hub_id]:
        yield from routing_of_hub(ctx, hub)
