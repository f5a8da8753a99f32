"""Member names as the Network resource provider reads them.

NRP deserializes request bodies with Json.NET into its models with ``MissingMemberHandling.Error``:
a member the model does not have fails the request, and names match case-insensitively (Json.NET
falls back to a case-insensitive lookup when no member matches exactly). The answer is
400 InvalidRequestFormat "Cannot parse the request." with one InvalidJson detail, e.g.
``Could not find member 'remoteVirtualNetworkAddressSpace' on object of type
'VirtualNetworkPeeringProperties'. Path 'properties.virtualNetworkPeerings[0].properties.remote…',
line 47, position 45.`` (Azure/azure-powershell#13544). Json.NET stops at the first such member.

Here the SDK's models stand in for NRP's: ``canonical_members`` returns the body with every member
under its wire name and the first unknown member, if any. Type names are the SDK model names
(NRP's own class names differ in places, e.g. …PropertiesFormat vs …Properties: inferred)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..jsonio import join_path
from .model import SCALARS, Schema, _spec


@dataclass(frozen=True)
class UnknownMember:
    path: str                        # Json.NET path of the member, as the client spelled it
    keys: tuple[str | int, ...]      # the same path as keys and indices
    member: str
    type_name: str

    def message(self, position: tuple[int, int] | None = None) -> str:
        where = f", line {position[0]}, position {position[1]}" if position else ""
        return f"Could not find member '{self.member}' on object of type '{self.type_name}'. Path '{self.path}'{where}."


def _lower_map(schema: Schema) -> dict[str, str]:
    model = schema._model
    lower = model.get("_lower")
    if lower is None:
        lower = {}
        for wire in model["fields"]:
            lower.setdefault(wire.lower(), wire)
        model["_lower"] = lower
    return lower


class _Stop(Exception):
    def __init__(self, found: UnknownMember) -> None:
        super().__init__(found.path)
        self.found = found


def canonical_members(schema: Schema, body: dict[str, Any],
                      ignore_top: frozenset[str] = frozenset()) -> tuple[dict[str, Any], UnknownMember | None]:
    """``body`` with member names in their wire casing, and the first member no model has (else None).
    ``ignore_top`` names top-level members that are passed through unchecked."""
    try:
        return _object(schema.for_body(body), body, "", (), ignore_top), None
    except _Stop as stop:
        return body, stop.found


def _object(schema: Schema, body: dict[str, Any], path: str, keys: tuple[str | int, ...],
            ignore: frozenset[str] = frozenset()) -> dict[str, Any]:
    fields = schema.fields
    out: dict[str, Any] = {}
    for key, value in body.items():
        spec = fields.get(key)
        wire = key
        if spec is None:
            wire = _lower_map(schema).get(key.lower(), "")
            spec = fields.get(wire)
        if spec is None:
            if key in ignore:
                out[key] = value
                continue
            raise _Stop(UnknownMember(join_path(path, key), (*keys, key), key, schema.name))
        out[wire] = _value(schema, value, spec, join_path(path, key), (*keys, key))
    return out


def _value(schema: Schema, value: Any, spec: dict[str, Any], path: str, keys: tuple[str | int, ...]) -> Any:
    kind = spec["type"]
    if kind == "array" and isinstance(value, list):
        item = _spec(spec.get("item"))
        return [_value(schema, v, item, f"{path}[{i}]", (*keys, i)) for i, v in enumerate(value)]
    if kind == "dict" and isinstance(value, dict):
        item = _spec(spec.get("item"))
        return {k: _value(schema, v, item, join_path(path, k), (*keys, k)) for k, v in value.items()}
    if kind not in SCALARS and kind not in ("array", "dict") and isinstance(value, dict):
        sub = schema.model(kind)
        if sub is not None:
            return _object(sub.for_body(value), value, path, keys)
    return value
