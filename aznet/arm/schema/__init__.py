"""Wire names, read-only fields, types and enums of Azure resource types, compiled from the
installed ``azure-mgmt-*`` SDK models into a JSON cache and loaded without importing the SDK."""

import os

from .arm_errors import invalid_request_format
from .cache import cache_dir, clear, load_schema, registry
from .model import Schema, SchemaError
from .type_map import model_for_type, resource_types, schema_for_type


def compile_schemas(out_path: str | os.PathLike[str], package: str = "network") -> None:
    """Compile the models of the installed ``azure-mgmt-<package>`` into a JSON cache at ``out_path``
    (imports the SDK; see compile.py)."""
    from .compile import compile_schemas as _compile

    _compile(out_path, package)


__all__ = [
    "Schema",
    "SchemaError",
    "cache_dir",
    "clear",
    "compile_schemas",
    "invalid_request_format",
    "load_schema",
    "model_for_type",
    "registry",
    "resource_types",
    "schema_for_type",
]
