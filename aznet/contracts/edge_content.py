"""What an edge data plane (Front Door, CDN) implements to hear of purge and load requests."""

from __future__ import annotations


class EdgeContentSink:
    """What an edge data plane implements to hear of purge and load (prefetch) requests. The sinks are the
    request's platform's services (never a module global: several platforms can run in one process, and one
    platform's purge must not reach another's cache). Each runs before the long-running operation reports
    success."""

    def purge_content(self, endpoint_id: str, paths: list[str], domains: list[str]) -> None:
        """An AFD or CDN endpoint's purge: ``paths`` (with wildcards) on ``domains``."""

    def load_content(self, endpoint_id: str, paths: list[str], domains: list[str]) -> None:
        """A CDN endpoint's load (prefetch) of ``paths`` on ``domains``."""

    def purge_front_door(self, front_door_id: str, paths: list[str]) -> None:
        """A classic Front Door's purge."""
