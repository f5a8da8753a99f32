"""The verifier traces client -> listener -> rule -> pool and gateway -> backend with NSGs, and reports a v2
gateway subnet whose NSG blocks GatewayManager on 65200-65535 as Azure does."""

from __future__ import annotations

from aznet.netmodel.engine import model_engine
from aznet.verifier.appgw_paths import trace_gateway
from tests.network.nic_support import LOC, nic_body, rid

from .support import gateway, network, pip_address, wait_for


def _nsg(net, rg, name, rules):  # type: ignore[no-untyped-def]
    return net.network_security_groups.begin_create_or_update(rg, name, {"location": LOC, "properties": {
        "securityRules": [{"name": n, "properties": {"priority": p, "direction": "Inbound", "access": a,
                                                     "protocol": "Tcp", "sourceAddressPrefix": src,
                                                     "sourcePortRange": "*", "destinationAddressPrefix": "*",
                                                     "destinationPortRange": ports}}
                          for n, p, a, src, ports in rules]}}).result()


def test_trace_through_the_gateway_and_the_gateway_manager_rule(aznet, network_client, rg):
    net = network_client
    ids = network(net, aznet, rg)
    backend_nsg = _nsg(net, rg, "backend-nsg", [("deny-80", 100, "Deny", "*", "80")])
    net.network_interfaces.begin_create_or_update(rg, "web-nic", {
        **nic_body(ids["backend_subnet"]), "properties": {
            **nic_body(ids["backend_subnet"])["properties"], "networkSecurityGroup": {"id": backend_nsg.id}}}).result()
    nic = net.network_interfaces.get(rg, "web-nic")
    ip = nic.ip_configurations[0].private_ip_address
    body = gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": ip}]}, settings={"s": {"port": 80}},
                   listeners=[{"name": "site", "hostNames": ["www.contoso.com"]}],
                   rules=[{"name": "r", "listener": "site", "pool": "p", "settings": "s"}])
    net.application_gateways.begin_create_or_update(rg, "gw", body).result()
    fe = pip_address(net, rg)

    def ask(host: str) -> dict:  # type: ignore[type-arg]
        return aznet.call(lambda: trace_gateway(model_engine(aznet.platform).model, fe, 80, host, "/"))
    ans = wait_for(lambda: (a := ask("www.contoso.com"))["disposition"] != "NO_LISTENER" and a)
    assert ans["disposition"] == "DENIED_TO_BACKEND"
    assert ans["listener"].endswith("/httpListeners/site") and ans["rule"].endswith("/requestRoutingRules/r")
    assert ans["backends"] == [{"address": ip, "port": 80, "ipConfiguration": nic.ip_configurations[0].id,
                                "access": "Deny", "decidingRule": "backend-nsg: securityRules/deny-80"}]
    assert ask("www.example.org")["disposition"] == "NO_LISTENER"
    # the gateway subnet's NSG without GatewayManager on 65200-65535: reported as Azure reports it
    ag_nsg = _nsg(net, rg, "ag-nsg", [("deny-all", 4000, "Deny", "*", "*"),
                                      ("allow-web", 200, "Allow", "Internet", "80")])
    subnet = net.subnets.get(rg, "myVNet", "myAGSubnet")
    subnet.network_security_group = ag_nsg
    net.subnets.begin_create_or_update(rg, "myVNet", "myAGSubnet", subnet).result()
    ans = wait_for(lambda: (a := ask("www.contoso.com"))["disposition"] == "GATEWAY_SUBNET_BLOCKED" and a)
    assert ans["error"]["code"] == "ApplicationGatewaySubnetInboundTrafficBlockedByNetworkSecurityGroup"
    assert "65200 - 65535" in ans["reason"] and ans["error"]["decidingRule"] == "ag-nsg: securityRules/deny-all"
    # with the rule Azure requires, the trace goes on to the backend again
    rule = {"priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "sourceAddressPrefix": "GatewayManager", "sourcePortRange": "*", "destinationAddressPrefix": "*",
            "destinationPortRange": "65200-65535"}
    net.security_rules.begin_create_or_update(rg, "ag-nsg", "allow-gwm", {"properties": rule}).result()
    ans = wait_for(lambda: (a := ask("www.contoso.com"))["disposition"] != "GATEWAY_SUBNET_BLOCKED" and a)
    assert ans["disposition"] == "DENIED_TO_BACKEND"
    assert rid(aznet, rg, "applicationGateways", "gw").lower() == ans["applicationGateway"].lower()
