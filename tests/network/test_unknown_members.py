"""Unknown members (issue 8 item 9): the Network resource provider rejects members its models lack
(400 InvalidRequestFormat, an InvalidJson detail "Could not find member 'X' on object of type 'Y'.
Path '…', line L, position P.") and matches member names case-insensitively, for every
Microsoft.Network type from the SDK schema; a failed template deployment carries the inner error."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from aznet.arm.http import Request
from aznet.arm.strict_members import is_strict

NET = "2024-05-01"
RES = "2021-04-01"
MEMBER = re.compile(r"^Could not find member '(?P<member>[^']+)' on object of type '(?P<type>\w+)'\. "
                    r"Path '(?P<path>[^']+)', line (?P<line>\d+), position (?P<pos>\d+)\.$")


def _token(aznet) -> str:  # type: ignore[no-untyped-def]
    return aznet.platform.issuer.issue(aznet.tenant_id, {"grant_type": "client_credentials",
                                                         "client_id": "members"})["access_token"]


def call(aznet, method: str, path: str, body: object = None, api: str = NET, raw: str | None = None):  # type: ignore[no-untyped-def]
    data = raw if raw is not None else (json.dumps(body) if body is not None else "")
    req = Request(method, path, {"api-version": api},
                  {"authorization": f"Bearer {_token(aznet)}", "content-type": "application/json"},
                  data.encode(), aznet.endpoint)
    resp = aznet.call(aznet.platform.handle, req)
    text = resp.encode()
    return resp.status, (json.loads(text) if text else None)


@pytest.fixture(scope="module")
def group(aznet) -> str:  # type: ignore[no-untyped-def]
    name = f"members-{uuid.uuid4().hex[:8]}"
    assert call(aznet, "PUT", f"/subscriptions/{aznet.subscription_id}/resourcegroups/{name}",
                {"location": "westeurope"}, RES)[0] == 201
    return name


def rid(aznet, rg: str, rtype: str, *names: str) -> str:  # type: ignore[no-untyped-def]
    ns, *types = rtype.split("/")
    tail = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=True))
    return f"/subscriptions/{aznet.subscription_id}/resourceGroups/{rg}/providers/{ns}/{tail}"


def member_error(body) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert body["error"]["code"] == "InvalidRequestFormat", body
    assert body["error"]["message"] == "Cannot parse the request."
    (detail,) = body["error"]["details"]
    assert detail["code"] == "InvalidJson"
    m = MEMBER.match(detail["message"])
    assert m, detail["message"]
    assert body["error"]["target"] == m["path"]
    return m.groupdict()


def strict_types(aznet) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for rt in aznet.platform.registry.types():
        if rt.virtual is None and is_strict(aznet.platform.schema_for(rt)):
            out.append(rt.type)
    return sorted(out)


def test_every_network_rp_type_is_strict(aznet):  # type: ignore[no-untyped-def]
    types = strict_types(aznet)
    assert "Microsoft.Network/virtualNetworks" in types and "Microsoft.Network/loadBalancers" in types
    assert all(t.lower().startswith("microsoft.network/") for t in types)
    assert not any(t.lower().startswith(("microsoft.network/dnszones", "microsoft.network/privatednszones",
                                         "microsoft.network/trafficmanagerprofiles")) for t in types)


def test_unknown_member_in_properties_of_every_network_type(aznet, group):  # type: ignore[no-untyped-def]
    """Generic over the registry: whatever Microsoft.Network types exist (today's and ones added later)."""
    checked = 0
    for rtype in strict_types(aznet):
        names = [f"m{i}" for i in range(rtype.count("/"))]
        path = rid(aznet, group, rtype, *names)
        status, body = call(aznet, "PUT", path, {"location": "westeurope", "properties": {"notAMember": 1}},
                            api=aznet.platform.registry.get(rtype).api_versions[-1])
        assert status == 400 if rtype.count("/") == 1 else status in (400, 404), (rtype, body)
        if status == 404:      # a child type whose parent does not exist: ARM answers that first
            continue
        found = member_error(body)
        assert (found["member"], found["path"]) == ("notAMember", "properties.notAMember"), rtype
        assert found["type"].endswith(("Properties", "PropertiesFormat", "Format")) or found["type"], rtype
        assert call(aznet, "GET", path, api=aznet.platform.registry.get(rtype).api_versions[-1])[0] == 404
        checked += 1
    assert checked >= 15


def test_snake_case_nsg_body_is_refused_not_silently_emptied(aznet, group):  # type: ignore[no-untyped-def]
    path = rid(aznet, group, "Microsoft.Network/networkSecurityGroups", "snake")
    raw = ('{"location": "westeurope", "properties": {"security_rules": [{"name": "web", "properties": '
           '{"protocol": "Tcp", "access": "Allow"}}]}}')
    status, body = call(aznet, "PUT", path, raw=raw)
    assert status == 400
    found = member_error(body)
    assert found == {"member": "security_rules", "type": "NetworkSecurityGroupPropertiesFormat",
                     "path": "properties.security_rules", "line": "1", "pos": str(raw.index('"security_rules":') + 17)}
    assert call(aznet, "GET", path)[0] == 404


def test_unknown_member_deep_in_arrays_and_nested_objects(aznet, group):  # type: ignore[no-untyped-def]
    path = rid(aznet, group, "Microsoft.Network/virtualNetworks", "deep")
    body = {"location": "westeurope", "properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "subnets": [{"name": "a", "properties": {"addressPrefix": "10.0.0.0/24"}},
                    {"name": "b", "properties": {"addressPrefix": "10.0.1.0/24",
                                                 "serviceEndpoints": [{"service": "Microsoft.Storage", "zone": 1}]}}]}}
    raw = json.dumps(body, indent=2)
    status, err = call(aznet, "PUT", path, raw=raw)
    found = member_error(err)
    assert (found["member"], found["type"]) == ("zone", "ServiceEndpointPropertiesFormat")
    assert found["path"] == "properties.subnets[1].properties.serviceEndpoints[0].zone"
    line = raw.splitlines()[int(found["line"]) - 1]
    assert line[:int(found["pos"])].rstrip().endswith('"zone":')
    # top level of a body, and inside a nested object
    for bad, where in (({"location": "westeurope", "sku": {"name": "Standard"}}, "sku"),
                       ({"location": "westeurope", "properties": {"addressSpace": {"prefixes": []}}},
                        "properties.addressSpace.prefixes")):
        status, err = call(aznet, "PUT", path, bad)
        assert status == 400 and member_error(err)["path"] == where


