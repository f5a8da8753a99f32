"""ARM resource type -> body model, e.g. ``Microsoft.Network/virtualNetworks/subnets`` -> ``Subnet``.

The table is derived from each SDK's operations (see resource_types.py) and stored in the
schema cache; DNS record sets, whose type segment is a URL parameter, match ``dnsZones/*``."""

from __future__ import annotations

from .cache import load_schema, registry
from .model import Schema

# Which packages hold which provider namespace, tried in order.
PACKAGES_BY_NAMESPACE: dict[str, tuple[str, ...]] = {
    "microsoft.network": ("network", "dns", "privatedns", "trafficmanager"),
    "microsoft.compute": ("compute",),
}


def _entry(resource_type: str, packages: tuple[str, ...]) -> tuple[str, dict[str, str]] | None:
    key = resource_type.strip("/").lower()
    wildcard = key.rsplit("/", 1)[0] + "/*" if key.count("/") >= 2 else None
    for package in packages:
        reg = registry(package)
        if reg is None:
            continue
        rtypes = reg["resource_types"]
        entry = rtypes.get(key) or (rtypes.get(wildcard) if wildcard else None)
        if entry is not None:
            return package, entry
    return None


def _packages(resource_type: str, package: str | None) -> tuple[str, ...]:
    if package is not None:
        return (package,)
    return PACKAGES_BY_NAMESPACE.get(resource_type.split("/", 1)[0].lower(), ())


def model_for_type(
    resource_type: str, method: str = "put", package: str | None = None
) -> tuple[str, str] | None:
    """(package, model name) of the body a PUT (or PATCH) of ``resource_type`` takes, else None."""
    found = _entry(resource_type, _packages(resource_type, package))
    if found is None or method.lower() not in found[1]:
        return None
    return found[0], found[1][method.lower()]


def schema_for_type(resource_type: str, method: str = "put", package: str | None = None) -> Schema | None:
    """The Schema a PUT (or PATCH) body of ``resource_type`` is checked against, or None (schemaless)."""
    found = model_for_type(resource_type, method, package)
    return load_schema(found[1], found[0]) if found else None


def resource_types(package: str = "network") -> dict[str, str]:
    """Every resource type of a package (canonical casing) -> its PUT model."""
    reg = registry(package)
    if reg is None:
        return {}
    return {e["type"]: e["put"] for e in reg["resource_types"].values() if "put" in e}
