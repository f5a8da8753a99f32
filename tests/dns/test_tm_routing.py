"""Traffic Manager routing end to end: profiles PUT through the SDK, answers read
with dnspython from aznet's DNS port, clients placed with EDNS Client Subnet.
(The decisions themselves are unit-tested with the engine in tests/dataplane.)"""

from __future__ import annotations

import ssl
import uuid
from collections import Counter

import dns.edns
import dns.message
import dns.query
import dns.rdatatype
import httpx

TYPE = "Microsoft.Network/trafficManagerProfiles"


def ext(name, target, **props):  # type: ignore[no-untyped-def]
    return {"name": name, "type": f"{TYPE}/externalEndpoints", "properties": {"target": target, **props}}


def make(tm, rg, name, method, endpoints, **props):  # type: ignore[no-untyped-def]
    rel = f"{name}-{uuid.uuid4().hex[:8]}"
    tm.profiles.create_or_update(rg, name, {"location": "global", "properties": {
        "trafficRoutingMethod": method, "dnsConfig": {"relativeName": rel, "ttl": 5},
        "monitorConfig": {"protocol": "TCP", "port": 9, "intervalInSeconds": 30, "timeoutInSeconds": 10},
        "endpoints": endpoints, **props}})
    return f"{rel}.trafficmanager.net"


def ask(port: int, fqdn: str, subnet: str | None = None) -> list[str]:
    options = [dns.edns.ECSOption(subnet, 24)] if subnet else []
    q = dns.message.make_query(fqdn, "A", use_edns=0, options=options)
    msg = dns.query.udp(q, "127.0.0.1", port=port, timeout=3)
    return sorted(r.address for rr in msg.answer if rr.rdtype == dns.rdatatype.A for r in rr)


def test_weighted_distribution(aznet, tm_client, rg):
    port = aznet.platform.services["dns"].port
    fqdn = make(tm_client, rg, "w", "Weighted", [ext("heavy", "192.0.2.1", weight=3),
                                                ext("light", "192.0.2.2", weight=1)])
    counts = Counter(ask(port, fqdn)[0] for _ in range(400))
    share = counts["192.0.2.1"] / 400
    assert set(counts) == {"192.0.2.1", "192.0.2.2"} and 0.6 < share < 0.9     # 0.75 ± 7 standard deviations


def test_geographic_with_client_subnet(aznet, tm_client, rg):
    port = aznet.platform.services["dns"].port
    fqdn = make(tm_client, rg, "g", "Geographic", [ext("europe", "192.0.2.10", geoMapping=["GEO-EU"]),
                                                  ext("germany", "192.0.2.11", geoMapping=["DE"]),
                                                  ext("rest", "192.0.2.12", geoMapping=["WORLD"])])
    assert ask(port, fqdn, "193.0.6.0") == ["192.0.2.10"]       # RIPE NCC, Netherlands: Europe
    assert ask(port, fqdn, "81.169.145.0") == ["192.0.2.11"]    # Germany: the more specific mapping
    assert ask(port, fqdn, "8.8.8.0") == ["192.0.2.12"]         # United States: WORLD


def test_subnet_with_client_subnet(aznet, tm_client, rg):
    port = aznet.platform.services["dns"].port
    fqdn = make(tm_client, rg, "s", "Subnet", [
        ext("office", "192.0.2.20", subnets=[{"first": "203.0.113.0", "scope": 24}]),
        ext("partners", "192.0.2.21", subnets=[{"first": "198.51.100.10", "last": "198.51.100.200"}]),
        ext("default", "192.0.2.22")])
    assert ask(port, fqdn, "203.0.113.0") == ["192.0.2.20"]
    assert ask(port, fqdn, "198.51.100.0") == ["192.0.2.22"]    # /24 source starts below 'first': not in range
    assert ask(port, fqdn) == ["192.0.2.22"]


def test_multivalue(aznet, tm_client, rg):
    port = aznet.platform.services["dns"].port
    fqdn = make(tm_client, rg, "m", "MultiValue", [ext(f"e{i}", f"192.0.2.{30 + i}") for i in range(4)], maxReturn=2)
    got = ask(port, fqdn)
    assert len(got) == 2 and set(got) <= {f"192.0.2.{30 + i}" for i in range(4)}


def test_status_lists_dns_endpoints(aznet):
    status = httpx.get(f"{aznet.endpoint}/_aznet/status", headers={"x-aznet-admin-key": aznet.platform.admin_key},
                       verify=ssl.create_default_context(cafile=str(aznet.ca_bundle))).json()
    dns_eps = [e for e in status["endpoints"] if e["name"].startswith("dns-")]
    port = aznet.platform.services["dns"].port
    assert {("127.0.0.1", port, "udp"), ("127.0.0.1", port, "tcp")} <= {(e["host"], e["port"], e["protocol"])
                                                                         for e in dns_eps}
