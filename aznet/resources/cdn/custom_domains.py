"""Microsoft.Cdn/profiles/customDomains (Front Door Standard/Premium domains):
host name unique across aznet's endpoints and domains, TLS settings
(managed or customer certificate through a secret, minimum TLS version), an
optional Azure DNS zone; domain validation as Azure does it: a validation
token, approved once the TXT record ``_dnsauth.<host>`` carries it (read from
aznet's own DNS zones at read time); ``refreshValidationToken``."""

from __future__ import annotations

import datetime
import secrets as _secrets
from typing import TYPE_CHECKING, Any

from ...arm.registry import REGISTRY, Action, Hooks, ResourceType
from .common import (
    API_VERSIONS,
    CHILD_NAMES,
    CUSTOM_DOMAIN,
    ROUTE,
    SECRET,
    bad,
    choice,
    profile_deleting,
    require_afd,
    same_profile_ref,
)
from .dns_lookup import txt_values
from .name_checks import HOST, host_taken

if TYPE_CHECKING:
    from ...arm.context import Ctx

CERT_TYPES = ("CustomerCertificate", "ManagedCertificate", "AzureFirstPartyManagedCertificate")


def new_token() -> dict[str, str]:
    expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=7)
    return {"validationToken": _secrets.token_hex(16), "expirationDate": expires.isoformat().replace("+00:00", "Z")}


def validation_state(ctx: Ctx, body: dict[str, Any]) -> str:
    props = body.get("properties") or {}
    token = (props.get("validationProperties") or {}).get("validationToken")
    if props.get("preValidatedCustomDomainResourceId"):
        return "Approved"
    if token and token in txt_values(ctx, f"_dnsauth.{props.get('hostName', '')}"):
        return "Approved"
    return "Pending"


class CustomDomainHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        require_afd(ctx, new["id"], "a custom domain")
        props = new["properties"]
        host = props.get("hostName")
        oldp = (old or {}).get("properties") or {}
        if not isinstance(host, str) or not HOST.match(host):
            raise bad(f"The host name '{host}' is not a valid domain name.", "properties.hostName")
        if oldp.get("hostName") and oldp["hostName"].lower() != host.lower():
            raise bad("The host name of a custom domain cannot be changed.", "properties.hostName")
        if host.lower().endswith((".azurefd.net", ".azureedge.net")):
            raise bad(f"{host} is an Azure Front Door host name and cannot be a custom domain.", "properties.hostName")
        taken = host_taken(ctx, host, new["id"])
        if taken:
            raise bad(f"The host name {host} is already used by {taken}.", "properties.hostName")
        tls = props.get("tlsSettings")
        if tls is not None:
            if not isinstance(tls, dict):
                raise bad("tlsSettings must be an object.", "properties.tlsSettings")
            ctype = choice(tls.get("certificateType"), CERT_TYPES, "properties.tlsSettings.certificateType")
            if ctype is None:
                raise bad("tlsSettings.certificateType is required.", "properties.tlsSettings.certificateType")
            clean: dict[str, Any] = {
                "certificateType": ctype,
                "minimumTlsVersion": choice(tls.get("minimumTlsVersion"), ("TLS10", "TLS12", "TLS13"),
                                            "properties.tlsSettings.minimumTlsVersion", "TLS12")}
            secret = same_profile_ref(ctx, new["id"], tls.get("secret"), "properties.tlsSettings.secret", SECRET,
                                      required=ctype == "CustomerCertificate")
            if secret:
                clean["secret"] = {"id": secret}
            props["tlsSettings"] = clean
        zone = props.get("azureDnsZone")
        if zone is not None:
            zid = zone.get("id") if isinstance(zone, dict) else None
            if not isinstance(zid, str) or ctx.record(zid) is None or \
                    not zid.lower().split("/providers/")[-1].startswith("microsoft.network/dnszones/"):
                raise bad(f"The Azure DNS zone {zid} was not found.", "properties.azureDnsZone")
            zname = zid.rsplit("/", 1)[1].lower()
            if not (host.lower() == zname or host.lower().endswith("." + zname)):
                raise bad(f"The host name {host} is not in the DNS zone {zname}.", "properties.azureDnsZone")
            props["azureDnsZone"] = {"id": ctx.record(zid).id}  # type: ignore[union-attr]

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        oldp = (old or {}).get("properties") or {}
        props["validationProperties"] = oldp.get("validationProperties") or new_token()
        props["deploymentStatus"] = "NotStarted"
        props.pop("domainValidationState", None)

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        if profile_deleting(ctx, body["id"]):
            return
        for rec in ctx.referrers(body["id"]):
            if rec.type.lower() == ROUTE.lower():
                raise bad(f"Custom domain {body['name']} cannot be deleted because route "
                          f"{rec.id.rsplit('/', 1)[1]} uses it. Remove it from the route first.")

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        props["domainValidationState"] = validation_state(ctx, body)


def _refresh(ctx: Ctx, body: dict[str, Any], payload: Any) -> tuple[int, Any]:
    rec = ctx.record(body["id"])
    assert rec is not None
    stored = dict(rec.body)
    stored["properties"] = {**(stored.get("properties") or {}), "validationProperties": new_token()}
    ctx.write_raw(rec.id, stored)
    return 200, None


def domains_of_profile(ctx: Ctx, profile: str) -> list[str]:
    return [r.id for r in ctx.children(profile, CUSTOM_DOMAIN)]


REGISTRY.add(ResourceType(CUSTOM_DOMAIN, API_VERSIONS, model="AFDDomain", schema_package="cdn", etag=False,
                          hooks=CustomDomainHooks(), location="none", names=CHILD_NAMES,
                          actions=[Action("refreshValidationToken", _refresh, long_running=True)]))
