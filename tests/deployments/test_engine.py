"""The template engine on its own: expressions, functions, expansion, ordering
and failure handling, with an in-memory ResourceOps."""

from __future__ import annotations

from typing import Any

import pytest

from aznet.deployments.engine import (
    DeploymentResourceError,
    Scope,
    TemplateError,
    execute,
    parameter_view,
    parse_template_text,
    validate,
)
from aznet.deployments.evaluate import EvalContext, evaluate
from aznet.deployments.expressions import ExpressionError

SCOPE = Scope("sub-1", "tenant-1", "rg1", "westeurope", "dep1", "/subscriptions/sub-1/resourceGroups/rg1", {"a": "b"})


class FakeOps:
    def __init__(self, fail: set[str] | None = None) -> None:
        self.puts: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail or set()

    def put(self, rid: str, api: str, body: dict[str, Any]) -> dict[str, Any]:
        name = rid.rsplit("/", 1)[-1]
        if name in self.fail:
            raise DeploymentResourceError("InvalidThing", f"{name} is not valid")
        self.puts.append((rid, body))
        return {"id": rid, "name": name, "properties": {**body.get("properties", {}), "provisioningState": "Succeeded"}}

    def get(self, rid: str, api: str | None) -> dict[str, Any]:
        raise DeploymentResourceError("ResourceNotFound", rid)


def ev(expr: str, **params: Any) -> Any:
    return evaluate(expr, EvalContext(SCOPE, params, {"v1": "[concat('x', 'y')]", "n": 3}))


@pytest.mark.parametrize(("expr", "want"), [
    ("[concat('a', 'b', 'c')]", "abc"),
    ("[concat(createArray(1, 2), createArray(3))]", [1, 2, 3]),
    ("[format('{0}-{1:D3}', 'vm', 7)]", "vm-007"),
    ("[toLower('ABC')]", "abc"),
    ("[replace('a.b.c', '.', '-')]", "a-b-c"),
    ("[split('a,b', ',')[1]]", "b"),
    ("[length(createArray(1, 2, 3))]", 3),
    ("[if(equals(1, 1), 'yes', 'no')]", "yes"),
    ("[contains(createObject('Key', 1), 'key')]", True),
    ("[union(createObject('a', 1), createObject('b', 2))]", {"a": 1, "b": 2}),
    ("[add(mul(2, 3), sub(10, div(9, 2)))]", 12),
    ("['it''s']", "it's"),
    ("[[not an expression]", "[not an expression]"),
    ("[variables('v1')]", "xy"),
    ("[resourceGroup().location]", "westeurope"),
    ("[resourceGroup().tags.a]", "b"),
    ("[subscription().subscriptionId]", "sub-1"),
    ("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')]",
     "/subscriptions/sub-1/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v/subnets/s"),
    ("[resourceId('other', 'Microsoft.Network/publicIPAddresses', 'p')]",
     "/subscriptions/sub-1/resourceGroups/other/providers/Microsoft.Network/publicIPAddresses/p"),
    ("[range(2, 3)]", [2, 3, 4]),
    ("[take(skip(createArray(1, 2, 3, 4), 1), 2)]", [2, 3]),
    ("[coalesce(null(), 'x')]", "x"),
    ("[padLeft('7', 3, '0')]", "007"),
    ("[json('{\"a\": [1]}').a[0]]", 1),
    ("[base64ToString(base64('hi'))]", "hi"),
])
def test_expressions(expr, want):
    assert ev(expr) == want


def test_unique_string_and_guid_are_deterministic():
    a, b = ev("[uniqueString('x', 'y')]"), ev("[uniqueString('x', 'y')]")
    assert a == b and len(a) == 13 and a != ev("[uniqueString('x', 'z')]")
    assert ev("[guid('a')]") == ev("[guid('a')]") != ev("[guid('b')]")


@pytest.mark.parametrize("bad", ["[concat('a']", "[nosuchfunction()]", "[variables('missing')]", "[parameters('x')]"])
def test_bad_expressions_raise(bad):
    with pytest.raises(ExpressionError):
        ev(bad)


def test_lenient_text_with_comments_and_trailing_commas():
    text = '{\n // c\n "a": "http://x//y", /* block */ "b": [1, 2,],\n}'
    assert parse_template_text(text) == {"a": "http://x//y", "b": [1, 2]}


def template(resources: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"$schema": "x", "contentVersion": "1.0.0.0", "resources": resources, **extra}


def vnet(name: str, **kw: Any) -> dict[str, Any]:
    return {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": name,
            "location": "[resourceGroup().location]", "properties": {"i": 1}, **kw}


