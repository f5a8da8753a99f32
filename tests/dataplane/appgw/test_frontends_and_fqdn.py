"""A private frontend (listening on the local address aznet gives the frontend IP, shown by `aznet status`),
and a backend by FQDN resolved through aznet's DNS (a public zone's A record)."""

from __future__ import annotations

import ipaddress

from azure.mgmt.dns import DnsManagementClient

from tests.network.nic_support import rid

from .support import backends, gateway, get, network, pip_address, port, wait_for


def test_private_frontend_and_fqdn_backend_through_aznet_dns(aznet, network_client, rg):
    ids = network(network_client, aznet, rg)
    dns = aznet.client(DnsManagementClient)
    with backends("named", "direct", base=50) as (b1, b2):
        dns.zones.create_or_update(rg, "contoso-app.com", {"location": "global"})
        dns.record_sets.create_or_update(rg, "contoso-app.com", "web", "A", {
            "ttl": 60, "a_records": [{"ipv4_address": b1.host}]})
        gw = rid(aznet, rg, "applicationGateways", "gw")
        body = gateway(aznet, rg, "gw", ids, ports=(80, 8081),
                       pools={"byname": [{"fqdn": "web.contoso-app.com"}], "direct": [{"ipAddress": b2.host}]},
                       settings={"s1": {"port": b1.port}, "s2": {"port": b2.port}},
                       listeners=[{"name": "public"}],
                       rules=[{"name": "r1", "listener": "public", "pool": "byname", "settings": "s1"}])
        props = body["properties"]
        props["frontendIPConfigurations"].append({"name": "private", "properties": {
            "privateIPAddress": "10.21.0.10", "privateIPAllocationMethod": "Static", "subnet": {"id": ids["subnet"]}}})
        props["httpListeners"].append({"name": "inside", "properties": {
            "frontendIPConfiguration": {"id": f"{gw}/frontendIPConfigurations/private"},
            "frontendPort": {"id": f"{gw}/frontendPorts/p8081"}, "protocol": "Http"}})
        props["requestRoutingRules"].append({"name": "r2", "properties": {
            "ruleType": "Basic", "priority": 200, "httpListener": {"id": f"{gw}/httpListeners/inside"},
            "backendAddressPool": {"id": f"{gw}/backendAddressPools/direct"},
            "backendHttpSettings": {"id": f"{gw}/backendHttpSettingsCollection/s2"}}})
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        base = f"http://{pip_address(network_client, rg)}:{port(aznet, 80)}"
        assert wait_for(lambda: (r := get(f"{base}/a")).status_code == 200 and r).text == "named /a"
        svc = aznet.platform.services.get("appgw")
        inside = [e for e in svc.endpoints() if f"{gw}/httpListeners/inside".lower() in
                  [x.lower() for x in e["listeners"]]]
        pool = ipaddress.ip_network(aznet.platform.settings.private_ip_pool)
        assert len(inside) == 1 and ipaddress.ip_address(inside[0]["address"]) in pool and inside[0]["port"] == 8081
        assert get(f"http://{inside[0]['address']}:8081/b").text == "direct /b"
        health = network_client.application_gateways.begin_backend_health(rg, "gw").result()
        servers = {s.address: s.health for p in health.backend_address_pools
                   for c in p.backend_http_settings_collection for s in c.servers}
        assert servers.get("web.contoso-app.com") in ("Up", "Unknown")
        # the record moves: the FQDN follows DNS (no gateway change)
        dns.record_sets.create_or_update(rg, "contoso-app.com", "web", "A", {
            "ttl": 60, "a_records": [{"ipv4_address": b2.host}]})
        wait_for(lambda: get(f"{base}/c").status_code == 502)    # b2 does not listen on s1's port
