"""Read model classes generated in the older msrest style (``_attribute_map`` / ``_validation``).

Flattened keys such as ``properties.TTL`` become a nested ``properties`` object whose model is
synthesised as ``<Class>#properties``. Enums come from the ``:vartype`` docstring lines, which
name the enum class (``str or ~azure.mgmt.dns.models.ZoneType`` = extensible string enum)."""

from __future__ import annotations

import enum
import re
import types
from typing import Any

_MSREST_SCALARS = {
    "str": {"type": "str"},
    "int": {"type": "int"},
    "long": {"type": "int"},
    "float": {"type": "float"},
    "bool": {"type": "bool"},
    "object": {"type": "any"},
    "unix-time": {"type": "int"},
    "iso-8601": {"type": "str", "format": "date-time"},
    "rfc-1123": {"type": "str", "format": "date-time-rfc1123"},
    "duration": {"type": "str", "format": "duration"},
    "date": {"type": "str", "format": "date"},
    "time": {"type": "str", "format": "time"},
    "bytearray": {"type": "str", "format": "byte"},
    "base64": {"type": "str", "format": "base64url"},
    "decimal": {"type": "float"},
}
_KEY_SPLIT = re.compile(r"(?<!\\)\.")
_VARTYPE = re.compile(r":vartype (\w+): (.+)")
_ENUM_REF = re.compile(r"~[\w.]+\.(\w+)")


def is_msrest_model(cls: type) -> bool:
    return isinstance(vars(cls).get("_attribute_map"), dict)


def _type_spec(text: str, models: types.ModuleType) -> dict[str, Any]:
    if text.startswith("[") and text.endswith("]"):
        return {"type": "array", "item": _short(_type_spec(text[1:-1], models))}
    if text.startswith("{") and text.endswith("}"):
        return {"type": "dict", "item": _short(_type_spec(text[1:-1], models))}
    if text in _MSREST_SCALARS:
        return dict(_MSREST_SCALARS[text])
    target = getattr(models, text, None)
    if isinstance(target, type) and issubclass(target, enum.Enum):
        return {"type": "str", "enum": [m.value for m in target], "extensible": False}
    if isinstance(target, type):
        return {"type": text}
    return {"type": "any"}


def _short(spec: dict[str, Any]) -> Any:
    return spec["type"] if list(spec) == ["type"] else spec


def _docstring_enums(cls: type, models: types.ModuleType) -> dict[str, dict[str, Any]]:
    """attr -> {"enum": [...], "extensible": bool} from ``:vartype attr: str or ~...EnumName``."""
    out: dict[str, dict[str, Any]] = {}
    for klass in reversed(cls.__mro__):
        for attr, text in _VARTYPE.findall(klass.__doc__ or ""):
            enums = [
                e
                for name in _ENUM_REF.findall(text)
                if isinstance(e := getattr(models, name, None), type) and issubclass(e, enum.Enum)
            ]
            if enums:
                extensible = "str or" in text
                out[attr] = {"enum": [m.value for e in enums for m in e], "extensible": extensible}
    return out


def _apply_enum(spec: dict[str, Any], info: dict[str, Any]) -> None:
    """Put enum info on the string the spec ends in (a list of enums puts it on the item)."""
    target = spec
    while target["type"] in ("array", "dict"):
        item = target.get("item")
        target = {"type": item} if isinstance(item, str) else dict(item)
        if target["type"] == "str":
            target.update(info)
            if spec["type"] in ("array", "dict"):
                spec["item"] = target
            return
    if target["type"] == "str":
        target.update(info)


def describe(cls: type, models: types.ModuleType) -> dict[str, dict[str, Any]]:
    """Compiled entries for one msrest class: the class itself plus synthesised flatten models."""
    attribute_map: dict[str, dict[str, Any]] = vars(cls)["_attribute_map"]
    validation: dict[str, dict[str, Any]] = getattr(cls, "_validation", {}) or {}
    enums = _docstring_enums(cls, models)
    entries: dict[str, dict[str, Any]] = {cls.__name__: {"fields": {}}}
    for attr, info in attribute_map.items():
        parts = [p.replace("\\.", ".") for p in _KEY_SPLIT.split(info["key"])]
        spec = _type_spec(info.get("type", "object"), models)
        if attr in enums:
            _apply_enum(spec, enums[attr])
        rules = validation.get(attr, {})
        if rules.get("readonly"):
            spec["readonly"] = True
        if rules.get("constant"):
            spec["constant"] = True
        owner = cls.__name__
        for depth, part in enumerate(parts[:-1]):
            nested = f"{cls.__name__}#{'.'.join(parts[: depth + 1])}"
            entries[owner]["fields"].setdefault(part, {"type": nested})
            entries.setdefault(nested, {"fields": {}})
            owner = nested
        entries[owner]["fields"][parts[-1]] = spec
    subtype_map = vars(cls).get("_subtype_map")
    if subtype_map:
        attr, mapping = next(iter(subtype_map.items()))
        wire = attribute_map.get(attr, {}).get("key", attr)
        entries[cls.__name__]["discriminator"] = wire
        entries[cls.__name__]["subtypes"] = dict(mapping)
    return entries
