"""$filter on /resources (issue 8 item 10): ARM's grammar through the SDK, every `az resource list`
flag through the real CLI, and `az network lb create` (which lists before it creates) end to end."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError

API_NET = "2024-05-01"


def _vnet(network_client, rg: str, name: str, prefix: str, tags: dict[str, str] | None = None,  # type: ignore[no-untyped-def]
          location: str = "westeurope") -> None:
    network_client.virtual_networks.begin_create_or_update(rg, name, {
        "location": location, "tags": tags or {},
        "properties": {"addressSpace": {"addressPrefixes": [prefix]}}}).result()


@pytest.fixture(scope="module")
def estate(aznet, resource_client, network_client):  # type: ignore[no-untyped-def]
    """Two groups: rg A holds vnets web-1 (tag env=prod), web-2 (env=dev) and an NSG web-nsg;
    rg B holds vnet api-1 in northeurope (tag team=core)."""
    tag = uuid.uuid4().hex[:6]
    a, b = f"flt-a-{tag}", f"flt-b-{tag}"
    for g in (a, b):
        resource_client.resource_groups.create_or_update(g, {"location": "westeurope"})
    _vnet(network_client, a, "web-1", "10.1.0.0/16", {"env": "prod", f"k{tag}": "x"})
    _vnet(network_client, a, "web-2", "10.2.0.0/16", {"env": "dev"})
    network_client.network_security_groups.begin_create_or_update(a, "web-nsg", {"location": "westeurope"}).result()
    _vnet(network_client, b, "api-1", "10.3.0.0/16", {"team": "core", f"k{tag}": "y"}, location="northeurope")
    yield {"a": a, "b": b, "tag": tag}
    for g in (a, b):
        resource_client.resource_groups.begin_delete(g).result()


def names(items) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(r.name if hasattr(r, "name") else r["name"] for r in items)


def mine(items, estate) -> list[str]:  # type: ignore[no-untyped-def]
    """Only what this module created (the session's instance holds other tests' resources)."""
    groups = {estate["a"].lower(), estate["b"].lower()}
    out = []
    for r in items:
        rid = (r.id if hasattr(r, "id") else r["id"]).lower()
        if rid.split("/")[4] in groups:
            out.append(r)
    return names(out)


@pytest.mark.parametrize(("flt", "want"), [
    ("resourceGroup eq '{a}'", ["web-1", "web-2", "web-nsg"]),
    ("resourceGroup eq '{A}'", ["web-1", "web-2", "web-nsg"]),                # case-insensitive
    ("resourceGroup ne '{a}'", ["api-1"]),
    ("resourceType eq 'Microsoft.Network/virtualNetworks'", ["api-1", "web-1", "web-2"]),
    ("resourceType eq 'microsoft.network/NETWORKSECURITYGROUPS'", ["web-nsg"]),
    ("name eq 'web-1'", ["web-1"]),
    ("location eq 'northeurope'", ["api-1"]),
    ("location eq 'North Europe'", ["api-1"]),
    ("substringof('web', name)", ["web-1", "web-2", "web-nsg"]),
    ("substringof('-B-', resourceGroup)", ["api-1"]),
    ("substringof('nsg', name) or substringof('api', name)", ["api-1", "web-nsg"]),
    ("substringof('web', name) and resourceType eq 'Microsoft.Network/virtualNetworks'", ["web-1", "web-2"]),
    ("(substringof('1', name) or substringof('nsg', name)) and resourceGroup eq '{a}'", ["web-1", "web-nsg"]),
    ("resourceGroup eq '{a}' and name eq 'web-2' and resourceType eq 'Microsoft.Network/virtualNetworks'", ["web-2"]),
    ("name eq 'web-1' or name eq 'api-1'", ["api-1", "web-1"]),
    ("tagName eq 'env'", ["web-1", "web-2"]),
    ("tagname eq 'ENV' and tagvalue eq 'prod'", ["web-1"]),
    ("tagName eq 'env' and tagValue eq 'PROD'", []),                          # tag values are case-sensitive
    ("startswith(tagName, 'k{tag}')", ["api-1", "web-1"]),
])
def test_filter_grammar_through_the_sdk(resource_client, estate, flt, want):  # type: ignore[no-untyped-def]
    text = flt.format(a=estate["a"], A=estate["a"].upper(), tag=estate["tag"])
    assert mine(resource_client.resources.list(filter=text), estate) == want
    in_group = resource_client.resources.list_by_resource_group(estate["a"], filter=text)
    assert mine(in_group, estate) == [n for n in want if n != "api-1"]


def test_tag_name_and_value_results_carry_no_tags(resource_client, estate):  # type: ignore[no-untyped-def]
    found = list(resource_client.resources.list(filter="tagName eq 'env' and tagValue eq 'prod'"))
    assert mine(found, estate) == ["web-1"]
    assert all(not r.tags for r in found)
    by_name = list(resource_client.resources.list(filter="tagName eq 'env'"))
    assert {r.name: r.tags.get("env") for r in by_name if r.name.startswith("web")} == {"web-1": "prod", "web-2": "dev"}


@pytest.mark.parametrize("flt", [
    "name gt 'x'",                                   # only eq / ne
    "tagValue eq 'prod'",                            # tagValue needs tagName
    "tagName eq 'env' and resourceType eq 'Microsoft.Network/virtualNetworks'",   # tags stand alone
    "tagName eq 'env' or tagName eq 'team'",
    "substringof('web', location)",                  # substringof: name and resourceGroup only
    "startswith(name, 'web')",                       # startswith: tagName only
    "sku eq 'Standard'",                             # not a filterable property
    "name eq 'web-1' and",
    "(name eq 'web-1'",
    "name eq web-1",
    "$filter=resourceType eq 'Microsoft.Network/virtualNetworks'",
])
def test_unsupported_filters_get_arms_error(resource_client, estate, flt):  # type: ignore[no-untyped-def]
    with pytest.raises(HttpResponseError) as err:
        list(resource_client.resources.list(filter=flt))
    assert err.value.status_code == 400
    assert err.value.error.code == "InvalidFilterInQueryString"
    assert err.value.error.message == f"Invalid $filter '{flt}' specified in the query string."


def test_resource_group_list_filters_by_tags_only(resource_client, estate):  # type: ignore[no-untyped-def]
    resource_client.resource_groups.update(estate["a"], {"tags": {"stage": estate["tag"]}})
    found = [g.name for g in resource_client.resource_groups.list(filter=f"tagName eq 'stage' and tagValue eq '{estate['tag']}'")]
    assert found == [estate["a"]]
    with pytest.raises(HttpResponseError) as err:
        list(resource_client.resource_groups.list(filter=f"name eq '{estate['a']}'"))
    assert err.value.error.code == "InvalidFilterInQueryString"


def test_top_and_expand(resource_client, estate):  # type: ignore[no-untyped-def]
    page = resource_client.resources.list_by_resource_group(estate["a"], top=2,
                                                            expand="createdTime,changedTime,provisioningState")
    items = list(page)
    assert names(items) == ["web-1", "web-2", "web-nsg"]      # $top pages; the pager follows nextLink
    for r in items:
        assert r.provisioning_state == "Succeeded"
        assert r.created_time is not None and r.changed_time is not None
        assert r.changed_time >= r.created_time


# -- the real az CLI ---------------------------------------------------------------------------------

def az_names(az, estate, *args: str) -> list[str]:  # type: ignore[no-untyped-def]
    return mine(az.json("resource", "list", *args), estate)


def test_az_resource_list_every_flag(az, estate):  # type: ignore[no-untyped-def]
    a, b, tag = estate["a"], estate["b"], estate["tag"]
    assert az_names(az, estate, "-g", a) == ["web-1", "web-2", "web-nsg"]
    assert az_names(az, estate, "--resource-group", b) == ["api-1"]
    assert az_names(az, estate, "--resource-type", "Microsoft.Network/virtualNetworks") == ["api-1", "web-1", "web-2"]
    assert az_names(az, estate, "--namespace", "Microsoft.Network", "--resource-type", "networkSecurityGroups") == ["web-nsg"]
    assert az_names(az, estate, "-g", a, "--resource-type", "Microsoft.Network/virtualNetworks") == ["web-1", "web-2"]
    assert az_names(az, estate, "-g", a, "--namespace", "Microsoft.Network", "--resource-type", "virtualNetworks",
                    "-n", "web-2") == ["web-2"]
    assert az_names(az, estate, "--name", "web-1") == ["web-1"]
    assert az_names(az, estate, "-n", "api-1", "-l", "northeurope") == ["api-1"]
    assert az_names(az, estate, "--location", "northeurope") == ["api-1"]
    assert az_names(az, estate, "--tag", "env=prod") == ["web-1"]
    assert az_names(az, estate, "--tag", "env") == ["web-1", "web-2"]
    assert az_names(az, estate, "--tag", f"k{tag}*") == ["api-1", "web-1"]
    expanded = [r for r in az.json("resource", "list", "-g", a) if r["name"] == "web-1"][0]
    assert expanded["provisioningState"] == "Succeeded" and expanded["createdTime"]
    # the CLI's own refusals (it knows ARM refuses tags combined with other conditions)
    assert "cannot use '--tag' with '--resource-group'" in az.fails("resource", "list", "--tag", "env", "-g", a).stderr
    assert "--namespace also requires --resource-type" in az.fails("resource", "list", "--namespace",
                                                                   "Microsoft.Network").stderr


def test_az_resource_list_missing_group(az):  # type: ignore[no-untyped-def]
    err = az.fails("resource", "list", "-g", f"nope-{uuid.uuid4().hex[:6]}")
    assert "ResourceGroupNotFound" in err.stderr


def test_az_network_lb_create_end_to_end(az, resource_client):  # type: ignore[no-untyped-def]
    """`az network lb create` lists the group's resources ($filter=resourceGroup eq …) before it
    deploys its template: the whole command, then the load balancer it made."""
    rg = f"flt-lb-{uuid.uuid4().hex[:6]}"
    resource_client.resource_groups.create_or_update(rg, {"location": "westeurope"})
    try:
        az.run("network", "vnet", "create", "-g", rg, "-n", "vnet1", "--address-prefixes", "10.40.0.0/16",
               "--subnet-name", "be", "--subnet-prefixes", "10.40.1.0/24")
        out = az.json("network", "lb", "create", "-g", rg, "-n", "lb1", "--sku", "Standard",
                      "--vnet-name", "vnet1", "--subnet", "be", "--backend-pool-name", "pool1",
                      "--frontend-ip-name", "fe1")
        lb = out["loadBalancer"]
        assert lb["frontendIPConfigurations"][0]["name"] == "fe1"
        assert lb["backendAddressPools"][0]["name"] == "pool1"
        shown = az.json("network", "lb", "show", "-g", rg, "-n", "lb1")
        assert shown["provisioningState"] == "Succeeded"
        assert shown["frontendIPConfigurations"][0]["privateIPAddress"].startswith("10.40.1.")
        public = az.json("network", "lb", "create", "-g", rg, "-n", "lb2", "--sku", "Standard",
                         "--public-ip-address", "lb2-ip")
        assert public["loadBalancer"]["frontendIPConfigurations"][0]["properties"]["publicIPAddress"]["id"].endswith("/lb2-ip")
        listed = {r["name"] for r in az.json("resource", "list", "-g", rg)}
        assert {"vnet1", "lb1", "lb2", "lb2-ip"} <= listed
    finally:
        resource_client.resource_groups.begin_delete(rg).result()
