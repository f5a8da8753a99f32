"""Traffic Manager profiles and endpoints through azure-mgmt-trafficmanager (control plane)."""

from __future__ import annotations

import uuid

import pytest

from tests.network.nic_support import rid

from .conftest import error_of

TYPE = "Microsoft.Network/trafficManagerProfiles"


def rel() -> str:
    return f"tm-{uuid.uuid4().hex[:10]}"


def profile(tm, rg, name, method="Priority", endpoints=None, relative=None, **props):  # type: ignore[no-untyped-def]
    body = {"location": "global", "properties": {
        "trafficRoutingMethod": method, "dnsConfig": {"relativeName": relative or rel(), "ttl": 30},
        "monitorConfig": {"protocol": "HTTP", "port": 80, "path": "/"}, **props}}
    if endpoints is not None:
        body["properties"]["endpoints"] = endpoints
    return tm.profiles.create_or_update(rg, name, body)


def ext(name, target, **props):  # type: ignore[no-untyped-def]
    return {"name": name, "type": f"{TYPE}/externalEndpoints", "properties": {"target": target, **props}}


def test_profile_with_inline_endpoints(tm_client, rg):
    name = rel()
    got = profile(tm_client, rg, "p1", relative=name, endpoints=[ext("a", "10.0.0.1", priority=1),
                                                                 ext("b", "app.example.com", priority=2)])
    assert got.location == "global" and got.profile_status == "Enabled" and got.traffic_routing_method == "Priority"
    assert got.dns_config.fqdn == f"{name}.trafficmanager.net" and got.dns_config.ttl == 30
    mon = got.monitor_config
    assert (mon.interval_in_seconds, mon.timeout_in_seconds, mon.tolerated_number_of_failures) == (30, 10, 3)
    assert [e.name for e in got.endpoints] == ["a", "b"] and [e.priority for e in got.endpoints] == [1, 2]
    assert all(e.endpoint_monitor_status == "CheckingEndpoint" for e in got.endpoints)
    assert mon.profile_monitor_status == "CheckingEndpoints"
    ep = tm_client.endpoints.get(rg, "p1", "ExternalEndpoints", "b")
    assert ep.target == "app.example.com" and ep.type == f"{TYPE}/externalEndpoints" and ep.weight == 1
    tm_client.endpoints.create_or_update(rg, "p1", "ExternalEndpoints", "c",
                                         {"properties": {"target": "10.0.0.3", "endpointStatus": "Disabled"}})
    got = tm_client.profiles.get(rg, "p1")
    assert [(e.name, e.priority, e.endpoint_monitor_status) for e in got.endpoints] == \
        [("a", 1, "CheckingEndpoint"), ("b", 2, "CheckingEndpoint"), ("c", 3, "Disabled")]
    tm_client.endpoints.delete(rg, "p1", "ExternalEndpoints", "a")
    assert [e.name for e in tm_client.profiles.get(rg, "p1").endpoints] == ["b", "c"]
    listed = [p.name for p in tm_client.profiles.list_by_resource_group(rg)]
    assert listed == ["p1"]
    disabled = tm_client.profiles.update(rg, "p1", {"properties": {"profileStatus": "Disabled"}})
    assert disabled.monitor_config.profile_monitor_status == "Disabled"
    assert {e.endpoint_monitor_status for e in disabled.endpoints} == {"Inactive", "Disabled"}
    tm_client.profiles.delete(rg, "p1")
    assert error_of(tm_client.profiles.get, rg, "p1")[0] == 404


def test_relative_name_is_global_and_checked(tm_client, rg):
    name = rel()
    avail = tm_client.profiles.check_traffic_manager_relative_dns_name_availability({"name": name, "type": TYPE})
    assert avail.name_available is True
    profile(tm_client, rg, "p1", relative=name)
    for check in (tm_client.profiles.check_traffic_manager_relative_dns_name_availability,
                  tm_client.profiles.check_traffic_manager_name_availability_v2):
        avail = check({"name": name.upper(), "type": TYPE})
        assert avail.name_available is False and avail.reason == "AlreadyExists"
    assert error_of(profile, tm_client, rg, "p2", relative=name) == (409, "Conflict")
    assert tm_client.profiles.check_traffic_manager_relative_dns_name_availability(
        {"name": "-bad-", "type": TYPE}).reason == "Invalid"


