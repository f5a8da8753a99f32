"""Bad questions get VerifierError with ARM-style codes and statuses."""

from __future__ import annotations

from typing import Any

import pytest

from aznet.verifier import (
    VerifierError,
    connectivity_check,
    effective_route_table,
    ip_flow_verify,
    next_hop,
    topology,
)

from .test_golden_routing import example


def flow_body(net: Any, **over: Any) -> dict[str, Any]:
    body = {"targetResourceId": net.vm_id("vm1"), "direction": "Inbound", "protocol": "TCP", "localPort": "22",
            "remotePort": "50000", "localIPAddress": "10.0.0.4", "remoteIPAddress": "10.0.1.4"}
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


@pytest.mark.parametrize("over,code,status", [
    ({"targetResourceId": "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/nope"},
     "ResourceNotFound", 404),
    ({"localIPAddress": "10.0.0.99"}, "InvalidIPAddress", 400),          # not the VM's address
    ({"localIPAddress": "10.0.0"}, "InvalidRequestFormat", 400),
    ({"localPort": "70000"}, "InvalidRequestFormat", 400),
    ({"remotePort": "80-90"}, "InvalidRequestFormat", 400),
    ({"direction": "Sideways"}, "InvalidRequestFormat", 400),
    ({"protocol": "GRE"}, "InvalidRequestFormat", 400),
    ({"remoteIPAddress": None}, "InvalidRequestFormat", 400),
    ({"targetResourceId": "not-an-id"}, "InvalidRequestFormat", 400),
    ({"targetNicResourceId": "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/x"},
     "ResourceNotFound", 404),
])
def test_ip_flow_verify_errors(over: dict[str, Any], code: str, status: int) -> None:
    net, model = example()
    with pytest.raises(VerifierError) as exc:
        ip_flow_verify(model, flow_body(net, **over))
    assert (exc.value.code, exc.value.status) == (code, status)
    assert exc.value.body()["error"]["code"] == code


def test_not_found_message_names_the_resource_like_arm() -> None:
    net, model = example()
    vm = "/subscriptions/s/resourceGroups/rg9/providers/Microsoft.Compute/virtualMachines/ghost"
    with pytest.raises(VerifierError) as exc:
        next_hop(model, {"targetResourceId": vm, "sourceIPAddress": "10.0.0.4", "destinationIPAddress": "8.8.8.8"})
    assert exc.value.message == ("The Resource 'Microsoft.Compute/virtualMachines/ghost' under resource group "
                                 "'rg9' was not found.")


def test_nic_of_another_vm_is_rejected() -> None:
    net, model = example()
    other = net.rid("Microsoft.Network/networkInterfaces", "vm2-nic")
    with pytest.raises(VerifierError) as exc:
        ip_flow_verify(model, flow_body(net, targetNicResourceId=other))
    assert exc.value.code == "InvalidResourceReference"


def test_next_hop_errors() -> None:
    net, model = example()
    base = {"targetResourceId": net.vm_id("vm1"), "sourceIPAddress": "10.0.0.4", "destinationIPAddress": "8.8.8.8"}
    for over, code in (({"sourceIPAddress": "10.0.1.4"}, "InvalidIPAddress"),
                       ({"destinationIPAddress": "eight"}, "InvalidRequestFormat"),
                       ({"destinationIPAddress": "::1"}, "InvalidRequestFormat")):
        with pytest.raises(VerifierError) as exc:
            next_hop(model, {**base, **over})
        assert exc.value.code == code


def test_multi_nic_vm_with_ip_forwarding_needs_the_nic() -> None:
    from aznet.netmodel import NetworkModel

    net, _ = example()
    net.nic("nva-nic2", "Virtual-network-1", "Subnet2", "10.0.1.10", forwarding=True, vm="nva")
    for r in net.resources:
        if r["name"] == "nva":
            r["properties"]["networkProfile"]["networkInterfaces"].append(
                {"id": net.rid("Microsoft.Network/networkInterfaces", "nva-nic2")})
    model = NetworkModel.build(net.resources)
    body = {"targetResourceId": net.vm_id("nva"), "sourceIPAddress": "10.0.100.4", "destinationIPAddress": "8.8.8.8"}
    with pytest.raises(VerifierError) as exc:
        next_hop(model, body)
    assert exc.value.code == "TargetNicResourceIdRequired"
    body["targetNicResourceId"] = net.rid("Microsoft.Network/networkInterfaces", "nva-nic")
    assert next_hop(model, body)["nextHopType"] == "Internet"


def test_other_answerers_reject_unknown_targets() -> None:
    net, model = example()
    ghost_nic = "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/ghost"
    with pytest.raises(VerifierError):
        effective_route_table(model, ghost_nic)
    with pytest.raises(VerifierError) as exc:
        connectivity_check(model, {"source": {"resourceId": net.vm_id("ghost")}, "destination": {"address": "1.1.1.1",
                                                                                                "port": 80}})
    assert exc.value.status == 404
    with pytest.raises(VerifierError) as exc:
        topology(model, {})
    assert exc.value.code == "InvalidRequestFormat"
