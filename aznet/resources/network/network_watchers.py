"""Microsoft.Network/networkWatchers (the resource type; its diagnostic actions
are wired elsewhere). Azure allows one watcher per region per subscription
(NetworkWatcherCountLimitReached) and creates ``NetworkWatcher_<region>`` in
resource group ``NetworkWatcherRG`` when the region's first VNet is created.

Public API: ``ensure_for_region(ctx, location)``, ``watcher_in(ctx, location)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.errors import ArmError
from ...arm.ids import normalize, resource_group_id
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from .ref_checks import API_VERSIONS

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.NETWORK_WATCHER
AUTO_RG = "NetworkWatcherRG"


def watcher_in(ctx: Ctx, location: str, subscription: str | None = None) -> str | None:
    """The id of the subscription's watcher in ``location``, if any."""
    prefix = f"/subscriptions/{(subscription or ctx.subscription).lower()}/"
    for rec in ctx.of_type(TYPE):
        if rec.key.startswith(prefix) and rec.body.get("location") == location:
            return rec.id
    return None


def ensure_for_region(ctx: Ctx, location: str) -> None:
    """What Azure does when a VNet is created: a watcher for the region, in NetworkWatcherRG."""
    if not getattr(ctx.settings, "network_watcher_autocreate", True):
        return
    if watcher_in(ctx, location) is not None:
        return
    from ...resourcemanager.groups import create_group

    rg = resource_group_id(ctx.subscription, AUTO_RG)
    if ctx.record(rg) is None:
        create_group(ctx, ctx.subscription, AUTO_RG, {"location": location})
    ctx.put(f"{rg}/providers/{TYPE}/NetworkWatcher_{location}", {"location": location, "properties": {}})


class NetworkWatcherHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        sub = new["id"].split("/")[2]
        other = watcher_in(ctx, new["location"], sub)
        if other is not None and normalize(other) != normalize(new["id"]):
            raise ArmError(400, "NetworkWatcherCountLimitReached",
                           "Cannot create more than 1 network watchers for this subscription in this region.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        props.pop("runningOperationIds", None)


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="NetworkWatcher", hooks=NetworkWatcherHooks(),
                          names=NameRule(1, 80)))
