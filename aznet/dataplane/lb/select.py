"""Choosing a backend for a new flow (pure): the rule's targets that are up, Azure's all-down behaviour,
then the distribution mode's hash."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .hashing import flow_key, pick

if TYPE_CHECKING:
    from .plan import Route, Target


def select(route: Route, is_up: Callable[[str, str], bool], src_ip: str, src_port: int,
           proto: str) -> Target | None:
    """``is_up(probe id, target key)``. Without a probe every member counts as up. All members down:
    no new flows (Basic, and Standard's default ``AllProbedDown``); Standard ``AllProbedUp`` sends to all."""
    targets = route.targets
    if route.probe is not None:
        probe = route.probe
        up = tuple(t for t in targets if is_up(probe, t.key))
        if not up and route.sku != "Basic" and route.all_down == "AllProbedUp":
            up = targets
        targets = up
    if not targets:
        return None
    return pick(targets, flow_key(route.distribution, src_ip, src_port, route.frontend_ip, route.frontend_port,
                                  proto))
