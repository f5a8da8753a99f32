"""The ARM error a body with wrong types gets.

Azure's network resource provider answers 400 with code ``InvalidRequestFormat``, message
"Cannot parse the request." and one ``InvalidJson`` detail per problem, worded by Json.NET, e.g.
``Error converting value "abc" to type 'System.Int32'. Path 'properties.flowTimeoutInMinutes', line 1, position 50.``
(seen in Azure/azure-cli#1619 and #2122, Azure/azure-cli#16205; CRP answers the same way)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..errors import ArmError
from .model import SchemaError

_DOTNET = {"str": "System.String", "int": "System.Int32", "float": "System.Double", "bool": "System.Boolean"}
_TOKENS = {dict: "StartObject", list: "StartArray"}


def detail_message(error: SchemaError) -> str:
    """One InvalidJson detail message in Json.NET's words (without line and position)."""
    target = _DOTNET.get(error.expected, error.expected or "object")
    token = _TOKENS.get(type(error.value))
    if token is not None and error.expected not in ("array", "object"):
        return f"Unexpected token {token} when reading {target}. Path '{error.path}'."
    shown = json.dumps(error.value) if not isinstance(error.value, (dict, list)) else "<value>"
    return f"Error converting value {shown} to type '{target}'. Path '{error.path}'."


def invalid_request_format(errors: Iterable[SchemaError]) -> ArmError:
    """400 InvalidRequestFormat with one InvalidJson detail per SchemaError."""
    errors = list(errors)
    details = [{"code": "InvalidJson", "message": detail_message(e)} for e in errors]
    target = errors[0].path if errors else None
    return ArmError(400, "InvalidRequestFormat", "Cannot parse the request.", target=target, details=details)
