"""Which providers reject unknown JSON members, and the error they answer with.

The Network resource provider (NRP) reads bodies with Json.NET and ``MissingMemberHandling.Error``
(Azure/azure-powershell#13544 shows its answer); it matches member names case-insensitively.
Every resource type whose schema comes from ``azure-mgmt-network`` gets that behaviour, declared
or added later, because it is decided here from the schema's package and not per type.

Api-versions: members are checked against the installed SDK's models (its newest api-version) whatever
api-version the request names. A member that only newer api-versions know is therefore accepted with
an older api-version, where NRP refuses it (as in #13544): the lenient side, so that no request a
real client sends with a current api-version is refused. The az CLI's create and update commands for
vnet/subnet, nsg/rule, public-ip, nic and lb are tested against this check.

Kept lenient (unknown members stored as sent, names matched exactly), because their behaviour could
not be confirmed: Azure DNS and Private DNS (separate resource providers under Microsoft.Network),
Traffic Manager, Compute. Microsoft.Resources deployments check their own envelope (deployments.py).
"""

from __future__ import annotations

from typing import Any

from . import jsonio
from .errors import ArmError
from .schema.members import UnknownMember, canonical_members
from .schema.model import Schema

STRICT_PACKAGES = frozenset({"network"})


def is_strict(schema: Schema | None) -> bool:
    return schema is not None and schema._registry.get("package") in STRICT_PACKAGES


def unknown_member_error(found: UnknownMember, body: Any, text: str | None = None) -> ArmError:
    """400 InvalidRequestFormat as NRP answers it; the position is in the request text when known,
    else in the compact JSON ARM forwards (a template deployment's resource body)."""
    position = jsonio.member_position(text, found.keys) if text else None
    if position is None:
        position = jsonio.member_position(jsonio.dumps(body), found.keys)
    return ArmError(400, "InvalidRequestFormat", "Cannot parse the request.", target=found.path,
                    details=[{"code": "InvalidJson", "message": found.message(position)}])


def patch_schema(ctx: Any, rt: Any) -> Schema | None:
    """The model a PATCH body of ``rt`` takes (TagsObject for most Network types), else its PUT model."""
    cache = ctx.platform.__dict__.setdefault("_patch_schemas", {})
    if rt.type not in cache:
        found = None
        put = ctx.platform.schema_for(rt)
        if is_strict(put):
            from .schema import schema_for_type

            try:
                found = schema_for_type(rt.type, "patch")
            except Exception:      # no schema: the PUT model decides
                found = None
        cache[rt.type] = found or put
    return cache[rt.type]


def check_members(schema: Schema | None, body: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    """``body`` with canonical member names, or the error for its first unknown member.
    A no-op for providers that do not check members. Top-level members whose value is null are
    passed through (ARM templates write ``"scale": null`` and the like: inferred, not confirmed)."""
    if not is_strict(schema):
        return body
    assert schema is not None
    nulls = frozenset(k for k, v in body.items() if v is None)
    fixed, found = canonical_members(schema, body, ignore_top=nulls)
    if found is not None:
        raise unknown_member_error(found, body, text)
    return fixed
