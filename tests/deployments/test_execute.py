"""Running templates through an in-memory ResourceOps: order, reference(), failures, operations, outputs,
cancellation and nested deployments."""

from __future__ import annotations

from typing import Any

from aznet.deployments.engine import execute

from .fakes import RG, SCOPE, SUB_SCOPE, FakeOps, template, vnet

PIPS = f"{RG}/providers/Microsoft.Network/publicIPAddresses"


def pip(name: str, **kw: Any) -> dict[str, Any]:
    return {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01", "name": name,
            "location": "[resourceGroup().location]", "sku": {"name": "Standard"},
            "properties": {"publicIPAllocationMethod": "Static"}, **kw}


def test_puts_in_dependency_order_with_evaluated_bodies():
    t = template([vnet("after", dependsOn=["loop"]),
                  {**vnet("[format('v{0}', copyIndex())]"), "copy": {"name": "loop", "count": 3}},
                  {**vnet("skipped"), "condition": False}])
    ops = FakeOps()
    result = execute(t, {}, SCOPE, ops)
    assert result.provisioning_state == "Succeeded" and result.error is None
    assert ops.names() == ["v0", "v1", "v2", "after"]
    rid, api, body = ops.puts[0]
    assert rid == f"{RG}/providers/Microsoft.Network/virtualNetworks/v0" and api == "2024-05-01"
    assert body == {"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}
    assert [r["id"] for r in result.output_resources] == [p[0] for p in ops.puts]


def test_reference_reads_the_deployed_resource_and_waits_for_it():
    t = template([vnet("v", tags={"ip": "[reference('ip1').ipAddress]",
                                  "sku": "[reference(resourceId('Microsoft.Network/publicIPAddresses', 'ip1'), "
                                         "'2024-05-01', 'Full').sku.name]"}),
                  pip("ip1")],
                 outputs={"ip": {"type": "string", "value": "[reference('ip1').ipAddress]"},
                          "state": {"type": "string", "value": "[reference('v').provisioningState]"}})
    ops = FakeOps()
    result = execute(t, {}, SCOPE, ops)
    assert ops.names() == ["ip1", "v"]
    assert ops.puts[1][2]["tags"] == {"ip": "203.0.113.1", "sku": "Standard"}
    assert result.outputs == {"ip": {"type": "String", "value": "203.0.113.1"},
                              "state": {"type": "String", "value": "Succeeded"}}


def test_reference_found_only_at_runtime_still_waits():
    # the target's name comes from a runtime value, so static analysis cannot see it: execution defers
    t = template([vnet("v", tags={"x": "[reference(concat('i', 'p', string(reference('seed').n))).ipAddress]"}),
                  vnet("seed", properties={"n": 1}), pip("ip1")])
    ops = FakeOps()
    result = execute(t, {}, SCOPE, ops)
    assert result.provisioning_state == "Succeeded", result.error
    assert ops.names().index("ip1") < ops.names().index("v")
    assert ops.puts[-1][2]["tags"] == {"x": "203.0.113.1"}


def test_reference_to_an_existing_resource_outside_the_template():
    existing = {f"{PIPS}/old": {"id": f"{PIPS}/old", "properties": {"ipAddress": "198.51.100.7"}}}
    t = template([vnet("v", tags={"ip": f"[reference('{PIPS}/old', '2024-05-01').ipAddress]"})])
    ops = FakeOps(existing=existing)
    result = execute(t, {}, SCOPE, ops)
    assert result.provisioning_state == "Succeeded"
    assert ops.puts[0][2]["tags"] == {"ip": "198.51.100.7"} and ops.gets == [f"{PIPS}/old"]


def test_reference_to_a_missing_resource_fails_that_resource():
    t = template([vnet("v", tags={"ip": f"[reference('{PIPS}/ghost', '2024-05-01').ipAddress]"}), vnet("w")])
    ops = FakeOps()
    result = execute(t, {}, SCOPE, ops)
    assert result.provisioning_state == "Failed"
    assert result.error["details"][0]["code"] == "ResourceNotFound"
    assert ops.names() == ["w"]


def test_failure_stops_dependents_only_and_reports_details():
    t = template([vnet("bad"), vnet("child", dependsOn=["bad"]), vnet("grandchild", dependsOn=["child"]),
                  vnet("independent")])
    ops = FakeOps(fail={"bad": ("InvalidAddressSpace", "10.0.0.0/33 is not valid", 400)})
    seen: list[dict[str, Any]] = []
    result = execute(t, {}, SCOPE, ops, on_operation=seen.append)
    assert result.provisioning_state == "Failed"
    assert ops.names() == ["independent"]
    assert result.error["code"] == "DeploymentFailed"
    assert result.error["message"].startswith("At least one resource deployment operation failed. Please list "
                                              "deployment operations for details.")
    assert [(d["code"], d["message"]) for d in result.error["details"]] == [
        ("InvalidAddressSpace", "10.0.0.0/33 is not valid")]
    assert seen == result.operations
    assert [(o["targetResource"]["resourceName"], o["provisioningState"], o["statusCode"]) for o in seen] == [
        ("bad", "Failed", "BadRequest"), ("independent", "Succeeded", "OK")]
    failed = seen[0]
    assert failed["statusMessage"] == {"status": "Failed", "error": {"code": "InvalidAddressSpace",
                                                                     "message": "10.0.0.0/33 is not valid"}}
    assert failed["targetResource"] == {"id": f"{RG}/providers/Microsoft.Network/virtualNetworks/bad",
                                        "resourceType": "Microsoft.Network/virtualNetworks", "resourceName": "bad"}
    assert len({o["operationId"] for o in seen}) == 2 and all(o["timestamp"].endswith("Z") for o in seen)
    assert result.outputs == {}


def test_conflict_status_name():
    ops = FakeOps(fail={"v": ("InUseSubnetCannotBeDeleted", "in use", 409)})
    result = execute(template([vnet("v")]), {}, SCOPE, ops)
    assert result.operations[0]["statusCode"] == "Conflict"


def test_template_errors_come_back_as_a_failed_result():
    result = execute(template([vnet("a", dependsOn=["ghost"])]), {}, SCOPE, FakeOps())
    assert result.provisioning_state == "Failed" and result.error["code"] == "InvalidTemplate"
    assert "ghost" in result.error["message"]


def test_outputs_with_copy_condition_and_types():
    t = template([], parameters={"pw": {"type": "securestring", "defaultValue": "x"}},
                 outputs={"names": {"type": "array", "copy": {"count": 2, "input": "[concat('o', copyIndex())]"}},
                          "on": {"type": "bool", "condition": "[equals(1, 1)]", "value": True},
                          "off": {"type": "string", "condition": False, "value": "[parameters('nope')]"},
                          "n": {"type": "int", "value": "[add(1, 2)]"},
                          "obj": {"type": "object", "value": {"k": "[resourceGroup().name]"}},
                          "secret": {"type": "securestring", "value": "[parameters('pw')]"}})
    result = execute(t, {}, SCOPE, FakeOps())
    assert result.outputs == {"names": {"type": "Array", "value": ["o0", "o1"]},
                              "on": {"type": "Bool", "value": True}, "n": {"type": "Int", "value": 3},
                              "obj": {"type": "Object", "value": {"k": "rg1"}}, "secret": {"type": "SecureString"}}
    assert result.parameters == {"pw": {"type": "SecureString"}}


def test_output_evaluation_failure():
    t = template([vnet("v")], outputs={"bad": {"type": "string", "value": "[reference('v').nope]"}})
    ops = FakeOps()
    result = execute(t, {}, SCOPE, ops)
    assert result.provisioning_state == "Failed" and ops.names() == ["v"]
    assert result.error["code"] == "DeploymentOutputEvaluationFailed"
    assert result.error["details"][0]["target"] == "bad"


def test_cancellation_stops_before_the_next_resource():
    ops = FakeOps()
    result = execute(template([vnet("a"), vnet("b"), vnet("c")]), {}, SCOPE, ops,
                     cancelled=lambda: len(ops.puts) >= 1)
    assert result.provisioning_state == "Canceled" and ops.names() == ["a"]
    assert [o["targetResource"]["resourceName"] for o in result.operations] == ["a"]


def _nested(name: str, inner: dict[str, Any], **kw: Any) -> dict[str, Any]:
    props = {"mode": "Incremental", "template": inner, **kw.pop("props", {})}
    return {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": name,
            "properties": props, **kw}


def test_nested_inner_scope_deployment_with_parameters_and_outputs():
    inner = template([pip("[parameters('ipName')]")],
                     parameters={"ipName": {"type": "string"}},
                     outputs={"ip": {"type": "string", "value": "[reference(parameters('ipName')).ipAddress]"},
                              "dep": {"type": "string", "value": "[deployment().name]"}})
    t = template([_nested("nest", inner, props={"expressionEvaluationOptions": {"scope": "inner"},
                                                "parameters": {"ipName": {"value": "[concat(parameters('p'), '-ip')]"}}}),
                  vnet("after", tags={"ip": "[reference('nest').outputs.ip.value]"})],
                 parameters={"p": {"type": "string", "defaultValue": "web"}},
                 outputs={"fromNested": {"type": "string", "value": "[reference('nest').outputs.dep.value]"}})
    ops = FakeOps()
    seen: list[dict[str, Any]] = []
    result = execute(t, {}, SCOPE, ops, on_operation=seen.append)
    assert result.provisioning_state == "Succeeded", result.error
    assert ops.names() == ["web-ip", "after"]
    assert ops.puts[1][2]["tags"] == {"ip": "203.0.113.1"}
    assert result.outputs["fromNested"]["value"] == "nest"
    assert [o["targetResource"]["resourceType"] for o in seen] == [
        "Microsoft.Network/publicIPAddresses", "Microsoft.Resources/deployments", "Microsoft.Network/virtualNetworks"]
    assert {"id": f"{PIPS}/web-ip"} in result.output_resources


def test_nested_outer_scope_sees_the_parent_values():
    inner = template([pip("[concat(parameters('p'), variables('suffix'))]")])
    t = template([_nested("nest", inner)], parameters={"p": {"type": "string", "defaultValue": "app"}},
                 variables={"suffix": "-ip"})
    ops = FakeOps()
    result = execute(t, {}, SCOPE, ops)
    assert result.provisioning_state == "Succeeded", result.error
    assert ops.names() == ["app-ip"]


def test_nested_failure_fails_the_parent():
    inner = template([pip("bad")])
    t = template([_nested("nest", inner), vnet("after", dependsOn=["nest"])])
    ops = FakeOps(fail={"bad": ("PublicIPCountLimitReached", "quota", 400)})
    result = execute(t, {}, SCOPE, ops)
    assert result.provisioning_state == "Failed" and ops.names() == []
    detail = result.error["details"][0]
    assert detail["code"] == "DeploymentFailed" and detail["details"][0]["code"] == "PublicIPCountLimitReached"


def test_subscription_scope_creates_a_group_and_deploys_into_it():
    inner = template([vnet("v", tags={"rg": "[resourceGroup().name]"})])
    t = template([{"type": "Microsoft.Resources/resourceGroups", "apiVersion": "2022-09-01", "name": "newrg",
                   "location": "[deployment().location]", "tags": {"owner": "me"}},
                  _nested("intoRg", inner, resourceGroup="newrg", dependsOn=["newrg"],
                          props={"expressionEvaluationOptions": {"scope": "inner"}})])
    ops = FakeOps()
    result = execute(t, {}, SUB_SCOPE, ops)
    assert result.provisioning_state == "Succeeded", result.error
    assert [p[0] for p in ops.puts] == [
        "/subscriptions/sub-1/resourceGroups/newrg",
        "/subscriptions/sub-1/resourceGroups/newrg/providers/Microsoft.Network/virtualNetworks/v"]
    assert ops.puts[0][2] == {"location": "northeurope", "tags": {"owner": "me"}}
    assert ops.puts[1][2]["location"] == "northeurope" and ops.puts[1][2]["tags"] == {"rg": "newrg"}


def test_template_text_is_accepted():
    result = execute('{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", '
                     '"contentVersion": "1.0.0.0", "resources": [], // c\n "outputs": {"a": {"type": "string", "value": "x"},},}', {}, SCOPE,
                     FakeOps())
    assert result.outputs == {"a": {"type": "String", "value": "x"}}
