"""Microsoft.Network/virtualNetworks/virtualNetworkPeerings.

State: a peering is ``Initiated`` until the remote VNet peers back, then both
sides are ``Connected``; deleting one side (or the remote VNet) leaves the
other ``Disconnected``, and a new peering towards a VNet whose peering back is
Disconnected is refused (RemotePeeringIsDisconnected) until that side is
re-created. Peerings work across regions (global peering).

Address spaces: ``remoteAddressSpace`` is what was peered (a snapshot taken at
creation and on ``?syncRemoteAddressSpace=true``), ``remoteVirtualNetworkAddressSpace``
the remote VNet's current space; ``peeringSyncLevel`` compares them on both
sides at read time (FullyInSync / LocalNotInSync / RemoteNotInSync /
LocalAndRemoteNotInSync).

Rules: the remote VNet exists; peered VNets may not overlap
(VnetAddressSpacesOverlap), nor overlap a VNet already peered with the other side
(VnetAddressSpaceOverlapsWithAlreadyPeeredVnet); one peering per remote VNet
(AnotherPeeringAlreadyReferencesRemoteVnet); the remote VNet cannot change
(ChangingRemoteVirtualNetworkNotAllowed); ``useRemoteGateways`` needs a gateway in
the remote VNet (RemoteVnetHasNoGateways) and none in its own VNet (LocalVnetHasGateways: the rule is Azure's,
"this flag cannot be set if virtual network already has a gateway"; the code is aznet's, Azure's was not found)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.crud import copy_json, resource_guid
from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ...store.base import Record
from . import cidr
from .ref_checks import API_VERSIONS, boolean, canonical, ref_id, resolve

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.PEERING
VNET_TYPE = typenames.VNET
# a Route Server (a virtual hub's ipConfiguration in the VNet) counts: "Use the remote virtual network's
# gateway or Route Server"
GATEWAY_TYPES = {"microsoft.network/virtualnetworkgateways", "microsoft.network/virtualhubs/ipconfigurations"}
FLAGS = {"allowVirtualNetworkAccess": True, "allowForwardedTraffic": False, "allowGatewayTransit": False,
         "useRemoteGateways": False, "doNotVerifyRemoteGateways": False, "peerCompleteVnets": True,
         "enableOnlyIPv6Peering": False}
READ_ONLY = ("peeringState", "peeringSyncLevel", "remoteVirtualNetworkAddressSpace", "remoteBgpCommunities",
             "remoteVirtualNetworkEncryption", "localAddressSpace", "localVirtualNetworkAddressSpace",
             "resourceGuid")


def vnet_of(peering_id: str) -> str:
    return peering_id.rsplit("/virtualNetworkPeerings/", 1)[0]


def remote_of(body: dict[str, Any]) -> str | None:
    ref = ((body.get("properties") or {}).get("remoteVirtualNetwork") or {}).get("id")
    return ref if isinstance(ref, str) else None


def space_of(vnet_body: dict[str, Any] | None) -> list[str]:
    return list((((vnet_body or {}).get("properties") or {}).get("addressSpace") or {}).get("addressPrefixes") or [])


def nets_of(prefixes: list[str]) -> list[cidr.IPNetwork]:
    return [n for n in (cidr.try_parse(p) for p in prefixes) if n is not None]


def peering_to(ctx: Ctx, vnet_id: str, remote_id: str) -> Record | None:
    """The peering of ``vnet_id`` whose remote is ``remote_id``."""
    want = normalize(remote_id)
    for rec in ctx.children(vnet_id, TYPE):
        r = remote_of(rec.body)
        if r is not None and normalize(r) == want:
            return rec
    return None


def peered_vnets(ctx: Ctx, vnet_id: str) -> list[str]:
    return [r for r in (remote_of(rec.body) for rec in ctx.children(vnet_id, TYPE)) if r is not None]


def _set_state(ctx: Ctx, rec: Record, state: str) -> None:
    if (rec.body.get("properties") or {}).get("peeringState") == state:
        return
    body = copy_json(rec.body)
    body["properties"]["peeringState"] = state
    ctx.write_raw(rec.id, body)


def _overlap_text(a: list[cidr.IPNetwork], b: list[cidr.IPNetwork]) -> str | None:
    hits = [str(x) for x in a for y in b if cidr.overlaps(x, y)]
    return ", ".join(dict.fromkeys(hits)) if hits else None


def check_space_against_peers(ctx: Ctx, vnet_id: str, nets: list[cidr.IPNetwork]) -> None:
    """A VNet's new address space may not overlap a VNet it is peered with."""
    for remote in peered_vnets(ctx, vnet_id):
        rbody = ctx.body(remote)
        if rbody is None:
            continue
        hit = _overlap_text(nets, nets_of(space_of(rbody)))
        if hit:
            raise ArmError(400, "VnetAddressSpacesOverlap",
                           f"Cannot update address space of virtual network {vnet_id}. Virtual networks {vnet_id} "
                           f"and {rbody['id']} are peered and their address spaces would overlap. Overlapping "
                           f"address prefixes: {hit}. For more information please refer to "
                           "https://aka.ms/VnetPeeringInfo")