def test_member_names_match_case_insensitively_and_are_stored_canonically(aznet, group, network_client):  # type: ignore[no-untyped-def]
    vnet = rid(aznet, group, "Microsoft.Network/virtualNetworks", "cased")
    status, body = call(aznet, "PUT", vnet, {"Location": "westeurope", "PROPERTIES": {
        "AddressSpace": {"AddressPrefixes": ["10.9.0.0/16"]},
        "Subnets": [{"Name": "be", "Properties": {"AddressPrefix": "10.9.1.0/24"}}]}})
    assert status == 201, body
    got = network_client.virtual_networks.get(group, "cased")
    assert got.address_space.address_prefixes == ["10.9.0.0/16"]
    assert [(s.name, s.address_prefix) for s in got.subnets] == [("be", "10.9.1.0/24")]
    stored = call(aznet, "GET", vnet)[1]
    assert "addressSpace" in stored["properties"] and "AddressSpace" not in stored["properties"]
    assert stored["properties"]["subnets"][0]["properties"]["addressPrefix"] == "10.9.1.0/24"

    # the issue's case: "Name" in a load balancer's rule array
    lb = rid(aznet, group, "Microsoft.Network/loadBalancers", "lbcased")
    lb_id = lb
    status, body = call(aznet, "PUT", lb, {"location": "westeurope", "sku": {"Name": "Standard"}, "properties": {
        "frontendIPConfigurations": [{"Name": "fe", "properties": {"subnet": {
            "id": f"{vnet}/subnets/be"}}}],
        "backendAddressPools": [{"name": "pool"}],
        "probes": [{"NAME": "p", "properties": {"Protocol": "Tcp", "Port": 80}}],
        "loadBalancingRules": [{"Name": "r", "Properties": {
            "frontendIPConfiguration": {"Id": f"{lb_id}/frontendIPConfigurations/fe"},
            "BackendAddressPool": {"id": f"{lb_id}/backendAddressPools/pool"},
            "probe": {"id": f"{lb_id}/probes/p"},
            "protocol": "Tcp", "frontendPort": 80, "backendPort": 8080}}]}})
    assert status == 201, body
    got = network_client.load_balancers.get(group, "lbcased")
    assert got.sku.name == "Standard"
    assert [r.name for r in got.load_balancing_rules] == ["r"]
    assert got.load_balancing_rules[0].backend_port == 8080
    assert got.load_balancing_rules[0].probe.id.lower().endswith("/probes/p")


