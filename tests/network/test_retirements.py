"""Azure today (issue 8, item 14): retired SKUs can no longer be created, with Azure's error; existing ones keep
working; AZNET_ALLOW_RETIRED re-enables creation; new API versions make new subnets private by default."""

from __future__ import annotations

from aznet.resources.retirements import BASIC_LOAD_BALANCER

from .nic_support import LOC, error_of, make_vnet, retired_allowed


def basic_ip(**props):  # type: ignore[no-untyped-def]
    return {"location": LOC, "sku": {"name": "Basic"}, "properties": {"publicIPAllocationMethod": "Dynamic", **props}}


def test_new_basic_public_ip_is_refused_as_azure_refuses_it(network_client, rg):
    from azure.core.exceptions import HttpResponseError

    try:
        network_client.public_ip_addresses.begin_create_or_update(rg, "old", basic_ip()).result()
        raise AssertionError("a Basic public IP was created")
    except HttpResponseError as exc:
        assert exc.status_code == 400
        assert exc.error.code == "IPv4BasicSkuPublicIpCountLimitReached"
        assert exc.error.message == ("Cannot create more than 0 IPv4 Basic SKU public IP addresses for this "
                                     "subscription in this region.")
    assert error_of(network_client.public_ip_addresses.get, rg, "old")[0] == 404
    # no sku at all means Basic, as the REST API defines it
    assert error_of(network_client.public_ip_addresses.begin_create_or_update, rg, "nosku",
                    {"location": LOC, "properties": {}}) == (400, "IPv4BasicSkuPublicIpCountLimitReached")


def test_new_skus_are_accepted(network_client, rg):
    for sku in ("Standard", "StandardV2"):
        pip = network_client.public_ip_addresses.begin_create_or_update(
            rg, f"ip-{sku}", {"location": LOC, "sku": {"name": sku},
                              "properties": {"publicIPAllocationMethod": "Static"}}).result()
        assert pip.sku.name == sku and pip.ip_address


def test_existing_basic_public_ip_keeps_working(aznet, network_client, rg):
    with retired_allowed(aznet):
        network_client.public_ip_addresses.begin_create_or_update(rg, "legacy", basic_ip()).result()
    # an update of the existing one is not a creation: Azure lets it through
    updated = network_client.public_ip_addresses.begin_create_or_update(
        rg, "legacy", basic_ip(idleTimeoutInMinutes=10)).result()
    assert updated.sku.name == "Basic" and updated.idle_timeout_in_minutes == 10
    tagged = network_client.public_ip_addresses.update_tags(rg, "legacy", {"tags": {"env": "old"}})
    assert tagged.tags == {"env": "old"}


def test_basic_load_balancer_is_refused_unless_allowed(aznet, network_client, rg):
    body = {"location": LOC, "sku": {"name": "Basic"}, "properties": {}}
    status, code = error_of(network_client.load_balancers.begin_create_or_update, rg, "lb", body)
    assert (status, code) == (400, BASIC_LOAD_BALANCER.code)
    assert error_of(network_client.load_balancers.get, rg, "lb")[0] == 404
    with retired_allowed(aznet):
        lb = network_client.load_balancers.begin_create_or_update(rg, "lb", body).result()
        assert lb.sku.name == "Basic"
    assert network_client.load_balancers.get(rg, "lb").sku.name == "Basic"


def test_subnets_are_private_by_default_from_api_2025_07_01(aznet, network_client, rg):
    make_vnet(network_client, rg, "new")                      # the SDK sends a current api-version
    sub = network_client.subnets.get(rg, "new", "default")
    assert sub.default_outbound_access is False
    old = network_client.virtual_networks.begin_create_or_update(
        rg, "old", {"location": LOC, "properties": {
            "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
            "subnets": [{"name": "default", "properties": {"addressPrefix": "10.1.0.0/24"}}]}},
        api_version="2024-05-01").result()
    assert old.subnets[0].default_outbound_access is None
    explicit = network_client.subnets.begin_create_or_update(
        rg, "new", "public", {"properties": {"addressPrefix": "10.0.9.0/24", "defaultOutboundAccess": True}}).result()
    assert explicit.default_outbound_access is True


def test_basic_public_ip_refused_through_az(az, rg):
    err = az.fails("network", "public-ip", "create", "-g", rg, "-n", "basic", "--sku", "Basic")
    assert "IPv4BasicSkuPublicIpCountLimitReached" in err.stderr
    ok = az.json("network", "public-ip", "create", "-g", rg, "-n", "std", "--sku", "Standard")
    assert ok["publicIp"]["sku"]["name"] == "Standard"
