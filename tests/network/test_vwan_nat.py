"""NAT on a Virtual WAN hub's VPN gateway (Azure's "Configure NAT rules for your Virtual WAN VPN gateway", static
routing example) through the SDK: vpnGateways/natRules as children, linked by a site's link connection; the site's
private address space holds the ingress rule's external mapping, so the spoke's effective routes show it; the
verifier translates a spoke VM's packet at the hub gateway (destination back to the site's own addresses, source
through the egress rule) and drops traffic towards a dynamic pool; rules refused with their codes."""

from __future__ import annotations

from typing import Any

from aznet.netmodel.addr import try_ip
from aznet.netmodel.engine import model_engine
from aznet.verifier.security import Packet
from aznet.verifier.trace import EXITS_NETWORK, NAT_DROPPED, trace
from tests.compute.test_vm import vm_body

from .nic_support import error_of, rid, subnet_id
from .test_vpn_nat_rules import rule
from .test_vwan_vpn import gw_body, link_conn, site_body
from .vwan_support import hub_with_spoke


def _ip(text: str) -> int:
    x = try_ip(text)
    assert x is not None
    return x


def test_hub_vpn_gateway_nat(aznet, network_client, compute, rg):
    net = network_client
    hub_with_spoke(aznet, net, rg)
    # site 1 is 10.30.0.0/24 on premises; its private address space is the post-NAT 172.30.0.0/24
    net.vpn_sites.begin_create_or_update(rg, "site1", site_body(aznet, rg, prefixes=("172.30.0.0/24",
                                                                                    "172.31.0.0/26"))).result()
    net.vpn_gateways.begin_create_or_update(rg, "gw", gw_body(aznet, rg)).result()
    nat = net.nat_rules
    ingress = nat.begin_create_or_update(rg, "gw", "ingressRule01", {**rule(
        "IngressSnat", ["10.30.0.0/24"], ["172.30.0.0/24"]), "properties": {
        **rule("IngressSnat", ["10.30.0.0/24"], ["172.30.0.0/24"])["properties"], "ipConfigurationId": "Instance0"}}
                                         ).result()
    assert ingress.ip_configuration_id == "Instance0" and ingress.mode == "IngressSnat"
    nat.begin_create_or_update(rg, "gw", "egressRule01", rule("EgressSnat", ["10.1.0.0/16"], ["100.64.0.0/16"])
                               ).result()
    nat.begin_create_or_update(rg, "gw", "pool", rule("IngressSnat", ["10.40.0.0/24"], ["172.31.0.0/26"], "Dynamic")
                               ).result()
    assert error_of(nat.begin_create_or_update, rg, "gw", "bad", {"properties": {
        **rule("IngressSnat", ["10.50.0.0/24"], ["172.50.0.0/24"])["properties"], "ipConfigurationId": "Instance5"}}) \
        == (400, "InvalidNatRuleIpConfiguration")
    assert error_of(nat.begin_create_or_update, rg, "gw", "bad", rule(
        "IngressSnat", ["10.50.0.0/25"], ["172.30.0.128/25"])) == (400, "NatRuleExternalMappingsOverlap")
    assert sorted(r.name for r in nat.list_by_vpn_gateway(rg, "gw")) == ["egressRule01", "ingressRule01", "pool"]
    gw_id = rid(aznet, rg, "vpnGateways", "gw")

    def conn(ingress_ids: list[str], egress_ids: list[str], **extra: Any) -> dict[str, Any]:
        return {"properties": {"remoteVpnSite": {"id": rid(aznet, rg, "vpnSites", "site1")}, "vpnLinkConnections": [
            link_conn(aznet, rg, "site1", "link1", sharedKey="abc123",
                      ingressNatRules=[{"id": f"{gw_id}/natRules/{n}"} for n in ingress_ids],
                      egressNatRules=[{"id": f"{gw_id}/natRules/{n}"} for n in egress_ids], **extra)]}}
    conns = net.vpn_connections
    assert error_of(conns.begin_create_or_update, rg, "gw", "c", conn(["egressRule01"], [])) == \
        (400, "NatRuleModeMismatch")
    assert error_of(conns.begin_create_or_update, rg, "gw", "c", conn(["nope"], [])) == (400, "InvalidNatRuleReference")
    policy = {"saLifeTimeSeconds": 27000, "saDataSizeKilobytes": 102400000, "ipsecEncryption": "AES256",
              "ipsecIntegrity": "SHA256", "ikeEncryption": "AES256", "ikeIntegrity": "SHA384", "dhGroup": "DHGroup24",
              "pfsGroup": "PFS24"}
    assert error_of(conns.begin_create_or_update, rg, "gw", "c", conn(
        ["ingressRule01"], [], usePolicyBasedTrafficSelectors=True, ipsecPolicies=[policy])) == \
        (400, "NatRuleNotSupportedWithPolicyBasedTrafficSelectors")
    assert list(conns.list_by_vpn_gateway(rg, "gw")) == []
    made = conns.begin_create_or_update(rg, "gw", "c", conn(["ingressRule01", "pool"], ["egressRule01"])).result()
    link_id = made.vpn_link_connections[0].id
    shown = nat.get(rg, "gw", "ingressRule01")
    assert [x.id for x in shown.ingress_vpn_site_link_connections] == [link_id]
    assert [x.id for x in nat.get(rg, "gw", "egressRule01").egress_vpn_site_link_connections] == [link_id]
    assert error_of(nat.begin_delete, rg, "gw", "ingressRule01") == (400, "NatRuleInUse")
    # the spoke sees the site's (post-NAT) space through the hub
    nic = net.network_interfaces.begin_create_or_update(rg, "vm1nic", {"location": "westeurope", "properties": {
        "ipConfigurations": [{"name": "ipconfig1", "properties": {
            "subnet": {"id": subnet_id(aznet, rg, "VNet1", "default")}}}]}}).result()
    compute.virtual_machines.begin_create_or_update(rg, "vm1", vm_body(nic.id)).result()
    table = net.network_interfaces.begin_get_effective_route_table(rg, "vm1nic").result().value
    assert {p: r.next_hop_type for r in table if r.state == "Active" for p in r.address_prefix
            if p.startswith(("172.30.", "172.31."))} == {"172.30.0.0/24": "VirtualNetworkGateway",
                                         "172.31.0.0/26": "VirtualNetworkGateway"}
    # the verifier's trace through the hub gateway
    model = aznet.call(lambda: model_engine(aznet.platform).model)
    src = model.nics[nic.id.lower()].ipconfigs[0]          # by id: other tests' NICs share the session's model
    assert src.ip is not None
    t = trace(model, src, Packet("Tcp", src.ip, 50000, _ip("172.30.0.9"), 443))
    assert t.disposition == EXITS_NETWORK
    (step,) = [s for h in t.hops for s in h.steps if s.action == "NAT"]
    assert f"source {src.ip_text} -> 100.64." in step.detail
    assert "destination 172.30.0.9 -> 10.30.0.9 (IngressSnat rule ingressRule01, Static)" in step.detail
    dropped = trace(model, src, Packet("Tcp", src.ip, 50000, _ip("172.31.0.9"), 443))
    assert dropped.disposition == NAT_DROPPED and dropped.deciding_rule is not None
    assert dropped.deciding_rule.endswith(": pool")
    # unlinked, the rule can go
    conns.begin_create_or_update(rg, "gw", "c", conn([], [])).result()
    assert nat.get(rg, "gw", "ingressRule01").ingress_vpn_site_link_connections == []
    nat.begin_delete(rg, "gw", "pool").result()
    assert sorted(r.name for r in nat.list_by_vpn_gateway(rg, "gw")) == ["egressRule01", "ingressRule01"]
