"""Template parameters: the supplied ``{"name": {"value": ...}}`` object
checked against the declarations (type, allowedValues, min/max value and
length), defaults evaluated lazily (they may use other parameters, utcNow(),
newGuid()), and the ``properties.parameters`` view ARM returns."""

from __future__ import annotations

from typing import Any

from .errors import ExpressionError, TemplateError, validation_failed
from .evaluate import PARAMETERS, Ctx, Deployment, evaluate
from .values import to_string, type_name

TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "securestring": (str,), "int": (int,), "bool": (bool,), "object": (dict,),
    "secureobject": (dict,), "array": (list,)}
DISPLAY = {"string": "String", "securestring": "SecureString", "int": "Int", "bool": "Bool", "object": "Object",
           "secureobject": "SecureObject", "array": "Array"}
SECURE = ("securestring", "secureobject")


def declarations(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    declared = template.get("parameters") or {}
    if not isinstance(declared, dict):
        raise validation_failed("The template 'parameters' section must be a JSON object")
    return {name: (spec if isinstance(spec, dict) else {}) for name, spec in declared.items()}


def supplied_values(given: dict[str, Any] | None) -> dict[str, Any]:
    """Lower-cased name -> value, from ``{"name": {"value": v}}`` or plain ``{"name": v}``."""
    out: dict[str, Any] = {}
    for name, raw in (given or {}).items():
        if isinstance(raw, dict) and "value" in raw:
            out[name.lower()] = raw["value"]
        elif isinstance(raw, dict) and "reference" in raw:
            raise TemplateError(f"The value of deployment parameter '{name}' is a Key Vault reference; aznet has no "
                                "Key Vault to resolve it from.", "InvalidDeploymentParameterKeyVaultReference")
        else:
            out[name.lower()] = raw
    return out


def type_of(spec: dict[str, Any]) -> str:
    return str(spec.get("type", "string")).lower()


def resolve(template: dict[str, Any], given: dict[str, Any] | None, d: Deployment) -> dict[str, Any]:
    """Every declared parameter's value (lower-cased names), checked; fills ``d.parameters``."""
    declared = declarations(template)
    supplied = supplied_values(given)
    lower = {n.lower(): n for n in declared}
    unknown = [n for n in (given or {}) if n.lower() not in lower]
    if unknown:
        raise validation_failed(
            f"The template parameters '{', '.join(unknown)}' in the parameters file are not valid; they are not "
            "present in the original template and can therefore not be provided at deployment time. The only "
            f"supported parameters for this template are '{', '.join(declared)}'. Please see "
            "https://aka.ms/arm-pass-parameter-values for usage details")
    resolving: set[str] = set()
    ctx = Ctx(d, {}, PARAMETERS)

    def resolve_one(key: str) -> Any:
        if key in d.parameters:
            return d.parameters[key]
        if key not in lower:
            raise ExpressionError(f"The template parameter '{key}' is not found. Please see "
                                  "https://aka.ms/arm-syntax-parameters for usage details.")
        name = lower[key]
        spec = declared[name]
        if key in supplied and supplied[key] is not None:
            value = supplied[key]
        elif "defaultValue" in spec:
            if key in resolving:
                raise ExpressionError(f"The default value of template parameter '{name}' refers to itself.")
            resolving.add(key)
            try:
                value = evaluate(spec["defaultValue"], ctx)
            except ExpressionError as exc:
                raise validation_failed(f"The template parameter '{name}' is not valid: "
                                        f"{exc.message}") from None
            finally:
                resolving.discard(key)
        elif spec.get("nullable") is True:
            value = None
        else:
            raise validation_failed(f"The value for the template parameter '{name}' is "
                                    "not provided. Please see https://aka.ms/arm-create-parameter-file for usage "
                                    "details")
        value = check(name, spec, value)
        d.parameters[key] = value
        return value

    d.parameter_resolver = resolve_one
    try:
        for key in lower:
            resolve_one(key)
    finally:
        d.parameter_resolver = None
    return d.parameters


def check(name: str, spec: dict[str, Any], value: Any) -> Any:
    """Coerce and check one value against its declaration."""
    ptype = type_of(spec)
    if ptype not in TYPES:
        raise validation_failed(f"The template parameter '{name}' has the type '{spec.get('type')}', which is not "
                                "valid. Allowed types are 'String, SecureString, Int, Bool, Array, Object, "
                                "SecureObject'")
    if value is None and spec.get("nullable") is True:
        return None
    if ptype == "int" and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    elif ptype == "int" and isinstance(value, float) and value.is_integer():
        value = int(value)
    elif ptype == "bool" and isinstance(value, str) and value.lower() in ("true", "false"):
        value = value.lower() == "true"
    want = TYPES[ptype]
    if not isinstance(value, want) or (ptype == "int" and isinstance(value, bool)):
        raise validation_failed(f"Template parameter '{name}' was provided an invalid value. Expected a value of "
                                f"type '{DISPLAY[ptype]}', but received a value of type "
                                f"'{type_name(value)}'. Please see https://aka.ms/arm-create-parameter-file for "
                                "usage details")
    allowed = spec.get("allowedValues")
    if isinstance(allowed, list):
        candidates = value if ptype == "array" else [value]
        bad = [v for v in candidates if v not in allowed]
        if bad:
            shown = "***" if ptype in SECURE else to_string(value)
            raise validation_failed(f"The provided value '{shown}' for the template parameter '{name}' is not "
                                    "valid. The parameter value is not part of the allowed "
                                    f"value(s): '{','.join(to_string(a) for a in allowed)}'.")
    if ptype == "int":
        if isinstance(spec.get("minValue"), int) and value < spec["minValue"]:
            raise validation_failed(f"The provided value '{value}' for the template parameter '{name}' is not "
                                    f"valid. The parameter value is less than the minimum "
                                    f"value '{spec['minValue']}'")
        if isinstance(spec.get("maxValue"), int) and value > spec["maxValue"]:
            raise validation_failed(f"The provided value '{value}' for the template parameter '{name}' is not "
                                    f"valid. The parameter value is greater than the maximum "
                                    f"value '{spec['maxValue']}'")
    if isinstance(value, (str, list)):
        shown = "***" if ptype in SECURE else to_string(value)
        if isinstance(spec.get("minLength"), int) and len(value) < spec["minLength"]:
            raise validation_failed(f"The provided value '{shown}' for the template parameter '{name}' is not "
                                    f"valid. The length of the value is less than the minimum "
                                    f"length '{spec['minLength']}'")
        if isinstance(spec.get("maxLength"), int) and len(value) > spec["maxLength"]:
            raise validation_failed(f"The provided value '{shown}' for the template parameter '{name}' is not "
                                    f"valid. The length of the value exceeds the maximum "
                                    f"length '{spec['maxLength']}'")
    return value


def view(template: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``properties.parameters`` as ARM returns it, from resolved values: every declared parameter with its
    type; secure ones carry no value."""
    out: dict[str, Any] = {}
    for name, spec in declarations(template).items():
        ptype = type_of(spec)
        entry: dict[str, Any] = {"type": DISPLAY.get(ptype, str(spec.get("type", "String")))}
        if ptype not in SECURE and name.lower() in values:
            entry["value"] = values[name.lower()]
        out[name] = entry
    return out
