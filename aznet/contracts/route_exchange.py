"""The seam between the hubs' control plane and a real BGP speaker.

Route Server and Virtual WAN hubs speak BGP with the peers of their ``bgpConnections``. The control
plane answers ``learnedRoutes`` / ``advertisedRoutes`` and a connection's ``connectionState``; what a
live session knows comes from whoever runs the speakers, plugged in here:

    from aznet.contracts import route_exchange
    route_exchange.register(platform, my_exchange)   # an object with the RouteExchange methods

(one per platform: it lives among the platform's services under the name ``route-exchange``).

Until one is registered (or when it knows nothing of a connection) the answers are derived from the
configuration alone: no session is up (state ``Connecting``), nothing is learned, and the routes
advertised are the ones Azure would announce (see ``bgp_connections.advertised``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

# Azure reports each of a Route Server's two instances under these keys (PeerRouteList).
ROLES = ("RouteServiceRole_IN_0", "RouteServiceRole_IN_1")


@dataclass(frozen=True)
class LearnedRoute:
    """A prefix a hub instance learned from a BGP peer."""

    network: str            # "10.101.0.0/16"
    next_hop: str           # the peer's address (or the next hop it announced)
    as_path: str = ""       # "65002-65001", Azure's spelling
    origin: str = "EBgp"
    weight: int = 32768


class RouteExchange(Protocol):
    def state(self, connection_id: str) -> str | None:
        """Connected / Connecting / NotConnected for the bgpConnection with this ARM id (None: unknown)."""

    def learned(self, connection_id: str) -> dict[int, list[LearnedRoute]] | None:
        """What each hub instance (0, 1) learned from this connection's peer (None: unknown)."""

    def advertised(self, connection_id: str) -> dict[int, list[tuple[str, str, str]]] | None:
        """(prefix, AS path, next hop) each hub instance announces to this connection's peer (None: unknown)."""


class _ConfigOnly:
    """No speaker runs: sessions wait for their peer; nothing is learned."""

    def state(self, connection_id: str) -> str | None:
        return None

    def learned(self, connection_id: str) -> dict[int, list[LearnedRoute]] | None:
        return None

    def advertised(self, connection_id: str) -> dict[int, list[tuple[str, str, str]]] | None:
        return None


SERVICE = "route-exchange"
_CONFIG_ONLY = _ConfigOnly()


def register(platform: Any, exchange: RouteExchange | None) -> None:
    """Plug a speaker into ``platform`` (None: back to the configuration-only answers)."""
    platform.services.add(exchange if exchange is not None else _CONFIG_ONLY, SERVICE)


def current(platform: Any) -> RouteExchange:
    found: RouteExchange | None = platform.services.get(SERVICE)
    return found if found is not None else _CONFIG_ONLY


def connection_state(platform: Any, connection_id: str) -> str:
    return current(platform).state(connection_id) or "Connecting"


def learned_routes(platform: Any, connection_id: str) -> dict[int, list[LearnedRoute]]:
    return current(platform).learned(connection_id) or {}


def advertised_routes(platform: Any, connection_id: str) -> dict[int, list[tuple[str, str, str]]] | None:
    """What the live speakers announce to the peer (None: no speaker knows the connection)."""
    fn = getattr(current(platform), "advertised", None)
    return fn(connection_id) if fn is not None else None
