"""Every function in ARM's published function list is implemented; the newer ones (CIDR, dates, lambdas,
indexes from the end, pickZones, providers, references, list*) answer as the documentation's examples do."""

from __future__ import annotations

from typing import Any

import pytest

from aznet.deployments.engine import execute
from aznet.deployments.errors import ExpressionError
from aznet.deployments.evaluate import BODY, PLAN, Ctx, Deployment, evaluate
from aznet.deployments.functions import function_names

from .fakes import SCOPE, ActionOps, template, vnet

# ARM's template function reference (learn.microsoft.com/azure/azure-resource-manager/templates/template-functions),
# every category: array, CIDR, comparison, date, deployment, lambda, logical, numeric, object, resource, scope,
# string. (list* functions are dispatched by prefix and tested below.)
ARM_FUNCTIONS = """
array concat contains createArray empty first indexFromEnd indexOf intersection last lastIndexOf length max min
range skip take tryGet tryIndexFromEnd union
parseCidr cidrSubnet cidrHost
coalesce equals greater greaterOrEquals less lessOrEquals
dateTimeAdd dateTimeFromEpoch dateTimeToEpoch utcNow
deployment environment parameters variables
filter groupBy map mapValues reduce sort toObject lambda lambdaVariables
and bool false if not or true
add copyIndex div float int mod mul sub
createObject items json null objectKeys shallowMerge
extensionResourceId pickZones providers reference references resourceId subscriptionResourceId
managementGroupResourceId tenantResourceId
managementGroup resourceGroup subscription tenant
base64 base64ToJson base64ToString dataUri dataUriToString endsWith format guid join newGuid padLeft replace
split startsWith string substring toLower toUpper trim uniqueString uri uriComponent uriComponentToString
""".split()


def ev(expr: str, phase: str = BODY, scope: Any = SCOPE) -> Any:
    d = Deployment(scope, {}, {}, template={})
    return evaluate(expr, Ctx(d, {}, phase))


def test_every_published_function_is_implemented():
    have = set(function_names())
    missing = [f for f in ARM_FUNCTIONS if f.lower() not in have]
    assert missing == []


# -- CIDR: the documentation's examples ------------------------------------------------------------------

def test_parse_cidr_ipv4_and_ipv6():
    assert ev("[parseCidr('10.144.0.0/20')]") == {
        "network": "10.144.0.0", "netmask": "255.255.240.0", "broadcast": "10.144.15.255",
        "firstUsable": "10.144.0.1", "lastUsable": "10.144.15.254", "cidr": 20}
    assert ev("[parseCidr('fdad:3236:5555::/48')]") == {
        "network": "fdad:3236:5555::", "netmask": "ffff:ffff:ffff::", "firstUsable": "fdad:3236:5555::",
        "lastUsable": "fdad:3236:5555:ffff:ffff:ffff:ffff:ffff", "cidr": 48}


def test_cidr_subnet_and_host():
    assert ev("[map(range(0, 5), lambda('i', cidrSubnet('10.144.0.0/20', 24, lambdaVariables('i'))))]") == [
        "10.144.0.0/24", "10.144.1.0/24", "10.144.2.0/24", "10.144.3.0/24", "10.144.4.0/24"]
    assert ev("[map(range(0, 5), lambda('i', cidrSubnet('fdad:3236:5555::/48', 52, lambdaVariables('i'))))]") == [
        "fdad:3236:5555::/52", "fdad:3236:5555:1000::/52", "fdad:3236:5555:2000::/52", "fdad:3236:5555:3000::/52",
        "fdad:3236:5555:4000::/52"]
    assert ev("[map(range(0, 5), lambda('i', cidrHost('10.144.3.0/24', lambdaVariables('i'))))]") == [
        "10.144.3.1", "10.144.3.2", "10.144.3.3", "10.144.3.4", "10.144.3.5"]
    assert ev("[cidrHost('fdad:3236:5555:3000::/52', 4)]") == "fdad:3236:5555:3000::5"


@pytest.mark.parametrize("expr", [
    "[cidrSubnet('10.0.0.0/16', 8, 0)]",        # a shorter prefix than the network's
    "[cidrSubnet('10.0.0.0/16', 24, 256)]",     # past the last /24
    "[cidrSubnet('10.0.0.0/16', 33, 0)]",
    "[cidrHost('10.0.0.0/30', 2)]",             # a /30 has two usable hosts
    "[cidrHost('10.0.0.0/24', -1)]",
    "[parseCidr('10.0.0.0')]",
    "[parseCidr('not-an-address/8')]",
    "[parseCidr(12)]",
])
def test_cidr_errors(expr):
    with pytest.raises(ExpressionError):
        ev(expr)


