"""Provider-level operations, declared without HTTP: ``checkTrafficManagerNameAvailability``,
``getDnsResourceReference``, ``locations/{loc}/virtualNetworkAvailableEndpointServices``, singleton
resources such as ``trafficManagerUserMetricsKeys/default``.

A resource package declares one with the ``provider_action`` decorator; its handler takes the
request's context, the parsed body and the path's parameters, and returns ``(status, body)``, or a
``LongRunning`` (the answer of a long-running operation) or a ``Reply`` (a body with headers of its own,
such as a file). The protocol layer does the rest: the route, the api-version check, parsing the body
(for the verbs that carry one), the transaction's commit, paging a list (``paged=True``), the
Azure-AsyncOperation headers and the response.

The same decorator serves operations on paths the generic resource dispatch does not know: extension
resources at any scope (``{scope}/providers/Microsoft.Authorization/locks/{name}``; ``ctx.path`` is the
request's path) and sub-collections kept inside their parent's body."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .errors import ArmError
from .http import Request, Response, page
from .router import ROUTES, RouteTable
from .versions import check_api_version

if TYPE_CHECKING:
    from .context import Ctx
    from .platform import Platform

ProviderHandler = Callable[["Ctx", Any, dict[str, str]], Any]    # -> (status, body) | LongRunning | Reply
BODYLESS = frozenset({"GET", "HEAD", "DELETE"})


@dataclass(frozen=True)
class LongRunning:
    """A handler's answer for a long-running operation: ``status`` and ``body`` now, with
    Azure-AsyncOperation (and, with ``location_header``, Location) pointing at an operation that ends
    with ``result`` (None: ``body``) and ``result_status``."""
    status: int
    body: Any = None
    namespace: str = "Microsoft.Network"
    location: str | None = None               # the region of the resource (for the operation's URL)
    result: Any = None
    result_status: int = 200
    location_header: bool = True


@dataclass(frozen=True)
class Reply:
    """A handler's answer with headers of its own (a file download's Content-Type)."""
    status: int
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()


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
        payload = None
        if self.body != "none" and req.method not in BODYLESS:
            payload = req.json(required=self.body == "required")
        answer = self.handler(ctx, payload, dict(req.params))
        if self.writes:
            p.commit(ctx)
        if isinstance(answer, LongRunning):
            return p.lro(req, answer.status, answer.body, namespace=answer.namespace, location=answer.location,
                         result=answer.result, result_status=answer.result_status,
                         location_header=answer.location_header)
        if isinstance(answer, Reply):
            return Response(answer.status, answer.body, dict(answer.headers))
        status, result = answer
        if self.long_running is not None:
            return p.lro(req, 202, None, namespace=self.long_running, result=result, result_status=status)
        if self.paged:
            if isinstance(result, Paged):
                result = page(req, result.items, result.render, p.settings.page_size)
            else:
                result = page(req, result, None, p.settings.page_size)
        return Response(status, result)


def require_body(payload: Any) -> Any:
    """For a handler declared with ``body="optional"`` that checks other things first: the body must be there."""
    if payload is None:
        raise ArmError(400, "InvalidRequestContent",
                       "The request content was invalid and could not be deserialized: 'The request body is empty.'")
    return payload


def provider_action(path: str | Sequence[str], methods: str | Sequence[str] = "POST", *,
                    api_versions: Sequence[str] | None, name: str,
                    body: Literal["none", "optional", "required"] = "none", paged: bool = False,
                    writes: bool = False, auth: bool | str = True, long_running: str | None = None,
                    routes: RouteTable = ROUTES) -> Callable[[ProviderHandler], ProviderHandler]:
    """``path``: one path, or several served alike (an extension resource at every scope it may sit at).
    ``auth=False``: an anonymous endpoint (cloud metadata a client reads before it signs in);
    ``auth="admin"``: one of aznet's own admin endpoints (``/_aznet/...``, the admin key).
    ``long_running="Microsoft.Network"``: answer 202 with an operation (``--lro-delay`` applies) whose
    result is the handler's answer, as ARM does for long-running POST actions below a resource."""
    ms = (methods,) if isinstance(methods, str) else tuple(methods)
    paths = (path,) if isinstance(path, str) else tuple(path)

    def deco(fn: ProviderHandler) -> ProviderHandler:
        for one in paths:
            routes.add(one, list(ms), ProviderAction(one, ms, fn, api_versions, name, body, paged, writes,
                                                     long_running), auth=auth)
        return fn
    return deco
