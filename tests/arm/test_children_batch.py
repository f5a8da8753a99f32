"""The generic PUT validates a parent together with its inline children
(Hooks.validate_children), with per-request state on the context, in process."""

from __future__ import annotations

import pytest

from aznet.testing.inprocess import InProcessClient


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> InProcessClient:  # type: ignore[no-untyped-def]
    return InProcessClient.fresh(tmp_path_factory.mktemp("inproc"))


def vnet(subnets: dict[str, str]) -> dict:
    return {"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": n, "properties": {"addressPrefix": p}} for n, p in subnets.items()]}}


def test_a_vnet_put_may_swap_its_subnets_prefixes(client):
    rg = client.group("batch")
    path = client.network(rg, "virtualNetworks", "v1")
    status, _ = client.call("PUT", path, vnet({"a": "10.0.1.0/24", "b": "10.0.2.0/24"}))
    assert status == 201
    # checked one by one, 'a' would overlap 'b' (still 10.0.2.0/24): checked together, the swap is valid
    status, body = client.call("PUT", path, vnet({"a": "10.0.2.0/24", "b": "10.0.1.0/24"}))
    assert status == 200, body
    got = {s["name"]: s["properties"]["addressPrefix"] for s in body["properties"]["subnets"]}
    assert got == {"a": "10.0.2.0/24", "b": "10.0.1.0/24"}


def test_overlapping_inline_subnets_are_refused_and_nothing_is_written(client):
    rg = client.group("batch2")
    path = client.network(rg, "virtualNetworks", "v2")
    status, body = client.call("PUT", path, vnet({"a": "10.0.1.0/24", "b": "10.0.1.128/25"}))
    assert status == 400 and body["error"]["code"] == "NetcfgSubnetRangesOverlap", body
    assert client.call("GET", path)[0] == 404
    # a single subnet PUT is checked against its siblings at once
    assert client.call("PUT", path, vnet({"a": "10.0.1.0/24"}))[0] == 201
    status, body = client.call("PUT", f"{path}/subnets/c", {"properties": {"addressPrefix": "10.0.1.0/25"}})
    assert status == 400 and body["error"]["code"] == "NetcfgSubnetRangesOverlap"


def test_nsg_rules_checked_together_and_default_rules_go_with_their_nsg(client):
    rg = client.group("batch3")
    path = client.network(rg, "networkSecurityGroups", "n1")

    def rule(name: str, priority: int) -> dict:
        return {"name": name, "properties": {"priority": priority, "direction": "Inbound", "access": "Allow",
                                             "protocol": "Tcp", "sourceAddressPrefix": "*", "sourcePortRange": "*",
                                             "destinationAddressPrefix": "*", "destinationPortRange": "22"}}
    status, _ = client.call("PUT", path, {"location": "westeurope", "properties": {
        "securityRules": [rule("x", 100), rule("y", 200)]}})
    assert status == 201
    status, body = client.call("PUT", path, {"location": "westeurope", "properties": {
        "securityRules": [rule("x", 200), rule("y", 100)]}})          # swapped priorities: valid together
    assert status == 200, body
    status, body = client.call("PUT", path, {"location": "westeurope", "properties": {
        "securityRules": [rule("x", 300), rule("y", 300)]}})
    assert status == 400 and body["error"]["code"] == "SecurityRuleConflict", body
    # a default rule cannot be deleted on its own; deleting the NSG takes them along
    status, _ = client.call("DELETE", f"{path}/defaultSecurityRules/AllowVnetInBound")
    assert status == 405
    assert client.call("DELETE", path)[0] in (200, 202)
    assert client.call("GET", path)[0] == 404
    assert not client.platform.store.transaction().children(path.lower())


def test_declared_delete_result_of_traffic_manager(client):
    rg = client.group("tmdel")
    profile = f"{rg}/providers/Microsoft.Network/trafficManagerProfiles/p1"
    body = {"location": "global", "properties": {
        "trafficRoutingMethod": "Priority", "dnsConfig": {"relativeName": "seams-delete-result", "ttl": 30},
        "monitorConfig": {"protocol": "HTTP", "port": 80, "path": "/"},
        "endpoints": [{"name": "e1", "type": "Microsoft.Network/trafficManagerProfiles/externalEndpoints",
                       "properties": {"target": "192.0.2.1", "priority": 1}}]}}
    assert client.call("PUT", profile, body, "2022-04-01")[0] == 201
    assert client.call("DELETE", f"{profile}/externalEndpoints/e1", None, "2022-04-01") == (200, {"boolean": True})
    assert client.call("DELETE", profile, None, "2022-04-01") == (200, {"boolean": True})
    assert client.call("DELETE", profile, None, "2022-04-01") == (204, None)
