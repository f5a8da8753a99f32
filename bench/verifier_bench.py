"""Verifier benchmark: a synthetic network of 10,000 NICs (one VM each), 1,000
subnets in 10 VNets (a hub peered with 9 spokes), 1,000 NSGs x 100 rules (one
per subnet, 10% of NICs also carry one), 10 ASGs and 500 route tables (20 of
them send 0.0.0.0/0 to an NVA in the hub).

Prints: model build, routes for all subnets, median/p99 ipFlowVerify and
nextHop, one NSG rule change (apply + the next answer), and the 1,000-subnet
reachability matrix for TCP 443. Targets: build <= 5 s, query <= 1 ms median,
change <= 50 ms, matrix <= 10 s.

    .venv/bin/python bench/verifier_bench.py [--seed N]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aznet.netmodel import Change, NetworkModel  # noqa: E402
from aznet.verifier import ip_flow_verify, next_hop, reachability_matrix  # noqa: E402

SUB = "/subscriptions/00000000-0000-0000-0000-0000000000b0/resourceGroups/bench/providers"
N_VNETS, SUBNETS_PER_VNET, NICS_PER_SUBNET = 10, 100, 10
N_NSGS, RULES, N_RTS, N_ASGS = 1000, 100, 500, 10


def rid(kind: str, name: str) -> str:
    return f"{SUB}/{kind}/{name}"


def rule(rng: random.Random, i: int) -> dict[str, Any]:
    def addr() -> dict[str, Any]:
        c = rng.random()
        if c < 0.15:
            return {"prefix": "*"}
        if c < 0.25:
            return {"prefix": rng.choice(["VirtualNetwork", "Internet", "AzureLoadBalancer", "Storage", "Sql"])}
        if c < 0.32:
            return {"asg": rid("Microsoft.Network/applicationSecurityGroups", f"asg{rng.randrange(N_ASGS)}")}
        if c < 0.45:
            return {"prefixes": [f"10.{rng.randrange(10)}.{rng.randrange(100)}.0/24" for _ in range(3)]}
        plen = rng.choice([16, 20, 24, 28, 32])
        base = (10 << 24) | (rng.randrange(10) << 16) | (rng.randrange(100) << 8) | rng.randrange(256)
        base &= ~((1 << (32 - plen)) - 1)
        return {"prefix": f"{base >> 24}.{(base >> 16) & 255}.{(base >> 8) & 255}.{base & 255}/{plen}"}

    def port() -> dict[str, Any]:
        c = rng.random()
        if c < 0.3:
            return {"one": "*"}
        if c < 0.7:
            return {"one": str(rng.choice([22, 80, 443, 1433, 3389, 5432, 8080, rng.randrange(1, 65535)]))}
        if c < 0.85:
            lo = rng.randrange(1024, 60000)
            return {"one": f"{lo}-{lo + rng.randrange(1, 2000)}"}
        return {"many": [str(p) for p in rng.sample([21, 22, 25, 53, 80, 443, 8443, 9000], 3)]}

    p: dict[str, Any] = {"priority": 100 + i * 10, "direction": rng.choice(["Inbound", "Outbound"]),
                         "access": rng.choice(["Allow", "Deny"]), "protocol": rng.choice(["Tcp", "Udp", "*"])}
    for side in ("source", "destination"):
        a = addr()
        if "asg" in a:
            p[f"{side}ApplicationSecurityGroups"] = [{"id": a["asg"]}]
        elif "prefixes" in a:
            p[f"{side}AddressPrefixes"] = a["prefixes"]
        else:
            p[f"{side}AddressPrefix"] = a["prefix"]
        pt = port() if side == "destination" or rng.random() < 0.1 else {"one": "*"}
        if "many" in pt:
            p[f"{side}PortRanges"] = pt["many"]
        else:
            p[f"{side}PortRange"] = pt["one"]
    return {"name": f"rule{i}", "properties": p}


def network(seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    res: list[dict[str, Any]] = []
    for a in range(N_ASGS):
        res.append({"id": rid("Microsoft.Network/applicationSecurityGroups", f"asg{a}"),
                    "type": "Microsoft.Network/applicationSecurityGroups", "properties": {}})
    for n in range(N_NSGS):
        res.append({"id": rid("Microsoft.Network/networkSecurityGroups", f"nsg{n}"), "name": f"nsg{n}",
                    "type": "Microsoft.Network/networkSecurityGroups",
                    "properties": {"securityRules": [rule(rng, i) for i in range(RULES)]}})
    nva_ip = "10.0.99.4"
    for t in range(N_RTS):
        routes = [{"name": f"onprem{j}", "properties": {"addressPrefix": f"192.168.{(t + j) % 256}.0/24",
                                                        "nextHopType": rng.choice(["VirtualNetworkGateway", "None"])}}
                  for j in range(19)]
        if t < 20:
            routes.append({"name": "default", "properties": {"addressPrefix": "0.0.0.0/0",
                                                             "nextHopType": "VirtualAppliance",
                                                             "nextHopIpAddress": nva_ip}})
        else:
            routes.append({"name": "blackhole", "properties": {"addressPrefix": f"172.16.{t % 256}.0/24",
                                                               "nextHopType": "None"}})
        res.append({"id": rid("Microsoft.Network/routeTables", f"rt{t}"), "type": "Microsoft.Network/routeTables",
                    "properties": {"routes": routes}})
    nic_count = 0
    for v in range(N_VNETS):
        vid = rid("Microsoft.Network/virtualNetworks", f"vnet{v}")
        subnets = []
        for s in range(SUBNETS_PER_VNET):
            idx = v * SUBNETS_PER_VNET + s
            props: dict[str, Any] = {"addressPrefix": f"10.{v}.{s}.0/24",
                                     "networkSecurityGroup": {"id": rid("Microsoft.Network/networkSecurityGroups",
                                                                        f"nsg{idx}")}}
            if idx % 2 == 1:
                props["routeTable"] = {"id": rid("Microsoft.Network/routeTables", f"rt{idx // 2}")}
            subnets.append({"name": f"s{s}", "id": f"{vid}/subnets/s{s}", "properties": props})
            for k in range(NICS_PER_SUBNET):
                nic_id = rid("Microsoft.Network/networkInterfaces", f"nic{nic_count}")
                cfg = {"privateIPAddress": f"10.{v}.{s}.{4 + k}", "subnet": {"id": f"{vid}/subnets/s{s}"}}
                if rng.random() < 0.2:
                    cfg["applicationSecurityGroups"] = [
                        {"id": rid("Microsoft.Network/applicationSecurityGroups", f"asg{rng.randrange(N_ASGS)}")}]
                nprops: dict[str, Any] = {"ipConfigurations": [{"name": "ipconfig1", "properties": cfg}],
                                          "enableIPForwarding": (v, s, k) == (0, 99, 0)}
                if nic_count % 10 == 3:
                    nprops["networkSecurityGroup"] = {"id": rid("Microsoft.Network/networkSecurityGroups",
                                                                f"nsg{(nic_count * 7) % N_NSGS}")}
                res.append({"id": nic_id, "type": "Microsoft.Network/networkInterfaces", "properties": nprops})
                res.append({"id": rid("Microsoft.Compute/virtualMachines", f"vm{nic_count}"),
                            "type": "Microsoft.Compute/virtualMachines",
                            "properties": {"networkProfile": {"networkInterfaces": [{"id": nic_id}]}}})
                nic_count += 1
        peerings = []
        if v == 0:
            peerings = [{"name": f"to{w}", "properties": {"remoteVirtualNetwork": {
                "id": rid("Microsoft.Network/virtualNetworks", f"vnet{w}")}, "peeringState": "Connected",
                "allowVirtualNetworkAccess": True, "allowForwardedTraffic": True}} for w in range(1, N_VNETS)]
        else:
            peerings = [{"name": "tohub", "properties": {"remoteVirtualNetwork": {
                "id": rid("Microsoft.Network/virtualNetworks", "vnet0")}, "peeringState": "Connected",
                "allowVirtualNetworkAccess": True, "allowForwardedTraffic": True}}]
        res.append({"id": vid, "type": "Microsoft.Network/virtualNetworks", "location": "westeurope",
                    "properties": {"addressSpace": {"addressPrefixes": [f"10.{v}.0.0/16"]}, "subnets": subnets,
                                   "virtualNetworkPeerings": peerings}})
    return res


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--queries", type=int, default=2000)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    resources = network(args.seed)
    gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = NetworkModel.build(resources)
    build = time.perf_counter() - t0
    # As a long-running server does after loading: move the model's long-lived objects out of the
    # cyclic collector's generations, so later collections do not rescan ~2M objects.
    gc.freeze()
    t0 = time.perf_counter()
    for k in model.subnets:
        model.subnet_routes(k)
    routes = time.perf_counter() - t0
    n_rules = sum(len(a.inbound) + len(a.outbound) for a in model.acls.values())
    print(f"network: {len(model.nics)} NICs, {len(model.subnets)} subnets, {len(model.acls)} NSGs "
          f"({n_rules} rules incl. defaults), {len(model.route_tables)} route tables  [generated in {gen:.2f} s]")
    print(f"model build:                       {build:8.3f} s   (target <= 5 s; then gc.freeze())")
    print(f"effective routes, all subnets:     {routes:8.3f} s   (computed lazily on first question)")

    nics = list(model.nics.values())
    flows, hops = [], []
    for _ in range(args.queries):
        nic = rng.choice(nics)
        cfg = nic.ipconfigs[0]
        vm = model.vms[model.vm_of_nic(nic.key) or ""]
        other = rng.choice(nics).ipconfigs[0].ip_text if rng.random() < 0.7 else \
            f"{rng.randrange(1, 223)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        body = {"targetResourceId": vm.id, "direction": rng.choice(["Inbound", "Outbound"]),
                "protocol": rng.choice(["TCP", "UDP"]), "localPort": str(rng.choice([22, 80, 443, 50000])),
                "remotePort": str(rng.randrange(1024, 65535)), "localIPAddress": cfg.ip_text,
                "remoteIPAddress": other}
        t0 = time.perf_counter()
        ip_flow_verify(model, body)
        flows.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        next_hop(model, {"targetResourceId": vm.id, "sourceIPAddress": cfg.ip_text, "destinationIPAddress": other})
        hops.append(time.perf_counter() - t0)
    for name, xs in (("ipFlowVerify", flows), ("nextHop", hops)):
        print(f"{name + ':':<34} median {statistics.median(xs) * 1e3:6.3f} ms   p99 {pct(xs, 0.99) * 1e3:6.3f} ms"
              "   (target <= 1 ms median)")

    nic = nics[0]
    vm = model.vms[model.vm_of_nic(nic.key) or ""]
    sub = model.subnets[nic.subnet_key or ""]
    nsg = model.acls[sub.nsg_key or ""]
    body = {"targetResourceId": vm.id, "direction": "Inbound", "protocol": "TCP", "localPort": "7777",
            "remotePort": "50000", "localIPAddress": nic.ipconfigs[0].ip_text, "remoteIPAddress": "10.3.3.3"}
    before = ip_flow_verify(model, body)
    changes = [Change("put", f"{nsg.id}/securityRules/benchDeny", "Microsoft.Network/networkSecurityGroups/securityRules",
                      {"properties": {"priority": 101, "direction": "Inbound", "access": "Deny", "protocol": "*",
                                      "sourceAddressPrefix": "*", "destinationAddressPrefix": "*",
                                      "sourcePortRange": "*", "destinationPortRange": "7777"}})]
    t0 = time.perf_counter()
    model.apply(changes)
    after = ip_flow_verify(model, body)
    change = time.perf_counter() - t0
    assert after == {"access": "Deny", "ruleName": "securityRules/benchDeny"}, after
    print(f"one NSG rule change -> answer:     {change * 1e3:8.2f} ms  (target <= 50 ms; {before['access']} -> "
          f"{after['access']})")

    t0 = time.perf_counter()
    m = reachability_matrix(model, 443, "Tcp", scope="subnets")
    mx = time.perf_counter() - t0
    pairs = len(m.endpoints) ** 2
    ok = sum(c.reachable for row in m.cells for c in row)
    by: dict[str, int] = {}
    for row in m.cells:
        for c in row:
            by[c.disposition] = by.get(c.disposition, 0) + 1
    print(f"reachability matrix, TCP 443:      {mx:8.3f} s   (target <= 10 s; {len(m.endpoints)} subnets, "
          f"{pairs} pairs, {ok} reachable)")
    print("  dispositions: " + ", ".join(f"{k} {v}" for k, v in sorted(by.items())))


if __name__ == "__main__":
    main()