@pytest.mark.parametrize("props", [
    {"monitorConfig": {"protocol": "HTTP", "port": 80, "path": "no-slash"}},
    {"monitorConfig": {"protocol": "TCP", "port": 80, "path": "/x"}},
    {"monitorConfig": {"protocol": "HTTP", "port": 80, "path": "/", "intervalInSeconds": 20}},
    {"monitorConfig": {"protocol": "HTTP", "port": 80, "path": "/", "intervalInSeconds": 30,
                       "timeoutInSeconds": 3}},
    {"monitorConfig": {"protocol": "HTTP", "port": 80, "path": "/", "toleratedNumberOfFailures": 10}},
    {"monitorConfig": {"protocol": "HTTP", "port": 70000, "path": "/"}},
    {"monitorConfig": {"protocol": "FTP", "port": 21, "path": "/"}},
    {"trafficRoutingMethod": "Fastest"},
])
def test_invalid_profiles(tm_client, rg, props):
    method = props.pop("trafficRoutingMethod", "Priority")
    status, _ = error_of(profile, tm_client, rg, "bad", method, **props)
    assert status == 400
    assert error_of(tm_client.profiles.get, rg, "bad")[0] == 404


def test_fast_monitor_intervals_for_tests(tm_client, rg):
    got = profile(tm_client, rg, "fast", monitorConfig={"protocol": "TCP", "port": 8080, "intervalInSeconds": 1,
                                                         "timeoutInSeconds": 1, "toleratedNumberOfFailures": 0})
    assert got.monitor_config.interval_in_seconds == 1 and got.monitor_config.path is None


def test_endpoint_rules(tm_client, rg):
    profile(tm_client, rg, "p", endpoints=[ext("a", "10.0.0.1", priority=5)])
    create = tm_client.endpoints.create_or_update
    assert error_of(create, rg, "p", "ExternalEndpoints", "b", {"properties": {"target": "10.0.0.2", "priority": 5}}) \
        == (400, "BadRequest")
    assert error_of(create, rg, "p", "ExternalEndpoints", "b", {"properties": {"target": "10.0.0.2",
                                                                               "weight": 1001}})[0] == 400
    assert error_of(create, rg, "p", "ExternalEndpoints", "b", {"properties": {}})[0] == 400
    assert error_of(create, rg, "p", "AzureEndpoints", "a", {"properties": {"targetResourceId": "/nope"}})[0] == 400
    assert error_of(tm_client.profiles.update, rg, "p", {"properties": {"trafficRoutingMethod": "Performance"}}) \
        == (400, "BadRequest")      # the endpoint has no location
    # one request, no partial writes: the second endpoint is invalid, so nothing changes
    assert error_of(profile, tm_client, rg, "p", endpoints=[ext("x", "10.0.0.9"), ext("y", "not a host")])[0] == 400
    assert [e.name for e in tm_client.profiles.get(rg, "p").endpoints] == ["a"]


