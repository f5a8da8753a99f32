"""``aznet verify``: Network Watcher questions on the command line, offline on
a file or against a running emulator, with a readable hop-by-hop trace.

    aznet verify --file net.json trace --from vm1 --to 10.0.1.4 --port 22
    aznet verify --file net.json flow --vm vm1 --direction Inbound --local 10.0.0.4:22 --remote 1.2.3.4:5000
    aznet verify --file net.json next-hop --vm vm1 --source 10.0.0.4 --dest 8.8.8.8
    aznet verify --file net.json matrix --port 443 [--scope nics] [--format table|json|csv]
    aznet verify --file net.json routes --nic vm1-nic      (effectiveRouteTable JSON)
    aznet verify --file net.json nsg --nic vm1-nic         (effectiveNetworkSecurityGroups JSON)
    aznet verify --file net.json lb --frontend 127.64.0.1 --port 80 [--source IP]   (through a load balancer)
    aznet verify --file net.json appgw --frontend 127.64.0.2 --port 80 [--host H] [--path P]   (a gateway)
    aznet verify --file net.json snat --from vm1           (outbound SNAT source, Azure's precedence)
    aznet verify --endpoint https://127.0.0.1:8443 [--subscription S] [--ca-file F] trace ...
    aznet verify trace ...         (neither --file nor --endpoint: $AZNET_ENDPOINT, as `aznet env` exports it)

VMs and NICs are named as `az` names them: a name (with -g/--resource-group where two groups hold the same
name) or a full resource id; `--nic` picks one NIC of a VM wherever `az network watcher` accepts it.

Exit status: 0 allowed / reachable / answered, 1 denied / unreachable, 2 a bad question or input."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from ..netmodel import NetworkModel, key_of
from ..netmodel.addr import try_ip
from . import sources
from .errors import VerifierError
from .matrix import reachability_matrix, render
from .nsg_views import effective_network_security_groups
from .routes import effective_route_table, next_hop
from .security import Packet, ip_flow_verify
from .trace import Trace, trace


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="aznet verify", description="Ask Network Watcher questions of a network.")
    src = p.add_mutually_exclusive_group(required=False)
    src.add_argument("--file", help="ARM template, az group export output, or az resource list / Resource Graph JSON")
    src.add_argument("--endpoint", help="a running aznet, e.g. https://127.0.0.1:8443 (default $AZNET_ENDPOINT)")
    p.add_argument("--parameters", help="template parameters file (with --file)")
    p.add_argument("--resource-group", default=None,
                   help="resource group of template resources (default 'local'); with --endpoint, where names are "
                        "looked up")
    p.add_argument("--subscription", help="subscription id (with --endpoint: default all)")
    p.add_argument("--tenant", default="common")
    p.add_argument("--ca-file", help="CA bundle for --endpoint")
    p.add_argument("--insecure", action="store_true", help="do not verify the endpoint's certificate")
    sub = p.add_subparsers(dest="cmd", required=True)

    t = sub.add_parser("trace", help="hop-by-hop path of one packet")
    t.add_argument("--from", dest="src", required=True, help="VM or NIC (name or id)")
    t.add_argument("--nic", help="with a VM in --from: which of its NICs (name or id)")
    t.add_argument("--to", dest="dst", required=True, help="IP address, VM or NIC")
    t.add_argument("--port", type=int, default=None)
    t.add_argument("--source-port", type=int, default=49152)
    t.add_argument("--protocol", default="Tcp", choices=["Tcp", "Udp", "Icmp", "tcp", "udp", "icmp"])
    t.add_argument("--json", action="store_true")

    f = sub.add_parser("flow", help="ipFlowVerify")
    f.add_argument("--vm", required=True, help="VM name or id")
    f.add_argument("--nic", help="NIC name or id (default: the VM's primary NIC)")
    f.add_argument("--direction", required=True, choices=["Inbound", "Outbound", "inbound", "outbound"])
    f.add_argument("--protocol", default="TCP")
    f.add_argument("--local", required=True, help="IP:port")
    f.add_argument("--remote", required=True, help="IP:port")

    n = sub.add_parser("next-hop", help="nextHop")
    n.add_argument("--vm", required=True, help="VM name or id")
    n.add_argument("--nic", help="NIC name or id (default: the VM's primary NIC)")
    n.add_argument("--source", "--source-ip", dest="source", required=True)
    n.add_argument("--dest", "--dest-ip", dest="dest", required=True)

    m = sub.add_parser("matrix", help="reachability matrix for one port")
    m.add_argument("--port", type=int, required=True)
    m.add_argument("--protocol", default="Tcp")
    m.add_argument("--scope", default="subnets", choices=["subnets", "nics"])
    m.add_argument("--format", default="table", choices=["table", "json", "csv"])

    lbq = sub.add_parser("lb", help="a flow to a load balancer frontend: rule, pool, each backend's NSGs")
    lbq.add_argument("--frontend", required=True, help="frontend IP address (public or private)")
    lbq.add_argument("--port", type=int, required=True)
    lbq.add_argument("--protocol", default="Tcp", choices=["Tcp", "Udp", "tcp", "udp"])
    lbq.add_argument("--source", default="203.0.113.10", help="client address (default an Internet address)")
    lbq.add_argument("--json", action="store_true")

    ag = sub.add_parser("appgw", help="a request to an application gateway frontend: listener, rule, pool, NSGs")
    ag.add_argument("--frontend", required=True, help="frontend IP address (public or private)")
    ag.add_argument("--port", type=int, required=True)
    ag.add_argument("--host", default="", help="Host header (default the frontend address)")
    ag.add_argument("--path", default="/")
    ag.add_argument("--source", default="203.0.113.10", help="client address (default an Internet address)")
    ag.add_argument("--json", action="store_true")

    sn = sub.add_parser("snat", help="the outbound SNAT source of a VM or NIC, in Azure's precedence")
    sn.add_argument("--from", dest="src", required=True, help="VM or NIC (name or id)")

    for name, text in (("routes", "effective route table of a NIC"), ("nsg", "effective NSGs of a NIC")):
        q = sub.add_parser(name, help=text)
        q.add_argument("--nic", "-n", "--name", dest="nic", required=True, help="NIC name or id")
    for sp in (t, f, n, m, *[sub.choices[c] for c in ("routes", "nsg")]):
        sp.add_argument("-g", "--resource-group", dest="group", help="resource group where names are looked up")
    return p


def _load(args: argparse.Namespace) -> NetworkModel:
    if args.file:
        params: dict[str, Any] = {}
        if args.parameters:
            try:
                doc = json.loads(open(args.parameters).read())
            except (OSError, ValueError) as exc:
                raise sources.SourceError(f"cannot read {args.parameters}: {exc}") from None
            params = doc.get("parameters", doc) if isinstance(doc, dict) else {}
        resources = sources.load_file(args.file, args.resource_group or "local",
                                      args.subscription or sources.DEFAULT_SUB, params)
    else:
        endpoint = args.endpoint or os.environ.get("AZNET_ENDPOINT")
        if not endpoint:
            raise sources.SourceError("say where the network is: --file FILE, --endpoint URL, or AZNET_ENDPOINT "
                                      "(eval \"$(aznet env)\" sets it for a running aznet)")
        resources = sources.fetch_resources(endpoint, args.subscription, args.tenant, args.ca_file, args.insecure)
    return NetworkModel.build(resources)


def _group_of(rid: str) -> str:
    parts = rid.lower().split("/")
    return parts[parts.index("resourcegroups") + 1] if "resourcegroups" in parts else ""


def _find(model: NetworkModel, ref: str, kinds: tuple[str, ...] = ("vm", "nic"), group: str | None = None) -> str:
    """A VM or NIC id from a name (in ``group`` when given) or an id."""
    if ref.startswith("/"):
        known = key_of(ref)
        if ("vm" in kinds and known in model.vms) or ("nic" in kinds and known in model.nics):
            return ref
        raise VerifierError("InvalidResourceReference", f"'{ref}' is not a {' or '.join(kinds)} of this network.",
                            400)
    hits = []
    if "vm" in kinds:
        hits += [v.id for v in model.vms.values() if v.name.lower() == ref.lower()]
    if "nic" in kinds:
        hits += [n.id for n in model.nics.values() if n.name.lower() == ref.lower()]
    if group:
        hits = [h for h in hits if _group_of(h) == group.lower()]
    if not hits:
        where = f" in resource group '{group}'" if group else ""
        raise VerifierError("InvalidResourceReference", f"no {' or '.join(kinds)} named '{ref}'{where}.", 400)
    if len(hits) > 1:
        raise VerifierError("InvalidResourceReference",
                            f"'{ref}' matches {len(hits)} resources ({', '.join(hits)}); name the resource group "
                            "with -g or give a full id.", 400)
    return hits[0]


def _split(addr: str) -> tuple[str, str]:
    host, _, port = addr.rpartition(":")
    return (host, port) if host and "." in host else (addr, "*")


def format_trace(t: Trace, title: str) -> str:
    lines = [title]
    for i, h in enumerate(t.hops, 1):
        lines.append(f"  [{i}] {h.kind:<16} {h.name} {h.address or ''}".rstrip())
        for s in h.steps:
            lines.append(f"        {s.action:<8} {s.detail}")
    lines.append(f"  => {t.disposition}: {t.reason}")
    return "\n".join(lines)


def _trace(model: NetworkModel, args: argparse.Namespace) -> int:
    src_id = _find(model, args.src, group=args.group)
    key = key_of(src_id)
    nics = model.nics_of_vm(key) if key in model.vms else [model.nics[key]] if key in model.nics else []
    if args.nic:
        nic_key = key_of(_find(model, args.nic, ("nic",), args.group))
        if nic_key not in {n.id.lower() for n in nics}:
            raise VerifierError("InvalidResourceReference", f"NIC '{args.nic}' is not attached to '{args.src}'.", 400)
        nics = [model.nics[nic_key]]
    cfg = nics[0].primary_ipconfig if nics else None
    if cfg is None or cfg.ip is None:
        raise VerifierError("InvalidResourceReference", f"'{args.src}' has no private IP address.", 400)
    dst = try_ip(args.dst)
    if dst is None:
        dkey = key_of(_find(model, args.dst, group=args.group))
        dn = model.nics_of_vm(dkey) if dkey in model.vms else [model.nics[dkey]]
        dcfg = dn[0].primary_ipconfig if dn else None
        if dcfg is None or dcfg.ip is None:
            raise VerifierError("InvalidResourceReference", f"'{args.dst}' has no private IP address.", 400)
        dst = dcfg.ip
    proto = args.protocol.capitalize()
    t = trace(model, cfg, Packet(proto, cfg.ip, args.source_port, dst, args.port))
    from ..netmodel.addr import format_ip

    port = f"/{args.port}" if args.port is not None else ""
    if args.json:
        print(json.dumps(t.to_dict(), indent=2))
    else:
        print(format_trace(t, f"trace {args.src} ({cfg.ip_text}) -> {format_ip(dst)} {proto.upper()}{port}"))
    return 0 if t.reachable else 1


def run(args: argparse.Namespace) -> int:
    model = _load(args)
    if args.cmd == "trace":
        return _trace(model, args)
    if args.cmd == "flow":
        (lip, lport), (rip, rport) = _split(args.local), _split(args.remote)
        body = {"targetResourceId": _find(model, args.vm, ("vm",), args.group),
                "direction": args.direction.capitalize(),
                "protocol": args.protocol.upper(), "localIPAddress": lip, "localPort": lport,
                "remoteIPAddress": rip, "remotePort": rport}
        if args.nic:
            body["targetNicResourceId"] = _find(model, args.nic, ("nic",), args.group)
        res = ip_flow_verify(model, body)
        print(f"{res['access']}" + (f" by {res['ruleName']}" if res.get("ruleName") else " (no NSG applies)"))
        return 0 if res["access"] == "Allow" else 1
    if args.cmd == "next-hop":
        body = {"targetResourceId": _find(model, args.vm, ("vm",), args.group), "sourceIPAddress": args.source,
                "destinationIPAddress": args.dest}
        if args.nic:
            body["targetNicResourceId"] = _find(model, args.nic, ("nic",), args.group)
        print(json.dumps(next_hop(model, body), indent=2))
        return 0
    if args.cmd == "matrix":
        m = reachability_matrix(model, args.port, args.protocol, args.scope)
        print(render(m, args.format))
        return 0
    if args.cmd == "lb":
        from .lb_paths import describe, trace_frontend

        ans = trace_frontend(model, args.frontend, args.port, args.protocol, args.source)
        print(json.dumps(ans, indent=2) if args.json else describe(ans))
        return 0 if ans["disposition"] == "ACCEPTED" else 1
    if args.cmd == "appgw":
        from .appgw_paths import describe as describe_ag
        from .appgw_paths import trace_gateway

        ans = trace_gateway(model, args.frontend, args.port, args.host, args.path, args.source)
        print(json.dumps(ans, indent=2) if args.json else describe_ag(ans))
        return 0 if ans["disposition"] in ("ACCEPTED", "REDIRECTED") else 1
    if args.cmd == "snat":
        from .lb_paths import snat_source

        key = key_of(_find(model, args.src))
        nics = model.nics_of_vm(key) if key in model.vms else [model.nics[key]] if key in model.nics else []
        cfg = nics[0].primary_ipconfig if nics else None
        if cfg is None:
            raise VerifierError("InvalidResourceReference", f"'{args.src}' has no ip configuration.", 400)
        print(json.dumps(snat_source(model, cfg), indent=2))
        return 0
    if args.cmd == "routes":
        print(json.dumps(effective_route_table(model, _find(model, args.nic, ("nic",), args.group)), indent=2))
        return 0
    print(json.dumps(effective_network_security_groups(model, _find(model, args.nic, ("nic",), args.group)),
                     indent=2))
    return 0


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return run(args)
    except VerifierError as exc:
        print(f"error: {exc.code}: {exc.message}", file=sys.stderr)
        return 2
    except sources.SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        raise                       # the reader went away (`| head`): aznet's main ends quietly
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
