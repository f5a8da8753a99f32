"""L7 worker processes for the application gateway (``AZNET_APPGW_WORKERS``) and the Front Door edge
(``AZNET_FRONTDOOR_WORKERS``), on the process seam the load balancer's relay workers use (``procpool``).

``feed`` is the aznet process's side (an engine on the reconcile seam that feeds the workers and folds their
telemetry back), ``runtime`` the worker's, ``adapters`` what differs between the two engines."""

from .feed import L7Workers

__all__ = ["L7Workers", "start_workers"]


def start_workers(svc: object, kind: str, count: int) -> L7Workers | None:
    """The feed for ``count`` workers of ``svc`` (None for 0: the engine serves in the aznet process)."""
    if count <= 0:
        return None
    from .adapters import main_side

    return L7Workers(svc, count, main_side(kind))
