"""Endpoint and profile monitor status, as Traffic Manager reports them.

The health monitor of the DNS data plane (``platform.services.get(DnsService)``) knows
whether a probed endpoint is Online or Degraded; the rest follows from the
configuration, as in Azure's table: a disabled endpoint is Disabled, every
endpoint of a disabled profile is Inactive, an enabled endpoint not probed yet
is CheckingEndpoint. A profile is Disabled when disabled; otherwise Degraded,
Online or CheckingEndpoints after its endpoints (in that order of precedence:
any Online endpoint makes it Online unless one is Degraded), and Inactive when
no endpoint is enabled."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...dataplane.dns.service import DnsService

if TYPE_CHECKING:
    from ...arm.context import Ctx


def _probed(ctx: Ctx, endpoint_id: str) -> str | None:
    """What the data plane's monitor says of an endpoint (None: no monitor, or not probed yet)."""
    svc = ctx.platform.services.get(DnsService)
    if svc is None:
        return None
    try:
        status = svc.endpoint_monitor_status(endpoint_id)
    except Exception:  # the monitor must never break a GET
        return None
    return status if isinstance(status, str) else None


def endpoint_status(ctx: Ctx, profile: dict[str, Any], endpoint: dict[str, Any]) -> str:
    pprops = profile.get("properties") or {}
    eprops = endpoint.get("properties") or {}
    if eprops.get("endpointStatus", "Enabled") == "Disabled":
        return "Disabled"
    if pprops.get("profileStatus", "Enabled") == "Disabled":
        return "Inactive"
    return _probed(ctx, endpoint["id"]) or "CheckingEndpoint"


def profile_status(profile: dict[str, Any], endpoint_statuses: list[str]) -> str:
    if (profile.get("properties") or {}).get("profileStatus", "Enabled") == "Disabled":
        return "Disabled"
    live = [s for s in endpoint_statuses if s not in ("Disabled", "Inactive", "Stopped")]
    if not live:
        return "Inactive"
    if "Degraded" in live:
        return "Degraded"
    if "Online" in live:
        return "Online"
    return "CheckingEndpoints"
