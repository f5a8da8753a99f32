"""Azure DNS Private Resolver through the real SDK (azure-mgmt-dnsresolver),
following "Create an Azure DNS Private Resolver": a VNet with two delegated
subnets, a resolver with inbound and outbound endpoints, a forwarding ruleset
linked to the VNet. Then the data plane with dnspython: the inbound endpoint's
own listener answers as the VNet's resolver, and names under a forwarding rule
go to an "on-premises" DNS server the test runs on loopback (longest domain
wins). Bad input is refused with state unchanged."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import dns.message
import dns.query
import dns.rcode
import dns.rrset
import pytest

from aznet.dataplane.dns_resolver.service import DnsResolverService
from tests.network.nic_support import LOC, error_of, make_vnet, rid, subnet_id

DELEGATED = {"delegations": [{"name": "resolver", "properties": {"serviceName": "Microsoft.Network/dnsResolvers"}}]}


class OnPremDns:
    """A tiny authoritative server on loopback: every A query gets ``address``."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.queries: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                data, addr = self.sock.recvfrom(4096)
            except OSError:
                continue
            q = dns.message.from_wire(data)
            self.queries.append(q.question[0].name.to_text())
            r = dns.message.make_response(q)
            r.answer.append(dns.rrset.from_text(q.question[0].name, 60, "IN", "A", self.address))
            self.sock.sendto(r.to_wire(), addr)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def onprem() -> Iterator[tuple[OnPremDns, OnPremDns]]:
    a, b = OnPremDns("10.10.10.10"), OnPremDns("10.20.20.20")
    yield a, b
    a.close()
    b.close()


