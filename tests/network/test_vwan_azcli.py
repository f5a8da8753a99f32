"""Virtual WAN with the real Azure CLI. The `az network vwan/vhub/vpn-site/vpn-gateway` groups live in the
`virtual-wan` extension (not installable offline), so the tutorial runs with the core CLI's generic
`az resource` commands (create, show, list, invoke-action, delete) and `az rest` for the child resources."""

from __future__ import annotations

import json
import subprocess
import uuid
from typing import Any

from aznet.cli.azcli import az_env

from .nic_support import ensure_vnet_types

API = "2024-05-01"


def final_response(debug_log: str) -> dict[str, Any]:
    """The last request az sent, its status and JSON body, from `--debug` output (azure-cli's logging policy
    writes `Request URL: '...'`, `Response status: N` and `Response content:` followed by the body)."""
    out: dict[str, Any] = {}
    lines = debug_log.splitlines()
    for i, line in enumerate(lines):
        _, _, text = line.partition("cli.azure.cli.core.sdk.policies: ")
        if text.startswith("Request URL: "):
            out = {"url": text.removeprefix("Request URL: ").strip("'")}
        elif text.startswith("Response status: "):
            out["status"] = int(text.removeprefix("Response status: "))
        elif text == "Response content:" and i + 1 < len(lines):
            content = lines[i + 1].partition("cli.azure.cli.core.sdk.policies: ")[2].strip()
            out["body"] = json.loads(content) if content else None
    return out