def test_patch_takes_the_patch_model(aznet, group):  # type: ignore[no-untyped-def]
    path = rid(aznet, group, "Microsoft.Network/publicIPAddresses", "patched")
    assert call(aznet, "PUT", path, {"location": "westeurope", "sku": {"name": "Standard"},
                                     "properties": {"publicIPAllocationMethod": "Static"}})[0] == 201
    status, body = call(aznet, "PATCH", path, {"Tags": {"env": "test"}})
    assert status == 200 and body["tags"] == {"env": "test"}
    status, body = call(aznet, "PATCH", path, {"tags": {}, "properties": {"idleTimeoutInMinutes": 10}})
    found = member_error(body)
    assert (found["member"], found["type"]) == ("properties", "TagsObject")


def test_other_providers_keep_their_lenient_reading(aznet, group):  # type: ignore[no-untyped-def]
    """DNS (a resource provider of its own) is not confirmed to check members: it stores them as before."""
    zone = rid(aznet, group, "Microsoft.Network/dnsZones", f"z{uuid.uuid4().hex[:6]}.example")
    status, body = call(aznet, "PUT", zone, {"location": "global", "properties": {"zoneType": "Public"},
                                             "notAMember": 1}, api="2018-05-01")
    assert status in (200, 201), body


TEMPLATE = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [{
        "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01", "name": "tnsg",
        "location": "westeurope",
        "properties": {"securityRules": [{"name": "web", "properties": {
            "protocol": "Tcp", "access": "Allow", "direction": "Inbound", "priority": 100,
            "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "sourcePortRange": "*",
            "destinationPortRange": "80", "destination_port_ranges": ["81"]}}]}}]}


def test_template_deployment_carries_the_inner_error(aznet, group):  # type: ignore[no-untyped-def]
    from azure.core.exceptions import HttpResponseError
    from azure.mgmt.resource.deployments import DeploymentsMgmtClient

    resource_client = aznet.client(DeploymentsMgmtClient)
    poller = resource_client.deployments.begin_create_or_update(
        group, "members-dep", {"properties": {"mode": "Incremental", "template": TEMPLATE}})
    with pytest.raises(HttpResponseError):
        poller.result()
    dep = resource_client.deployments.get(group, "members-dep")
    assert dep.properties.provisioning_state == "Failed"
    err = dep.properties.error
    assert err.code == "DeploymentFailed"
    (inner,) = err.details
    assert inner.code == "InvalidRequestFormat" and inner.message == "Cannot parse the request."
    assert inner.target.endswith("/networkSecurityGroups/tnsg")
    (detail,) = inner.details
    assert detail.code == "InvalidJson"
    assert detail.message.startswith("Could not find member 'destination_port_ranges' on object of type "
                                     "'SecurityRulePropertiesFormat'. Path 'properties.securityRules[0]"
                                     ".properties.destination_port_ranges', line 1, position ")
    ops = [o for o in resource_client.deployment_operations.list(group, "members-dep")
           if o.properties.target_resource is not None]
    (op,) = ops
    assert op.properties.provisioning_state == "Failed"
    status = op.properties.status_message
    status = status if isinstance(status, dict) else status.as_dict() if hasattr(status, "as_dict") else dict(status)
    error = status.get("error") or status["error"]
    assert error["code"] == "InvalidRequestFormat"
    assert error["details"][0]["message"] == detail.message


