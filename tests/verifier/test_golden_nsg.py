"""Golden tests from Azure's "How network security groups filter network
traffic" (articles/virtual-network/network-security-group-how-it-works.md):
VM1 in Subnet1 (NSG1) with NSG2 on its NIC, VM2 in Subnet1 without a NIC NSG,
VM3 in Subnet2 (no NSG) with NSG2 on its NIC, VM4 in Subnet3 with no NSG at
all; TCP port 80 to and from the Internet."""

from __future__ import annotations

import pytest

from aznet.netmodel import NetworkModel
from aznet.verifier import ip_flow_verify
from aznet.verifier.security import Packet
from aznet.verifier.trace import ACCEPTED, DENIED_IN, DENIED_OUT, trace

from .builders import Net

INTERNET_HOST = "203.0.113.10"
VMS = {"VM1": ("Subnet1", "10.0.1.4", "NSG2"), "VM2": ("Subnet1", "10.0.1.5", None),
       "VM3": ("Subnet2", "10.0.2.4", "NSG2"), "VM4": ("Subnet3", "10.0.3.4", None)}

ALLOW_80_IN = ("Allow80In", 100, "Inbound", "Allow", "Tcp", "Internet", "*", "*", "80")
DENY_80_OUT = ("Deny80Out", 100, "Outbound", "Deny", "Tcp", "*", "*", "Internet", "80")


def network(nsg1_rules: list[tuple[object, ...]] = (), nsg2_rules: list[tuple[object, ...]] = ()  # type: ignore[assignment]
            ) -> tuple[Net, NetworkModel]:
    net = Net()
    net.nsg("NSG1", list(nsg1_rules))
    net.nsg("NSG2", list(nsg2_rules))
    net.vnet("VNet1", ["10.0.0.0/16"], {"Subnet1": {"prefix": "10.0.1.0/24", "nsg": "NSG1"},
                                         "Subnet2": {"prefix": "10.0.2.0/24"},
                                         "Subnet3": {"prefix": "10.0.3.0/24"}})
    for vm, (subnet, ip, nsg) in VMS.items():
        net.nic(f"{vm}-nic", "VNet1", subnet, ip, nsg=nsg, vm=vm)
        net.vm(vm, [f"{vm}-nic"])
    return net, NetworkModel.build(net.resources)


def flow(net: Net, model: NetworkModel, vm: str, direction: str, port: int = 80) -> dict[str, object]:
    return ip_flow_verify(model, {
        "targetResourceId": net.vm_id(vm), "direction": direction, "protocol": "TCP",
        "localIPAddress": VMS[vm][1], "localPort": str(port) if direction == "Inbound" else "50000",
        "remoteIPAddress": INTERNET_HOST, "remotePort": "50000" if direction == "Inbound" else str(port)})


@pytest.mark.parametrize("vm,access,rule", [
    ("VM1", "Deny", "defaultSecurityRules/DenyAllInBound"),  # NSG1 denies, NSG2 never evaluated
    ("VM2", "Deny", "defaultSecurityRules/DenyAllInBound"),
    ("VM3", "Deny", "defaultSecurityRules/DenyAllInBound"),  # NSG2 on the NIC
    ("VM4", "Allow", None),  # no NSG anywhere: all traffic allowed
])
def test_inbound_without_port_80_rules(vm: str, access: str, rule: str | None) -> None:
    net, model = network()
    assert flow(net, model, vm, "Inbound") == ({"access": access, "ruleName": rule} if rule else {"access": access})


def test_inbound_vm1_needs_both_nsgs_to_allow() -> None:
    net, model = network(nsg1_rules=[ALLOW_80_IN])
    # NSG1 allows port 80, so NSG2 is processed and denies.
    assert flow(net, model, "VM1", "Inbound") == {"access": "Deny", "ruleName": "defaultSecurityRules/DenyAllInBound"}
    # VM2 has no NIC NSG: it receives everything NSG1 allows.
    assert flow(net, model, "VM2", "Inbound") == {"access": "Allow", "ruleName": "securityRules/Allow80In"}
    net, model = network(nsg1_rules=[ALLOW_80_IN], nsg2_rules=[ALLOW_80_IN])
    assert flow(net, model, "VM1", "Inbound") == {"access": "Allow", "ruleName": "securityRules/Allow80In"}
    # VM3: Subnet2 has no NSG, so NSG2 alone decides.
    assert flow(net, model, "VM3", "Inbound") == {"access": "Allow", "ruleName": "securityRules/Allow80In"}


