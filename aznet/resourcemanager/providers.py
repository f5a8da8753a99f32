"""Resource providers: what aznet implements, with locations and api-versions;
register and unregister."""

from __future__ import annotations

from typing import Any

from ..arm.errors import ArmError
from ..arm.http import Request, Response, page
from ..arm.platform import Platform
from ..arm.regions import DISPLAY
from ..arm.router import ROUTES
from ..arm.versions import RESOURCES, check_api_version


def _namespaces(p: Platform) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for rt in p.registry.types():
        out.setdefault(rt.namespace, []).append(rt)
    return out


def provider_body(p: Platform, sub: str, ns: str, types: list[Any]) -> dict[str, Any]:
    state = p.provider_state.get((sub.lower(), ns.lower()), "Registered")
    locations = [DISPLAY[k] for k in sorted(DISPLAY)]
    return {
        "id": f"/subscriptions/{sub}/providers/{ns}", "namespace": ns, "registrationState": state,
        "registrationPolicy": "RegistrationRequired",
        "resourceTypes": [
            {"resourceType": rt.type.split("/", 1)[1],
             "locations": ["global"] if rt.global_location else ([] if rt.is_child else locations),
             "apiVersions": sorted(rt.api_versions, reverse=True),
             "defaultApiVersion": max(v for v in rt.api_versions if "preview" not in v) if any(
                 "preview" not in v for v in rt.api_versions) else max(rt.api_versions),
             "capabilities": "CrossResourceGroupResourceMove, CrossSubscriptionResourceMove, SupportsTags, SupportsLocation"}
            for rt in sorted(types, key=lambda t: t.type.lower())
        ],
    }


def _find(p: Platform, ns: str) -> tuple[str, list[Any]]:
    for name, types in _namespaces(p).items():
        if name.lower() == ns.lower():
            return name, types
    raise ArmError(404, "InvalidResourceNamespace", f"The resource namespace '{ns}' is invalid.")


def list_providers(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, RESOURCES, "providers")
    sub = req.params["sub"]
    items = [provider_body(p, sub, ns, types) for ns, types in sorted(_namespaces(p).items())]
    return Response(200, page(req, items, None, p.settings.page_size))


def get_provider(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, RESOURCES, "providers")
    ns, types = _find(p, req.params["ns"])
    return Response(200, provider_body(p, req.params["sub"], ns, types))


def _set_state(p: Platform, req: Request, state: str) -> Response:
    check_api_version(req.api_version, RESOURCES, "providers")
    ns, types = _find(p, req.params["ns"])
    p.provider_state[(req.params["sub"].lower(), ns.lower())] = state
    return Response(200, provider_body(p, req.params["sub"], ns, types))


ROUTES.add("subscriptions/{sub}/providers", "GET", list_providers)
ROUTES.add("subscriptions/{sub}/providers/{ns}", "GET", get_provider)
ROUTES.add("subscriptions/{sub}/providers/{ns}/register", "POST", lambda p, r: _set_state(p, r, "Registered"))
ROUTES.add("subscriptions/{sub}/providers/{ns}/unregister", "POST", lambda p, r: _set_state(p, r, "Unregistered"))


def get_provider_tenant(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, RESOURCES, "providers")
    ns, types = _find(p, req.params["ns"])
    return Response(200, provider_body(p, p.settings.default_subscription, ns, types))


ROUTES.add("providers/{ns}", "GET", get_provider_tenant)
