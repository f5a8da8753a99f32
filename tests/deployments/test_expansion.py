"""Expansion without deploying (validate): copy loops, children, conditions, ids, dependsOn, cycles."""

from __future__ import annotations

from typing import Any

import pytest

from aznet.deployments.engine import TemplateError, validate

from .fakes import RG, SCOPE, SUB_SCOPE, template, vnet

VNETS = f"{RG}/providers/Microsoft.Network/virtualNetworks"


def plan_names(t: dict[str, Any], params: dict[str, Any] | None = None) -> list[str]:
    return [p.name for p in validate(t, params or {}, SCOPE)]


def deps(t: dict[str, Any], name: str) -> set[str]:
    planned = validate(t, {}, SCOPE)
    by_key = {p.key: p.name for p in planned}
    item = next(p for p in planned if p.name == name)
    return {by_key[k] for k in item.depends_on}


def test_resource_copy_loop_names_indices_and_bodies():
    t = template([{**vnet("[concat('v', copyIndex(1))]"), "copy": {"name": "vnets", "count": "[parameters('n')]"},
                   "properties": {"addressSpace": {"addressPrefixes": ["[format('10.{0}.0.0/16', copyIndex())]"]}}}],
                 parameters={"n": {"type": "int", "defaultValue": 3}})
    planned = validate(t, {}, SCOPE)
    assert [p.name for p in planned] == ["v1", "v2", "v3"]
    assert [p.index for p in planned] == [0, 1, 2] and {p.loop for p in planned} == {"vnets"}
    assert planned[2].put_body["properties"]["addressSpace"]["addressPrefixes"] == ["10.2.0.0/16"]
    assert planned[0].resource_id == f"{VNETS}/v1"
    assert planned[0].body["name"] == "v1" and planned[0].body["type"] == "Microsoft.Network/virtualNetworks"
    assert planned[0].body["location"] == "westeurope"


def test_copy_count_zero_and_bounds():
    t = template([{**vnet("[concat('v', copyIndex())]"), "copy": {"name": "l", "count": 0}}])
    assert validate(t, {}, SCOPE) == []
    for bad in (801, -1, "'x'", "[parameters('missing')]"):
        with pytest.raises(TemplateError):
            validate(template([{**vnet("[concat('v', copyIndex())]"), "copy": {"name": "l", "count": bad}}]), {},
                     SCOPE)


def test_nested_children_get_the_parent_type_and_name_and_depend_on_it():
    t = template([{**vnet("v"), "resources": [
        {"type": "subnets", "apiVersion": "2024-05-01", "name": "s1", "properties": {"addressPrefix": "10.0.0.0/24"}},
        {"type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2024-05-01", "name": "v/s2",
         "properties": {}}]}])
    planned = validate(t, {}, SCOPE)
    assert [(p.type, p.name) for p in planned] == [
        ("Microsoft.Network/virtualNetworks", "v"),
        ("Microsoft.Network/virtualNetworks/subnets", "v/s1"),
        ("Microsoft.Network/virtualNetworks/subnets", "v/s2")]
    assert planned[1].resource_id == f"{VNETS}/v/subnets/s1"
    assert planned[1].depends_on == {planned[0].key} and planned[1].short_name == "s1"


def test_children_declared_at_top_level_with_full_names():
    t = template([{"type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2024-05-01",
                   "name": "v/s", "dependsOn": ["v"], "properties": {}}, vnet("v")])
    planned = validate(t, {}, SCOPE)
    assert [p.name for p in planned] == ["v", "v/s"]
    assert planned[1].resource_id == f"{VNETS}/v/subnets/s"


@pytest.mark.parametrize("spelling", [
    "v",
    "Microsoft.Network/virtualNetworks/v",
    "[resourceId('Microsoft.Network/virtualNetworks', 'v')]",
    f"{VNETS}/v",
    "[concat('V')]",
])
def test_depends_on_spellings(spelling):
    t = template([vnet("a", dependsOn=[spelling]), vnet("v")])
    assert deps(t, "a") == {"v"}
    assert plan_names(t) == ["v", "a"]


def test_depends_on_a_copy_loop_means_every_instance():
    t = template([vnet("after", dependsOn=["loop"]),
                  {**vnet("[concat('v', copyIndex())]"), "copy": {"name": "loop", "count": 3}}])
    assert deps(t, "after") == {"v0", "v1", "v2"}
    assert plan_names(t)[-1] == "after"


def test_serial_copy_batches_depend_on_the_previous_batch():
    t = template([{**vnet("[concat('v', copyIndex())]"),
                   "copy": {"name": "l", "count": 5, "mode": "Serial", "batchSize": 2}}])
    assert deps(t, "v0") == set() and deps(t, "v1") == set()
    assert deps(t, "v2") == {"v0", "v1"} and deps(t, "v3") == {"v0", "v1"} and deps(t, "v4") == {"v2", "v3"}
    parallel = template([{**vnet("[concat('v', copyIndex())]"), "copy": {"name": "l", "count": 3}}])
    assert deps(parallel, "v2") == set()