@pytest.fixture(scope="module")
def resolver_client(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.dnsresolver import DnsResolverManagementClient

    return aznet.client(DnsResolverManagementClient)


def ask(port: int, name: str, rtype: str = "A") -> dns.message.Message:
    return dns.query.udp(dns.message.make_query(name, rtype), "127.0.0.1", port=port, timeout=5)


def addresses(resp: dns.message.Message) -> list[str]:
    return sorted(r.address for rrset in resp.answer for r in rrset if hasattr(r, "address"))


def build(aznet: Any, net: Any, dr: Any, rg: str) -> tuple[Any, Any, Any]:
    make_vnet(net, rg, subnets={"snet-inbound": {"addressPrefix": "10.0.0.0/28", **DELEGATED},
                                "snet-outbound": {"addressPrefix": "10.0.1.0/28", **DELEGATED},
                                "default": "10.0.2.0/24",
                                "tiny": {"addressPrefix": "10.0.3.0/29", **DELEGATED}})
    vnet = rid(aznet, rg, "virtualNetworks", "vnet")
    resolver = dr.dns_resolvers.begin_create_or_update(rg, "resolver", {
        "location": LOC, "properties": {"virtualNetwork": {"id": vnet}}}).result()
    inbound = dr.inbound_endpoints.begin_create_or_update(rg, "resolver", "inbound", {
        "location": LOC, "properties": {"ipConfigurations": [
            {"subnet": {"id": subnet_id(aznet, rg, "vnet", "snet-inbound")}}]}}).result()
    outbound = dr.outbound_endpoints.begin_create_or_update(rg, "resolver", "outbound", {
        "location": LOC, "properties": {"subnet": {"id": subnet_id(aznet, rg, "vnet", "snet-outbound")}}}).result()
    return resolver, inbound, outbound


def test_control_plane_rules(aznet, network_client, resolver_client, rg):
    dr = resolver_client
    resolver, inbound, outbound = build(aznet, network_client, dr, rg)
    assert resolver.dns_resolver_state == "Connected"
    assert inbound.ip_configurations[0].private_ip_address == "10.0.0.4"
    vnet = rid(aznet, rg, "virtualNetworks", "vnet")
    assert error_of(dr.dns_resolvers.begin_create_or_update, rg, "second", {
        "location": LOC, "properties": {"virtualNetwork": {"id": vnet}}}) == \
        (400, "DnsResolverAlreadyExistsInVirtualNetwork")
    assert error_of(dr.inbound_endpoints.begin_create_or_update, rg, "resolver", "again", {
        "location": LOC, "properties": {"ipConfigurations": [
            {"subnet": {"id": subnet_id(aznet, rg, "vnet", "snet-inbound")}}]}}) == \
        (400, "DnsResolverEndpointSubnetInUse")
    assert error_of(dr.outbound_endpoints.begin_create_or_update, rg, "resolver", "plain", {
        "location": LOC, "properties": {"subnet": {"id": subnet_id(aznet, rg, "vnet", "default")}}}) == \
        (400, "DnsResolverEndpointSubnetNotDelegated")
    assert error_of(dr.outbound_endpoints.begin_create_or_update, rg, "resolver", "tiny", {
        "location": LOC, "properties": {"subnet": {"id": subnet_id(aznet, rg, "vnet", "tiny")}}}) == \
        (400, "DnsResolverEndpointSubnetSizeInvalid")
    ruleset = dr.dns_forwarding_rulesets.begin_create_or_update(rg, "ruleset", {"location": LOC, "properties": {
        "dnsResolverOutboundEndpoints": [{"id": outbound.id}]}}).result()
    assert ruleset.dns_resolver_outbound_endpoints[0].id.lower() == outbound.id.lower()
    rule = {"properties": {"domainName": "corp.contoso.com.",
                           "targetDnsServers": [{"ipAddress": "10.1.0.4", "port": 53}]}}
    made = dr.forwarding_rules.create_or_update(rg, "ruleset", "contoso", rule)
    assert made.forwarding_rule_state == "Enabled"
    for bad, code in ((dict(rule["properties"], domainName="corp.contoso.com"), "InvalidDomainName"),
                      (dict(rule["properties"], domainName="empty.contoso.com.", targetDnsServers=[]),
                       "InvalidTargetDnsServers"),
                      (dict(rule["properties"], domainName="other.com.",
                            targetDnsServers=[{"ipAddress": "not-an-ip"}]), "InvalidTargetDnsServers")):
        assert error_of(dr.forwarding_rules.create_or_update, rg, "ruleset", "bad", {"properties": bad}) == \
            (400, code)
    assert error_of(dr.forwarding_rules.create_or_update, rg, "ruleset", "twice", rule) == \
        (409, "ForwardingRuleDomainNameConflict")
    assert [r.name for r in dr.forwarding_rules.list(rg, "ruleset")] == ["contoso"]
    dr.virtual_network_links.begin_create_or_update(rg, "ruleset", "link", {"properties": {
        "virtualNetwork": {"id": vnet}}}).result()
    dr.dns_forwarding_rulesets.begin_create_or_update(rg, "ruleset2", {"location": LOC, "properties": {
        "dnsResolverOutboundEndpoints": [{"id": outbound.id}]}}).result()
    assert error_of(dr.virtual_network_links.begin_create_or_update, rg, "ruleset2", "link", {"properties": {
        "virtualNetwork": {"id": vnet}}}) == (409, "VirtualNetworkAlreadyLinkedToRuleset")
    assert error_of(dr.dns_resolvers.begin_delete, rg, "resolver") == (409, "DnsResolverHasEndpoints")
    assert error_of(dr.outbound_endpoints.begin_delete, rg, "resolver", "outbound") == (409, "OutboundEndpointInUse")
    assert error_of(network_client.subnets.begin_delete, rg, "vnet", "snet-inbound")[1] == \
        "InUseSubnetCannotBeDeleted"


def test_inbound_endpoint_answers_and_rules_forward(aznet, network_client, private_dns_client, resolver_client, rg,
                                                    onprem):
    dr = resolver_client
    corp, sub = onprem
    _resolver, inbound, outbound = build(aznet, network_client, dr, rg)
    svc = aznet.platform.services.get(DnsResolverService)
    endpoint = svc.endpoint_of(inbound.id)
    assert endpoint is not None
    port = endpoint[1]
    from aznet.arm.admin_routes import status as status_route
    from aznet.arm.http import Request

    shown = aznet.call(status_route, aznet.platform, Request("GET", "/_aznet/status", {}, {})).body["endpoints"]
    status = [e for e in shown if str(e.get("resourceId", "")).lower() == inbound.id.lower()]
    assert sorted(e["protocol"] for e in status) == ["tcp", "udp"]
    assert all(e["address"] == "10.0.0.4" and e["port"] == port for e in status)
    # a private zone linked to the VNet answers through the inbound endpoint, like 168.63.129.16
    vnet = rid(aznet, rg, "virtualNetworks", "vnet")
    private_dns_client.private_zones.begin_create_or_update(rg, "contoso.internal", {"location": "global"}).result()
    private_dns_client.record_sets.create_or_update(rg, "contoso.internal", "A", "web", {
        "properties": {"ttl": 300, "aRecords": [{"ipv4Address": "10.0.2.10"}]}})
    private_dns_client.virtual_network_links.begin_create_or_update(rg, "contoso.internal", "link", {
        "location": "global", "properties": {"registrationEnabled": False, "virtualNetwork": {"id": vnet}}}).result()
    assert addresses(ask(port, "web.contoso.internal")) == ["10.0.2.10"]
    # forwarding rules of the ruleset linked to the VNet, longest domain first
    dr.dns_forwarding_rulesets.begin_create_or_update(rg, "ruleset", {"location": LOC, "properties": {
        "dnsResolverOutboundEndpoints": [{"id": outbound.id}]}}).result()
    dr.forwarding_rules.create_or_update(rg, "ruleset", "corp", {"properties": {
        "domainName": "corp.contoso.com.", "targetDnsServers": [{"ipAddress": "127.0.0.1", "port": corp.port}]}})
    dr.forwarding_rules.create_or_update(rg, "ruleset", "sub", {"properties": {
        "domainName": "eu.corp.contoso.com.", "targetDnsServers": [{"ipAddress": "127.0.0.1", "port": sub.port}]}})
    assert ask(port, "db.corp.contoso.com").rcode() != dns.rcode.NOERROR or \
        addresses(ask(port, "db.corp.contoso.com")) != ["10.10.10.10"]          # not linked yet: no forwarding
    dr.virtual_network_links.begin_create_or_update(rg, "ruleset", "link", {"properties": {
        "virtualNetwork": {"id": vnet}}}).result()
    assert addresses(ask(port, "db.corp.contoso.com")) == ["10.10.10.10"]
    over_tcp = dns.query.tcp(dns.message.make_query("db.corp.contoso.com", "A"), "127.0.0.1", port=port, timeout=5)
    assert addresses(over_tcp) == ["10.10.10.10"]
    assert addresses(dns.query.tcp(dns.message.make_query("web.contoso.internal", "A"), "127.0.0.1", port=port,
                                   timeout=5)) == ["10.0.2.10"]
    assert addresses(ask(port, "app.eu.corp.contoso.com")) == ["10.20.20.20"]
    assert "app.eu.corp.contoso.com." in sub.queries and "app.eu.corp.contoso.com." not in corp.queries
    assert addresses(ask(port, "web.contoso.internal")) == ["10.0.2.10"]       # other names: as before
    # a disabled rule stops forwarding; a rule to a non-loopback target gives SERVFAIL
    dr.forwarding_rules.create_or_update(rg, "ruleset", "sub", {"properties": {
        "domainName": "eu.corp.contoso.com.", "targetDnsServers": [{"ipAddress": "127.0.0.1", "port": sub.port}],
        "forwardingRuleState": "Disabled"}})
    assert addresses(ask(port, "app.eu.corp.contoso.com")) == ["10.10.10.10"]
    dr.forwarding_rules.create_or_update(rg, "ruleset", "remote", {"properties": {
        "domainName": "remote.example.", "targetDnsServers": [{"ipAddress": "192.0.2.53"}]}})
    assert ask(port, "x.remote.example").rcode() == dns.rcode.SERVFAIL
    # deleting the endpoint closes its listener
    dr.inbound_endpoints.begin_delete(rg, "resolver", "inbound").result()
    assert svc.endpoint_of(inbound.id) is None


def wait_for(fn, timeout: float = 5.0):  # type: ignore[no-untyped-def]
    """Listeners are bound on the event loop right after the commit: poll until one shows."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        got = fn()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.02)


def test_vnet_resolver_applies_the_linked_ruleset(aznet, network_client, resolver_client, rg, onprem):
    """A VNet linked to a ruleset (no private zones): its 168.63.129.16 listener appears and forwards."""
    from aznet.dataplane.dns.service import DnsService

    dr = resolver_client
    corp, _sub = onprem
    _resolver, _inbound, outbound = build(aznet, network_client, dr, rg)
    vnet = rid(aznet, rg, "virtualNetworks", "vnet")
    dns_svc = aznet.platform.services.get(DnsService)
    assert dns_svc.vnet_endpoint(vnet) is None                  # no private-zone link: no listener yet
    dr.dns_forwarding_rulesets.begin_create_or_update(rg, "ruleset", {"location": LOC, "properties": {
        "dnsResolverOutboundEndpoints": [{"id": outbound.id}]}}).result()
    dr.forwarding_rules.create_or_update(rg, "ruleset", "corp", {"properties": {
        "domainName": "corp.contoso.com.", "targetDnsServers": [{"ipAddress": "127.0.0.1", "port": corp.port}]}})
    dr.virtual_network_links.begin_create_or_update(rg, "ruleset", "link", {"properties": {
        "virtualNetwork": {"id": vnet}}}).result()
    endpoint = wait_for(lambda: dns_svc.vnet_endpoint(vnet))
    assert endpoint is not None
    assert addresses(ask(endpoint[1], "files.corp.contoso.com")) == ["10.10.10.10"]
    assert "files.corp.contoso.com." in corp.queries
    assert ask(endpoint[1], "nothing.invalid").rcode() != dns.rcode.NOERROR or \
        addresses(ask(endpoint[1], "nothing.invalid")) == []   # other names: the VNet's view, not the rule
    assert "nothing.invalid." not in corp.queries
    dr.virtual_network_links.begin_delete(rg, "ruleset", "link").result()
    assert wait_for(lambda: dns_svc.vnet_endpoint(vnet) is None)
