"""Where the process may not bind port 179, the speakers listen on 179 + AZNET_PRIVILEGED_PORT_OFFSET
(the data planes' convention) and `aznet status --json` shows both; FRR peering with the mapped port works."""

from __future__ import annotations

import pytest
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from aznet.dataplane.bgp import service
from aznet.testing.harness import start_in_thread

from .support import gateway_routes, needs_frr, speaker, start_frr, vpn_site, wait_for

pytestmark = needs_frr


@pytest.fixture
def unprivileged(monkeypatch):  # type: ignore[no-untyped-def]
    """An aznet instance that behaves as if ports below 1024 were out of reach."""
    monkeypatch.setattr(service, "listen_port", lambda port, offset: port + offset if port < 1024 else port)
    inst = start_in_thread(privileged_port_offset=8000)
    try:
        yield inst
    finally:
        inst.stop()


def test_speakers_use_the_privileged_port_offset(unprivileged):  # type: ignore[no-untyped-def]
    aznet = unprivileged
    aznet.client(ResourceManagementClient).resource_groups.create_or_update("rg-offset", {"location": "westeurope"})
    net = aznet.client(NetworkManagementClient)
    site = vpn_site(aznet, net, None, "rg-offset", vm=False)
    sp = speaker(aznet, site["gw"].id)
    assert (sp["port"], sp["listenPort"]) == (179, 8179)
    assert "179 mapped to 8179" in sp["description"]
    onprem = start_frr(sp, ["192.168.60.0/24"])
    try:
        wait_for(lambda: "192.168.60.0/24" in gateway_routes(net, "rg-offset"), timeout=30)
    finally:
        onprem.close()
