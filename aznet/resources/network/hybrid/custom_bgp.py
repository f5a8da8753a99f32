"""Custom (APIPA) BGP addresses: a gateway's ``bgpSettings.bgpPeeringAddresses[].customBgpIpAddresses`` and the
connections that pick one of them per gateway instance.

Confirmed (VPN Gateway "How to configure BGP", "About BGP", Virtual WAN "Configure BGP on a VPN gateway"; REST
specs ``IPConfigurationBgpPeeringAddress`` / ``GatewayCustomBgpIpAddressIpConfiguration``):
- a gateway's custom BGP addresses lie in Azure's APIPA range 169.254.21.0 - 169.254.22.255 (bgp.py);
- a site-to-site connection (``gatewayCustomBgpIpAddresses``) and a Virtual WAN link connection
  (``vpnGatewayCustomBgpAddresses``) name, per gateway IP configuration / instance, the custom address the gateway
  peers from on that connection; an active-active gateway takes one or two of them (Terraform's provider made the
  second optional after Azure accepted a single one);
- an on-premises BGP peer on an APIPA address needs no NAT and is written in the local network gateway directly.

Inferred (Azure's codes were not found): a connection's custom address must be one the gateway holds for that IP
configuration (``CustomBgpIpAddressNotConfiguredOnGateway``), each IP configuration once
(``DuplicateGatewayCustomBgpIpAddressIpConfiguration``), BGP on the connection (``GatewayCustomBgpIpAddressRequiresBgp``),
not on ExpressRoute connections; a custom address is held by one instance only (``DuplicateCustomBgpIpAddress``) and
cannot leave the gateway while a connection uses it (``CustomBgpIpAddressInUse``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ..ref_checks import cannot_parse
from . import bgp

if TYPE_CHECKING:
    from ....arm.context import Ctx

CONN_TYPE = "microsoft.network/connections"
MAX_ENTRIES = 8


def _member(item: dict[str, Any], name: str) -> Any:
    return next((v for k, v in item.items() if k.lower() == name.lower()), None)


def gateway_custom(gw: dict[str, Any] | None) -> dict[str, list[str]]:
    """Normalized IP configuration id (a VNet gateway's full id, a Virtual WAN gateway's Instance0/1 in lower case)
    -> that instance's custom BGP addresses."""
    out: dict[str, list[str]] = {}
    for p in (((gw or {}).get("properties") or {}).get("bgpSettings") or {}).get("bgpPeeringAddresses") or []:
        if isinstance(p, dict) and isinstance(p.get("ipconfigurationId"), str):
            out[normalize(p["ipconfigurationId"])] = [str(a) for a in p.get("customBgpIpAddresses") or []]
    return out


def check_unique(custom: dict[str, list[str]], owner: str) -> None:
    """A custom address belongs to one instance of the gateway."""
    seen: dict[str, str] = {}
    for cfg, addrs in custom.items():
        for a in addrs:
            if a in seen and seen[a] != cfg:
                raise bad("DuplicateCustomBgpIpAddress",
                          f"Custom BGP IP address {a} of {owner} is given to two IP configurations; each instance "
                          "needs its own custom BGP addresses.")
            seen[a] = cfg


def check_choices(raw: Any, path: str, owner: str, gw: dict[str, Any], *, bgp_on: bool,
                  cfg_of: Callable[[str], str | None]) -> list[dict[str, str]]:
    """A connection's per-instance choice of the gateway's custom addresses. ``cfg_of`` maps the ipConfigurationId
    sent to the gateway's own key (None: not one of its IP configurations)."""
    if raw is None or raw == []:
        return []
    if not isinstance(raw, list):
        raise cannot_parse(path, raw, "GatewayCustomBgpIpAddressIpConfiguration[]")
    if len(raw) > MAX_ENTRIES:
        raise bad("InvalidGatewayCustomBgpIpAddress", f"{owner}: {path} holds at most one entry per gateway IP "
                  "configuration.")
    if not bgp_on:
        raise bad("GatewayCustomBgpIpAddressRequiresBgp",
                  f"{owner} sets {path} but does not enable BGP (enableBgp).")
    held = gateway_custom(gw)
    out: list[dict[str, str]] = []
    used: set[str] = set()
    for i, item in enumerate(raw):
        where = f"{path}[{i}]"
        if not isinstance(item, dict):
            raise cannot_parse(where, item, "GatewayCustomBgpIpAddressIpConfiguration")
        cfg_raw, addr_raw = _member(item, "ipConfigurationId"), _member(item, "customBgpIpAddress")
        if not isinstance(cfg_raw, str) or not cfg_raw:
            raise bad("InvalidGatewayCustomBgpIpAddressIpConfiguration",
                      f"{owner}: {where}.ipConfigurationId is required.")
        if addr_raw is None:
            raise bad("InvalidGatewayCustomBgpIpAddress", f"{owner}: {where}.customBgpIpAddress is required.")
        cfg = cfg_of(cfg_raw)
        if cfg is None:
            raise bad("InvalidGatewayCustomBgpIpAddressIpConfiguration",
                      f"{owner}: {where}.ipConfigurationId {cfg_raw} is not an IP configuration of gateway {gw.get('id', '')}.")
        if normalize(cfg) in used:
            raise bad("DuplicateGatewayCustomBgpIpAddressIpConfiguration",
                      f"{owner}: IP configuration {cfg} of gateway {gw.get('id', '')} is given two custom BGP addresses.")
        used.add(normalize(cfg))
        addr = bgp.check_apipa(addr_raw, f"{where}.customBgpIpAddress", owner)
        if addr not in held.get(normalize(cfg), []):
            raise bad("CustomBgpIpAddressNotConfiguredOnGateway",
                      f"{owner}: custom BGP IP address {addr} is not one of the custom BGP addresses of IP "
                      f"configuration {cfg} of gateway {gw.get('id', '')} ({', '.join(held.get(normalize(cfg), [])) or 'none'}).")
        out.append({"ipConfigurationId": cfg, "customBgpIpAddress": addr})
    return out


