"""Traffic Manager's routing decisions, as pure functions of a profile, the endpoints
that may serve, and the client.

``serving`` is the list of endpoints a decision may pick: enabled, and Online or
CheckingEndpoint (or alwaysServe); when every enabled endpoint is Degraded, all
of them serve (Traffic Manager fails open rather than answer nothing).

- Priority: the serving endpoint with the lowest priority value.
- Weighted: a random serving endpoint, in proportion to the weights.
- Performance: the serving endpoint whose region is nearest the client (see geo.py); ties
  and unknown clients (loopback, private addresses) fall back to the first in list order.
- Geographic: the endpoint mapped to the most specific region containing the client's country
  (country → continent → WORLD); NODATA when that endpoint does not serve or nothing matches.
- Subnet: the endpoint whose ranges contain the client address, else the one with no ranges;
  NODATA when that endpoint does not serve.
- MultiValue: up to maxReturn serving endpoints whose IP targets are of the queried family.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable, Sequence

from . import geo
from .profile import Endpoint, Profile

Serves = Callable[[Endpoint], bool]


def serving(profile: Profile, serves: Serves) -> list[Endpoint]:
    enabled = [ep for ep in profile.endpoints if ep.enabled]
    healthy = [ep for ep in enabled if ep.always_serve or serves(ep)]
    return healthy if healthy else enabled


def decide(profile: Profile, pool: Sequence[Endpoint], client: str | None, family: int,
           rng: random.Random | None = None) -> list[Endpoint]:
    """The endpoints to answer with. ``family`` is 4 or 6 (the address family a MultiValue answer needs)."""
    rng = rng or random
    method = profile.method.lower()
    if method == "priority":
        return [min(pool, key=lambda ep: ep.priority)] if pool else []
    if method == "weighted":
        return rng.choices(list(pool), weights=[ep.weight for ep in pool]) if pool else []
    if method == "geographic":
        return geographic(profile, pool, client)
    if method == "subnet":
        return subnet(profile, pool, client)
    if method == "multivalue":
        fitting = [ep for ep in pool if (ip := ep.ip_target()) is not None and ip.version == family]
        n = profile.max_return if profile.max_return > 0 else len(fitting)
        return rng.sample(fitting, min(n, len(fitting)))
    return performance(pool, client, rng)


def geographic(profile: Profile, pool: Sequence[Endpoint], client: str | None) -> list[Endpoint]:
    country = geo.country_of(client) if client else None
    chain = geo.ancestry(country) if country else [geo.WORLD]
    for code in chain:
        for ep in profile.endpoints:
            if ep.enabled and code in ep.geo:
                return [ep] if ep in pool else []
    return []


def _address(client: str | None) -> tuple[int, int] | None:
    if not client:
        return None
    try:
        ip = ipaddress.ip_address(client)
    except ValueError:
        return None
    return int(ip), ip.version


def subnet(profile: Profile, pool: Sequence[Endpoint], client: str | None) -> list[Endpoint]:
    addr = _address(client)
    chosen: Endpoint | None = None
    if addr is not None:
        value, version = addr
        for ep in profile.endpoints:
            if ep.enabled and any(r.version == version and r.first <= value <= r.last for r in ep.subnets):
                chosen = ep
                break
    if chosen is None:
        chosen = next((ep for ep in profile.endpoints if ep.enabled and not ep.subnets), None)
    return [chosen] if chosen is not None and chosen in pool else []


def performance(pool: Sequence[Endpoint], client: str | None, rng: random.Random | random.Random = random
                ) -> list[Endpoint]:
    if not pool:
        return []
    point = geo.client_point(geo.country_of(client)) if client else None
    if point is None:
        return [pool[0]]
    best: list[Endpoint] = []
    best_d = float("inf")
    for ep in pool:
        where = geo.REGION_POINTS.get(ep.location)
        d = geo.distance_km(point, where) if where is not None else float("inf")
        if d < best_d - 1e-6:
            best, best_d = [ep], d
        elif abs(d - best_d) <= 1e-6:
            best.append(ep)
    return [rng.choice(best)] if len(best) > 1 else best[:1]


def client_key(profile: Profile, client: str | None) -> str | None:
    """What a cached decision may be keyed on: the answer is the same for every client with this key."""
    method = profile.method.lower()
    if method in ("geographic", "performance"):
        return geo.country_of(client) if client else None
    if method == "subnet":
        return client
    return ""
