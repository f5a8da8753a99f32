"""The function library, one behaviour per case."""

from __future__ import annotations

import base64
import datetime as dt
import re
import uuid
from typing import Any

import pytest

from aznet.deployments.errors import ExpressionError
from aznet.deployments.evaluate import BODY, PARAMETERS, PLAN, Ctx, Deployment, evaluate
from aznet.deployments.hashing import murmur64
from aznet.deployments.values import utc_now

from .fakes import SCOPE, SUB_SCOPE


def ev(expr: str, scope: Any = SCOPE, phase: str = BODY, **params: Any) -> Any:
    d = Deployment(scope, {k.lower(): v for k, v in params.items()}, {}, template={"contentVersion": "1.2.3.4"})
    return evaluate(expr, Ctx(d, {}, phase))


RG_ID = "/subscriptions/sub-1/resourceGroups/rg1"


@pytest.mark.parametrize(("expr", "want"), [
    # strings
    ("[concat('a', 'b', 1, true)]", "ab1True"),
    ("[concat(createArray(1, 2), createArray(3))]", [1, 2, 3]),
    ("[format('{0}-{1:D3}-{{x}}', 'vm', 7)]", "vm-007-{x}"),
    ("[format('{0:N2}|{0,6}|{1,-3}|', 1234.5, 'a')]", "1,234.50|1234.5|a  |"),
    ("[format('{0:X}', 255)]", "FF"),
    ("[toLower('ABC')]", "abc"),
    ("[toUpper('abc')]", "ABC"),
    ("[trim('  x  ')]", "x"),
    ("[replace('a.b.c', '.', '-')]", "a-b-c"),
    ("[substring('hello', 1, 3)]", "ell"),
    ("[substring('hello', 2)]", "llo"),
    ("[split('a,b;c', createArray(',', ';'))]", ["a", "b", "c"]),
    ("[split('a,,b', ',')]", ["a", "", "b"]),
    ("[join(createArray('a', 1, true), '/')]", "a/1/True"),
    ("[indexOf('abcABC', 'B')]", 1),
    ("[lastIndexOf('abcABC', 'b')]", 4),
    ("[indexOf(createArray('a', 'b'), 'b')]", 1),
    ("[indexOf(createArray(1, 2), 3)]", -1),
    ("[startsWith('Hello', 'he')]", True),
    ("[endsWith('Hello', 'LO')]", True),
    ("[padLeft('7', 3, '0')]", "007"),
    ("[padLeft(42, 5)]", "   42"),
    ("[string(createObject('a', createArray(1, true)))]", '{"a":[1,true]}'),
    ("[string(false)]", "False"),
    ("[string(null())]", ""),
    ("[base64('hi there')]", base64.b64encode(b"hi there").decode()),
    ("[base64ToString(base64('héllo'))]", "héllo"),
    ("[base64ToJson(base64('{\"a\": 1}')).a]", 1),
    ("[uri('http://contoso.org/firstpath/', 'myscript.sh')]", "http://contoso.org/firstpath/myscript.sh"),
    ("[uri('http://contoso.org/firstpath', 'myscript.sh')]", "http://contoso.org/myscript.sh"),
    ("[uriComponent('a b/c?d')]", "a%20b%2Fc%3Fd"),
    ("[uriComponentToString('a%20b%2Fc')]", "a b/c"),
    ("[dataUri('Hello')]", "data:text/plain;charset=utf8;base64,SGVsbG8="),
    ("[dataUriToString('data:;base64,SGVsbG8sIFdvcmxkIQ==')]", "Hello, World!"),
    ("[json('{\"a\": [1, {\"b\": null}]}').a[1]]", {"b": None}),
    ("[json('null')]", None),
    # logic and comparison
    ("[and(true, true, false)]", False),
    ("[or(false, true)]", True),
    ("[not(false)]", True),
    ("[bool('TRUE')]", True),
    ("[bool(0)]", False),
    ("[equals('a', 'A')]", False),
    ("[equals(createArray(1, createObject('x', 2)), createArray(1, createObject('x', 2)))]", True),
    ("[equals(1, true)]", False),
    ("[less(1, 2)]", True),
    ("[lessOrEquals('b', 'b')]", True),
    ("[greater('b', 'a')]", True),
    ("[greaterOrEquals(1, 2)]", False),
    ("[coalesce(null(), null(), 'x', 'y')]", "x"),
    ("[coalesce(null())]", None),
    # numbers
    ("[add(mul(2, 3), sub(10, div(9, 2)))]", 12),
    ("[div(-7, 2)]", -3),
    ("[mod(-7, 2)]", -1),
    ("[mod(7, -2)]", 1),
    ("[int('42')]", 42),
    ("[int(' -3 ')]", -3),
    ("[min(3, 1, 2)]", 1),
    ("[max(createArray(3, 9, 2))]", 9),
    ("[range(2, 3)]", [2, 3, 4]),
    ("[range(5, 0)]", []),
    # arrays and objects
    ("[array('x')]", ["x"]),
    ("[array(createArray(1))]", [1]),
    ("[createObject('a', 1, 'b', createArray())]", {"a": 1, "b": []}),
    ("[length('abc')]", 3),
    ("[length(createObject('a', 1, 'b', 2))]", 2),
    ("[empty('')]", True),
    ("[empty(createObject())]", True),
    ("[empty(createArray(0))]", False),
    ("[contains('OneTwo', 'Two')]", True),
    ("[contains('OneTwo', 'two')]", False),
    ("[contains(createObject('Key', 1), 'key')]", True),
    ("[contains(createArray(createObject('a', 1)), createObject('a', 1))]", True),
    ("[first(createArray('a', 'b'))]", "a"),
    ("[first('xyz')]", "x"),
    ("[last(createArray('a', 'b'))]", "b"),
    ("[first(createArray())]", None),
    ("[take(createArray(1, 2, 3), 2)]", [1, 2]),
    ("[take('abc', 10)]", "abc"),
    ("[skip(createArray(1, 2, 3), 2)]", [3]),
    ("[skip('abc', -1)]", "abc"),
    ("[union(createArray(1, 2), createArray(2, 3))]", [1, 2, 3]),
    ("[union(createObject('a', 1, 'n', createObject('x', 1)), createObject('b', 2, 'n', createObject('y', 2)))]",
     {"a": 1, "n": {"x": 1, "y": 2}, "b": 2}),
    ("[intersection(createArray(1, 2, 3), createArray(3, 2, 9))]", [2, 3]),
    ("[intersection(createObject('a', 1, 'b', 2), createObject('a', 1, 'b', 3))]", {"a": 1}),
    ("[items(createObject('b', 2, 'A', 1))]", [{"key": "A", "value": 1}, {"key": "b", "value": 2}]),
    ("[objectKeys(createObject('x', 1, 'y', 2))]", ["x", "y"]),
    ("[flatten(createArray(createArray(1), createArray(2, 3)))]", [1, 2, 3]),
    ("[tryGet(createObject('a', createObject('B', 5)), 'a', 'b')]", 5),
    ("[tryGet(createObject('a', 1), 'zz')]", None),
    ("[shallowMerge(createArray(createObject('a', 1), createObject('a', 2, 'b', 3)))]", {"a": 2, "b": 3}),
    # lambdas
    ("[map(range(1, 3), lambda('x', mul(lambdaVariables('x'), 10)))]", [10, 20, 30]),
    ("[filter(createArray(1, 5, 2, 8), lambda('n', greater(lambdaVariables('n'), 2)))]", [5, 8]),
    ("[reduce(createArray(1, 2, 3), 0, lambda('acc', 'n', add(lambdaVariables('acc'), lambdaVariables('n'))))]",
     6),
    ("[sort(createArray(3, 1, 2), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))]",
     [1, 2, 3]),
    ("[toObject(createArray('a', 'b'), lambda('k', toUpper(lambdaVariables('k'))))]", {"A": "a", "B": "b"}),
    # scope functions
    ("[resourceGroup().location]", "westeurope"),
    ("[resourceGroup().id]", RG_ID),
    ("[resourceGroup().tags.env]", "test"),
    ("[subscription().subscriptionId]", "sub-1"),
    ("[subscription().id]", "/subscriptions/sub-1"),
    ("[subscription().tenantId]", "tenant-1"),
    ("[tenant().tenantId]", "tenant-1"),
    ("[deployment().name]", "dep1"),
    ("[deployment().properties.template.contentVersion]", "1.2.3.4"),
    ("[environment().suffixes.storage]", "core.windows.net"),
    ("[environment().name]", "AzureCloud"),
])
def test_function(expr, want):
    got = ev(expr)
    assert got == want and type(got) is type(want)


