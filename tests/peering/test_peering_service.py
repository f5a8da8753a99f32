"""Azure Peering Service through the real SDK (azure-mgmt-peering): the catalogues, a peering service
with a partner that serves its location, prefixes and their validation states as the partner announces
them (the admin action plays the partner)."""

from __future__ import annotations

import uuid

import pytest

from tests.network.nic_support import error_of


@pytest.fixture(scope="module")
def peering(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.peering import PeeringManagementClient

    return aznet.client(PeeringManagementClient)


def announce(aznet, rg: str, ps: str, name: str, body: dict) -> dict:  # type: ignore[no-untyped-def]
    """The partner's side: aznet's admin endpoint, called as the aznet CLI calls it (admin key)."""
    import json

    from aznet.cli.admin import _call
    from aznet.cli.state import read_state

    path = f"/_aznet/peering/{aznet.subscription_id}/{rg}/{ps}/prefixes/{name}/announce"
    return _call(read_state(aznet.data_dir), aznet.data_dir, "POST", path, json.dumps(body).encode())


def service_body(location: str = "Washington", provider: str = "Lumen Technologies", **props):  # type: ignore[no-untyped-def]
    return {"location": "westus2", "sku": {"name": "Standard"},
            "properties": {"peeringServiceLocation": location, "peeringServiceProvider": provider, **props}}


def test_catalogues(peering):
    countries = [c.name for c in peering.peering_service_countries.list()]
    assert "United States" in countries
    us = {loc.name: loc for loc in peering.peering_service_locations.list(country="United States")}
    assert us["Washington"].properties.azure_region == "westus2" and "London" not in us
    providers = {p.name: p for p in peering.peering_service_providers.list()}
    assert "Seattle" in providers["Lumen Technologies"].properties.peering_locations
    ok = peering.check_service_provider_availability(
        {"peeringServiceLocation": "Washington", "peeringServiceProvider": "Lumen Technologies"})
    no = peering.check_service_provider_availability(
        {"peeringServiceLocation": "London", "peeringServiceProvider": "Lumen Technologies"})
    assert (ok, no) == ("Available", "Unavailable")


def test_peering_service_and_prefix_validation(aznet, peering, rg):
    ps = peering.peering_services
    assert error_of(ps.create_or_update, rg, "ps1", service_body(location="Atlantis")) == \
        (400, "InvalidPeeringServiceLocation")
    assert error_of(ps.create_or_update, rg, "ps1", service_body(location="London")) == \
        (400, "PeeringServiceProviderNotAvailable")
    assert error_of(ps.create_or_update, rg, "ps1", service_body(
        providerPrimaryPeeringLocation="Seattle", providerBackupPeeringLocation="Seattle")) == \
        (400, "InvalidProviderPeeringLocation")
    assert error_of(ps.create_or_update, rg, "bad name!", service_body()) == (400, "InvalidResourceName")
    svc = ps.create_or_update(rg, "ps1", service_body(providerPrimaryPeeringLocation="seattle",
                                                      providerBackupPeeringLocation="Ashburn"))
    assert svc.properties.provider_primary_peering_location == "Seattle"
    assert svc.properties.provisioning_state == "Succeeded"
    assert error_of(ps.create_or_update, rg, "ps1", service_body(location="Virginia")) == \
        (400, "PeeringServicePropertyCannotBeChanged")
    assert [s.name for s in ps.list_by_resource_group(rg)] == ["ps1"]

    prefixes = peering.prefixes
    key = str(uuid.uuid4())
    assert error_of(prefixes.create_or_update, rg, "ps1", "p0", {"properties": {"prefix": "198.51.100.1/24"}}) == \
        (400, "InvalidPrefix")
    p = prefixes.create_or_update(rg, "ps1", "p1", {"properties": {"prefix": "198.51.100.0/24",
                                                                   "peeringServicePrefixKey": key}})
    assert (p.properties.prefix_validation_state, p.properties.learned_type) == ("Pending", "None")
    private = prefixes.create_or_update(rg, "ps1", "p2", {"properties": {"prefix": "10.1.0.0/24",
                                                                         "peeringServicePrefixKey": key}})
    assert private.properties.prefix_validation_state == "Invalid" and "public" in private.properties.error_message
    narrow = prefixes.create_or_update(rg, "ps1", "p3", {"properties": {"prefix": "198.51.100.0/25",
                                                                        "peeringServicePrefixKey": key}})
    assert narrow.properties.prefix_validation_state == "Invalid"
    # the partner announces with another key: Failed; with the registered key: Verified
    assert announce(aznet, rg, "ps1", "p1", {"key": str(uuid.uuid4())})["prefixValidationState"] == "Failed"
    assert prefixes.get(rg, "ps1", "p1").properties.prefix_validation_state == "Failed"
    announce(aznet, rg, "ps1", "p1", {"key": key})
    got = prefixes.get(rg, "ps1", "p1", expand="events")
    assert (got.properties.prefix_validation_state, got.properties.learned_type) == ("Verified", "ViaServiceProvider")
    assert [e.event_type for e in got.properties.events] == ["PrefixRegistered", "PrefixValidationFailed",
                                                             "PrefixVerified"]
    # an update that changes nothing keeps the state; the partner withdrawing brings it back to Pending
    prefixes.create_or_update(rg, "ps1", "p1", {"properties": {"prefix": "198.51.100.0/24",
                                                               "peeringServicePrefixKey": key}})
    assert prefixes.get(rg, "ps1", "p1").properties.prefix_validation_state == "Verified"
    announce(aznet, rg, "ps1", "p1", {"announced": False})
    assert prefixes.get(rg, "ps1", "p1").properties.prefix_validation_state == "Pending"
    assert sorted(x.name for x in prefixes.list_by_peering_service(rg, "ps1")) == ["p1", "p2", "p3"]
    prefixes.delete(rg, "ps1", "p2")
    ps.delete(rg, "ps1")
    assert list(ps.list_by_resource_group(rg)) == []
