"""Builds ARM resource dicts (Azure's GET shape) for verifier tests."""

from __future__ import annotations

from typing import Any

SUB = "00000000-0000-0000-0000-000000000001"


class Net:
    def __init__(self, rg: str = "rg1", sub: str = SUB) -> None:
        self.rg = rg
        self.base = f"/subscriptions/{sub}/resourceGroups/{rg}/providers"
        self.resources: list[dict[str, Any]] = []

    def rid(self, rtype: str, *names: str) -> str:
        ns, _, t = rtype.partition("/")
        segs = t.split("/")
        path = "/".join(f"{s}/{n}" for s, n in zip(segs, names, strict=True))
        return f"{self.base}/{ns}/{path}"

    def add(self, rtype: str, name: str, props: dict[str, Any], location: str = "westeurope") -> dict[str, Any]:
        r = {"id": self.rid(rtype, name), "name": name, "type": rtype, "location": location, "properties": props}
        self.resources.append(r)
        return r

    def vnet(self, name: str, prefixes: list[str], subnets: dict[str, dict[str, Any]] | None = None,
             location: str = "westeurope", peerings: list[dict[str, Any]] | None = None) -> str:
        subs = []
        for sname, s in (subnets or {}).items():
            p: dict[str, Any] = {"addressPrefix": s["prefix"]}
            if s.get("nsg"):
                p["networkSecurityGroup"] = {"id": self.rid("Microsoft.Network/networkSecurityGroups", s["nsg"])}
            if s.get("rt"):
                p["routeTable"] = {"id": self.rid("Microsoft.Network/routeTables", s["rt"])}
            if s.get("endpoints"):
                p["serviceEndpoints"] = s["endpoints"]
            subs.append({"name": sname, "id": self.subnet(name, sname), "properties": p})
        props: dict[str, Any] = {"addressSpace": {"addressPrefixes": prefixes}, "subnets": subs}
        if peerings:
            props["virtualNetworkPeerings"] = peerings
        return self.add("Microsoft.Network/virtualNetworks", name, props, location)["id"]

    def subnet(self, vnet: str, name: str) -> str:
        return self.rid("Microsoft.Network/virtualNetworks/subnets", vnet, name)

    def peering(self, name: str, remote_vnet: str, **kw: Any) -> dict[str, Any]:
        p = {"remoteVirtualNetwork": {"id": self.rid("Microsoft.Network/virtualNetworks", remote_vnet)},
             "allowVirtualNetworkAccess": True, "allowForwardedTraffic": kw.get("forwarded", False),
             "useRemoteGateways": kw.get("use_remote_gateways", False),
             "allowGatewayTransit": kw.get("gateway_transit", False)}
        if "state" in kw:
            p["peeringState"] = kw["state"]
        return {"name": name, "properties": p}

    def nsg(self, name: str, rules: list[tuple[Any, ...]] = ()) -> str:  # type: ignore[assignment]
        out = []
        for (rname, prio, direction, access, proto, src, sport, dst, dport) in rules:
            p: dict[str, Any] = {"priority": prio, "direction": direction, "access": access, "protocol": proto}
            for key, val in (("sourceAddressPrefix", src), ("destinationAddressPrefix", dst),
                             ("sourcePortRange", sport), ("destinationPortRange", dport)):
                if isinstance(val, list):
                    p[key + "es" if key.endswith("Prefix") else key + "s"] = val
                else:
                    p[key] = val
            out.append({"name": rname, "properties": p})
        return self.add("Microsoft.Network/networkSecurityGroups", name, {"securityRules": out})["id"]

    def route_table(self, name: str, routes: list[tuple[str, str, str, str | None]], disable_bgp: bool = False) -> str:
        rs = [{"name": n, "properties": {"addressPrefix": pfx, "nextHopType": t,
                                         **({"nextHopIpAddress": ip} if ip else {})}} for n, pfx, t, ip in routes]
        return self.add("Microsoft.Network/routeTables", name,
                        {"routes": rs, "disableBgpRoutePropagation": disable_bgp})["id"]

    def nic(self, name: str, vnet: str, subnet: str, ip: str, nsg: str | None = None, forwarding: bool = False,
            asgs: list[str] = (), vm: str | None = None, extra_ips: list[str] = ()) -> str:  # type: ignore[assignment]
        cfgs = []
        for i, addr in enumerate([ip, *extra_ips]):
            cp: dict[str, Any] = {"privateIPAddress": addr, "privateIPAllocationMethod": "Static",
                                  "subnet": {"id": self.subnet(vnet, subnet)}, "primary": i == 0}
            if asgs:
                cp["applicationSecurityGroups"] = [
                    {"id": self.rid("Microsoft.Network/applicationSecurityGroups", a)} for a in asgs]
            cfgs.append({"name": f"ipconfig{i + 1}", "id": self.rid(
                "Microsoft.Network/networkInterfaces/ipConfigurations", name, f"ipconfig{i + 1}"), "properties": cp})
        props: dict[str, Any] = {"ipConfigurations": cfgs, "enableIPForwarding": forwarding}
        if nsg:
            props["networkSecurityGroup"] = {"id": self.rid("Microsoft.Network/networkSecurityGroups", nsg)}
        if vm:
            props["virtualMachine"] = {"id": self.vm_id(vm)}
        return self.add("Microsoft.Network/networkInterfaces", name, props)["id"]

    def vm_id(self, name: str) -> str:
        return self.rid("Microsoft.Compute/virtualMachines", name)

    def vm(self, name: str, nics: list[str]) -> str:
        refs = [{"id": self.rid("Microsoft.Network/networkInterfaces", n), "properties": {"primary": i == 0}}
                for i, n in enumerate(nics)]
        return self.add("Microsoft.Compute/virtualMachines", name, {"networkProfile": {"networkInterfaces": refs}})["id"]

    def asg(self, name: str) -> str:
        return self.add("Microsoft.Network/applicationSecurityGroups", name, {})["id"]