def test_inbound_deciding_nsg_is_the_subnet_one_for_vm1() -> None:
    net, model = network(nsg2_rules=[ALLOW_80_IN])
    src = model.nics[net.rid("Microsoft.Network/networkInterfaces", "VM1-nic").lower()].ipconfigs[0]
    from aznet.netmodel.addr import parse_ip
    from aznet.verifier.security import evaluate

    steps = evaluate(model, src, "Inbound", Packet("Tcp", parse_ip(INTERNET_HOST), 50000, src.ip or 0, 80))
    assert [s.acl.name for s in steps] == ["NSG1"]  # never evaluated by NSG2
    assert steps[0].rule is not None and steps[0].rule.display == "defaultSecurityRules/DenyAllInBound"


@pytest.mark.parametrize("vm", ["VM1", "VM2", "VM3", "VM4"])
def test_outbound_allowed_by_default(vm: str) -> None:
    net, model = network()
    res = flow(net, model, vm, "Outbound")
    assert res["access"] == "Allow"
    if vm != "VM4":
        assert res["ruleName"] == "defaultSecurityRules/AllowInternetOutBound"


def test_outbound_denied_by_nic_nsg_first() -> None:
    net, model = network(nsg2_rules=[DENY_80_OUT])
    assert flow(net, model, "VM1", "Outbound") == {"access": "Deny", "ruleName": "securityRules/Deny80Out"}
    assert flow(net, model, "VM3", "Outbound") == {"access": "Deny", "ruleName": "securityRules/Deny80Out"}
    assert flow(net, model, "VM2", "Outbound")["access"] == "Allow"  # only NSG1 applies to VM2
    assert flow(net, model, "VM1", "Outbound", port=443)["access"] == "Allow"


def test_outbound_denied_by_subnet_nsg_after_nic_nsg() -> None:
    net, model = network(nsg1_rules=[DENY_80_OUT])
    assert flow(net, model, "VM1", "Outbound") == {"access": "Deny", "ruleName": "securityRules/Deny80Out"}
    assert flow(net, model, "VM2", "Outbound") == {"access": "Deny", "ruleName": "securityRules/Deny80Out"}
    assert flow(net, model, "VM3", "Outbound")["access"] == "Allow"


def test_intra_subnet_traffic_is_filtered_by_the_subnet_nsg() -> None:
    from aznet.netmodel.addr import parse_ip

    net, model = network()
    vm1 = model.nics[net.rid("Microsoft.Network/networkInterfaces", "VM1-nic").lower()].ipconfigs[0]
    vm2 = model.nics[net.rid("Microsoft.Network/networkInterfaces", "VM2-nic").lower()].ipconfigs[0]
    pkt = Packet("Tcp", vm2.ip or 0, 50000, parse_ip("10.0.1.4"), 22)
    # By default the VNet rules allow VM2 -> VM1 through NSG1, and NSG2 (AllowVnetInBound).
    assert trace(model, vm2, pkt).disposition == ACCEPTED
    deny_all = [("DenyAllIn", 100, "Inbound", "Deny", "*", "*", "*", "*", "*"),
                ("DenyAllOut", 100, "Outbound", "Deny", "*", "*", "*", "*", "*")]
    net, model = network(nsg1_rules=deny_all)
    vm2 = model.nics[net.rid("Microsoft.Network/networkInterfaces", "VM2-nic").lower()].ipconfigs[0]
    t = trace(model, vm2, pkt)
    assert t.disposition == DENIED_OUT and t.deciding_rule == "NSG1: securityRules/DenyAllOut"
    assert vm1.ip == pkt.dst
    # with only the inbound deny, the packet leaves VM2 but NSG1 stops it in front of VM1
    net, model = network(nsg1_rules=deny_all[:1])
    vm2 = model.nics[net.rid("Microsoft.Network/networkInterfaces", "VM2-nic").lower()].ipconfigs[0]
    t = trace(model, vm2, pkt)
    assert t.disposition == DENIED_IN and t.deciding_rule == "NSG1: securityRules/DenyAllIn"