def test_condition_false_skips_the_resource_and_dependencies_on_it():
    t = template([vnet("a", dependsOn=["off", "[resourceId('Microsoft.Network/virtualNetworks', 'off')]", "on"]),
                  {**vnet("off"), "condition": "[equals(parameters('mode'), 'x')]"},
                  {**vnet("on"), "condition": True}],
                 parameters={"mode": {"type": "string", "defaultValue": "y"}})
    assert plan_names(t) == ["on", "a"]
    assert plan_names(t, {"mode": {"value": "x"}}) == ["off", "on", "a"]


def test_condition_per_copy_instance():
    t = template([{**vnet("[concat('v', copyIndex())]"), "copy": {"name": "l", "count": 4},
                   "condition": "[equals(mod(copyIndex(), 2), 0)]"}])
    assert plan_names(t) == ["v0", "v2"]


def test_unknown_dependency_and_bad_condition():
    with pytest.raises(TemplateError) as exc:
        validate(template([vnet("a", dependsOn=["ghost"])]), {}, SCOPE)
    assert exc.value.code == "InvalidTemplate"
    assert "The resource 'ghost' is not defined in the template" in exc.value.message
    with pytest.raises(TemplateError, match="boolean"):
        validate(template([{**vnet("a"), "condition": "yes"}]), {}, SCOPE)


def test_cycles_are_detected():
    t = template([vnet("a", dependsOn=["b"]), vnet("b", dependsOn=["c"]), vnet("c", dependsOn=["a"])])
    with pytest.raises(TemplateError) as exc:
        validate(t, {}, SCOPE)
    assert exc.value.code == "InvalidTemplate"
    assert exc.value.message.startswith("Deployment template validation failed: 'Circular dependency detected on "
                                        "resource: '/subscriptions/sub-1/resourceGroups/rg1/providers/")


def test_implicit_reference_dependencies_and_their_cycles():
    t = template([vnet("b", properties={"x": "[reference('a').addressSpace]"}),
                  vnet("c", tags={"t": "[reference(resourceId('Microsoft.Network/virtualNetworks', 'b')).x]"}),
                  vnet("a")])
    assert deps(t, "b") == {"a"} and deps(t, "c") == {"b"}
    assert plan_names(t) == ["a", "b", "c"]
    through_variable = template([vnet("b", properties={"x": "[variables('ref')]"}), vnet("a")],
                                variables={"ref": "[reference('a')]"})
    assert deps(through_variable, "b") == {"a"}
    cyclic = template([vnet("a", properties={"x": "[reference('b')]"}), vnet("b", dependsOn=["a"])])
    with pytest.raises(TemplateError, match="Circular dependency"):
        validate(cyclic, {}, SCOPE)


def test_bodies_needing_reference_are_left_for_runtime():
    planned = validate(template([vnet("b", properties={"x": "[reference('a').y]"}), vnet("a")]), {}, SCOPE)
    assert planned[1].name == "b" and planned[1].put_body is None and planned[0].put_body is not None


def test_duplicate_resources_are_refused():
    with pytest.raises(TemplateError, match="defined multiple times"):
        validate(template([vnet("a"), vnet("A")]), {}, SCOPE)


def test_errors_name_the_resource():
    with pytest.raises(TemplateError) as exc:
        validate(template([vnet("a", properties={"x": "[parameters('missing')]"})]), {}, SCOPE)
    assert exc.value.message.startswith("Deployment template validation failed: 'The template resource 'a' is not "
                                        "valid: ")
    assert "The template parameter 'missing' is not found" in exc.value.message


def test_reference_in_a_name_is_refused():
    with pytest.raises(TemplateError, match="'reference' is not expected"):
        validate(template([vnet("[reference('x').name]")]), {}, SCOPE)


def test_property_copy_loops():
    t = template([{**vnet("v"), "properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "copy": [{"name": "subnets", "count": "[length(parameters('names'))]",
                  "input": {"name": "[parameters('names')[copyIndex('subnets')]]",
                            "properties": {"addressPrefix": "[format('10.0.{0}.0/24', copyIndex('subnets'))]"}}}]}}],
                 parameters={"names": {"type": "array", "defaultValue": ["web", "db"]}})
    body = validate(t, {}, SCOPE)[0].put_body
    assert body["properties"]["subnets"] == [
        {"name": "web", "properties": {"addressPrefix": "10.0.0.0/24"}},
        {"name": "db", "properties": {"addressPrefix": "10.0.1.0/24"}}]
    assert "copy" not in body["properties"]


def test_property_copy_inside_a_resource_copy_sees_both_indices():
    t = template([{**vnet("[concat('v', copyIndex())]"), "copy": {"name": "vnets", "count": 2},
                   "properties": {"copy": [{"name": "subnets", "count": 2, "input": {
                       "name": "[format('s{0}{1}', copyIndex(), copyIndex('subnets'))]"}}]}}])
    bodies = [p.put_body["properties"]["subnets"] for p in validate(t, {}, SCOPE)]
    assert bodies == [[{"name": "s00"}, {"name": "s01"}], [{"name": "s10"}, {"name": "s11"}]]


