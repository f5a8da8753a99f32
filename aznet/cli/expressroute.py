"""``aznet expressroute provision | advertise | validate-prefixes``: play the other side of an ExpressRoute
circuit (the connectivity provider and the customer's edge router) against the running server.

    aznet expressroute provision -g RG -n CIRCUIT [--state Provisioned]
        the provider moves serviceProviderProvisioningState (NotProvisioned -> Provisioning -> Provisioned,
        Provisioned -> Deprovisioning -> NotProvisioned)
    aznet expressroute advertise -g RG -n CIRCUIT [--peering AzurePrivatePeering] --route 10.200.0.0/16[:65020 65021] ...
        the customer edge comes up on the peering and announces these prefixes (AS path optional;
        the peer ASN is put first); --down takes the edge down (its routes are withdrawn)
    aznet expressroute validate-prefixes -g RG -n CIRCUIT
        the routing registry check of Microsoft peering's advertised public prefixes passes
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from .admin import resource_request


def _request(args: argparse.Namespace, suffix: str, body: dict[str, Any]) -> Any:
    return resource_request(args, "expressroute", "expressroute", "POST", suffix, body)


def parse_route(text: str) -> dict[str, Any]:
    network, _, path = text.partition(":")
    return {"network": network.strip(), "path": path.strip()}


def cmd_provision(args: argparse.Namespace) -> int:
    print(json.dumps(_request(args, "/provider", {"serviceProviderProvisioningState": args.state}), indent=2))
    return 0


def cmd_advertise(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"up": not args.down}
    if args.route is not None:
        body["routes"] = [parse_route(r) for r in args.route]
    print(json.dumps(_request(args, f"/peerings/{args.peering}/edge", body), indent=2))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    print(json.dumps(_request(args, f"/peerings/{args.peering}/validate", {}), indent=2))
    return 0


def add_parser(sub: Any) -> None:
    er = sub.add_parser("expressroute", help="play an ExpressRoute circuit's provider and customer edge")
    esub = er.add_subparsers(dest="er_cmd", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("-g", "--resource-group", required=True)
        p.add_argument("-n", "--name", required=True, help="the circuit")
        p.add_argument("--subscription", help="subscription id (default: aznet's default subscription)")
        p.add_argument("--data-dir", help="state directory (default ~/.aznet or $AZNET_DATA_DIR)")

    pv = esub.add_parser("provision", help="the provider moves serviceProviderProvisioningState")
    common(pv)
    pv.add_argument("--state", default="Provisioned",
                    choices=["NotProvisioned", "Provisioning", "Provisioned", "Deprovisioning"])
    pv.set_defaults(fn=cmd_provision)

    ad = esub.add_parser("advertise", help="the customer edge announces prefixes over a peering")
    common(ad)
    ad.add_argument("--peering", default="AzurePrivatePeering")
    ad.add_argument("--route", action="append", metavar="PREFIX[:AS PATH]")
    ad.add_argument("--down", action="store_true", help="take the edge down (withdraw its routes)")
    ad.set_defaults(fn=cmd_advertise)

    va = esub.add_parser("validate-prefixes", help="Microsoft peering's advertised prefixes pass validation")
    common(va)
    va.add_argument("--peering", default="MicrosoftPeering")
    va.set_defaults(fn=cmd_validate)