@pytest.mark.parametrize(("expr", "want"), [
    ("[resourceId('Microsoft.Network/virtualNetworks', 'v')]",
     f"{RG_ID}/providers/Microsoft.Network/virtualNetworks/v"),
    ("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')]",
     f"{RG_ID}/providers/Microsoft.Network/virtualNetworks/v/subnets/s"),
    ("[resourceId('other', 'Microsoft.Network/publicIPAddresses', 'p')]",
     "/subscriptions/sub-1/resourceGroups/other/providers/Microsoft.Network/publicIPAddresses/p"),
    ("[resourceId('sub-2', 'other', 'Microsoft.Network/virtualNetworks/subnets', 'v', 's')]",
     "/subscriptions/sub-2/resourceGroups/other/providers/Microsoft.Network/virtualNetworks/v/subnets/s"),
    ("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v/s')]",
     f"{RG_ID}/providers/Microsoft.Network/virtualNetworks/v/subnets/s"),
    ("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'r1')]",
     "/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/r1"),
    ("[subscriptionResourceId('sub-9', 'Microsoft.Resources/resourceGroups', 'g')]",
     "/subscriptions/sub-9/resourceGroups/g"),
    ("[tenantResourceId('Microsoft.Management/managementGroups', 'mg')]",
     "/providers/Microsoft.Management/managementGroups/mg"),
    ("[extensionResourceId(resourceId('Microsoft.Network/virtualNetworks', 'v'), 'Microsoft.Authorization/locks', "
     "'l')]", f"{RG_ID}/providers/Microsoft.Network/virtualNetworks/v/providers/Microsoft.Authorization/locks/l"),
])
def test_resource_ids(expr, want):
    assert ev(expr) == want


