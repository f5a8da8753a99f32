"""Parameters: types, coercion, constraints, defaults (which may be expressions) and the ARM view."""

from __future__ import annotations

import re
from typing import Any

import pytest

from aznet.deployments.engine import TemplateError, parameter_view, validate
from aznet.deployments.evaluate import Deployment
from aznet.deployments.parameters import resolve

from .fakes import SCOPE, template


def values(declared: dict[str, Any], given: dict[str, Any] | None = None) -> dict[str, Any]:
    return resolve(template(parameters=declared), given or {}, Deployment(SCOPE))


def test_supplied_values_in_both_shapes_and_defaults():
    got = values({"a": {"type": "string"}, "b": {"type": "int", "defaultValue": 3},
                  "c": {"type": "object", "defaultValue": {"k": "[resourceGroup().location]"}}},
                 {"A": {"value": "x"}})
    assert got == {"a": "x", "b": 3, "c": {"k": "westeurope"}}
    assert values({"a": {"type": "string"}}, {"a": "plain"}) == {"a": "plain"}


def test_defaults_may_use_other_parameters_in_any_order():
    got = values({"full": {"type": "string", "defaultValue": "[concat(parameters('prefix'), '-vnet')]"},
                  "prefix": {"type": "string", "defaultValue": "[toLower(parameters('Base'))]"},
                  "base": {"type": "string"}}, {"base": {"value": "APP"}})
    assert got["full"] == "app-vnet"


def test_default_cycle_is_an_error():
    with pytest.raises(TemplateError):
        values({"a": {"type": "string", "defaultValue": "[parameters('b')]"},
                "b": {"type": "string", "defaultValue": "[parameters('a')]"}})


def test_utcnow_default():
    got = values({"stamp": {"type": "string", "defaultValue": "[utcNow('yyyy')]"}})
    assert re.fullmatch(r"\d{4}", got["stamp"])


@pytest.mark.parametrize(("spec", "given", "want"), [
    ({"type": "int"}, "42", 42),
    ({"type": "bool"}, "True", True),
    ({"type": "array"}, [1], [1]),
    ({"type": "secureString"}, "pw", "pw"),
    ({"type": "int", "minValue": 1, "maxValue": 5}, 5, 5),
    ({"type": "string", "allowedValues": ["dev", "prod"]}, "prod", "prod"),
    ({"type": "array", "allowedValues": ["a", "b", "c"]}, ["a", "c"], ["a", "c"]),
    ({"type": "string", "minLength": 2, "maxLength": 3}, "abc", "abc"),
])
def test_accepted(spec, given, want):
    assert values({"p": spec}, {"p": {"value": given}})["p"] == want


@pytest.mark.parametrize(("spec", "given", "fragment"), [
    ({"type": "int"}, "x", "Expected a value of type 'Int'"),
    ({"type": "int"}, True, "Expected a value of type 'Int'"),
    ({"type": "string"}, 3, "Expected a value of type 'String'"),
    ({"type": "object"}, [], "Expected a value of type 'Object'"),
    ({"type": "int", "minValue": 2}, 1, "less than the minimum value '2'"),
    ({"type": "int", "maxValue": 2}, 3, "greater than the maximum value '2'"),
    ({"type": "string", "allowedValues": ["dev"]}, "qa", "not part of the allowed value(s): 'dev'"),
    ({"type": "array", "allowedValues": ["a"]}, ["a", "z"], "not part of the allowed value(s)"),
    ({"type": "string", "minLength": 3}, "ab", "less than the minimum length '3'"),
    ({"type": "array", "maxLength": 1}, [1, 2], "exceeds the maximum length '1'"),
    ({"type": "widget"}, "x", "is not valid. Allowed types"),
])
def test_rejected(spec, given, fragment):
    with pytest.raises(TemplateError) as exc:
        values({"p": spec}, {"p": {"value": given}})
    assert exc.value.code == "InvalidTemplate"
    assert exc.value.message.startswith("Deployment template validation failed: '")
    assert fragment in exc.value.message


def test_secure_values_are_not_echoed_in_errors():
    with pytest.raises(TemplateError) as exc:
        values({"pw": {"type": "securestring", "minLength": 12}}, {"pw": {"value": "short"}})
    assert "short" not in exc.value.message


def test_missing_and_unknown_parameters():
    with pytest.raises(TemplateError, match="The value for the template parameter 'a' is not provided"):
        values({"a": {"type": "string"}})
    with pytest.raises(TemplateError, match="'extra' in the parameters file are not valid"):
        values({"a": {"type": "string", "defaultValue": ""}}, {"extra": {"value": 1}})


def test_key_vault_references_are_refused_clearly():
    with pytest.raises(TemplateError) as exc:
        values({"pw": {"type": "securestring"}},
               {"pw": {"reference": {"keyVault": {"id": "/x"}, "secretName": "s"}}})
    assert "Key Vault" in exc.value.message


def test_parameter_view_fills_types_and_hides_secrets():
    t = template(parameters={"pw": {"type": "securestring"}, "name": {"type": "string"},
                             "count": {"type": "int", "defaultValue": 2},
                             "loc": {"type": "string", "defaultValue": "[resourceGroup().location]"},
                             "cfg": {"type": "secureObject", "defaultValue": {"k": 1}}})
    given = {"pw": {"value": "s3cret"}, "name": {"value": "n"}}
    assert parameter_view(t, given, SCOPE) == {
        "pw": {"type": "SecureString"}, "name": {"type": "String", "value": "n"},
        "count": {"type": "Int", "value": 2}, "loc": {"type": "String", "value": "westeurope"},
        "cfg": {"type": "SecureObject"}}
    # without a scope, defaults that need one are left out rather than guessed
    without = parameter_view(t, given)
    assert without["count"] == {"type": "Int", "value": 2} and without["loc"] == {"type": "String"}
    assert "s3cret" not in str(without)


def test_validate_reports_parameter_errors():
    t = template(parameters={"n": {"type": "int", "maxValue": 3}})
    with pytest.raises(TemplateError):
        validate(t, {"n": {"value": 9}}, SCOPE)
    assert validate(t, {"n": {"value": 2}}, SCOPE) == []