def test_real_az_commands_send_only_known_members(az, resource_client):  # type: ignore[no-untyped-def]
    """The az CLI's create and update commands (GET + PUT with every member it read) for
    vnet/subnet, nsg/rule, public-ip, nic and lb pass the member check: what az sends, the schema knows."""
    rg = f"members-az-{uuid.uuid4().hex[:6]}"
    resource_client.resource_groups.create_or_update(rg, {"location": "westeurope"})
    g = ("-g", rg)
    try:
        az.run("network", "vnet", "create", *g, "-n", "vn", "--address-prefixes", "10.50.0.0/16",
               "--subnet-name", "s", "--subnet-prefixes", "10.50.1.0/24")
        az.run("network", "vnet", "update", *g, "-n", "vn", "--dns-servers", "10.50.0.53")
        az.run("network", "vnet", "subnet", "create", *g, "--vnet-name", "vn", "-n", "s2",
               "--address-prefixes", "10.50.2.0/24")
        az.run("network", "vnet", "subnet", "update", *g, "--vnet-name", "vn", "-n", "s2",
               "--service-endpoints", "Microsoft.Storage")
        az.run("network", "nsg", "create", *g, "-n", "nsg")
        az.run("network", "nsg", "rule", "create", *g, "--nsg-name", "nsg", "-n", "web", "--priority", "100",
               "--destination-port-ranges", "80", "443", "--access", "Allow", "--protocol", "Tcp")
        az.run("network", "nsg", "rule", "update", *g, "--nsg-name", "nsg", "-n", "web", "--priority", "110")
        az.run("network", "nsg", "update", *g, "-n", "nsg", "--tags", "env=test")
        az.run("network", "vnet", "subnet", "update", *g, "--vnet-name", "vn", "-n", "s", "--nsg", "nsg")
        az.run("network", "public-ip", "create", *g, "-n", "pip", "--sku", "Standard")
        az.run("network", "public-ip", "update", *g, "-n", "pip", "--idle-timeout", "10")
        az.run("network", "nic", "create", *g, "-n", "nic", "--vnet-name", "vn", "--subnet", "s")
        az.run("network", "nic", "update", *g, "-n", "nic", "--ip-forwarding", "true")
        az.run("network", "nic", "ip-config", "update", *g, "--nic-name", "nic", "-n", "ipconfig1",
               "--private-ip-address", "10.50.1.20")
        az.run("network", "lb", "create", *g, "-n", "lb", "--sku", "Standard", "--vnet-name", "vn", "--subnet", "s",
               "--backend-pool-name", "pool", "--frontend-ip-name", "fe")
        az.run("network", "lb", "probe", "create", *g, "--lb-name", "lb", "-n", "p", "--protocol", "Tcp",
               "--port", "80")
        az.run("network", "lb", "rule", "create", *g, "--lb-name", "lb", "-n", "r", "--protocol", "Tcp",
               "--frontend-port", "80", "--backend-port", "8080", "--frontend-ip-name", "fe",
               "--backend-pool-name", "pool", "--probe-name", "p")
        az.run("network", "lb", "update", *g, "-n", "lb", "--tags", "tier=web")
        nic = az.json("network", "nic", "show", *g, "-n", "nic")
        assert nic["enableIPForwarding"] is True
        assert nic["ipConfigurations"][0]["privateIPAddress"] == "10.50.1.20"
        rule = az.json("network", "nsg", "rule", "show", *g, "--nsg-name", "nsg", "-n", "web")
        assert rule["priority"] == 110 and sorted(rule["destinationPortRanges"]) == ["443", "80"]
        lb = az.json("network", "lb", "show", *g, "-n", "lb")
        assert lb["loadBalancingRules"][0]["backendPort"] == 8080 and lb["tags"] == {"tier": "web"}
        assert az.json("network", "public-ip", "show", *g, "-n", "pip")["idleTimeoutInMinutes"] == 10
        subnet = az.json("network", "vnet", "subnet", "show", *g, "--vnet-name", "vn", "-n", "s2")
        assert [e["service"] for e in subnet["serviceEndpoints"]] == ["Microsoft.Storage"]
    finally:
        resource_client.resource_groups.begin_delete(rg).result()


def test_deployment_request_members(aznet, group):  # type: ignore[no-untyped-def]
    """ARM's own envelope: a template sent at the top level instead of under properties."""
    path = f"/subscriptions/{aznet.subscription_id}/resourceGroups/{group}/providers/Microsoft.Resources/deployments/env"
    raw = '{"template": {}, "properties": {"mode": "Incremental", "template": {}}}'
    status, body = call(aznet, "PUT", path, raw=raw, api=RES)
    assert status == 400
    assert body["error"] == {"code": "InvalidRequestContent", "message": (
        "The request content was invalid and could not be deserialized: 'Could not find member 'template' on "
        "object of type 'DeploymentContent'. Path 'template', line 1, position 12.'.")}
    ok = json.dumps({"Properties": {"mode": "Incremental", "template": {k: v for k, v in TEMPLATE.items()
                                                                       if k != "resources"} | {"resources": []}}})
    status, body = call(aznet, "PUT", path, raw=ok, api=RES)
    assert status in (200, 201), body


def test_deployment_body_with_comments_keeps_the_strict_limits(aznet, group):  # type: ignore[no-untyped-def]
    """The comment-tolerant fallback for deployment bodies does not let poison through."""
    path = f"/subscriptions/{aznet.subscription_id}/resourceGroups/{group}/providers/Microsoft.Resources/deployments/deep"
    for raw in ('{"properties": {"mode": "Incremental", /* c */ "template": {"x": ' + "[" * 5000 + "]" * 5000 + "}}}",
                '{"properties": {"mode": "Incremental", // c\n "template": {"x": NaN}}}'):
        status, body = call(aznet, "PUT", path, raw=raw, api=RES)
        assert status == 400 and body["error"]["code"] == "InvalidRequestContent", body
