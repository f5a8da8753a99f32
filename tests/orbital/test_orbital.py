"""Azure Orbital through the real SDK (azure-mgmt-orbital): the ground station catalogue, spacecrafts
with validated TLEs, contact profiles, listAvailableContacts and contacts. Pass predictions are checked
against an independent computation: Skyfield's own event finder and Earth-orientation chain (TEME ->
GCRS -> ITRS with nutation) for the same TLE, not aznet's transform."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.network.nic_support import error_of, make_vnet, subnet_id

# the ISS, as published for 2014-01-20 (the TLE Skyfield's documentation uses)
TITLE = "ISS (ZARYA)"
L1 = "1 25544U 98067A   14020.93268519  .00009878  00000-0  18200-3 0  5082"
L2 = "2 25544  51.6498 109.4756 0003572  55.9686 274.8005 15.49815350868473"
QUINCY = (47.2339, -119.8524, 380.0)
START = datetime(2014, 1, 21, tzinfo=UTC)
END = START + timedelta(days=1)


@pytest.fixture(scope="module")
def orbital(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.orbital import AzureOrbital

    return aznet.client(AzureOrbital)


def spacecraft_body(l1: str = L1, l2: str = L2, title: str = TITLE, norad: str = "25544") -> dict:  # type: ignore[no-untyped-def]
    from azure.mgmt.orbital.models import SpacecraftLink

    return {"location": "westus2", "title_line": title, "tle_line1": l1, "tle_line2": l2, "norad_id": norad,
            "links": [SpacecraftLink(name="downlink", center_frequency_m_hz=2250.0, bandwidth_m_hz=15.0,
                                     direction="Downlink", polarization="RHCP")]}


def profile_body(aznet, rg, min_el: float = 5.0) -> dict:  # type: ignore[no-untyped-def]
    from azure.mgmt.orbital import models as m

    channel = m.ContactProfileLinkChannel(
        name="ch1", center_frequency_m_hz=2250.0, bandwidth_m_hz=15.0,
        end_point=m.EndPoint(ip_address="10.5.0.10", end_point_name="aqua", port="50000", protocol="TCP"))
    return {"location": "westus2", "minimum_viable_contact_duration": "PT1M", "minimum_elevation_degrees": min_el,
            "network_configuration": m.ContactProfilesPropertiesNetworkConfiguration(
                subnet_id=subnet_id(aznet, rg, "orbital-vnet", "delivery")),
            "links": [m.ContactProfileLink(name="downlink", direction="Downlink", polarization="RHCP",
                                           channels=[channel])]}


def skyfield_passes(min_el: float, station: tuple[float, float, float] = QUINCY,
                    ) -> list[tuple[datetime, datetime, float, float, float]]:
    """(rise, set, rise azimuth, set azimuth, max elevation) from Skyfield, independently of aznet."""
    from skyfield.api import EarthSatellite, load, wgs84

    ts = load.timescale(builtin=True)
    sat = EarthSatellite(L1, L2, TITLE, ts)
    site = wgs84.latlon(*station[:2], elevation_m=station[2])
    times, events = sat.find_events(site, ts.from_datetime(START), ts.from_datetime(END), altitude_degrees=min_el)
    out, rise = [], None
    top = 0.0
    for t, e in zip(times, events, strict=True):
        alt, az, _ = (sat - site).at(t).altaz()
        if e == 0:
            rise = (t.utc_datetime(), az.degrees)
        elif e == 1:
            top = alt.degrees
        elif e == 2 and rise is not None:
            out.append((rise[0], t.utc_datetime(), rise[1], az.degrees, top))
            rise = None
    return out


def test_ground_stations(orbital):
    eo = {g.name: g for g in orbital.available_ground_stations.list_by_capability("EarthObservation")}
    assert "Microsoft_Quincy" in eo and "KSAT_Svalbard" in eo
    comm = [g.name for g in orbital.available_ground_stations.list_by_capability("Communication")]
    assert "KSAT_Svalbard" not in comm
    q = eo["Microsoft_Quincy"]
    assert (q.latitude_degrees, q.longitude_degrees, q.provider_name) == (QUINCY[0], QUINCY[1], "Microsoft")


def test_spacecraft_tle_rules(aznet, orbital, rg):
    bad_checksum = L1[:68] + str((int(L1[68]) + 1) % 10)
    cases = [
        spacecraft_body(l1=bad_checksum),
        spacecraft_body(l1=L1[:-1]),
        spacecraft_body(l2="3" + L2[1:]),
        spacecraft_body(l2=L2[:2] + "25545" + L2[7:68] + str((int(L2[68]) + 1) % 10)),
        spacecraft_body(title="X" * 25),
        spacecraft_body(norad="43013"),
    ]
    for body in cases:
        assert error_of(orbital.spacecrafts.begin_create_or_update, rg, "bad", **body) == (400, "InvalidTLE")
    sc = orbital.spacecrafts.begin_create_or_update(rg, "iss", **spacecraft_body()).result()
    assert sc.tle_line1 == L1 and sc.links[0].direction == "Downlink"
    assert [s.name for s in orbital.spacecrafts.list(rg)] == ["iss"]


def test_available_contacts_match_an_independent_computation(aznet, network_client, orbital, rg):
    make_vnet(network_client, rg, name="orbital-vnet", prefixes=("10.5.0.0/16",), subnets={"delivery": "10.5.0.0/24"},
              location="westus2")
    orbital.spacecrafts.begin_create_or_update(rg, "iss", **spacecraft_body()).result()
    profile = orbital.contact_profiles.begin_create_or_update(rg, "profile", **profile_body(aznet, rg)).result()
    assert profile.links[0].channels[0].end_point.protocol == "TCP"
    found = list(orbital.spacecrafts.begin_list_available_contacts(
        rg, "iss", contact_profile={"id": profile.id}, ground_station_name="Microsoft_Quincy",
        start_time=START, end_time=END).result())
    expected = skyfield_passes(5.0)
    assert len(found) == len(expected) >= 3
    for got, (rise, set_, raz, saz, top) in zip(found, expected, strict=True):
        assert abs((got.rx_start_time - rise).total_seconds()) < 2
        assert abs((got.rx_end_time - set_).total_seconds()) < 2
        assert abs(got.start_azimuth_degrees - raz) < 0.2 and abs(got.end_azimuth_degrees - saz) < 0.2
        assert abs(got.maximum_elevation_degrees - top) < 0.2
        assert abs(got.start_elevation_degrees - 5.0) < 0.1
    # a higher minimum elevation keeps only the passes that reach it, shorter
    orbital.contact_profiles.begin_create_or_update(rg, "high", **profile_body(aznet, rg, min_el=40.0)).result()
    high = list(orbital.spacecrafts.begin_list_available_contacts(
        rg, "iss", contact_profile={"id": profile.id.replace("/profile", "/high")},
        ground_station_name="Microsoft_Quincy", start_time=START, end_time=END).result())
    assert len(high) == len([p for p in expected if p[4] >= 40.0]) >= 1
    assert error_of(orbital.spacecrafts.begin_list_available_contacts, rg, "iss", contact_profile={"id": profile.id},
                    ground_station_name="Microsoft_Quincy", start_time=START,
                    end_time=START + timedelta(days=9)) == (400, "InvalidTimeRange")
    assert error_of(orbital.spacecrafts.begin_list_available_contacts, rg, "iss", contact_profile={"id": profile.id},
                    ground_station_name="Nowhere", start_time=START, end_time=END) == (400, "InvalidGroundStation")

    # contacts: inside a pass, never overlapping
    first = found[0]
    contact = orbital.contacts.begin_create(rg, "iss", "c1", {"properties": {
        "reservationStartTime": first.rx_start_time.isoformat(), "reservationEndTime": first.rx_end_time.isoformat(),
        "groundStationName": "Microsoft_Quincy", "contactProfile": {"id": profile.id}}}).result()
    assert contact.status == "scheduled"
    assert abs(contact.maximum_elevation_degrees - expected[0][4]) < 0.2
    overlap = {"properties": {
        "reservationStartTime": (first.rx_start_time + timedelta(minutes=1)).isoformat(),
        "reservationEndTime": (first.rx_end_time - timedelta(minutes=1)).isoformat(),
        "groundStationName": "Microsoft_Quincy", "contactProfile": {"id": profile.id}}}
    assert error_of(orbital.contacts.begin_create, rg, "iss", "c2", overlap) == (409, "Conflict")
    outside = {"properties": {
        "reservationStartTime": (first.rx_end_time + timedelta(minutes=5)).isoformat(),
        "reservationEndTime": (first.rx_end_time + timedelta(minutes=15)).isoformat(),
        "groundStationName": "Microsoft_Quincy", "contactProfile": {"id": profile.id}}}
    assert error_of(orbital.contacts.begin_create, rg, "iss", "c3", outside) == (400, "ContactOutsideOfPass")
    second = found[1]
    orbital.contacts.begin_create(rg, "iss", "c4", {"properties": {
        "reservationStartTime": second.rx_start_time.isoformat(), "reservationEndTime": second.rx_end_time.isoformat(),
        "groundStationName": "Microsoft_Quincy", "contactProfile": {"id": profile.id}}}).result()
    assert sorted(c.name for c in orbital.contacts.list(rg, "iss")) == ["c1", "c4"]
    assert error_of(orbital.contact_profiles.begin_delete, rg, "profile") == (409, "ContactProfileInUse")


def test_the_ground_station_mask_limits_the_profile(aznet, network_client, orbital, rg):
    """A profile asking for 0 degrees at a station whose antenna works from 10 degrees gets the passes
    above 10 degrees (Microsoft_Singapore), again checked against Skyfield."""
    make_vnet(network_client, rg, name="orbital-vnet", prefixes=("10.5.0.0/16",), subnets={"delivery": "10.5.0.0/24"},
              location="westus2")
    orbital.spacecrafts.begin_create_or_update(rg, "iss", **spacecraft_body()).result()
    low = orbital.contact_profiles.begin_create_or_update(rg, "low", **profile_body(aznet, rg, min_el=0.0)).result()
    found = list(orbital.spacecrafts.begin_list_available_contacts(
        rg, "iss", contact_profile={"id": low.id}, ground_station_name="Microsoft_Singapore",
        start_time=START, end_time=END).result())
    expected = skyfield_passes(10.0, (1.3521, 103.8198, 15.0))
    assert len(found) == len(expected) >= 1
    for got, (rise, set_, _, _, top) in zip(found, expected, strict=True):
        assert abs((got.rx_start_time - rise).total_seconds()) < 2
        assert abs((got.rx_end_time - set_).total_seconds()) < 2
        assert abs(got.start_elevation_degrees - 10.0) < 0.1 and abs(got.maximum_elevation_degrees - top) < 0.2
