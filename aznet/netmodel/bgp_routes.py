"""Routes the gateways learned over BGP, as the network model holds them, and Azure's choice among them.

``LearnedRoute`` is one path to a prefix learned by a BGP-speaking gateway (VPN gateway, ExpressRoute
gateway, Route Server / Virtual WAN hub). The BGP service publishes each gateway's set through the
reconcile seam as a change of type ``LEARNED_TYPE`` (``aznet.bgp/learnedroutes``); the network model keeps
it per gateway and compiles it into the effective routes of the VNet's subnets (and of peered VNets that
use the gateway's VNet as remote gateway).

``select_best(paths, preference)`` is Azure's choice among paths to the same prefix (longest prefix
match is already done by the route table):

1. ``preference`` (a Route Server's / hub's ``hubRoutingPreference``; ExpressRoute by default):
   ``ExpressRoute`` - ExpressRoute paths over VPN and NVA paths; ``VpnGateway`` - VPN/NVA paths over
   ExpressRoute; ``ASPath`` - the shortest AS path whatever the source;
2. then the shortest AS path (between VPN and NVA paths Route Server prefers the shorter AS path; the
   VPN gateway honours AS-path prepending between its connections);
3. paths still equal are all kept (ECMP): their next hops are merged.
The ExpressRoute helper's gateways feed their paths as ``source="ExpressRoute"`` and get this choice."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

LEARNED_TYPE = "aznet.bgp/learnedroutes"
PREFERENCES = ("ExpressRoute", "VpnGateway", "ASPath")


@dataclass(frozen=True, slots=True)
class LearnedRoute:
    prefix: str
    next_hop: str                 # the next hop the VNet's route shows (the gateway's or the NVA's address)
    as_path: tuple[int, ...]
    source: str                   # VpnGateway | ExpressRoute | RouteServer
    peer: str                     # the BGP neighbour it came from
    gateway: str                  # lower-case id of the gateway / hub that learned it


def _rank(r: LearnedRoute, preference: str) -> tuple[int, int]:
    if preference == "ASPath":
        return (0, len(r.as_path))
    er = r.source == "ExpressRoute"
    first = 0 if (er if preference == "ExpressRoute" else not er) else 1
    return (first, len(r.as_path))


def select_best(paths: Iterable[LearnedRoute], preference: str = "ExpressRoute") -> list[LearnedRoute]:
    """The paths Azure uses for one prefix (several when they tie: ECMP)."""
    items = list(paths)
    if not items:
        return []
    pref = preference if preference in PREFERENCES else "ExpressRoute"
    best = min(_rank(r, pref) for r in items)
    return [r for r in items if _rank(r, pref) == best]


def by_prefix(paths: Iterable[LearnedRoute], preference: str = "ExpressRoute") -> dict[str, list[LearnedRoute]]:
    """prefix -> the chosen paths, for every prefix in ``paths``."""
    groups: dict[str, list[LearnedRoute]] = {}
    for r in paths:
        groups.setdefault(r.prefix, []).append(r)
    return {p: select_best(rs, preference) for p, rs in groups.items()}
