"""Bad input in every field: take valid bodies of the delivery types (an
application gateway, a WAF policy, Front Door routes and rules, a classic Front
Door), replace one or two leaves (or whole objects) with random JSON, PUT them:
never a 5xx, and a refused PUT leaves the stored resource exactly as it was."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.arm.helpers import handle_in_process
from tests.network.nic_support import retired_allowed

from .appgw_support import gateway_body, pfx_b64

SUB = "00000000-0000-0000-0000-000000000001"
RG = "fuzz-delivery"
NET = "Microsoft.Network"

scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 70000), st.text(max_size=10),
                    st.sampled_from(["", "*", "/", "/x/*", "Enabled", "Http", "Standard_v2", "10.0.0.300",
                                     "/subscriptions/x", "999999999999", "é", "-1"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                      max_leaves=6)


def rid(rtype: str, *names: str, ns: str = NET) -> str:
    parts = rtype.split("/")
    tail = "/".join(f"{t}/{n}" for t, n in zip(parts, names, strict=True))
    return f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/{ns}/{tail}"


class Ids:
    subscription_id = SUB


@pytest.fixture(scope="module")
def targets(aznet):  # type: ignore[no-untyped-def]
    """(path, api-version, valid body) of each resource the fuzzer mutates, created once."""
    api = "2024-05-01"
    cdn_api = "2025-06-01"
    assert handle_in_process(aznet, "PUT", f"/subscriptions/{SUB}/resourcegroups/{RG}", {"location": "westeurope"},
                             "2021-04-01").status < 300
    vnet = rid("virtualNetworks", "vnet")
    assert handle_in_process(aznet, "PUT", vnet, {"location": "westeurope", "properties": {
        "addressSpace": {"addressPrefixes": ["10.21.0.0/16"]},
        "subnets": [{"name": "myAGSubnet", "properties": {"addressPrefix": "10.21.0.0/24"}}]}}, api).status < 300
    pip = rid("publicIPAddresses", "pip")
    assert handle_in_process(aznet, "PUT", pip, {"location": "westeurope", "sku": {"name": "Standard"},
                                                 "properties": {"publicIPAllocationMethod": "Static"}}, api).status < 300
    inst = Ids()
    gw = gateway_body(inst, RG, "gw", {"subnet": vnet + "/subnets/myAGSubnet", "pip": pip})
    gid = rid("applicationGateways", "gw")
    gw["properties"]["frontendPorts"].append({"name": "p443", "properties": {"port": 443}})
    gw["properties"]["sslCertificates"] = [{"name": "cert", "properties": {"data": pfx_b64("pw"), "password": "pw"}}]
    gw["properties"]["probes"] = [{"name": "probe", "properties": {"protocol": "Http", "host": "x", "path": "/",
                                                                   "interval": 30, "timeout": 30,
                                                                   "unhealthyThreshold": 3}}]
    gw["properties"]["redirectConfigurations"] = [{"name": "r", "properties": {
        "redirectType": "Permanent", "targetUrl": "https://example.com/"}}]
    gw["properties"]["rewriteRuleSets"] = [{"name": "rw", "properties": {"rewriteRules": [{
        "name": "a", "ruleSequence": 100, "conditions": [{"variable": "var_client_ip", "pattern": "10.*"}],
        "actionSet": {"requestHeaderConfigurations": [{"headerName": "X-A", "headerValue": "1"}]}}]}}]
    gw["properties"]["httpListeners"].append({"name": "https", "properties": {
        "frontendIPConfiguration": {"id": f"{gid}/frontendIPConfigurations/appGwPublicFrontendIp"},
        "frontendPort": {"id": f"{gid}/frontendPorts/p443"}, "protocol": "Https",
        "sslCertificate": {"id": f"{gid}/sslCertificates/cert"}}})
    waf = rid("ApplicationGatewayWebApplicationFirewallPolicies", "waf")
    waf_body = {"location": "westeurope", "properties": {
        "managedRules": {"managedRuleSets": [{"ruleSetType": "OWASP", "ruleSetVersion": "3.2"}]},
        "customRules": [{"name": "r1", "priority": 1, "ruleType": "MatchRule", "action": "Block",
                         "matchConditions": [{"matchVariables": [{"variableName": "RemoteAddr"}],
                                              "operator": "IPMatch", "matchValues": ["10.0.0.0/8"]}]}]}}
    prof = rid("profiles", "afd", ns="Microsoft.Cdn")
    classic = rid("profiles", "classic", ns="Microsoft.Cdn")
    with retired_allowed(aznet):
        assert handle_in_process(aznet, "PUT", classic, {"location": "global", "sku": {"name": "Standard_Microsoft"}},
                                 cdn_api).status < 300
    out = []
    for path, version, body in (
            (gid, api, gw), (waf, api, waf_body),
            (prof, cdn_api, {"location": "global", "sku": {"name": "Premium_AzureFrontDoor"}}),
            (prof + "/afdEndpoints/ep", cdn_api, {"location": "global", "properties": {}}),
            (prof + "/originGroups/og", cdn_api, {"properties": {"loadBalancingSettings": {"sampleSize": 4}}}),
            (prof + "/originGroups/og/origins/o1", cdn_api, {"properties": {"hostName": "web.contoso.com"}}),
            (prof + "/ruleSets/rs", cdn_api, {}),
            (prof + "/ruleSets/rs/rules/r1", cdn_api, {"properties": {"order": 1, "conditions": [
                {"name": "UrlPath", "parameters": {"typeName": "DeliveryRuleUrlPathMatchConditionParameters",
                                                   "operator": "BeginsWith", "matchValues": ["/a"]}}],
                "actions": [{"name": "UrlRewrite", "parameters": {
                    "typeName": "DeliveryRuleUrlRewriteActionParameters", "sourcePattern": "/a",
                    "destination": "/b"}}]}}),
            (prof + "/afdEndpoints/ep/routes/route", cdn_api, {"properties": {
                "originGroup": {"id": prof + "/originGroups/og"}, "patternsToMatch": ["/*"]}}),
            (classic + "/endpoints/fuzz-classic-ep", cdn_api, {"location": "global", "properties": {
                "origins": [{"name": "o1", "properties": {"hostName": "www.contoso.com"}}],
                "deliveryPolicy": {"rules": [{"name": "r", "order": 1, "actions": [{
                    "name": "CacheExpiration", "parameters": {
                        "typeName": "DeliveryRuleCacheExpirationActionParameters", "cacheBehavior": "Override",
                        "cacheType": "All", "cacheDuration": "1.00:00:00"}}]}]}}}),
            (prof + "/customDomains/www", cdn_api, {"properties": {"hostName": "www.contoso.com", "tlsSettings": {
                "certificateType": "ManagedCertificate", "minimumTlsVersion": "TLS12"}}}),
            (rid("FrontDoorWebApplicationFirewallPolicies", "fdwaf"), "2024-02-01", {
                "location": "Global", "sku": {"name": "Premium_AzureFrontDoor"}, "properties": {
                    "policySettings": {"enabledState": "Enabled", "mode": "Prevention"},
                    "customRules": {"rules": [{"name": "r1", "priority": 1, "ruleType": "MatchRule", "action": "Block",
                                               "matchConditions": [{"matchVariable": "RequestHeader",
                                                                    "selector": "User-Agent", "operator": "Contains",
                                                                    "matchValue": ["bot"]}]}]},
                    "managedRules": {"managedRuleSets": [{"ruleSetType": "Microsoft_DefaultRuleSet",
                                                          "ruleSetVersion": "2.1"}]}}}),
            (prof + "/securityPolicies/sp", cdn_api, {"properties": {"parameters": {
                "type": "WebApplicationFirewall", "wafPolicy": {"id": rid("FrontDoorWebApplicationFirewallPolicies",
                                                                          "fdwaf")},
                "associations": [{"domains": [{"id": prof + "/afdEndpoints/ep"}], "patternsToMatch": ["/*"]}]}}}),
    ):
        resp = handle_in_process(aznet, "PUT", path, body, version)
        assert resp.status < 300, (path, resp.body)
        out.append((path, version, body))
    return out


def _leaves(node: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _leaves(v, (*path, i))
    return out


def _set(node: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    parent = node
    for p in path[:-1]:
        parent = parent[p]
    parent[path[-1]] = value
    return node


@settings(max_examples=int(__import__("os").environ.get("AZNET_FUZZ_EXAMPLES", "300")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_bodies_never_5xx_and_change_nothing_when_refused(aznet, targets, data):  # type: ignore[no-untyped-def]
    path, api, good = data.draw(st.sampled_from(targets))
    body = copy.deepcopy(good)
    for _ in range(data.draw(st.integers(1, 2))):
        spots = [p for p in _leaves(body) if p]
        if not spots:
            break
        body = _set(body, data.draw(st.sampled_from(spots)), data.draw(values))
    before = handle_in_process(aznet, "GET", path, None, api)
    resp = handle_in_process(aznet, "PUT", path, body, api)
    assert resp.status < 500, (path, body, resp.body)
    if resp.status >= 400:
        assert resp.body["error"]["code"] and resp.body["error"]["message"]
        after = handle_in_process(aznet, "GET", path, None, api)
        assert after.body == before.body
    else:
        restored = handle_in_process(aznet, "PUT", path, good, api)      # back to the valid body for the next example
        assert restored.status < 300, (path, restored.body)


def test_reads_only_carry_members_the_models_know(aznet, targets):  # type: ignore[no-untyped-def]
    """What GET returns can be PUT back (az and the portal do GET-modify-PUT): every member of every response is
    one the SDK model knows, so a provider that refuses unknown members accepts it."""
    from aznet.arm.ids import parse_resource_id

    for path, api, _good in targets:
        resp = handle_in_process(aznet, "GET", path, None, api)
        assert resp.status == 200, (path, resp.body)
        parsed = parse_resource_id(path)
        rt = aznet.platform.registry.get(parsed.full_type)
        schema = aznet.platform.schema_for(rt)
        assert schema is not None, path
        assert schema.unknown_fields(resp.body) == [], path
        again = handle_in_process(aznet, "PUT", path, resp.body, api)
        assert again.status < 300, (path, again.body)
