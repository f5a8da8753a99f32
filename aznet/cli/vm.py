"""``aznet vm show | expose | serve | run``: where a VM runs on this machine (talks to the running server).

    aznet vm show   -g RG -n VM                       JSON: per NIC ip configuration privateIPAddress and
                                                      localAddress, the VM's workloads and port mappings
    aznet vm expose -g RG -n VM --port 80 --to 127.0.0.1:8080   map a VM port to a local endpoint
                                                      (kept as the VM's state; --remove drops it)
    aznet vm serve  -g RG -n VM --http 80 --tcp-echo 7 --udp-echo 9   the built-in demo workload
    aznet vm run    -g RG -n VM -- CMD ARGS...        run CMD with AZNET_VM_IP (the primary address),
                                                      AZNET_VM_NAME and AZNET_NIC_<NIC NAME>_IP per NIC
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any

from .admin import resource_request


def _request(args: argparse.Namespace, method: str, suffix: str = "", body: dict[str, Any] | None = None) -> Any:
    return resource_request(args, "vms", "vm", method, suffix, body)


def cmd_show(args: argparse.Namespace) -> int:
    print(json.dumps(_request(args, "GET"), indent=2))
    return 0


def cmd_expose(args: argparse.Namespace) -> int:
    if not args.remove and not args.to:
        raise SystemExit("aznet vm expose: give --to HOST:PORT (or --remove)")
    view = _request(args, "POST", "/expose", {"port": args.port, "to": None if args.remove else args.to})
    print(json.dumps(view["portMappings"], indent=2))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    body = {"http": args.http or [], "tcpEcho": args.tcp_echo or [], "udpEcho": args.udp_echo or [],
            "replace": args.replace}
    view = _request(args, "POST", "/serve", body)
    print(json.dumps(view["workloads"], indent=2))
    return 0


def vm_environment(view: dict[str, Any]) -> dict[str, str]:
    env = {"AZNET_VM_NAME": view["name"]}
    if view.get("localAddress"):
        env["AZNET_VM_IP"] = view["localAddress"]
    for nic in view.get("networkInterfaces") or []:
        cfgs = nic.get("ipConfigurations") or []
        if not cfgs:
            continue
        name = re.sub(r"[^A-Za-z0-9]", "_", nic["id"].rsplit("/", 1)[-1]).upper()
        env[f"AZNET_NIC_{name}_IP"] = cfgs[0]["localAddress"]
        if cfgs[0].get("privateIPAddress"):
            env[f"AZNET_NIC_{name}_PRIVATE_IP"] = cfgs[0]["privateIPAddress"]
    return env


def cmd_run(args: argparse.Namespace) -> int:
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise SystemExit("aznet vm run: give a command after --")
    view = _request(args, "GET")
    env = {**os.environ, **vm_environment(view)}
    try:
        os.execvpe(command[0], command, env)
    except OSError as exc:
        print(f"aznet vm run: {command[0]}: {exc}", file=sys.stderr)
        return 127
    return 0  # not reached


def add_parser(sub: Any) -> None:
    vm = sub.add_parser("vm", help="where a VM runs: addresses, workloads, port mappings")
    vsub = vm.add_subparsers(dest="vm_cmd", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("-g", "--resource-group", required=True)
        p.add_argument("-n", "--name", required=True)
        p.add_argument("--subscription", help="subscription id (default: aznet's default subscription)")
        p.add_argument("--data-dir", help="state directory (default ~/.aznet or $AZNET_DATA_DIR)")

    show = vsub.add_parser("show", help="JSON: addresses, workloads and port mappings of a VM")
    common(show)
    show.set_defaults(fn=cmd_show)

    ex = vsub.add_parser("expose", help="map a VM port to a local endpoint")
    common(ex)
    ex.add_argument("--port", type=int, required=True)
    ex.add_argument("--to", help="HOST:PORT of a local (loopback) endpoint")
    ex.add_argument("--remove", action="store_true", help="drop the mapping of --port")
    ex.set_defaults(fn=cmd_expose)

    sv = vsub.add_parser("serve", help="run the built-in demo workload on the VM's address")
    common(sv)
    sv.add_argument("--http", type=int, action="append", metavar="PORT")
    sv.add_argument("--tcp-echo", type=int, action="append", metavar="PORT")
    sv.add_argument("--udp-echo", type=int, action="append", metavar="PORT")
    sv.add_argument("--replace", action="store_true", help="replace the workloads instead of adding")
    sv.set_defaults(fn=cmd_serve)

    run = vsub.add_parser("run", help="run a command with the VM's addresses in its environment")
    common(run)
    run.add_argument("command", nargs=argparse.REMAINDER)
    run.set_defaults(fn=cmd_run)