def test_performance_geographic_subnet_multivalue(tm_client, rg):
    assert error_of(profile, tm_client, rg, "perf", "Performance", endpoints=[ext("a", "10.0.0.1")])[0] == 400
    got = profile(tm_client, rg, "perf", "Performance",
                  endpoints=[ext("a", "10.0.0.1", endpointLocation="West Europe")])
    assert got.endpoints[0].endpoint_location == "West Europe"
    geo = profile(tm_client, rg, "geo", "Geographic", endpoints=[ext("eu", "10.0.0.1", geoMapping=["GEO-EU", "US-CA"]),
                                                                 ext("rest", "10.0.0.2", geoMapping=["WORLD"])])
    assert geo.endpoints[0].geo_mapping == ["GEO-EU", "US-CA"]
    assert error_of(profile, tm_client, rg, "geo2", "Geographic",
                    endpoints=[ext("a", "10.0.0.1", geoMapping=["DE"]), ext("b", "10.0.0.2", geoMapping=["DE"])])[0] \
        == 400
    assert error_of(profile, tm_client, rg, "geo3", "Geographic",
                    endpoints=[ext("a", "10.0.0.1", geoMapping=["XX-NOPE"])])[0] == 400
    sub = profile(tm_client, rg, "sub", "Subnet", endpoints=[
        ext("a", "10.0.0.1", subnets=[{"first": "1.2.3.0", "scope": 24}, {"first": "5.5.5.5", "last": "5.5.5.9"}])])
    assert sub.endpoints[0].subnets[0].scope == 24 and sub.endpoints[0].subnets[1].last == "5.5.5.9"
    mv = profile(tm_client, rg, "mv", "MultiValue", maxReturn=2, endpoints=[ext("a", "10.0.0.1"), ext("b", "10.0.0.2")])
    assert mv.max_return == 2
    assert error_of(profile, tm_client, rg, "mv2", "MultiValue", endpoints=[ext("a", "app.example.com")])[0] == 400


def test_nested_and_azure_endpoints(aznet, tm_client, network_client, rg):
    child = profile(tm_client, rg, "child", endpoints=[ext("a", "10.0.0.1")])
    child_id = rid(aznet, rg, "trafficManagerProfiles", "child")
    parent = profile(tm_client, rg, "parent", endpoints=[{"name": "n", "type": f"{TYPE}/nestedEndpoints",
                                                          "properties": {"targetResourceId": child_id}}])
    assert parent.endpoints[0].target == child.dns_config.fqdn and parent.endpoints[0].min_child_endpoints == 1
    parent_id = rid(aznet, rg, "trafficManagerProfiles", "parent")
    assert error_of(tm_client.endpoints.create_or_update, rg, "child", "NestedEndpoints", "loop",
                    {"properties": {"targetResourceId": parent_id}})[0] == 400
    network_client.public_ip_addresses.begin_create_or_update(rg, "pip1", {
        "location": "westeurope", "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static"}}).result()
    pip_id = rid(aznet, rg, "publicIPAddresses", "pip1")
    assert error_of(tm_client.endpoints.create_or_update, rg, "child", "AzureEndpoints", "az",
                    {"properties": {"targetResourceId": pip_id}})[0] == 400      # no DNS name
    label = f"lbl{uuid.uuid4().hex[:8]}"
    network_client.public_ip_addresses.begin_create_or_update(rg, "pip1", {
        "location": "westeurope", "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static", "dnsSettings": {"domainNameLabel": label}}}).result()
    ep = tm_client.endpoints.create_or_update(rg, "child", "AzureEndpoints", "az",
                                              {"properties": {"targetResourceId": pip_id}})
    assert ep.target.startswith(label + ".") and ep.endpoint_location == "westeurope"


def test_geographic_hierarchy(tm_client):
    tree = tm_client.geographic_hierarchies.get_default()
    root = tree.geographic_hierarchy
    assert root.code == "WORLD"
    codes = {r.code for r in root.regions}
    assert {"GEO-EU", "GEO-NA", "GEO-AS"} <= codes
    europe = next(r for r in root.regions if r.code == "GEO-EU")
    assert "DE" in {c.code for c in europe.regions}


def test_user_metrics_key(tm_client):
    made = tm_client.traffic_manager_user_metrics_keys.create_or_update()
    assert made.key
    assert tm_client.traffic_manager_user_metrics_keys.get().key == made.key
    tm_client.traffic_manager_user_metrics_keys.delete()
    assert error_of(tm_client.traffic_manager_user_metrics_keys.get)[0] == 404
