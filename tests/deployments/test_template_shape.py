"""What ARM requires of a template's shape, and dependsOn naming a nested child by its declared name."""

from __future__ import annotations

import pytest

from aznet.deployments.engine import TemplateError, execute, validate

from .fakes import SCOPE, FakeOps, template, vnet


@pytest.mark.parametrize(("drop", "member"), [
    (("$schema", "resources"), "$schema"),       # neither: ARM names $schema first
    (("$schema",), "$schema"),
    (("contentVersion",), "contentVersion"),
    (("resources",), "resources"),
])
def test_required_members(drop, member):
    t = {k: v for k, v in template([vnet("v")]).items() if k not in drop}
    with pytest.raises(TemplateError) as exc:
        validate(t, {}, SCOPE)
    assert exc.value.code == "InvalidTemplate"
    assert f"Required property '{member}' not found in JSON" in exc.value.message


def test_an_empty_object_is_not_a_template():
    result = execute({}, {}, SCOPE, FakeOps())
    assert result.provisioning_state == "Failed"
    assert "Required property '$schema'" in result.error["message"]


def test_nested_inline_templates_need_the_same_members():
    nested = {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
              "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                             "template": {"resources": []}}}
    result = execute(template([nested]), {}, SCOPE, FakeOps())
    assert result.provisioning_state == "Failed"
    assert "Required property '$schema'" in str(result.error)


def _with_children(dep_spelling: str) -> dict:
    parent = {**vnet("v"), "resources": [
        {"type": "subnets", "apiVersion": "2024-05-01", "name": "front", "properties": {"addressPrefix": "10.0.0.0/24"}},
    ]}
    nic = {"type": "Microsoft.Network/networkInterfaces", "apiVersion": "2024-05-01", "name": "nic1",
           "location": "westeurope", "dependsOn": [dep_spelling], "properties": {}}
    return template([nic, parent])


@pytest.mark.parametrize("spelling", ["front", "v/front", "Microsoft.Network/virtualNetworks/subnets/v/front",
                                      "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 'front')]"])
def test_depends_on_a_nested_child_by_its_declared_name(spelling):
    planned = validate(_with_children(spelling), {}, SCOPE)
    by_name = {p.name: p for p in planned}
    assert by_name["v/front"].key in by_name["nic1"].depends_on
    assert [p.name for p in planned].index("nic1") > [p.name for p in planned].index("v/front")


def test_depends_on_a_name_declared_nowhere_is_still_refused():
    with pytest.raises(TemplateError, match="The resource 'back' is not defined in the template"):
        validate(_with_children("back"), {}, SCOPE)
