"""Reading aznet's own public DNS zones, the way Azure's validation reads the
internet's DNS: the TXT record ``_dnsauth.<host>`` that approves an AFD custom
domain, and the CNAME of a classic CDN custom domain."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...arm.context import Ctx

ZONE = "Microsoft.Network/dnszones"


def _record_set(ctx: Ctx, fqdn: str, rtype: str) -> dict[str, Any] | None:
    name = fqdn.rstrip(".").lower()
    best = None
    for zone in ctx.of_type(ZONE):
        zname = zone.id.rsplit("/", 1)[1].lower()
        if name == zname or name.endswith("." + zname):
            if best is None or len(zname) > len(best[0]):
                best = (zname, zone)
    if best is None:
        return None
    zname, zone = best
    relative = "@" if name == zname else name[: -(len(zname) + 1)]
    return ctx.body(f"{zone.id}/{rtype}/{relative}")


def txt_values(ctx: Ctx, fqdn: str) -> list[str]:
    body = _record_set(ctx, fqdn, "TXT")
    out: list[str] = []
    for rec in ((body or {}).get("properties") or {}).get("TXTRecords") or []:
        out.append("".join(rec.get("value") or []))
    return out


def cname_target(ctx: Ctx, fqdn: str) -> str | None:
    body = _record_set(ctx, fqdn, "CNAME")
    target = (((body or {}).get("properties") or {}).get("CNAMERecord") or {}).get("cname")
    return target.rstrip(".").lower() if isinstance(target, str) else None
