"""The verifier's outbound SNAT answer, in Azure's precedence: NAT gateway, instance public IP, outbound
rule, load-balancing rule (implicit SNAT), default outbound access."""

from __future__ import annotations

from aznet.netmodel.engine import model_engine
from aznet.verifier.lb_paths import snat_source
from tests.network.nic_support import LOC, make_vnet, rid

from .support import lb_body, make_vms, pool_id, public_ip


def answer(aznet, rg):  # type: ignore[no-untyped-def]
    def ask():  # type: ignore[no-untyped-def]
        model = model_engine(aznet.platform).model
        nic = model.nics[rid(aznet, rg, "networkInterfaces", "vm1-nic").lower()]
        return snat_source(model, nic.primary_ipconfig)
    return aznet.call(ask)


def test_snat_precedence(aznet, network_client, compute, rg):
    net = network_client
    make_vnet(net, rg)
    lb_ip = public_ip(net, rg)
    net.load_balancers.begin_create_or_update(rg, "lb", lb_body(aznet, rg, rules=[
        {"name": "web", "properties": {"protocol": "Tcp", "frontendPort": 80, "backendPort": 80}}])).result()
    make_vms(aznet, net, compute, rg, ["vm1", "vm2"], pools=[pool_id(aznet, rg)], vnet=False)
    a = answer(aznet, rg)
    assert (a["type"], a["addresses"], a["allocatedPorts"]) == ("LoadBalancingRule", [lb_ip], 1024)
    # an outbound rule comes first (and a rule with disableOutboundSnat gives none)
    lb = net.load_balancers.get(rg, "lb")
    lb.load_balancing_rules[0].disable_outbound_snat = True
    fe = lb.frontend_ip_configurations[0].id
    from azure.mgmt.network.models import OutboundRule, SubResource

    lb.outbound_rules = [OutboundRule(name="out", frontend_ip_configurations=[SubResource(id=fe)],
                                      backend_address_pool=SubResource(id=pool_id(aznet, rg)), protocol="All",
                                      allocated_outbound_ports=10000)]
    net.load_balancers.begin_create_or_update(rg, "lb", lb).result()
    a = answer(aznet, rg)
    assert (a["type"], a["allocatedPorts"]) == ("OutboundRule", 10000)
    assert a["portRange"][1] - a["portRange"][0] == 9999
    # an instance-level public IP beats the load balancer
    vm_ip = public_ip(net, rg, "vm1-ip")
    nic = net.network_interfaces.get(rg, "vm1-nic")
    from azure.mgmt.network.models import PublicIPAddress

    nic.ip_configurations[0].public_ip_address = PublicIPAddress(id=rid(aznet, rg, "publicIPAddresses", "vm1-ip"))
    net.network_interfaces.begin_create_or_update(rg, "vm1-nic", nic).result()
    assert answer(aznet, rg)["type"] == "InstancePublicIP" and answer(aznet, rg)["addresses"] == [vm_ip]
    # a NAT gateway on the subnet beats everything
    ng_ip = public_ip(net, rg, "ng-ip")
    ng = net.nat_gateways.begin_create_or_update(rg, "ng", {
        "location": LOC, "sku": {"name": "Standard"},
        "properties": {"publicIpAddresses": [{"id": rid(aznet, rg, "publicIPAddresses", "ng-ip")}]}}).result()
    subnet = net.subnets.get(rg, "vnet", "default")
    subnet.nat_gateway = SubResource(id=ng.id)
    net.subnets.begin_create_or_update(rg, "vnet", "default", subnet).result()
    a = answer(aznet, rg)
    assert (a["type"], a["addresses"]) == ("NatGateway", [ng_ip])
