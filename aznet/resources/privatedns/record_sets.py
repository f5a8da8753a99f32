"""Record sets of private zones: ``Microsoft.Network/privateDnsZones/{A,AAAA,CNAME,MX,PTR,SOA,SRV,TXT}``
(lower-camel field names: ``aRecords``, ``cnameRecord``, ``ttl`` …). Records the
platform registers for VMs (``isAutoRegistered: true``) cannot be changed or
deleted by users."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.registry import REGISTRY, ResourceType
from ..dns import records
from ..dns.api_versions import PRIVATE_DNS
from ..dns.record_set_hooks import RecordSetHooks
from ..dns.record_sets import NAME_RULE
from . import zones

if TYPE_CHECKING:
    from ...arm.context import Ctx


def auto_registered(body: dict[str, Any] | None) -> bool:
    return bool(((body or {}).get("properties") or {}).get("isAutoRegistered"))


def refuse_auto_registered(body: dict[str, Any]) -> ArmError:
    return ArmError(400, "BadRequest",
                    f"The record set '{body['name']}' was registered automatically for a virtual machine and "
                    "cannot be modified or deleted. It is removed when the virtual machine's network interface is "
                    "deleted or the virtual network link's registration is disabled.")


class PrivateRecordSetHooks(RecordSetHooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        if auto_registered(old):
            raise refuse_auto_registered(old)  # type: ignore[arg-type]
        super().validate(ctx, new, old)

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        super().prepare(ctx, new, old)
        new["properties"]["isAutoRegistered"] = False

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        if auto_registered(body):
            raise refuse_auto_registered(body)
        super().before_delete(ctx, body)


def _register() -> None:
    for rtype in records.PRIVATE.types:
        hooks = PrivateRecordSetHooks(rtype, records.PRIVATE, zones.MAX_RECORD_SETS, protect_ns=False)
        REGISTRY.add(ResourceType(f"{zones.TYPE}/{rtype}", PRIVATE_DNS, model="RecordSet",
                                  schema_package="privatedns", hooks=hooks, location="none", long_running=False,
                                  names=NAME_RULE))


_register()
