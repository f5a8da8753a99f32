"""HTTP routes for the identity endpoints (no token needed to reach them)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from .errors import ArmError
from .http import Request, Response
from .identity import cloud_metadata
from .platform import Platform
from .router import ROUTES


@ROUTES.route("_aznet/health", auth=False)
def health(p: Platform, req: Request) -> Response:
    if not p.ready:
        return Response(503, {"status": "starting", "endpoint": p.settings.endpoint}, {"Retry-After": "1"})
    return Response(200, {"status": "ok", "endpoint": p.settings.endpoint, "services": sorted(p.services)})


@ROUTES.route("metadata/endpoints", auth=False)
def metadata(p: Platform, req: Request) -> Response:
    return Response(200, cloud_metadata(req.base_url or p.settings.endpoint, req.api_version))


def _openid(p: Platform, req: Request, v2: bool) -> Response:
    return Response(200, p.issuer.openid_configuration(req.params["tenant"], v2))


ROUTES.add("{tenant}/v2.0/.well-known/openid-configuration", "GET", lambda p, r: _openid(p, r, True), auth=False)
ROUTES.add("{tenant}/.well-known/openid-configuration", "GET", lambda p, r: _openid(p, r, False), auth=False)
ROUTES.add("{tenant}/discovery/v2.0/keys", "GET", lambda p, r: Response(200, p.issuer.jwks()), auth=False)
ROUTES.add("{tenant}/discovery/keys", "GET", lambda p, r: Response(200, p.issuer.jwks()), auth=False)
ROUTES.add("common/discovery/instance", "GET", lambda p, r: Response(200, p.issuer.instance_discovery()), auth=False)


def token(p: Platform, req: Request) -> Response:
    form = dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
    tenant = req.params["tenant"]
    if tenant.lower() in ("common", "organizations", "consumers"):
        tenant = p.settings.tenant
    try:
        issued = p.issuer.issue(tenant, form)
        p.tenants.ensure(tenant)          # a tenant not seen before is created on its first token
        return Response(200, issued)
    except ArmError as exc:
        return Response(exc.status, {"error": exc.code, "error_description": exc.message,
                                     "error_codes": [70003], "correlation_id": req.request_id})


ROUTES.add("{tenant}/oauth2/v2.0/token", "POST", token, auth=False)
ROUTES.add("{tenant}/oauth2/token", "POST", token, auth=False)