def disconnect_peers_of(ctx: Ctx, vnet_id: str) -> None:
    """The VNet is gone: every peering that points at it is Disconnected."""
    own = normalize(vnet_id)
    for rec in ctx.referrers(vnet_id):
        if rec.type.lower() == TYPE.lower() and normalize(remote_of(rec.body) or "") == own:
            _set_state(ctx, rec, "Disconnected")


def has_gateway(ctx: Ctx, vnet_id: str) -> bool:
    return any(rec.type.lower() in GATEWAY_TYPES for rec in ctx.referrers(vnet_id))


def _hub_managed() -> Any:
    from .vwan import hidden_peering  # the peering a Virtual WAN hub connection shows on the spoke

    return hidden_peering


class PeeringHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        pid = new["id"]
        hp = _hub_managed()
        if hp.is_managed(old):
            # a client's GET-PUT round trip (az network vnet update) sends it back: kept as it is, changes refused
            assert old is not None
            sent = {k: props.get(k) for k in FLAGS if props.get(k) is not None}
            kept = old.get("properties") or {}
            remote = ref_id(props.get("remoteVirtualNetwork"), "properties.remoteVirtualNetwork")
            if any(kept.get(k) != v for k, v in sent.items()) or \
                    (remote is not None and normalize(remote) != normalize(remote_of(old) or "")):
                raise hp.refuse_change(old, "changed")
            new["properties"] = copy_json(kept)
            return
        local = vnet_of(pid)
        remote = ref_id(props.get("remoteVirtualNetwork"), "properties.remoteVirtualNetwork")
        rbody = resolve(ctx, remote or "", pid, VNET_TYPE)
        remote = canonical(ctx, remote or "")
        props["remoteVirtualNetwork"] = {"id": remote}
        if old is not None and normalize(remote_of(old) or "") != normalize(remote):
            raise ArmError(400, "ChangingRemoteVirtualNetworkNotAllowed",
                           f"Cannot update peering {pid}: changing the remote virtual network of a peering is "
                           "not allowed. Delete the peering and create it again.")
        other = peering_to(ctx, local, remote)
        if other is not None and other.key != normalize(pid):
            raise ArmError(400, "AnotherPeeringAlreadyReferencesRemoteVnet",
                           f"Peering {other.id} already references remote virtual network {remote}. Cannot add "
                           f"another peering {pid} referencing the same remote virtual network.")
        for key, default in FLAGS.items():
            props[key] = boolean(props.get(key), f"properties.{key}", default)
        self._overlaps(ctx, pid, local, remote)
        if props["useRemoteGateways"] and has_gateway(ctx, local):
            raise ArmError(400, "LocalVnetHasGateways",
                           f"Peering {pid} cannot have UseRemoteGateway flag set to true because its parent virtual "
                           f"network {local} already has a gateway. Use the gateway of the virtual network, or "
                           "delete it to use the remote virtual network's gateway.")
        if props["useRemoteGateways"] and not props["doNotVerifyRemoteGateways"] and not has_gateway(ctx, remote):
            raise ArmError(400, "RemoteVnetHasNoGateways",
                           f"Peering {pid} cannot have UseRemoteGateway flag set to true because remote virtual "
                           f"network {rbody['id']} referenced by the peering does not have any gateways.")
        back = peering_to(ctx, remote, local)
        if back is not None and (back.body.get("properties") or {}).get("peeringState") == "Disconnected":
            raise ArmError(400, "RemotePeeringIsDisconnected",
                           f"Cannot create or update peering {pid} because remote peering {back.id} referencing "
                           f"parent virtual network {local} is in Disconnected state. Update or re-create the "
                           "remote peering to get it back to Initiated state. Peering gets Disconnected when "
                           "remote vnet or remote peering is deleted and re-created.")

    def _overlaps(self, ctx: Ctx, pid: str, local: str, remote: str) -> None:
        lnets = nets_of(space_of(ctx.body(local)))
        rnets = nets_of(space_of(ctx.body(remote)))
        hit = _overlap_text(lnets, rnets)
        if hit:
            raise ArmError(400, "VnetAddressSpacesOverlap",
                           f"Cannot create or update peering {pid}. Virtual networks {local} and {remote} cannot "
                           f"be peered because their address spaces overlap. Overlapping address prefixes: {hit}. "
                           "For more information please refer to https://aka.ms/VnetPeeringInfo")
        for first, second, nets in ((local, remote, lnets), (remote, local, rnets)):
            for third in peered_vnets(ctx, second):
                if normalize(third) in (normalize(first), normalize(second)):
                    continue
                hit = _overlap_text(nets, nets_of(space_of(ctx.body(third))))
                if hit:
                    raise ArmError(400, "VnetAddressSpaceOverlapsWithAlreadyPeeredVnet",
                                   f"Cannot create or update peering {pid}. Virtual networks {first} and {second} "
                                   f"cannot be peered because address space of the first virtual network overlaps "
                                   f"with address space of virtual network {third} already peered with the second "
                                   f"virtual network. Overlapping address prefixes: {hit}.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        if _hub_managed().is_managed(old):
            return
        props = new["properties"]
        old_props = (old or {}).get("properties") or {}
        for key in READ_ONLY:
            props.pop(key, None)
        local = vnet_of(new["id"])
        remote = props["remoteVirtualNetwork"]["id"]
        props["peeringState"] = "Connected" if peering_to(ctx, remote, local) is not None else "Initiated"
        sync = (ctx.arg("syncRemoteAddressSpace") or "").lower() == "true"
        if old is None or sync or not old_props.get("remoteAddressSpace"):
            props["remoteAddressSpace"] = {"addressPrefixes": space_of(ctx.body(remote))}
        else:
            props["remoteAddressSpace"] = copy_json(old_props["remoteAddressSpace"])
        props["resourceGuid"] = resource_guid(old)

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        back = peering_to(ctx, new["properties"]["remoteVirtualNetwork"]["id"], vnet_of(new["id"]))
        if back is not None:
            _set_state(ctx, back, "Connected")

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        hp = _hub_managed()
        owner = hp.managed_by(body)
        if owner and ctx.body(owner) is not None:
            raise hp.refuse_change(body, "deleted")

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        remote = remote_of(body)
        if remote is None or ctx.body(remote) is None:
            return
        back = peering_to(ctx, remote, vnet_of(body["id"]))
        if back is not None:
            _set_state(ctx, back, "Disconnected")

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        local = vnet_of(body["id"])
        if _hub_managed().is_managed(ctx.body(body["id"])):       # rendered bodies carry no private part
            space = space_of(ctx.body(local))
            props["localAddressSpace"] = {"addressPrefixes": space}
            props["localVirtualNetworkAddressSpace"] = {"addressPrefixes": space}
            props["remoteVirtualNetworkAddressSpace"] = copy_json(props.get("remoteAddressSpace") or {})
            props["peeringSyncLevel"] = "FullyInSync"
            return
        remote = remote_of(body) or ""
        lbody = ctx.body(local)
        rbody = ctx.body(remote)
        rprops = (rbody or {}).get("properties") or {}
        props["localAddressSpace"] = {"addressPrefixes": space_of(lbody)}
        props["localVirtualNetworkAddressSpace"] = {"addressPrefixes": space_of(lbody)}
        if rbody is not None:
            props["remoteVirtualNetworkAddressSpace"] = {"addressPrefixes": space_of(rbody)}
            if rprops.get("bgpCommunities"):
                props["remoteBgpCommunities"] = copy_json(rprops["bgpCommunities"])
            if rprops.get("encryption"):
                props["remoteVirtualNetworkEncryption"] = copy_json(rprops["encryption"])
        peered = (props.get("remoteAddressSpace") or {}).get("addressPrefixes") or []
        local_stale = rbody is not None and sorted(peered) != sorted(space_of(rbody))
        back = peering_to(ctx, remote, local) if rbody is not None else None
        remote_stale = back is not None and sorted(
            ((back.body.get("properties") or {}).get("remoteAddressSpace") or {}).get("addressPrefixes") or []
        ) != sorted(space_of(lbody))
        props["peeringSyncLevel"] = ("LocalAndRemoteNotInSync" if local_stale and remote_stale else
                                     "LocalNotInSync" if local_stale else
                                     "RemoteNotInSync" if remote_stale else "FullyInSync")


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="VirtualNetworkPeering", location="none",
                          hooks=PeeringHooks(), names=NameRule(1, 80)))
