"""NAT rules on a VPN gateway (Azure's "Configure NAT on Azure VPN Gateway" how-to) and the connections that
use them, through the SDK and `az network vnet-gateway nat-rule` / `az network vpn-connection create
--ingress-nat-rule/--egress-nat-rule`; each refusal with its code and nothing written."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from .nic_support import rid
from .test_vpn_connections import lng, make_gateway, s2s


def rule(mode: str, internal: list[str], external: list[str], kind: str = "Static") -> dict:
    return {"properties": {"type": kind, "mode": mode,
                           "internalMappings": [{"addressSpace": a} for a in internal],
                           "externalMappings": [{"addressSpace": a} for a in external]}}


def refused(call, *args) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(HttpResponseError) as info:
        call(*args).result()
    return info.value.status_code, info.value.error.code


def test_nat_rules_and_connections(aznet, network_client, rg):
    net = network_client
    make_gateway(aznet, net, rg)
    nat = net.virtual_network_gateway_nat_rules
    egress = nat.begin_create_or_update(rg, "VNet1GW", "VNet1", rule("EgressSnat", ["10.1.0.0/16"],
                                                                        ["100.1.0.0/16"])).result()
    assert (egress.properties.type, egress.properties.mode) == ("Static", "EgressSnat")   # .type: the ARM type
    assert egress.properties.external_mappings[0].address_space == "100.1.0.0/16"
    ingress = nat.begin_create_or_update(rg, "VNet1GW", "Branch1", rule("IngressSnat", ["10.101.0.0/24"],
                                                                           ["100.2.0.0/24"])).result()
    assert sorted(r.name for r in nat.list_by_virtual_network_gateway(rg, "VNet1GW")) == ["Branch1", "VNet1"]
    assert sorted(r.name for r in net.virtual_network_gateways.get(rg, "VNet1GW").nat_rules) == ["Branch1", "VNet1"]
    # the rules
    begin = nat.begin_create_or_update
    assert refused(begin, rg, "VNet1GW", "bad", rule("IngressSnat", ["10.101.0.0/24"], ["100.9.0.0/25"])) == (
        400, "StaticNatRuleMappingsMismatch")
    assert refused(begin, rg, "VNet1GW", "bad", rule("IngressSnat", ["10.102.0.0/24"], ["100.2.0.128/25"],
                                                     "Dynamic")) == (400, "NatRuleExternalMappingsOverlap")
    assert refused(begin, rg, "VNet1GW", "bad", rule("IngressSnat", ["10.102.0.1/24"], ["100.3.0.0/24"])) == (
        400, "InvalidNatRuleMapping")
    assert refused(begin, rg, "VNet1GW", "bad", {"properties": {"mode": "IngressSnat",
                                                                 "externalMappings": [{"addressSpace": "100.4.0.0/24"}]}}
                   ) == (400, "NatRuleMappingRequired")
    dynamic = begin(rg, "VNet1GW", "Branch2", rule("IngressSnat", ["10.101.0.0/24"], ["100.3.0.0/26"],
                                                    "Dynamic")).result()
    assert dynamic.properties.type == "Dynamic"
    assert sorted(r.name for r in nat.list_by_virtual_network_gateway(rg, "VNet1GW")) == ["Branch1", "Branch2",
                                                                                         "VNet1"]
    # connections name rules of their own gateway in the list of the matching mode
    lng(net, rg)
    conns = net.virtual_network_gateway_connections
    assert refused(conns.begin_create_or_update, rg, "c", s2s(aznet, rg, sharedKey="abc123",
                   ingressNatRules=[{"id": egress.id}])) == (400, "NatRuleModeMismatch")
    assert refused(conns.begin_create_or_update, rg, "c", s2s(aznet, rg, sharedKey="abc123",
                   egressNatRules=[{"id": egress.id.replace("VNet1GW", "OtherGW")}])) == (400, "InvalidNatRuleReference")
    assert [c.name for c in conns.list(rg)] == []
    conn = conns.begin_create_or_update(rg, "VNet1toSite1", s2s(aznet, rg, sharedKey="abc123",
                                        ingressNatRules=[{"id": ingress.id}], egressNatRules=[{"id": egress.id}])
                                        ).result()
    assert [r.id for r in conn.ingress_nat_rules] == [ingress.id]
    assert [r.id for r in conn.egress_nat_rules] == [egress.id]
    # a rule in use stays
    assert refused(nat.begin_delete, rg, "VNet1GW", "Branch1") == (400, "NatRuleInUse")
    nat.begin_delete(rg, "VNet1GW", "Branch2").result()
    assert sorted(r.name for r in nat.list_by_virtual_network_gateway(rg, "VNet1GW")) == ["Branch1", "VNet1"]


def test_nat_needs_a_vpngw2_or_larger(aznet, network_client, rg):
    net = network_client
    make_gateway(aznet, net, rg, sku="VpnGw1")
    assert refused(net.virtual_network_gateway_nat_rules.begin_create_or_update, rg, "VNet1GW", "r",
                   rule("EgressSnat", ["10.1.0.0/16"], ["100.1.0.0/16"])) == (400, "NatRuleNotSupportedOnGateway")
    assert list(net.virtual_network_gateway_nat_rules.list_by_virtual_network_gateway(rg, "VNet1GW")) == []


def test_nat_rules_azcli(az, aznet, network_client):
    with az.group("rg-vpnnat-") as rg:
        make_gateway(aznet, network_client, rg)
        lng(network_client, rg)
        az.run("network", "vnet-gateway", "nat-rule", "add", "-g", rg, "--gateway-name", "VNet1GW", "--name", "VNet1",
               "--type", "Static", "--mode", "EgressSnat", "--internal-mappings", "10.1.0.0/16",
               "--external-mappings", "100.1.0.0/16")
        az.run("network", "vnet-gateway", "nat-rule", "add", "-g", rg, "--gateway-name", "VNet1GW", "--name", "Branch1",
               "--type", "Static", "--mode", "IngressSnat", "--internal-mappings", "10.101.0.0/24",
               "--external-mappings", "100.2.0.0/24")
        listed = az.json("network", "vnet-gateway", "nat-rule", "list", "-g", rg, "--gateway-name", "VNet1GW")
        assert sorted((r["name"], r["mode"]) for r in listed) == [("Branch1", "IngressSnat"), ("VNet1", "EgressSnat")]
        err = az.fails("network", "vnet-gateway", "nat-rule", "add", "-g", rg, "--gateway-name", "VNet1GW",
                       "--name", "Bad", "--type", "Static", "--mode", "IngressSnat", "--internal-mappings", "10.102.0.0/24",
                       "--external-mappings", "100.1.128.0/24")
        assert "NatRuleExternalMappingsOverlap" in err.stderr
        gw = rid(aznet, rg, "virtualNetworkGateways", "VNet1GW")
        conn = az.json("network", "vpn-connection", "create", "-n", "VNet1toSite1", "-g", rg, "--vnet-gateway1",
                       "VNet1GW", "--shared-key", "abc123", "--local-gateway2", "Site1",
                       "--ingress-nat-rule", f"{gw}/natRules/Branch1", "--egress-nat-rule", f"{gw}/natRules/VNet1")
        conn = conn.get("resource", conn)
        assert [r["id"].rsplit("/", 1)[-1] for r in conn["ingressNatRules"]] == ["Branch1"]
        err = az.fails("network", "vnet-gateway", "nat-rule", "remove", "-g", rg, "--gateway-name", "VNet1GW",
                       "--name", "Branch1")
        assert "NatRuleInUse" in err.stderr
        az.run("network", "vpn-connection", "delete", "-n", "VNet1toSite1", "-g", rg)
        az.run("network", "vnet-gateway", "nat-rule", "remove", "-g", rg, "--gateway-name", "VNet1GW", "--name", "Branch1")
        listed = az.json("network", "vnet-gateway", "nat-rule", "list", "-g", rg, "--gateway-name", "VNet1GW")
        assert [r["name"] for r in listed] == ["VNet1"]
