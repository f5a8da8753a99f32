"""Provider-level operations, declared without HTTP: ``checkTrafficManagerNameAvailability``,
``getDnsResourceReference``, ``locations/{loc}/virtualNetworkAvailableEndpointServices``, singleton
resources such as ``trafficManagerUserMetricsKeys/default``.

A resource package declares one with the ``provider_action`` decorator; its handler takes the
request's context, the parsed body and the path's parameters, and returns ``(status, body)``. The
protocol layer does the rest: the route, the api-version check, parsing the body, the transaction's
commit, paging a list (``paged=True``) and the response."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .http import Request, Response, page
from .router import ROUTES, RouteTable
from .versions import check_api_version

if TYPE_CHECKING:
    from .context import Ctx
    from .platform import Platform

ProviderHandler = Callable[["Ctx", Any, dict[str, str]], tuple[int, Any]]


@dataclass(frozen=True)
class Paged:
    """A paged handler's answer when items are rendered lazily: only the page served is rendered."""
    items: Sequence[Any]
    render: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class ProviderAction:
    path: str                                 # "subscriptions/{sub}/providers/microsoft.network/…"
    methods: tuple[str, ...]
    handler: ProviderHandler
    api_versions: Sequence[str] | None       # None: any api-version (or none) is accepted
    name: str                                 # the type or operation named in api-version errors
    body: Literal["none", "optional", "required"] = "none"
    paged: bool = False                       # the handler returns a list; ARM pages it
    writes: bool = False                      # commit the request's transaction afterwards
    long_running: str | None = None           # the namespace of a long-running action (202 + operation)

    def __call__(self, p: Platform, req: Request) -> Response:
        if self.api_versions is not None:
            check_api_version(req.api_version, self.api_versions, self.name, req.params.get("loc"))
        ctx = p.ctx(req, req.params.get("sub") or p.settings.default_subscription)
        ctx.method = req.method
        payload = req.json(required=self.body == "required") if self.body != "none" else None
        status, result = self.handler(ctx, payload, dict(req.params))
        if self.writes:
            p.commit(ctx)
        if self.long_running is not None:
            return p.lro(req, 202, None, namespace=self.long_running, result=result, result_status=status)
        if self.paged:
            if isinstance(result, Paged):
                result = page(req, result.items, result.render, p.settings.page_size)
            else:
                result = page(req, result, None, p.settings.page_size)
        return Response(status, result)


def provider_action(path: str, methods: str | Sequence[str] = "POST", *, api_versions: Sequence[str] | None,
                    name: str, body: Literal["none", "optional", "required"] = "none", paged: bool = False,
                    writes: bool = False, auth: bool | str = True, long_running: str | None = None,
                    routes: RouteTable = ROUTES) -> Callable[[ProviderHandler], ProviderHandler]:
    """``auth=False``: an anonymous endpoint (cloud metadata a client reads before it signs in);
    ``auth="admin"``: one of aznet's own admin endpoints (``/_aznet/...``, the admin key).
    ``long_running="Microsoft.Network"``: answer 202 with an operation (``--lro-delay`` applies) whose
    result is the handler's answer, as ARM does for long-running POST actions below a resource."""
    ms = (methods,) if isinstance(methods, str) else tuple(methods)

    def deco(fn: ProviderHandler) -> ProviderHandler:
        routes.add(path, list(ms), ProviderAction(path, ms, fn, api_versions, name, body, paged, writes,
                                                    long_running), auth=auth)
        return fn
    return deco