def test_vwan_tutorial_with_az_resource(az, network_client):  # type: ignore[no-untyped-def]
    ensure_vnet_types()
    rg = f"rg-vwan-{uuid.uuid4().hex[:8]}"
    az.run("group", "create", "-n", rg, "-l", "eastus")

    def create(rtype: str, name: str, props: dict[str, object], location: bool = True) -> dict[str, object]:
        if "/" in name:       # a child resource (az resource create sends a location member children lack)
            sub = az.json("account", "show")["id"]
            ns, *types = rtype.split("/")
            segs = "/".join(f"{t}/{n}" for t, n in zip(types, name.split("/"), strict=True))
            url = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{segs}?api-version={API}"
            az.run("rest", "--method", "put", "--url", url, "--body", json.dumps({"properties": props}))
            return az.json("rest", "--method", "get", "--url", url)  # type: ignore[no-any-return]
        args = ["resource", "create", "-g", rg, "-n", name, "--resource-type", rtype, "--api-version", API,
                "--properties", json.dumps(props)]
        if location:
            args += ["-l", "eastus"]
        return az.json(*args)  # type: ignore[no-any-return]

    try:
        wan = create("Microsoft.Network/virtualWans", "wan1", {"type": "Standard"})
        hub = create("Microsoft.Network/virtualHubs", "hub1", {"virtualWan": {"id": wan["id"]},
                                                                "addressPrefix": "10.100.0.0/24"})
        assert hub["properties"]["virtualRouterIps"] == ["10.100.0.68", "10.100.0.69"]
        bad = az.fails("resource", "create", "-g", rg, "-n", "hub2", "--resource-type", "Microsoft.Network/virtualHubs",
                       "--api-version", API, "-l", "eastus", "--properties",
                       json.dumps({"virtualWan": {"id": wan["id"]}, "addressPrefix": "10.101.0.0/25"}))
        assert "VirtualHubAddressPrefixTooSmall" in bad.stderr
        az.run("network", "vnet", "create", "-g", rg, "-n", "VNet1", "--address-prefix", "10.1.0.0/16",
               "--subnet-name", "default", "--subnet-prefixes", "10.1.0.0/24")
        az.run("network", "vnet", "create", "-g", rg, "-n", "VNet2", "--address-prefix", "10.2.0.0/16",
               "--subnet-name", "default", "--subnet-prefixes", "10.2.0.0/24")
        vnet1 = az.json("network", "vnet", "show", "-g", rg, "-n", "VNet1")["id"]
        vnet2 = az.json("network", "vnet", "show", "-g", rg, "-n", "VNet2")["id"]
        conn1 = create("Microsoft.Network/virtualHubs/hubVirtualNetworkConnections", "hub1/conn1",
                       {"remoteVirtualNetwork": {"id": vnet1}}, location=False)
        create("Microsoft.Network/virtualHubs/hubVirtualNetworkConnections", "hub1/conn2",
               {"remoteVirtualNetwork": {"id": vnet2}}, location=False)
        site = create("Microsoft.Network/vpnSites", "site1", {
            "virtualWan": {"id": wan["id"]}, "addressSpace": {"addressPrefixes": ["192.168.10.0/24"]},
            "vpnSiteLinks": [{"name": "link1", "properties": {"ipAddress": "203.0.113.10"}}]})
        gw = create("Microsoft.Network/vpnGateways", "hub1-vpngw", {"virtualHub": {"id": hub["id"]}})
        create("Microsoft.Network/vpnGateways/vpnConnections", "hub1-vpngw/site1-conn", {
            "remoteVpnSite": {"id": site["id"]}, "vpnLinkConnections": [{"name": "link1", "properties": {
                "vpnSiteLink": {"id": f"{site['id']}/vpnSiteLinks/link1"}, "sharedKey": "abc123"}}]},
               location=False)
        shown = az.json("resource", "show", "--ids", hub["id"], "--api-version", API)
        assert shown["properties"]["vpnGateway"]["id"] == gw["id"]
        # `az resource invoke-action` prints {} for any action answering a JSON object, against Azure as here: the
        # command's transform (DeploymentOutputLongRunningOperation) keeps only `.properties.outputs` of a
        # deployment and turns anything else but a string into {}. What the CLI received is in its --debug log:
        # the final response of the LRO (the Location URL's 200) carries the routes.
        proc = subprocess.run([az.az, "resource", "invoke-action", "--ids", hub["id"], "--api-version", API,
                               "--action", "effectiveRoutes", "--request-body", json.dumps({
                                   "resourceId": conn1["id"], "virtualWanResourceType": "HubVirtualNetworkConnection"}),
                               "--debug"], env=az_env(az.data_dir), capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        received = final_response(proc.stderr)
        assert "/operationResults/" in received["url"] and received["status"] == 200
        got = {p: r["nextHopType"] for r in received["body"]["value"] for p in r["addressPrefixes"]}
        assert got == {"10.2.0.0/16": "Virtual Network Connection", "192.168.10.0/24": "VPN_S2S_Gateway"}
        routes = network_client.virtual_hubs.begin_get_effective_virtual_hub_routes(rg, "hub1", {
            "resourceId": conn1["id"], "virtualWanResourceType": "HubVirtualNetworkConnection"}).result()
        got = {p: r.next_hop_type for r in routes.value for p in r.address_prefixes}
        assert got == {"10.2.0.0/16": "Virtual Network Connection", "192.168.10.0/24": "VPN_S2S_Gateway"}
        listed = az.json("resource", "list", "-g", rg, "--resource-type", "Microsoft.Network/vpnSites")
        assert [s["name"] for s in listed] == ["site1"]
        err = az.fails("resource", "delete", "--ids", site["id"], "--api-version", API)   # in use: refused
        assert "failed to be deleted" in err.stderr
        assert az.json("resource", "show", "--ids", site["id"], "--api-version", API)["name"] == "site1"
        az.run("resource", "delete", "--ids", gw["id"], "--api-version", API)
        az.run("resource", "delete", "--ids", site["id"], "--api-version", API)
        assert az.json("resource", "list", "-g", rg, "--resource-type", "Microsoft.Network/vpnSites") == []
    finally:
        az.run("group", "delete", "-n", rg, "--yes", "--no-wait", check=False)
