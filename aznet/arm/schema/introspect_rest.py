"""Read model classes generated in the ``rest_field`` style (azure-mgmt-network >= 30 and other
TypeSpec-generated packages): wire name from ``rest_field(name=...)``, read-only from
``visibility == ["read"]`` (the SDK's own rule), type and enum from the class annotations."""

from __future__ import annotations

import datetime
import enum
import types
import typing
from typing import Any

_SCALAR_TYPES: dict[Any, str] = {str: "str", int: "int", float: "float", bool: "bool"}
_TIME_TYPES: dict[Any, str] = {
    datetime.datetime: "date-time",
    datetime.date: "date",
    datetime.time: "time",
    datetime.timedelta: "duration",
    bytes: "byte",
    bytearray: "byte",
}


def is_rest_model(cls: type) -> bool:
    return any(type(v).__name__ == "_RestField" for v in vars(cls).values())


def _rest_fields(cls: type) -> dict[str, Any]:
    """Attribute name -> _RestField over the class's MRO, subclasses overriding bases (as the SDK does)."""
    out: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if not name.startswith("_") and type(value).__name__ == "_RestField":
                out[name] = value
    return out


def _annotations(cls: type) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        out.update(vars(klass).get("__annotations__", {}))
    return out


class AnnotationReader:
    """Turns annotations such as ``Optional[list["_models.Subnet"]]`` into field specs."""

    def __init__(self, models_module: types.ModuleType) -> None:
        self.models = models_module

    def _resolve(self, ann: Any, namespace: dict[str, Any]) -> Any:
        if isinstance(ann, typing.ForwardRef):
            ann = ann.__forward_arg__
        if type(ann) is str:  # a forward reference; str-valued enum members are left alone
            try:
                return eval(ann, namespace)  # noqa: S307 - annotation text from an installed SDK
            except Exception:
                return Any
        return ann

    def spec(self, ann: Any, namespace: dict[str, Any]) -> dict[str, Any]:
        ann = self._resolve(ann, namespace)
        origin = typing.get_origin(ann)
        if origin is typing.Literal:
            values = [_value(v) for v in typing.get_args(ann)]
            if all(isinstance(v, str) for v in values):
                return {"type": "str", "enum": values, "extensible": False}
            return {"type": "any"}
        args = [self._resolve(a, namespace) for a in typing.get_args(ann)]
        if origin in (typing.Union, types.UnionType):
            args = [a for a in args if a is not type(None)]
            enums = [a for a in args if isinstance(a, type) and issubclass(a, enum.Enum)]
            if len(args) == 1:
                return self.spec(args[0], namespace)
            if enums and all(a is str or a in enums for a in args):
                values = [m.value for e in enums for m in e]
                return {"type": "str", "enum": values, "extensible": str in args}
            if enums and all(a is int or a in enums for a in args):  # integer enums (IDPS signatures)
                return {"type": "int", "enum": [m.value for e in enums for m in e], "extensible": True}
            literal_values = [
                v for a in args if typing.get_origin(a) is typing.Literal for v in typing.get_args(a)
            ]
            if literal_values and all(a is str or typing.get_origin(a) is typing.Literal for a in args):
                return {"type": "str", "enum": [_value(v) for v in literal_values], "extensible": str in args}
            return {"type": "any"}
        if origin in (list, typing.List, set, tuple) or (origin is not None and _is_sequence(origin)):  # noqa: UP006
            return {
                "type": "array",
                "item": _short(self.spec(args[0], namespace) if args else {"type": "any"}),
            }
        if origin is not None and _is_mapping(origin):
            item = self.spec(args[1], namespace) if len(args) == 2 else {"type": "any"}
            return {"type": "dict", "item": _short(item)}
        if ann in _SCALAR_TYPES:
            return {"type": _SCALAR_TYPES[ann]}
        if ann in _TIME_TYPES:
            return {"type": "str", "format": _TIME_TYPES[ann]}
        if isinstance(ann, type) and issubclass(ann, enum.Enum):
            return {"type": "str", "enum": [m.value for m in ann], "extensible": False}
        if isinstance(ann, type) and getattr(self.models, ann.__name__, None) is ann:
            return {"type": ann.__name__}
        if ann in (dict, typing.Dict):  # noqa: UP006
            return {"type": "object"}
        if ann is list:
            return {"type": "array", "item": "any"}
        return {"type": "any"}


def _value(v: Any) -> Any:
    return v.value if isinstance(v, enum.Enum) else v


def _short(spec: dict[str, Any]) -> Any:
    """An item spec that only names a type is stored as the bare name."""
    return spec["type"] if list(spec) == ["type"] else spec


def _is_sequence(origin: Any) -> bool:
    import collections.abc as abc

    return isinstance(origin, type) and issubclass(origin, abc.Sequence) and origin is not str


def _is_mapping(origin: Any) -> bool:
    import collections.abc as abc

    return isinstance(origin, type) and issubclass(origin, abc.Mapping)


def describe(cls: type, reader: AnnotationReader) -> dict[str, Any]:
    """The compiled entry of one rest_field model class."""
    module = __import__(cls.__module__, fromlist=["_"])
    namespace = dict(vars(module))
    namespace["_models"] = reader.models
    annotations = _annotations(cls)
    fields: dict[str, Any] = {}
    discriminator: str | None = None
    for attr, rf in _rest_fields(cls).items():
        wire = getattr(rf, "_rest_name_input", None) or attr
        spec = reader.spec(annotations.get(attr, Any), namespace)
        if getattr(rf, "_visibility", None) == ["read"]:
            spec["readonly"] = True
        fmt = getattr(rf, "_format", None)
        if fmt and spec.get("type") == "str":
            spec["format"] = fmt
        if getattr(rf, "_is_discriminator", False):
            spec["discriminator"] = True
            if "__mapping__" in vars(cls):
                discriminator = wire
        fields[wire] = spec
    entry: dict[str, Any] = {"fields": fields}
    mapping = vars(cls).get("__mapping__")
    if discriminator and mapping:
        entry["discriminator"] = discriminator
        entry["subtypes"] = {str(_value(k)): v.__name__ for k, v in mapping.items()}
    return entry
