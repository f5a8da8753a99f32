"""The peering a Virtual WAN hub connection puts on the connected VNet: Azure shows, on the spoke, a
``virtualNetworkPeerings`` child named ``RemoteVnetToHubPeering_<guid>`` towards the hub's managed VNet
(``HV_<hub>_<guid>`` in resource group ``RG_<hub>_<guid>``), Connected, with virtual network access, without
forwarded traffic or gateway transit, ``useRemoteGateways`` as the connection's
``allowRemoteVnetToUseHubVnetGateways``, ``doNotVerifyRemoteGateways``, the hub's address prefix as the remote
space. It comes and goes with the hub connection and the user cannot change or delete it.

Confirmed from exports of real spokes in public repositories (the name, the HV_/RG_ names of the remote VNet, the
flags, FullyInSync, the hub prefix as remote space; "Peering done via vWAN does always define
AllowForwardedTraffic = False"). Inferred: the guids (derived here from the connection's and the hub's ids; Azure's
are its own), the remote VNet's subscription (Microsoft's in Azure, the hub's here), the refusal code
``VirtualHubManagedPeeringCannotBeModified``."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from .... import typenames
from ....arm import crud
from ....arm.errors import ArmError
from ....arm.ids import normalize

if TYPE_CHECKING:
    from ....arm.context import Ctx

MARK = "hubConnection"
PREFIX = "RemoteVnetToHubPeering_"


def _guid(text: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, normalize(text)))


def is_managed(body: dict[str, Any] | None) -> bool:
    return bool(((body or {}).get(crud.PRIVATE) or {}).get(MARK))


def managed_by(body: dict[str, Any] | None) -> str | None:
    return ((body or {}).get(crud.PRIVATE) or {}).get(MARK)


def hub_vnet_id(hub_id: str) -> str:
    """The hub's managed VNet as the spoke's peering names it."""
    parts = hub_id.split("/")
    sub, name, g = parts[2], parts[-1], _guid(hub_id)
    return (f"/subscriptions/{sub}/resourceGroups/RG_{name}_{g}/providers/Microsoft.Network/virtualNetworks/"
            f"HV_{name}_{g}")


def peering_id(vnet_id: str, conn_id: str) -> str:
    return f"{vnet_id}/virtualNetworkPeerings/{PREFIX}{_guid(conn_id)}"


def sync(ctx: Ctx, conn: dict[str, Any], vnet_id: str, hub: dict[str, Any]) -> None:
    """Write (or refresh) the spoke's peering for hub connection ``conn``."""
    vrec = ctx.record(vnet_id)
    if vrec is None:
        return
    pid = peering_id(vrec.id, conn["id"])
    old = ctx.body(pid)
    prefix = ((hub.get("properties") or {}).get("addressPrefix"))
    space = {"addressPrefixes": [prefix] if isinstance(prefix, str) else []}
    props = {"remoteVirtualNetwork": {"id": hub_vnet_id(hub["id"])}, "allowVirtualNetworkAccess": True,
             "allowForwardedTraffic": False, "allowGatewayTransit": False,
             "useRemoteGateways": (conn.get("properties") or {}).get("allowRemoteVnetToUseHubVnetGateways", True)
             is not False,
             "doNotVerifyRemoteGateways": True, "peerCompleteVnets": True, "enableOnlyIPv6Peering": False,
             "peeringState": "Connected", "remoteAddressSpace": space,
             "resourceGuid": ((old or {}).get("properties") or {}).get("resourceGuid") or _guid(pid),
             "provisioningState": "Succeeded"}
    if old is not None and old.get("properties") == props:
        return
    body = {"id": pid, "name": pid.rsplit("/", 1)[-1], "type": typenames.PEERING, "etag": crud.new_etag(),
            "properties": props, crud.PRIVATE: {MARK: conn["id"]}}
    ctx.txn.put(pid, typenames.PEERING, vrec.key, vrec.scope, body)
    crud.touch(ctx, vrec)


def remove(ctx: Ctx, conn: dict[str, Any], vnet_id: str) -> None:
    vrec = ctx.record(vnet_id)
    if vrec is None:
        return
    key = normalize(peering_id(vrec.id, conn["id"]))
    if ctx.txn.get(key) is not None:
        ctx.txn.delete(key)
        crud.touch(ctx, vrec)


def refuse_change(body: dict[str, Any], what: str) -> ArmError:
    return ArmError(400, "VirtualHubManagedPeeringCannotBeModified",
                    f"Peering {body.get('id')} belongs to virtual hub connection {managed_by(body)} and cannot be "
                    f"{what}; change or delete the hub connection instead.")
