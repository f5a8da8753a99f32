"""Checks the network resource provider makes on request bodies: references to
other resources (``{"id": ...}``) must exist, be of the right type and live in
the same region; enum values and scalar types must parse. Raises Azure's codes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.ids import parse_resource_id
from ...arm.versions import NETWORK
from ...jsondata import spelled_as

if TYPE_CHECKING:
    from ...arm.context import Ctx


def cannot_parse(path: str, value: Any, type_name: str) -> ArmError:
    """The error NRP gives for a value its JSON deserializer cannot convert."""
    return ArmError(400, "InvalidRequestFormat", "Cannot parse the request.", details=[{
        "code": "InvalidJson",
        "message": f"Error converting value {value!r} to type '{type_name}'. Path '{path}'."}])


def objects(value: Any, path: str, type_name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The members of a JSON array of objects, each with its path (``path[i]``); None has none. NRP's parse
    error for a value that is not an array (``type_name[]``) or a member that is not an object (``type_name``)."""
    if value is None:
        return
    if not isinstance(value, list):
        raise cannot_parse(path, value, f"{type_name}[]")
    for i, item in enumerate(value):
        item_path = f"{path}[{i}]"
        if not isinstance(item, dict):
            raise cannot_parse(item_path, item, type_name)
        yield item_path, item


def unique_name(item: dict[str, Any], seen: set[str], code: str, message: str) -> str:
    """An item's name: a non-empty string no earlier item of its list has (names compare case-insensitively;
    ``seen`` holds them). Else a 400 with ``code`` and ``message``."""
    name = item.get("name")
    if not isinstance(name, str) or not name or name.lower() in seen:
        raise ArmError(400, code, message)
    seen.add(name.lower())
    return name


def enum(value: Any, allowed: Iterable[str], path: str, type_name: str, default: str | None = None) -> str | None:
    """The canonical spelling of an enum value (NRP parses enums case-insensitively)."""
    if value is None:
        return default
    found = spelled_as(value, allowed)
    if found is None:
        raise cannot_parse(path, value, type_name)
    return found


def boolean(value: Any, path: str, default: bool | None = None) -> bool | None:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise cannot_parse(path, value, "System.Boolean")


def integer(value: Any, path: str, default: int | None = None) -> int | None:
    if value is None:
        return default
    if isinstance(value, bool):
        raise cannot_parse(path, value, "System.Int32")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise cannot_parse(path, value, "System.Int32")


def zone_list(new: dict[str, Any]) -> list[str] | None:
    """The resource's ``zones`` (a list of strings, as NRP parses it), None when it has none."""
    zones = new.get("zones")
    if zones is not None and (not isinstance(zones, list) or not all(isinstance(z, str) for z in zones)):
        raise cannot_parse("zones", zones, "System.Collections.Generic.List`1[System.String]")
    return zones


def zones_unchanged(new: dict[str, Any], old: dict[str, Any] | None, zones: list[str]) -> None:
    """An existing resource keeps its availability zones (Azure refuses adding, changing or removing them)."""
    if old is not None and sorted(old.get("zones") or []) != sorted(zones):
        raise ArmError(400, "ResourceAvailabilityZonesCannotBeModified",
                       f"Resource {new['id']} has an existing availability zone constraint "
                       f"{','.join(old.get('zones') or []) or 'NoZone'} and the request has availability zone "
                       f"constraint {','.join(zones) or 'NoZone'}, which do not match. Zones cannot be "
                       "added/updated/removed once the resource is created.")


def ref_id(node: Any, path: str = "") -> str | None:
    """The id of a sub-resource reference ``{"id": "..."}`` (None when absent)."""
    if node is None:
        return None
    if not isinstance(node, dict):
        raise cannot_parse(path, node, "SubResource")
    rid = node.get("id")
    if rid is None:
        return None
    if not isinstance(rid, str):
        raise cannot_parse(f"{path}.id", rid, "System.String")
    return rid


def location_of(ctx: Ctx, rid: str) -> str | None:
    """The region of a resource, or of the top-level resource a child lives in."""
    parsed = parse_resource_id(rid)
    if parsed is None:
        return None
    top = parsed
    while top.parent() is not None:
        top = top.parent()  # type: ignore[assignment]
    body = ctx.body(str(top))
    return body.get("location") if body else None


def invalid_reference(ref: str, owner: str) -> ArmError:
    return ArmError(400, "InvalidResourceReference",
                    f"Resource {ref} referenced by resource {owner} was not found. Please make sure that the "
                    "referenced resource exists, and that both resources are in the same region.")


# Sub-resources kept inline in their parent's body (not stored as records), by lower-case type:
# child type -> the parent's property that lists them (e.g. an application gateway's backend pools).
INLINE_SUBRESOURCES: dict[str, str] = {}


def register_inline(child_type: str, prop: str) -> None:
    INLINE_SUBRESOURCES[child_type.lower()] = prop


def inline_body(ctx: Ctx, ref: str) -> dict[str, Any] | None:
    """The item of an inline sub-resource (``{parent}/{kind}/{name}``) from its parent's body."""
    parsed = parse_resource_id(ref)
    prop = INLINE_SUBRESOURCES.get(parsed.full_type.lower()) if parsed is not None else None
    if parsed is None or prop is None or parsed.parent() is None:
        return None
    parent = ctx.body(str(parsed.parent()))
    for item in ((parent or {}).get("properties") or {}).get(prop) or []:
        if isinstance(item, dict) and str(item.get("name", "")).lower() == parsed.name.lower():
            return item
    return None


def resolve(ctx: Ctx, ref: str, owner: str, rtype: str, location: str | None = None) -> dict[str, Any]:
    """The stored body of a referenced resource, checked for type, existence and region."""
    parsed = parse_resource_id(ref)
    if parsed is None or parsed.is_collection:
        raise ArmError(400, "LinkedInvalidPropertyId",
                       f"Property id '{ref}' at path '' is invalid. Expect fully qualified resource Id that "
                       "start with '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'.")
    if parsed.full_type.lower() != rtype.lower():
        raise invalid_reference(ref, owner)
    body = ctx.body(ref)
    if body is None:
        body = inline_body(ctx, ref)
    if body is None:
        raise invalid_reference(ref, owner)
    if location is not None:
        where = location_of(ctx, ref)
        if where is not None and where != location:
            raise invalid_reference(ref, owner)
    return body


def canonical(ctx: Ctx, ref: str) -> str:
    """The id as stored (the casing it was created with)."""
    rec = ctx.record(ref)
    return rec.id if rec else ref


API_VERSIONS: tuple[str, ...] = tuple(NETWORK)     # typed once, in aznet.arm.versions


def since(first: str) -> tuple[str, ...]:
    """The network api-versions from the one a resource type first appeared in (Azure's REST specs)."""
    return tuple(v for v in API_VERSIONS if v >= first)
