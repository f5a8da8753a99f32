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


def test_end_to_end_tls_to_the_backend_with_a_trusted_root(aznet, network_client, rg, tmp_path):
    import json

    from .support import Backend, ca_der_b64, signed_pem

    ids = network(network_client, aznet, rg)
    b = Backend("secure", "127.0.51.1", tls=signed_pem(aznet, tmp_path, "backend.contoso.com"))
    try:
        gw = rid(aznet, rg, "applicationGateways", "gw")
        body = gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": b.host}]},
                       settings={"s": {"port": b.port, "protocol": "Https", "hostName": "backend.contoso.com",
                                       "trustedRootCertificates": [{"id": f"{gw}/trustedRootCertificates/aznet-ca"}],
                                       "probe": "tls"}},
                       listeners=[{"name": "l"}], rules=[{"name": "r", "listener": "l", "pool": "p", "settings": "s"}],
                       trustedRootCertificates=[{"name": "aznet-ca", "properties": {"data": ca_der_b64(aznet)}}],
                       probes=[{"name": "tls", "properties": {"protocol": "Https", "host": "backend.contoso.com",
                                                              "path": "/", "interval": 1, "timeout": 10,
                                                              "unhealthyThreshold": 2}}])
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        base = f"http://{pip_address(network_client, rg)}:{port(aznet, 80)}"
        r = wait_for(lambda: (x := get(f"{base}/tls")).status_code == 200 and x)
        assert r.text == "secure /tls"
        assert json.loads(r.headers["x-seen"])["Host"] == "backend.contoso.com"

        def up() -> bool:
            h = network_client.application_gateways.begin_backend_health(rg, "gw").result()
            s = h.backend_address_pools[0].backend_http_settings_collection[0].servers[0]
            return s.health == "Up" and s.health_probe_log == "Success. Received 200 status code"
        wait_for(up)
        # another root: the backend's chain is not trusted, the probe says so and requests get 502
        from tests.delivery.appgw_support import cer_b64
        body["properties"]["trustedRootCertificates"] = [{"name": "aznet-ca", "properties": {"data": cer_b64()}}]
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()

        def untrusted() -> str | None:
            h = network_client.application_gateways.begin_backend_health(rg, "gw").result()
            s = h.backend_address_pools[0].backend_http_settings_collection[0].servers[0]
            return s.health_probe_log if s.health == "Down" else None
        assert "root certificate" in wait_for(untrusted)
        assert get(f"{base}/tls").status_code == 502
    finally:
        b.close()