def test_resource_id_at_subscription_scope_has_no_group():
    assert ev("[resourceId('Microsoft.Network/virtualNetworks', 'v')]", SUB_SCOPE) == \
        "/subscriptions/sub-1/providers/Microsoft.Network/virtualNetworks/v"
    with pytest.raises(ExpressionError, match="subscription scope"):
        ev("[resourceGroup()]", SUB_SCOPE)
    assert ev("[deployment().location]", SUB_SCOPE) == "northeurope"


@pytest.mark.parametrize("expr", [
    "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v')]",     # a name is missing
    "[resourceId('vnet', 'name')]",                                      # no type
    "[substring('abc', 2, 5)]",
    "[div(1, 0)]",
    "[mod(1, 0)]",
    "[add('1', 2)]",
    "[int('x')]",
    "[bool('yes')]",
    "[createObject('a')]",
    "[union(createArray(1), createObject('a', 1))]",
    "[format('{1}', 'only one')]",
    "[json('{bad')]",
    "[range(0, 10001)]",
    "[padLeft('x', 3, 'ab')]",
    "[and(1, true)]",
    "[if('yes', 1, 2)]",
    "[less(1, 'a')]",
    "[map(createArray(1), 'notalambda')]",
    "[lambdaVariables('x')]",
])
def test_function_errors(expr):
    with pytest.raises(ExpressionError):
        ev(expr)


