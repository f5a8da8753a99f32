"""Import every module of a resource package; the package's ``DECLARATION`` is what they declared
(its types, actions, routes and services: ``aznet/arm/declarations.py``)."""

from __future__ import annotations

import importlib
import pkgutil

from ..arm.declarations import Declaration, declaration


def import_submodules(package_name: str, package_path: list[str]) -> Declaration:
    from . import PACKAGES

    for info in sorted(pkgutil.iter_modules(package_path), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{package_name}.{info.name}")
    return declaration(package_name, PACKAGES)
