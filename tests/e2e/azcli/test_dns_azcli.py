"""Azure DNS, Private DNS and Traffic Manager with the real Azure CLI, including
``az network dns zone import`` / ``export`` of a BIND zone file."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.network.nic_support import ensure_vnet_types

ZONE_FILE = """$ORIGIN example.org.
$TTL 3600
@       IN SOA  ns1-01.azure-dns.com. hostmaster.example.org. ( 1 3600 300 2419200 300 )
@       IN NS   ns1-01.azure-dns.com.
@       IN A    192.0.2.10
@       IN MX   10 mail.example.org.
@       IN TXT  "v=spf1 mx -all"
@       IN CAA  0 issue "letsencrypt.org"
www     300 IN A 192.0.2.11
www     300 IN A 192.0.2.12
mail    IN A    192.0.2.20
v6      IN AAAA 2001:db8::20
app     IN CNAME www.example.org.
_sip._tcp IN SRV 10 60 5060 sip.example.org.
sip     IN A    192.0.2.30
*.wild  IN A    192.0.2.40
sub     IN NS   ns1.elsewhere.net.
"""


@pytest.fixture(scope="module")
def az_rg(az, resource_client):  # type: ignore[no-untyped-def]
    """One resource group for the module (each az call costs a second or two)."""
    rg = f"rg-dns-{uuid.uuid4().hex[:8]}"
    resource_client.resource_groups.create_or_update(rg, {"location": "westeurope"})
    yield rg
    resource_client.resource_groups.begin_delete(rg)


def test_zone_import_export_round_trip(az, az_rg, tmp_path: Path):  # type: ignore[no-untyped-def]
    src = tmp_path / "example.org.zone"
    src.write_text(ZONE_FILE)
    az.run("network", "dns", "zone", "import", "-g", az_rg, "-n", "example.org", "-f", str(src))
    zone = az.json("network", "dns", "zone", "show", "-g", az_rg, "-n", "example.org")
    assert zone["numberOfRecordSets"] == 14 and len(zone["nameServers"]) == 4
    www = az.json("network", "dns", "record-set", "a", "show", "-g", az_rg, "-z", "example.org", "-n", "www")
    assert sorted(r["ipv4Address"] for r in www["ARecords"]) == ["192.0.2.11", "192.0.2.12"] and www["TTL"] == 300
    srv = az.json("network", "dns", "record-set", "srv", "show", "-g", az_rg, "-z", "example.org", "-n", "_sip._tcp")
    assert srv["SRVRecords"] == [{"port": 5060, "priority": 10, "target": "sip.example.org.", "weight": 60}]
    out = tmp_path / "exported.zone"
    az.run("network", "dns", "zone", "export", "-g", az_rg, "-n", "example.org", "-f", str(out))
    text = out.read_text()
    for needle in ("192.0.2.11", "192.0.2.12", "mail.example.org.", "v=spf1 mx -all", "2001:db8::20",
                   "www.example.org.", "5060", "ns1.elsewhere.net.", "letsencrypt.org", "*.wild"):
        assert needle in text, needle
    # the exported file imports into a fresh zone with the same record sets
    az.run("network", "dns", "zone", "import", "-g", az_rg, "-n", "example.org", "-f", str(out))
    sets = az.json("network", "dns", "record-set", "list", "-g", az_rg, "-z", "example.org")
    assert len(sets) == 14


def test_record_set_commands(az, az_rg):  # type: ignore[no-untyped-def]
    az.run("network", "dns", "zone", "create", "-g", az_rg, "-n", "contoso.net")
    az.run("network", "dns", "record-set", "a", "add-record", "-g", az_rg, "-z", "contoso.net", "-n", "www",
           "-a", "10.0.0.1")
    rs = az.json("network", "dns", "record-set", "a", "add-record", "-g", az_rg, "-z", "contoso.net", "-n", "www",
                 "-a", "10.0.0.2")
    assert sorted(r["ipv4Address"] for r in rs["ARecords"]) == ["10.0.0.1", "10.0.0.2"]
    rs = az.json("network", "dns", "record-set", "a", "remove-record", "-g", az_rg, "-z", "contoso.net", "-n", "www",
                 "-a", "10.0.0.1")
    assert [r["ipv4Address"] for r in rs["ARecords"]] == ["10.0.0.2"]
    az.run("network", "dns", "record-set", "cname", "set-record", "-g", az_rg, "-z", "contoso.net", "-n", "app",
           "-c", "www.contoso.net")
    err = az.fails("network", "dns", "record-set", "a", "add-record", "-g", az_rg, "-z", "contoso.net", "-n", "app",
                   "-a", "10.0.0.3")
    assert "CNAME" in err.stderr
    az.run("network", "dns", "zone", "delete", "-g", az_rg, "-n", "contoso.net", "--yes")
    assert "contoso.net" not in {z["name"] for z in az.json("network", "dns", "zone", "list", "-g", az_rg)}


def test_private_dns_commands(az, az_rg):  # type: ignore[no-untyped-def]
    ensure_vnet_types()
    az.run("network", "vnet", "create", "-g", az_rg, "-n", "vnet1", "--address-prefix", "10.0.0.0/16",
           "--subnet-name", "default", "--subnet-prefixes", "10.0.0.0/24")
    az.run("network", "private-dns", "zone", "create", "-g", az_rg, "-n", "private.contoso.com")
    link = az.json("network", "private-dns", "link", "vnet", "create", "-g", az_rg, "-z", "private.contoso.com",
                   "-n", "link1", "-v", "vnet1", "-e", "true")
    assert link["registrationEnabled"] is True and link["virtualNetworkLinkState"] == "Completed"
    rs = az.json("network", "private-dns", "record-set", "a", "add-record", "-g", az_rg, "-z", "private.contoso.com",
                 "-n", "db", "-a", "10.0.0.50")
    assert rs["aRecords"] == [{"ipv4Address": "10.0.0.50"}] and rs["isAutoRegistered"] is False
    az.run("network", "nic", "create", "-g", az_rg, "-n", "nic1", "--vnet-name", "vnet1", "--subnet", "default")
    names = {r["name"] for r in az.json("network", "private-dns", "record-set", "list", "-g", az_rg,
                                        "-z", "private.contoso.com")}
    assert names == {"@", "db", "nic1"}
    zone = az.json("network", "private-dns", "zone", "show", "-g", az_rg, "-n", "private.contoso.com")
    assert zone["numberOfVirtualNetworkLinksWithRegistration"] == 1 and zone["numberOfRecordSets"] == 3


def test_traffic_manager_commands(az, az_rg):  # type: ignore[no-untyped-def]
    name = f"tm-{uuid.uuid4().hex[:10]}"
    avail = az.json("network", "traffic-manager", "profile", "check-dns", "-n", name)
    assert avail["nameAvailable"] is True
    prof = az.json("network", "traffic-manager", "profile", "create", "-g", az_rg, "-n", "prof", "--unique-dns-name",
                   name, "--routing-method", "Priority", "--ttl", "10", "--protocol", "HTTP", "--port", "80",
                   "--path", "/health")["TrafficManagerProfile"]
    assert prof["dnsConfig"]["fqdn"] == f"{name}.trafficmanager.net"
    az.run("network", "traffic-manager", "endpoint", "create", "-g", az_rg, "--profile-name", "prof", "-n", "one",
           "--type", "externalEndpoints", "--target", "10.1.0.1", "--priority", "1")
    az.run("network", "traffic-manager", "endpoint", "create", "-g", az_rg, "--profile-name", "prof", "-n", "two",
           "--type", "externalEndpoints", "--target", "10.1.0.2", "--priority", "2")
    eps = az.json("network", "traffic-manager", "endpoint", "list", "-g", az_rg, "--profile-name", "prof")
    assert [(e["name"], e["priority"]) for e in eps] == [("one", 1), ("two", 2)]
    shown = az.json("network", "traffic-manager", "endpoint", "update", "-g", az_rg, "--profile-name", "prof",
                    "-n", "one", "--type", "externalEndpoints", "--endpoint-status", "Disabled")
    assert shown["endpointStatus"] == "Disabled" and shown["endpointMonitorStatus"] == "Disabled"
    regions = az.json("network", "traffic-manager", "endpoint", "show-geographic-hierarchy")
    assert regions["geographicHierarchy"]["code"] == "WORLD"
    assert az.json("network", "traffic-manager", "profile", "check-dns", "-n", name)["nameAvailable"] is False
