"""Backend health of an application gateway, as the ``backendhealth`` and
``getBackendHealthOnDemand`` actions report it.

Until the gateway's data plane probes its backends, every server is reported
with health "Unknown". The data plane answers instead when one of the platform's
services is a ``BackendHealthSource``: ``server_health(gateway_id, pool_id,
settings_id, address) -> (health, health_probe_log)`` with health one of Unknown,
Up, Down, Partial, Draining. The source is looked up on the request's platform,
never in a module global: several platforms can run in one process (tests, tools),
and one stopping must not change what another reports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....arm.ids import normalize
from ....contracts.gateway_health import UNKNOWN, BackendHealthSource

if TYPE_CHECKING:
    from ....arm.context import Ctx

NIC_TYPE = "microsoft.network/networkinterfaces"



def server_health(ctx: Ctx, gw_id: str, pool_id: str, settings_id: str, address: str) -> tuple[str, str]:
    source = ctx.platform.services.get(BackendHealthSource)
    if source is None:
        return UNKNOWN
    return source.server_health(gw_id, pool_id, settings_id, address)


def pool_servers(ctx: Ctx, gw: dict[str, Any], pool: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(address, NIC ip configuration id) of every member of a pool: its addresses, then NICs that join it."""
    out: list[tuple[str, str | None]] = []
    for a in (pool.get("properties") or {}).get("backendAddresses") or []:
        addr = a.get("ipAddress") or a.get("fqdn")
        if addr:
            out.append((addr, None))
    want = normalize(pool["id"])
    for rec in ctx.referrers(gw["id"]):
        if rec.type.lower() != NIC_TYPE:
            continue
        for cfg in (rec.body.get("properties") or {}).get("ipConfigurations") or []:
            cp = cfg.get("properties") or {}
            refs = cp.get("applicationGatewayBackendAddressPools") or []
            if any(isinstance(r, dict) and normalize(r.get("id") or "") == want for r in refs):
                out.append((cp.get("privateIPAddress") or "", cfg.get("id")))
    return out


def _servers(ctx: Ctx, gw: dict[str, Any], pool: dict[str, Any], settings_id: str) -> list[dict[str, Any]]:
    servers = []
    for addr, ipconfig in pool_servers(ctx, gw, pool):
        health, log = server_health(ctx, gw["id"], pool["id"], settings_id, addr)
        entry: dict[str, Any] = {"address": addr, "health": health, "healthProbeLog": log}
        if ipconfig:
            entry["ipConfiguration"] = {"id": ipconfig}
        servers.append(entry)
    return servers


def _pairs(gw: dict[str, Any]) -> dict[str, list[str]]:
    """pool id -> the HTTP settings ids used with it by rules and path maps."""
    props = gw.get("properties") or {}
    out: dict[str, list[str]] = {}

    def add(pool: Any, settings: Any) -> None:
        p = (pool or {}).get("id")
        s = (settings or {}).get("id")
        if p and s and s not in out.setdefault(normalize(p), []):
            out[normalize(p)].append(s)

    for rule in props.get("requestRoutingRules") or []:
        rp = rule.get("properties") or {}
        add(rp.get("backendAddressPool"), rp.get("backendHttpSettings"))
    for upm in props.get("urlPathMaps") or []:
        mp = upm.get("properties") or {}
        add(mp.get("defaultBackendAddressPool"), mp.get("defaultBackendHttpSettings"))
        for pr in mp.get("pathRules") or []:
            add((pr.get("properties") or {}).get("backendAddressPool"),
                (pr.get("properties") or {}).get("backendHttpSettings"))
    return out


def backend_health(ctx: Ctx, gw: dict[str, Any]) -> dict[str, Any]:
    pairs = _pairs(gw)
    pools = []
    for pool in (gw.get("properties") or {}).get("backendAddressPools") or []:
        collection = [{"backendHttpSettings": {"id": s}, "servers": _servers(ctx, gw, pool, s)}
                      for s in pairs.get(normalize(pool["id"]), [])]
        pools.append({"backendAddressPool": {"id": pool["id"]}, "backendHttpSettingsCollection": collection})
    return {"backendAddressPools": pools}


def on_demand(ctx: Ctx, gw: dict[str, Any], pool: dict[str, Any], settings_id: str) -> dict[str, Any]:
    return {"backendAddressPool": {"id": pool["id"]},
            "backendHealthHttpSettings": {"backendHttpSettings": {"id": settings_id},
                                          "servers": _servers(ctx, gw, pool, settings_id)}}