# -- dates ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("expr", "want"), [
    ("[dateTimeAdd('2020-04-07 14:53:14Z', 'P3Y')]", "2023-04-07 14:53:14Z"),
    ("[dateTimeAdd('2020-04-07 14:53:14Z', '-P9D')]", "2020-03-29 14:53:14Z"),
    ("[dateTimeAdd('2020-04-07T14:53:14Z', 'PT1H')]", "2020-04-07T15:53:14Z"),
    ("[dateTimeAdd('2020-01-31T00:00:00Z', 'P1M')]", "2020-02-29T00:00:00Z"),     # end of month clamps
    ("[dateTimeAdd('2020-04-07T14:53:14Z', 'PT30M', 'yyyy-MM-dd HH:mm')]", "2020-04-07 15:23"),
    ("[dateTimeFromEpoch(1683040573)]", "2023-05-02T15:16:13Z"),
    ("[dateTimeToEpoch('2023-05-02T15:16:13Z')]", 1683040573),
    ("[dateTimeToEpoch(dateTimeAdd(dateTimeFromEpoch(0), 'P1D'))]", 86400),
])
def test_date_functions(expr, want):
    assert ev(expr) == want


@pytest.mark.parametrize("expr", ["[dateTimeAdd('yesterday', 'P1D')]", "[dateTimeAdd('2020-01-01T00:00:00Z', '1 day')]",
                                  "[dateTimeAdd('2020-01-01T00:00:00Z', 'P')]", "[dateTimeToEpoch(5)]",
                                  "[dateTimeFromEpoch(99999999999999999)]"])
def test_date_errors(expr):
    with pytest.raises(ExpressionError):
        ev(expr)


# -- lambdas and collections -----------------------------------------------------------------------------

DOGS = ("createArray(createObject('name', 'Evie', 'age', 5), createObject('name', 'Casper', 'age', 3), "
        "createObject('name', 'Indy', 'age', 2), createObject('name', 'Kira', 'age', 8))")


def test_lambda_functions_as_documented():
    assert ev(f"[map(filter({DOGS}, lambda('d', greaterOrEquals(lambdaVariables('d').age, 5))), "
              "lambda('d', lambdaVariables('d').name))]") == ["Evie", "Kira"]
    # filter and map with the index as a second lambda variable
    assert ev(f"[map(filter({DOGS}, lambda('d', 'i', and(less(lambdaVariables('i'), 3), "
              "greater(lambdaVariables('d').age, 2)))), lambda('d', 'i', concat(lambdaVariables('d').name, "
              "lambdaVariables('i'))))]") == ["Evie0", "Casper1"]
    assert ev(f"[map(sort({DOGS}, lambda('a', 'b', less(lambdaVariables('a').age, lambdaVariables('b').age))), "
              "lambda('d', lambdaVariables('d').name))]") == ["Indy", "Casper", "Evie", "Kira"]
    assert ev(f"[reduce(map({DOGS}, lambda('d', lambdaVariables('d').age)), 1, "
              "lambda('cur', 'next', add(lambdaVariables('cur'), lambdaVariables('next'))))]") == 19
    assert ev("[groupBy(createArray('foo', 'bar', 'baz'), lambda('x', substring(lambdaVariables('x'), 0, 1)))]") \
        == {"f": ["foo"], "b": ["bar", "baz"]}
    assert ev("[mapValues(createObject('a', 1, 'b', 2), lambda('v', mul(lambdaVariables('v'), 10)))]") \
        == {"a": 10, "b": 20}
    assert ev(f"[objectKeys(toObject({DOGS}, lambda('d', lambdaVariables('d').name), "
              "lambda('d', lambdaVariables('d').age)))]") == ["Evie", "Casper", "Indy", "Kira"]