def test_variable_copy_forms():
    t = template([vnet("v", tags={"a": "[string(variables('top'))]", "b": "[string(variables('inline').disks)]"})],
                 variables={"copy": [{"name": "top", "count": 2, "input": "[concat('n', copyIndex('top'))]"}],
                            "inline": {"copy": [{"name": "disks", "count": 2,
                                                 "input": {"lun": "[copyIndex('disks')]"}}]}})
    tags = validate(t, {}, SCOPE)[0].put_body["tags"]
    assert tags == {"a": '["n0","n1"]', "b": '[{"lun":0},{"lun":1}]'}


def test_body_fields_are_taken_and_others_left_out():
    res = {**vnet("v"), "sku": {"name": "Standard"}, "kind": "k", "zones": ["1"], "identity": {"type": "None"},
           "plan": {"name": "p"}, "extendedLocation": {"name": "e"}, "tags": {"x": "y"}, "comments": "ignored",
           "metadata": {"ignored": True}}
    body = validate(template([res]), {}, SCOPE)[0].put_body
    assert set(body) == {"location", "properties", "sku", "kind", "zones", "identity", "plan", "extendedLocation",
                         "tags"}


def test_extension_resources():
    t = template([vnet("v"),
                  {"type": "Microsoft.Authorization/locks", "apiVersion": "2020-05-01", "name": "lock",
                   "scope": "[resourceId('Microsoft.Network/virtualNetworks', 'v')]", "dependsOn": ["v"],
                   "properties": {"level": "CanNotDelete"}},
                  {"type": "Microsoft.Network/virtualNetworks/providers/locks", "apiVersion": "2020-05-01",
                   "name": "v/Microsoft.Authorization/old", "dependsOn": ["v"], "properties": {}}])
    planned = validate(t, {}, SCOPE)
    assert planned[1].resource_id == f"{VNETS}/v/providers/Microsoft.Authorization/locks/lock"
    assert planned[2].resource_id == f"{VNETS}/v/providers/Microsoft.Authorization/locks/old"


def test_subscription_scope_ids():
    t = template([{"type": "Microsoft.Resources/resourceGroups", "apiVersion": "2022-09-01", "name": "newrg",
                   "location": "[deployment().location]"},
                  {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
                   "resourceGroup": "newrg", "dependsOn": ["newrg"],
                   "properties": {"mode": "Incremental", "template": template([])}}])
    planned = validate(t, {}, SUB_SCOPE)
    assert planned[0].resource_id == "/subscriptions/sub-1/resourceGroups/newrg"
    assert planned[0].put_body == {"location": "northeurope"}
    assert planned[1].resource_id == \
        "/subscriptions/sub-1/resourceGroups/newrg/providers/Microsoft.Resources/deployments/inner"
    assert planned[1].depends_on == {planned[0].key}


def test_linked_templates_are_refused_clearly():
    t = template([{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "linked",
                   "properties": {"mode": "Incremental", "templateLink": {"uri": "https://example.com/t.json"}}}])
    with pytest.raises(TemplateError) as exc:
        validate(t, {}, SCOPE)
    assert exc.value.code == "InvalidTemplate" and "templateLink" in exc.value.message


def test_symbolic_name_resources():
    t = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
         "languageVersion": "2.0", "contentVersion": "1.0.0.0",
         "resources": {"net": vnet("v"), "other": vnet("w", dependsOn=["net"]),
                       "old": {**vnet("existing"), "existing": True}}}
    planned = validate(t, {}, SCOPE)
    assert [p.name for p in planned] == ["v", "w"] and planned[1].depends_on == {planned[0].key}


def test_outputs_are_checked_by_validate():
    with pytest.raises(TemplateError, match="The template output 'o'"):
        validate(template([], outputs={"o": {"type": "string", "value": "[parameters('nope')]"}}), {}, SCOPE)
    ok = template([vnet("a")], outputs={"o": {"type": "object", "value": "[reference('a')]"}})
    assert len(validate(ok, {}, SCOPE)) == 1


def test_two_hundred_resources_expand():
    t = template([{**vnet("[format('v{0:D3}', copyIndex())]"), "copy": {"name": "l", "count": 100},
                   "properties": {"addressSpace": {"addressPrefixes": ["[format('10.{0}.0.0/16', copyIndex())]"]}}},
                  {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01",
                   "name": "[format('ip{0}', copyIndex())]", "location": "[resourceGroup().location]",
                   "copy": {"name": "ips", "count": 100},
                   "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', format('v{0:D3}', copyIndex()))]"],
                   "properties": {"publicIPAllocationMethod": "Static"}}])
    planned = validate(t, {}, SCOPE)
    assert len(planned) == 200
    names = [p.name for p in planned]
    assert all(names.index(f"v{i:03d}") < names.index(f"ip{i}") for i in range(100))