def test_unique_string_shape_and_determinism():
    a = ev("[uniqueString(resourceGroup().id)]")
    assert re.fullmatch(r"[a-z2-7]{13}", a)
    assert a == ev("[uniqueString(resourceGroup().id)]")
    assert a != ev("[uniqueString(subscription().id)]")
    assert ev("[uniqueString('a', 'b')]") == ev("[uniqueString('a-b')]")   # arguments are joined by '-'
    with pytest.raises(ExpressionError):
        ev("[uniqueString(1)]")


def test_murmur64_mixes_every_byte_and_the_length():
    assert murmur64(b"") != murmur64(b"\x00") != murmur64(b"\x00\x00")
    for data in (b"abcdefgh", b"abcdefghi", b"ab"):           # whole 8-byte blocks and the tail
        flipped = data[:-1] + bytes([data[-1] ^ 1])
        assert murmur64(data) != murmur64(flipped)
        assert 0 <= murmur64(data) < 2 ** 64


def test_guid_is_a_deterministic_version_5_uuid():
    g = ev("[guid(resourceGroup().id, 'x')]")
    parsed = uuid.UUID(g)
    assert parsed.version == 5 and str(parsed) == g
    assert g == ev("[guid(resourceGroup().id, 'x')]") != ev("[guid(resourceGroup().id, 'y')]")


def test_copy_index_forms():
    d = Deployment(SCOPE)
    ctx = Ctx(d, {}, BODY).with_copy("loop", 2, unnamed=True).with_copy("inner", 5)
    assert evaluate("[copyIndex()]", ctx) == 2
    assert evaluate("[copyIndex(1)]", ctx) == 3
    assert evaluate("[copyIndex('Inner')]", ctx) == 5
    assert evaluate("[copyIndex('inner', 10)]", ctx) == 15
    with pytest.raises(ExpressionError, match="not expected at this location"):
        ev("[copyIndex()]")
    with pytest.raises(ExpressionError, match="'other'"):
        evaluate("[copyIndex('other')]", ctx)


def test_utcnow_and_newguid_only_in_parameter_defaults():
    assert re.fullmatch(r"\d{8}T\d{6}Z", ev("[utcNow()]", phase=PARAMETERS))
    assert uuid.UUID(ev("[newGuid()]", phase=PARAMETERS)).version == 4
    for expr in ("[utcNow()]", "[newGuid()]"):
        with pytest.raises(ExpressionError, match="default value of a parameter"):
            ev(expr)


def test_utcnow_formats():
    t = dt.datetime(2024, 3, 5, 14, 7, 9, 123456, tzinfo=dt.UTC)
    assert utc_now("yyyyMMddTHHmmssZ", t) == "20240305T140709Z"
    assert utc_now("u", t) == "2024-03-05 14:07:09Z"
    assert utc_now("yyyy-MM-dd HH:mm:ss.fff", t) == "2024-03-05 14:07:09.123"
    assert utc_now("d", t) == "3/5/2024"
    assert utc_now("hh:mm tt 'at' M/d", t) == "02:07 PM at 3/5"


def test_reference_is_refused_where_names_are_decided():
    with pytest.raises(ExpressionError, match="'reference' is not expected"):
        ev("[reference('x')]", phase=PLAN)
    with pytest.raises(ExpressionError, match="'reference' is not expected"):
        ev("[reference('x')]", phase=PARAMETERS)


def test_variables_not_allowed_in_parameter_defaults():
    with pytest.raises(ExpressionError, match="cannot use variables"):
        ev("[variables('v')]", phase=PARAMETERS)


def test_user_defined_functions():
    d = Deployment(SCOPE, functions={"ns.prefixed": {
        "parameters": [{"name": "name", "type": "string"}],
        "output": {"type": "string", "value": "[concat('pre-', toLower(parameters('name')))]"}}})
    assert evaluate("[ns.prefixed('ABC')]", Ctx(d, {}, BODY)) == "pre-abc"
    with pytest.raises(ExpressionError, match="expects 1 parameter"):
        evaluate("[ns.prefixed()]", Ctx(d, {}, BODY))