def test_copy_loop_condition_and_order():
    t = template([
        vnet("after", dependsOn=["loop"]),
        {**vnet("[format('v{0}', copyIndex())]"), "copy": {"name": "loop", "count": 3}},
        {**vnet("skipped"), "condition": False},
    ])
    ops = FakeOps()
    result = execute(t, {}, SCOPE, ops)
    assert result.provisioning_state == "Succeeded"
    names = [rid.rsplit("/", 1)[-1] for rid, _ in ops.puts]
    assert sorted(names[:3]) == ["v0", "v1", "v2"] and names[3] == "after"


def test_reference_orders_implicitly_and_reads_the_deployed_body():
    t = template([
        vnet("b", properties={"copied": "[reference('a').i]"}),
        vnet("a"),
    ], outputs={"o": {"type": "int", "value": "[reference('a').i]"}})
    ops = FakeOps()
    result = execute(t, {}, SCOPE, ops)
    assert [rid.rsplit("/", 1)[-1] for rid, _ in ops.puts] == ["a", "b"]
    assert ops.puts[1][1]["properties"]["copied"] == 1
    assert result.outputs == {"o": {"type": "Int", "value": 1}}


def test_nested_child_resources_get_parent_names():
    t = template([{**vnet("v"), "resources": [{"type": "subnets", "apiVersion": "2024-05-01", "name": "s",
                                                 "properties": {"addressPrefix": "10.0.0.0/24"}}]}])
    ops = FakeOps()
    execute(t, {}, SCOPE, ops)
    assert ops.puts[1][0].endswith("/virtualNetworks/v/subnets/s")


def test_cycle_is_detected():
    with pytest.raises(TemplateError) as exc:
        validate(template([vnet("a", dependsOn=["b"]), vnet("b", dependsOn=["a"])]), {}, SCOPE)
    assert "Circular dependency" in exc.value.message


def test_unknown_dependency_is_reported():
    with pytest.raises(TemplateError) as exc:
        validate(template([vnet("a", dependsOn=["ghost"])]), {}, SCOPE)
    assert "is not defined in the template" in exc.value.message


def test_parameters_checked():
    t = template([], parameters={"env": {"type": "string", "allowedValues": ["dev", "prod"]},
                                 "n": {"type": "int", "defaultValue": 2, "maxValue": 3}})
    with pytest.raises(TemplateError):
        validate(t, {}, SCOPE)                                  # env missing
    with pytest.raises(TemplateError):
        validate(t, {"env": {"value": "qa"}}, SCOPE)             # not allowed
    with pytest.raises(TemplateError):
        validate(t, {"env": {"value": "dev"}, "n": {"value": 9}}, SCOPE)
    with pytest.raises(TemplateError):
        validate(t, {"env": {"value": "dev"}, "extra": {"value": 1}}, SCOPE)
    assert validate(t, {"env": {"value": "dev"}}, SCOPE) == []


def test_failure_stops_dependents_and_reports_details():
    t = template([vnet("bad"), vnet("child", dependsOn=["bad"]), vnet("independent")])
    ops = FakeOps(fail={"bad"})
    result = execute(t, {}, SCOPE, ops)
    assert result.provisioning_state == "Failed"
    assert result.error["code"] == "DeploymentFailed"
    assert result.error["details"][0]["code"] == "InvalidThing"
    assert [rid.rsplit("/", 1)[-1] for rid, _ in ops.puts] == ["independent"]


def test_secure_parameters_are_not_shown():
    t = template([], parameters={"pw": {"type": "securestring"}, "name": {"type": "string"}})
    view = parameter_view(t, {"pw": {"value": "s3cret"}, "name": {"value": "n"}})
    assert view == {"pw": {"type": "SecureString"}, "name": {"type": "String", "value": "n"}}


def test_output_copy_and_variable_copy():
    t = template([], variables={"copy": [{"name": "subnets", "count": 2,
                                          "input": {"name": "[concat('s', copyIndex('subnets'))]"}}]},
                 outputs={"names": {"type": "array", "copy": {"count": 2, "input": "[concat('o', copyIndex())]"}},
                          "subs": {"type": "array", "value": "[variables('subnets')]"}})
    result = execute(t, {}, SCOPE, FakeOps())
    assert result.outputs["names"]["value"] == ["o0", "o1"]
    assert result.outputs["subs"]["value"] == [{"name": "s0"}, {"name": "s1"}]


def test_copy_count_bounds():
    t = template([{**vnet("[format('v{0}', copyIndex())]"), "copy": {"name": "l", "count": 200}}])
    assert len(validate(t, {}, SCOPE)) == 200
    with pytest.raises(TemplateError):
        validate(template([{**vnet("x"), "copy": {"name": "l", "count": 801}}]), {}, SCOPE)
