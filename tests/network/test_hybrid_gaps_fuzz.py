"""Hostile bodies for this slice's actions and members (in process on the session's platform, the resources made
with the SDK): the Virtual WAN downloads, P2S health / disconnect, custom BGP address choices, NAT rule references.
Every answer is a 4xx with an ARM error code, never a 5xx, and nothing is written."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from .hybrid_support import gw_body, gw_vnet, pip
from .nic_support import LOC
from .test_vwan_downloads import _user_vpn

HOSTILE_BODIES: list[Any] = [[], "text", 7, None, {"authenticationMethod": 5}, {"authenticationMethod": "x" * 5000},
                             {"authenticationMethod": ["EAPTLS"]}, {"vpnServerConfigurationResourceId": 5},
                             {"vpnServerConfigurationResourceId": "x"}, {"vpnServerConfigurationResourceId": "/" * 300},
                             {"vpnUserNamesFilter": "alice"}, {"vpnUserNamesFilter": [1, 2]},
                             {"outputBlobSasUrl": 7}, {"outputBlobSasUrl": ["https://a.blob.core.windows.net/c/b"]},
                             {"outputBlobSasUrl": "https://a.blob.core.windows.net/c/" + "b" * 3000},
                             {"outputBlobSasUrl": "https://a.blob.core.windows.net/c/%2e%2e/x"},
                             {"outputBlobSasUrl": "https://a.blob.core.windows.net/c/a%2Fb"},
                             {"outputBlobSasUrl": "file:///etc/passwd"}, {"outputBlobSasUrl": "https:///c/b"},
                             {"outputBlobSasUrl": "https://UPPER_case!.blob.core.windows.net/c/b"},
                             {"vpnConnectionIds": "abc"}, {"vpnConnectionIds": [None]}, {"vpnConnectionIds": ["x"]},
                             {"vpnSites": "all"}, {"vpnSites": [5]}, {"vpnSites": ["/nope"] * 2000},
                             {"vpnSites": ["/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/vpnSites/z"],
                              "outputBlobSasUrl": "https://a.blob.core.windows.net/c/b"}]


def _status_ok(status: int, body: Any, action: str, sent: Any) -> None:
    assert status < 500, (action, sent, status, body)
    if status >= 400:
        assert isinstance(body, dict) and (body.get("error") or {}).get("code"), (action, sent, body)


@pytest.fixture(scope="module")
def wan_lab(aznet, network_client, resource_client):  # type: ignore[no-untyped-def]
    rg = f"rg-hybridgaps-fuzz-{uuid.uuid4().hex[:6]}"
    resource_client.resource_groups.create_or_update(rg, {"location": LOC})
    _, gw = _user_vpn(aznet, network_client, rg, ["OpenVPN"])
    yield {"rg": rg, "p2s": gw.id, "wan": gw.id.rsplit("/providers/", 1)[0] + "/providers/Microsoft.Network/"
           "virtualWans/myVirtualWan"}
    try:       # best effort, as the rg fixture
        resource_client.resource_groups.begin_delete(rg)
    except Exception:  # noqa: BLE001
        pass


@pytest.mark.parametrize("action", ["generatevpnprofile", "getP2sVpnConnectionHealthDetailed",
                                    "disconnectP2sVpnConnections"])
def test_p2s_actions_refuse_hostile_bodies(inproc, aznet, wan_lab, action):
    blobs = Path(aznet.platform.settings.data_dir) / "blobs"
    before = sorted(str(p) for p in blobs.rglob("*")) if blobs.exists() else []
    for sent in HOSTILE_BODIES:
        status, body = inproc.call("POST", f"{wan_lab['p2s']}/{action}", sent)
        _status_ok(status, body, action, sent)
    after = sorted(str(p) for p in blobs.rglob("*") if p.is_file()) if blobs.exists() else []
    # only the one valid blob URL among the bodies (the last) may be written, and only by the health action
    allowed = {str(blobs / "a" / "c" / "b")} if action == "getP2sVpnConnectionHealthDetailed" else set()
    assert {p for p in after if p not in before} <= allowed


@pytest.mark.parametrize("action", ["GenerateVpnProfile", "vpnConfiguration"])
def test_wan_actions_refuse_hostile_bodies(inproc, aznet, wan_lab, action):
    for sent in HOSTILE_BODIES:
        status, body = inproc.call("POST", f"{wan_lab['wan']}/{action}", sent)
        _status_ok(status, body, action, sent)
    blobs = Path(aznet.platform.settings.data_dir) / "blobs"
    written = [p for p in blobs.rglob("*") if p.is_file()] if blobs.exists() else []
    assert all(blobs in p.parents for p in written)
    assert not any(".." in p.parts for p in written)


def test_connection_members_refuse_hostile_values(inproc, aznet, network_client, rg):
    net = network_client
    gw_vnet(net, rg)
    pip(net, rg, "VNet1GWpip")
    gw = net.virtual_network_gateways.begin_create_or_update(rg, "VNet1GW", gw_body(
        aznet, rg, enableBgp=True, bgpSettings={"asn": 65010})).result()
    lng = net.local_network_gateways.begin_create_or_update(rg, "Site1", {"location": LOC, "properties": {
        "gatewayIpAddress": "203.0.113.10", "localNetworkAddressSpace": {"addressPrefixes": ["10.101.0.0/24"]},
        "bgpSettings": {"asn": 65050, "bgpPeeringAddress": "169.254.21.9"}}}).result()
    cfg = gw.ip_configurations[0].id
    conn = gw.id.rsplit("/providers/", 1)[0] + "/providers/Microsoft.Network/connections/c1"
    values: list[tuple[str, Any]] = [
        ("gatewayCustomBgpIpAddresses", "x"), ("gatewayCustomBgpIpAddresses", [1]),
        ("gatewayCustomBgpIpAddresses", [{"ipConfigurationId": 5, "customBgpIpAddress": "169.254.21.1"}]),
        ("gatewayCustomBgpIpAddresses", [{"ipConfigurationId": cfg, "customBgpIpAddress": ["169.254.21.1"]}]),
        ("gatewayCustomBgpIpAddresses", [{"ipConfigurationId": cfg}]),
        ("gatewayCustomBgpIpAddresses", [{"ipConfigurationId": cfg, "customBgpIpAddress": "169.254.21.1"}] * 9),
        ("gatewayCustomBgpIpAddresses", [{"ipConfigurationId": cfg, "customBgpIpAddress": "::1"}]),
        ("ingressNatRules", "x"), ("ingressNatRules", [5]), ("ingressNatRules", [{"id": 5}]),
        ("egressNatRules", [{"id": f"{gw.id}/natRules/" + "n" * 500}]),
    ]
    for key, value in values:
        status, body = inproc.call("PUT", conn, {"location": LOC, "properties": {
            "connectionType": "IPsec", "virtualNetworkGateway1": {"id": gw.id}, "enableBgp": True,
            "localNetworkGateway2": {"id": lng.id}, "sharedKey": "abc123", key: value}})
        assert 400 <= status < 500, (key, value, status, body)
        assert (body.get("error") or {}).get("code"), body
    assert inproc.call("GET", conn)[0] == 404