@pytest.mark.parametrize("expr", [
    "[groupBy(createArray(1), lambda('x', lambdaVariables('x')))]",       # keys must be strings
    "[filter(createArray(1), lambda('x', 1))]",                          # the predicate must be a boolean
    "[mapValues(createArray(1), lambda('x', lambdaVariables('x')))]",
    "[map(createArray(1), lambda('a', 'b', 'c', 1))]",
    "[indexFromEnd(createArray(1, 2), 3)]",
    "[indexFromEnd(createArray(1, 2), 0)]",
])
def test_collection_errors(expr):
    with pytest.raises(ExpressionError):
        ev(expr)


def test_index_from_end():
    assert ev("[indexFromEnd(createArray('a', 'b', 'c'), 1)]") == "c"
    assert ev("[indexFromEnd(createArray('a', 'b', 'c'), 3)]") == "a"
    assert ev("[tryIndexFromEnd(createArray('a', 'b', 'c'), 4)]") is None
    assert ev("[tryIndexFromEnd(createArray('a'), 1)]") == "a"


# -- resource and scope functions ----------------------------------------------------------------------

def test_pick_zones():
    assert ev("[pickZones('Microsoft.Network', 'publicIPAddresses', 'westeurope')]") == ["1"]
    assert ev("[pickZones('Microsoft.Network', 'publicIPAddresses', 'West Europe', 3)]") == ["1", "2", "3"]
    assert ev("[pickZones('Microsoft.Network', 'publicIPAddresses', 'eastus2', 2, 2)]") == ["3", "1"]
    assert ev("[pickZones('Microsoft.Network', 'publicIPAddresses', 'northcentralus')]") == []   # no zones


def test_management_group_is_refused_at_resource_group_scope():
    with pytest.raises(ExpressionError, match="management group"):
        ev("[managementGroup()]")


def test_list_functions_are_runtime_only():
    with pytest.raises(ExpressionError, match="not expected at this location"):
        ev("[listKeys(resourceId('Microsoft.Storage/storageAccounts', 'sa'), '2023-01-01')]", PLAN)


def _keys(res: dict[str, Any], body: Any) -> dict[str, Any]:
    return {"keys": [{"keyName": "key1", "value": f"secret-of-{res['name']}"}], "asked": body}


def test_list_function_calls_the_resource_type_action_after_the_resource_is_deployed():
    ops = ActionOps({("microsoft.network/virtualnetworks", "listkeys"): _keys})
    t = template([vnet("v1")], outputs={
        "key": {"type": "string", "value": "[listKeys(resourceId('Microsoft.Network/virtualNetworks', 'v1'), "
                                          "'2024-05-01').keys[0].value]"},
        "withBody": {"type": "object", "value": "[listKeys('v1', '2024-05-01', createObject('expand', 'x'))]"}})
    result = execute(t, {}, SCOPE, ops)
    assert result.provisioning_state == "Succeeded", result.error
    assert result.outputs["key"]["value"] == "secret-of-v1"
    assert result.outputs["withBody"]["value"]["asked"] == {"expand": "x"}
    assert [c[1] for c in ops.calls] == ["listKeys", "listKeys"]


def test_list_function_waits_for_the_resource_it_names():
    ops = ActionOps({("microsoft.network/virtualnetworks", "listkeys"): _keys})
    second = vnet("v2")
    second["tags"] = {"k": "[listKeys(resourceId('Microsoft.Network/virtualNetworks', 'v1'), '2024-05-01')"
                           ".keys[0].value]"}
    result = execute(template([second, vnet("v1")]), {}, SCOPE, ops)
    assert result.provisioning_state == "Succeeded", result.error
    assert ops.names() == ["v1", "v2"]
    assert ops.puts[1][2]["tags"] == {"k": "secret-of-v1"}


def test_list_function_without_the_action_fails_the_deployment():
    ops = ActionOps({})
    t = template([vnet("v1")], outputs={"x": {"type": "object", "value": "[listSecrets('v1', '2024-05-01')]"}})
    result = execute(t, {}, SCOPE, ops)
    assert result.provisioning_state == "Failed"
    assert "listSecrets" in str(result.error)


def test_references_returns_each_copy_member():
    ops = ActionOps({})
    nets = vnet("[concat('n', copyIndex())]", copy={"name": "nets", "count": 3})
    t = template([nets], outputs={"names": {"type": "array",
                                            "value": "[map(references('nets', 'full'), lambda('r', "
                                                     "lambdaVariables('r').name))]"}})
    result = execute(t, {}, SCOPE, ops)
    assert result.provisioning_state == "Succeeded", result.error
    assert result.outputs["names"]["value"] == ["n0", "n1", "n2"]
