"""The schema of one Azure model class, read from a compiled cache (see ``compile.py``).

Pure code over plain dicts: no SDK import. A field spec is a dict such as
``{"type": "array", "item": {"type": "Subnet"}, "readonly": true}``; its ``type`` is one of
str, int, float, bool, object, array, dict, any, or the name of another model in the registry.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ...jsondata import json_kind

SCALARS = frozenset({"str", "int", "float", "bool", "any", "object"})


@dataclass(frozen=True)
class _Mode:
    strict: bool
    all_enums: bool


@dataclass(frozen=True)
class SchemaError:
    """One problem in a request body. ``path`` is written as ARM writes it,
    e.g. ``properties.addressSpace.addressPrefixes[0]``."""

    path: str
    message: str
    expected: str = ""
    value: Any = None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _spec(item: Any) -> dict[str, Any]:
    """An item may be written in short form as a bare type name."""
    if isinstance(item, str):
        return {"type": item}
    return item or {"type": "any"}


_TRUE = {"true"}
_FALSE = {"false"}


def coerce_scalar(value: Any, target: str, *, strict: bool) -> tuple[bool, Any]:
    """Convert ``value`` to the scalar JSON type ``target`` the way ARM's deserializer does.

    Azure's resource providers (NRP, CRP) read bodies with Json.NET, which converts
    between scalars: "10" for an int, 10 for a string, "true" for a bool. Objects and
    arrays in a scalar's place (and words in a number's place) fail with "Error
    converting value". With ``strict`` only exact JSON types pass.
    Returns (ok, converted value)."""
    kind = json_kind(value) or type(value).__name__
    if kind == target or (target == "float" and kind == "int"):
        return True, value
    if target == "int" and kind == "float" and value.is_integer() and not strict:
        return True, int(value)
    if strict or kind in ("array", "object"):
        return False, value
    if target == "str" and kind in ("int", "float", "bool"):
        return True, ("true" if value else "false") if kind == "bool" else str(value)
    if target == "int" and kind == "str":
        text = value.strip()
        if text.lstrip("+-").isdigit():
            return True, int(text)
        return False, value
    if target == "float" and kind == "str":
        try:
            number = float(value)
        except ValueError:
            return False, value
        return (True, number) if math.isfinite(number) else (False, value)
    if target == "bool" and kind == "str" and value.strip().lower() in _TRUE | _FALSE:
        return True, value.strip().lower() in _TRUE
    if target == "bool" and kind == "int":
        return True, value != 0
    return False, value


class Schema:
    """One model class with access to the registry of every model of its package."""

    __slots__ = ("name", "_registry", "_model")

    def __init__(self, name: str, registry: Mapping[str, Any]) -> None:
        self.name = name
        self._registry = registry
        self._model: dict[str, Any] = registry["models"][name]

    def __repr__(self) -> str:
        return f"Schema({self.name!r}, {len(self.fields)} fields)"

    # -- introspection -------------------------------------------------------------------
    @property
    def fields(self) -> dict[str, dict[str, Any]]:
        return self._model["fields"]

    @property
    def discriminator(self) -> str | None:
        return self._model.get("discriminator")

    @property
    def subtypes(self) -> dict[str, str]:
        return self._model.get("subtypes", {})

    def wire_fields(self) -> dict[str, dict[str, Any]]:
        """Wire name -> field spec, for this model's own level."""
        return dict(self.fields)

    def field(self, wire_name: str) -> dict[str, Any] | None:
        return self.fields.get(wire_name)

    def model(self, name: str) -> Schema | None:
        """Another model of the same package."""
        return Schema(name, self._registry) if name in self._registry["models"] else None

    def child(self, wire_name: str) -> Schema | None:
        """The model a field holds (an array's or dict's item model too), e.g. ``child("properties")``."""
        spec = self.fields.get(wire_name)
        while spec is not None and spec["type"] in ("array", "dict"):
            spec = _spec(spec.get("item"))
        if spec is None or spec["type"] in SCALARS:
            return None
        return self.model(spec["type"])

    def for_body(self, body: Mapping[str, Any]) -> Schema:
        """The polymorphic subtype a body selects with its discriminator, else self."""
        current = self
        for _ in range(8):  # a discriminator chain is short; never loop forever
            key = current.discriminator
            value = body.get(key) if key else None
            sub = current.subtypes.get(value) if isinstance(value, str) else None
            if sub is None or sub == current.name or sub not in self._registry["models"]:
                return current
            current = Schema(sub, self._registry)
        return current

    def readonly_paths(self, max_depth: int = 6) -> list[str]:
        """Dotted paths of read-only fields, ``[]`` marking arrays and ``{}`` dict values.
        A model already on the path is not entered again, and nesting stops at max_depth."""
        out: list[str] = []
        self._walk_readonly("", max_depth, (self.name,), out)
        return out

    def _walk_readonly(self, prefix: str, depth: int, seen: tuple[str, ...], out: list[str]) -> None:
        for wire, spec in self.fields.items():
            path = _join(prefix, wire)
            if spec.get("readonly"):
                out.append(path)
                continue
            if depth <= 1:
                continue
            suffix = ""
            while spec["type"] in ("array", "dict"):
                suffix += "[]" if spec["type"] == "array" else "{}"
                spec = _spec(spec.get("item"))
            if spec["type"] not in SCALARS and spec["type"] not in seen:
                sub = self.model(spec["type"])
                if sub is not None:
                    sub._walk_readonly(path + suffix, depth - 1, (*seen, spec["type"]), out)

    # -- read-only handling ---------------------------------------------------------------
    def strip_readonly(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of ``body`` without the read-only fields at every depth, as ARM drops them."""
        return self.for_body(body)._strip(body)

    def _strip(self, body: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        fields = self.fields
        for key, value in body.items():
            spec = fields.get(key)
            if spec is None:
                out[key] = value
            elif not spec.get("readonly"):
                out[key] = self._strip_value(value, spec)
        return out

    def _strip_value(self, value: Any, spec: dict[str, Any]) -> Any:
        kind = spec["type"]
        if kind == "array" and isinstance(value, list):
            item = _spec(spec.get("item"))
            return [self._strip_value(v, item) for v in value]
        if kind == "dict" and isinstance(value, dict):
            item = _spec(spec.get("item"))
            return {k: self._strip_value(v, item) for k, v in value.items()}
        if kind not in SCALARS and isinstance(value, dict):
            sub = self.model(kind)
            return sub.strip_readonly(value) if sub is not None else value
        return value

    # -- validation --------------------------------------------------------------------
    def validate(self, body: Any, *, strict: bool = False, all_enums: bool = False) -> list[SchemaError]:
        """Type and enum problems in ``body``. Unknown fields are not errors here (see unknown_fields).
        ``strict`` refuses the scalar conversions that Azure's Json.NET reader performs.
        Enum values are checked only for fixed enums, unless ``all_enums`` (the SDK marks
        every azure-mgmt-network enum extensible, though the service rejects many unknown values)."""
        errors: list[SchemaError] = []
        mode = _Mode(strict, all_enums)
        self._check(body, {"type": self.name}, "", mode, errors, None)
        return errors

    def coerce(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of a valid ``body`` with scalars converted to their schema types ("10" -> 10),
        so stored resources have the shape Azure returns. Values that do not convert stay as given."""
        fixed: list[Any] = []
        self._check(body, {"type": self.name}, "", _Mode(False, False), [], fixed)
        return fixed[0] if fixed else dict(body)

    def unknown_fields(self, body: Mapping[str, Any]) -> list[str]:
        """Paths of fields the model does not know (Azure's Json.NET reader rejects some of these
        with "Could not find member"; the SDK models may be newer or older than a client's api-version)."""
        out: list[str] = []
        self.for_body(body)._unknown(body, "", out)
        return out

    def _unknown(self, body: Mapping[str, Any], path: str, out: list[str]) -> None:
        for key, value in body.items():
            spec = self.fields.get(key)
            if spec is None:
                out.append(_join(path, key))
                continue
            self._unknown_value(value, spec, _join(path, key), out)

    def _unknown_value(self, value: Any, spec: dict[str, Any], path: str, out: list[str]) -> None:
        kind = spec["type"]
        if kind == "array" and isinstance(value, list):
            for i, v in enumerate(value):
                self._unknown_value(v, _spec(spec.get("item")), f"{path}[{i}]", out)
        elif kind == "dict" and isinstance(value, dict):
            for k, v in value.items():
                self._unknown_value(v, _spec(spec.get("item")), _join(path, k), out)
        elif kind not in SCALARS and isinstance(value, dict):
            sub = self.model(kind)
            if sub is not None:
                sub.for_body(value)._unknown(value, path, out)

    def _check(
        self,
        value: Any,
        spec: dict[str, Any],
        path: str,
        mode: _Mode,
        errors: list[SchemaError],
        fixed: list[Any] | None,
    ) -> None:
        """Check ``value`` against ``spec``; when ``fixed`` is a list, append the coerced value."""
        kind = spec["type"]
        result = value
        if value is None or kind == "any":
            pass  # JSON null clears an optional field; "any" takes every JSON value
        elif kind == "array":
            if not isinstance(value, list):
                errors.append(SchemaError(path, "expected an array", "array", value))
            else:
                item = _spec(spec.get("item"))
                result = []
                for i, v in enumerate(value):
                    self._check(v, item, f"{path}[{i}]", mode, errors, result if fixed is not None else None)
        elif kind in ("dict", "object"):
            if not isinstance(value, dict):
                errors.append(SchemaError(path, "expected an object", "object", value))
            elif kind == "dict":
                item = _spec(spec.get("item"))
                out: list[Any] = []
                for k, v in value.items():
                    self._check(v, item, _join(path, k), mode, errors, out if fixed is not None else None)
                result = dict(zip(value.keys(), out, strict=True)) if fixed is not None else value
        elif kind in ("str", "int", "float", "bool"):
            ok, result = coerce_scalar(value, kind, strict=mode.strict)
            if not ok:
                errors.append(SchemaError(path, f"expected {_NAMES[kind]}", kind, value))
            elif "enum" in spec and kind == "str" and (mode.all_enums or not spec.get("extensible")):
                allowed = spec["enum"]
                match = next((a for a in allowed if a.lower() == str(result).lower()), None)
                if match is None:
                    errors.append(
                        SchemaError(path, f"'{result}' is not one of {', '.join(allowed)}", kind, value)
                    )
        else:
            sub = self.model(kind)
            if not isinstance(value, dict):
                errors.append(SchemaError(path, f"expected an object ({kind})", kind, value))
            elif sub is not None:
                result = sub.for_body(value)._check_object(value, path, mode, errors, fixed is not None)
        if fixed is not None:
            fixed.append(result)

    def _check_object(
        self, body: dict[str, Any], path: str, mode: _Mode, errors: list[SchemaError], coerce: bool
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        fields = self.fields
        for key, value in body.items():
            spec = fields.get(key)
            if spec is None:
                out[key] = value
                continue
            holder: list[Any] | None = [] if coerce else None
            self._check(value, spec, _join(path, key), mode, errors, holder)
            out[key] = holder[0] if holder else value
        return out

    def iter_models(self) -> Iterator[str]:
        """Every model name in this schema's package."""
        return iter(self._registry["models"])


_NAMES = {"str": "a string", "int": "an integer", "float": "a number", "bool": "a boolean"}
