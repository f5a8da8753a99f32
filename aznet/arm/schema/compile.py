"""Compile the models of one installed ``azure-mgmt-<package>`` into a compact JSON cache.

This is the only module that imports the SDK; it runs once per package version (see cache.py).
Output: ``{"format", "package", "version", "api_versions": [the api-versions the SDK sends],
"models": {Name: {"fields": {wire: spec}, "discriminator"?, "subtypes"?}},
"resource_types": {lowercased type: {"type", "put", "patch"?, "api_version"?}}}``.
"""

from __future__ import annotations

import enum
import importlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from . import introspect_msrest, introspect_rest
from .cache import FORMAT, distribution
from .resource_types import api_versions_in, scan_package


def _model_classes(models: Any) -> list[type]:
    prefix = models.__name__
    out = []
    for value in vars(models).values():
        if (
            isinstance(value, type)
            and value.__module__.startswith(prefix)
            and not issubclass(value, enum.Enum)
        ):
            out.append(value)
    return sorted(out, key=lambda c: c.__name__)


def build(package: str) -> dict[str, Any]:
    """The cache document for one package, or ImportError if it is not installed."""
    from importlib.metadata import version

    ver = version(distribution(package))  # raises PackageNotFoundError (an ImportError) if absent
    models = importlib.import_module(f"azure.mgmt.{package}.models")
    reader = introspect_rest.AnnotationReader(models)
    compiled: dict[str, Any] = {}
    for cls in _model_classes(models):
        if introspect_msrest.is_msrest_model(cls):
            compiled.update(introspect_msrest.describe(cls, models))
        elif introspect_rest.is_rest_model(cls) or any(
            introspect_rest.is_rest_model(b) for b in cls.__mro__[1:]
        ):
            compiled[cls.__name__] = introspect_rest.describe(cls, reader)
    root = importlib.import_module(f"azure.mgmt.{package}")
    operations = Path(root.__file__ or "").parent / "operations"
    rtypes = {
        key: entry
        for key, entry in scan_package(operations).items()
        if all(entry.get(m) in compiled for m in ("put", "patch") if m in entry)
    }
    # what the SDK sends: its configured default and the api-version of each PUT it builds
    config = operations.parent / "_configuration.py"
    sent = api_versions_in(config.read_text(encoding="utf-8")) if config.is_file() else set()
    sent |= {e["api_version"] for e in rtypes.values() if e.get("api_version")}
    return {
        "format": FORMAT,
        "package": package,
        "version": ver,
        "api_versions": sorted(sent),
        "models": compiled,
        "resource_types": rtypes,
    }


def compile_schemas(out_path: str | os.PathLike[str], package: str = "network") -> None:
    """Write the cache for ``package`` to ``out_path`` (atomically: readers never see half a file)."""
    doc = build(package)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=out.name, suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, separators=(",", ":"), sort_keys=True)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
