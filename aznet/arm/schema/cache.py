"""Find, compile once and load the schema cache of an ``azure-mgmt-<package>``.

Lookup order for ``schema-<package>-<version>.f<FORMAT>.json``: the cache directory (``$AZNET_CACHE_DIR``,
else ``~/.cache/aznet``), then the prebuilt caches shipped in ``aznet/arm/schema/prebuilt/``.
When neither has it, the installed SDK is compiled into the cache directory (about a second
for azure-mgmt-network). With a cache present nothing from the SDK is imported: the version
comes from the installed distribution's metadata.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

from .model import Schema

FORMAT = 2  # bump when the layout of the cache document changes (2: the api-versions the SDK sends)

PREBUILT_DIR = Path(__file__).with_name("prebuilt")

_lock = threading.Lock()
_registries: dict[str, dict[str, Any] | None] = {}


def cache_dir() -> Path:
    configured = os.environ.get("AZNET_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "aznet"


def distribution(package: str) -> str:
    """``network`` -> ``azure-mgmt-network``."""
    return f"azure-mgmt-{package}"


def installed_version(package: str) -> str | None:
    """The installed version of ``azure-mgmt-<package>``, read from its ``.dist-info`` directory name
    (importing importlib.metadata alone costs ~50 ms of start-up), falling back to importlib.metadata."""
    prefix = distribution(package).replace("-", "_") + "-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.startswith(prefix) and name.endswith(".dist-info"):
                return name[len(prefix) : -len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution(package))
    except PackageNotFoundError:
        return None


def cache_file_name(package: str, ver: str) -> str:
    return f"schema-{package}-{ver}.f{FORMAT}.json"   # the format in the name: checkouts of two formats never fight


def _read(path: Path, package: str, ver: str) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if doc.get("format") != FORMAT or doc.get("package") != package or doc.get("version") != ver:
        return None
    return doc


def registry(package: str = "network") -> dict[str, Any] | None:
    """The whole compiled document of ``package``; None when the package is not installed."""
    if package in _registries:
        return _registries[package]
    with _lock:
        if package not in _registries:
            _registries[package] = _load(package)
    return _registries[package]


def _load(package: str) -> dict[str, Any] | None:
    ver = installed_version(package)
    if ver is None:
        return None
    name = cache_file_name(package, ver)
    for candidate in (cache_dir() / name, PREBUILT_DIR / name):
        doc = _read(candidate, package, ver)
        if doc is not None:
            return doc
    target = cache_dir() / name
    from .compile import compile_schemas  # imports the SDK: only when no cache exists

    try:
        compile_schemas(target, package)
    except ImportError:
        return None
    return _read(target, package, ver)


def load_schema(model_name: str, package: str = "network") -> Schema | None:
    """The schema of one model class (e.g. ``VirtualNetwork``), or None when the package is not
    installed or has no such model: the caller then stores bodies as they come."""
    reg = registry(package)
    if reg is None or model_name not in reg["models"]:
        return None
    return Schema(model_name, reg)


def sdk_api_versions(package: str) -> tuple[str, ...]:
    """The api-versions the installed ``azure-mgmt-<package>`` sends, oldest first (empty when not installed)."""
    reg = registry(package)
    return tuple(reg.get("api_versions") or ()) if reg is not None else ()


def sdk_type_api_version(package: str, rtype: str) -> str | None:
    """The api-version the installed SDK's PUT of ``rtype`` sends."""
    reg = registry(package)
    entry = (reg or {}).get("resource_types", {}).get(rtype.lower()) or {}
    return entry.get("api_version")


def clear() -> None:
    """Forget loaded registries (tests, or after installing another SDK version)."""
    with _lock:
        _registries.clear()