def check_connection(ctx: Ctx, new: dict[str, Any], ctype: str, gw1: dict[str, Any]) -> None:
    """``gatewayCustomBgpIpAddresses`` of a virtual network gateway connection."""
    props = new["properties"]
    raw = _member(props, "gatewayCustomBgpIpAddresses")
    props.pop("gatewayCustomBgpIpAddresses", None)
    if raw not in (None, []) and ctype == "ExpressRoute":
        raise bad("GatewayCustomBgpIpAddressNotSupportedOnConnectionType",
                  f"Connection {new['id']}: custom BGP addresses apply to VPN connections, not ExpressRoute.")
    cfgs = {normalize(str(c.get("id"))): str(c.get("id"))
            for c in ((gw1.get("properties") or {}).get("ipConfigurations") or [])}
    bgp_on = props.get("enableBgp") is True
    props["gatewayCustomBgpIpAddresses"] = check_choices(
        raw, "properties.gatewayCustomBgpIpAddresses", f"Connection {new['id']}", gw1, bgp_on=bgp_on,
        cfg_of=lambda c: cfgs.get(normalize(c)))


def choices_of(conn: dict[str, Any]) -> dict[str, str]:
    """Normalized IP configuration id -> the custom address a VNet gateway connection peers from."""
    return {normalize(c["ipConfigurationId"]): c["customBgpIpAddress"]
            for c in ((conn.get("properties") or {}).get("gatewayCustomBgpIpAddresses") or [])
            if isinstance(c, dict) and c.get("ipConfigurationId") and c.get("customBgpIpAddress")}


def check_in_use(ctx: Ctx, gw_id: str, custom: dict[str, list[str]],
                 users: list[tuple[str, dict[str, str]]]) -> None:
    """Refuse a gateway update that takes away a custom address a connection peers from. ``users``: (connection
    id, its choices as ``choices_of`` gives them)."""
    for conn_id, chosen in users:
        for cfg, addr in chosen.items():
            if addr not in custom.get(cfg, []):
                raise bad("CustomBgpIpAddressInUse",
                          f"Custom BGP IP address {addr} of gateway {gw_id} cannot be removed because connection "
                          f"{conn_id} uses it (gatewayCustomBgpIpAddresses).")


def vnet_gateway_users(ctx: Ctx, gw_id: str) -> list[tuple[str, dict[str, str]]]:
    own = normalize(gw_id)
    out = []
    for rec in ctx.referrers(gw_id):
        if rec.type.lower() != CONN_TYPE:
            continue
        p = rec.body.get("properties") or {}
        if normalize(((p.get("virtualNetworkGateway1") or {}).get("id")) or "") == own:
            chosen = choices_of(rec.body)
            if chosen:
                out.append((rec.id, chosen))
    return out


def local_addresses(gw: dict[str, Any], conn: dict[str, Any]) -> list[str]:
    """The addresses a VNet gateway peers from on a connection, one per instance: the connection's custom address
    for that IP configuration, else the instance's default BGP address."""
    chosen = choices_of(conn)
    out = []
    for p in (((gw.get("properties") or {}).get("bgpSettings") or {}).get("bgpPeeringAddresses") or []):
        cfg = normalize(str(p.get("ipconfigurationId") or ""))
        default = (p.get("defaultBgpIpAddresses") or [""])[0]
        out.append(chosen.get(cfg) or default)
    return [a for a in out if a]


def instance_of_address(gw: dict[str, Any], default_address: str) -> str | None:
    """The IP configuration (normalized id) whose default BGP address is ``default_address``."""
    for p in (((gw.get("properties") or {}).get("bgpSettings") or {}).get("bgpPeeringAddresses") or []):
        if default_address in (p.get("defaultBgpIpAddresses") or []):
            return normalize(str(p.get("ipconfigurationId") or ""))
    return None
