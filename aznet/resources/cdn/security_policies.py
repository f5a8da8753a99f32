"""Microsoft.Cdn/profiles/securityPolicies: a Front Door WAF policy linked to
domains (the profile's AFD endpoints and custom domains) with path patterns;
a domain belongs to one security policy; the WAF policy's SKU matches the
profile's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.ids import normalize, parse_resource_id
from ...arm.registry import REGISTRY, Hooks, ResourceType
from .common import (
    AFD_ENDPOINT,
    API_VERSIONS,
    CHILD_NAMES,
    CUSTOM_DOMAIN,
    FD_WAF_POLICY,
    SECURITY_POLICY,
    bad,
    choice,
    profile_id,
    require_afd,
)

if TYPE_CHECKING:
    from ...arm.context import Ctx


class SecurityPolicyHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        sku = require_afd(ctx, new["id"], "a security policy")
        props = new["properties"]
        params = props.get("parameters")
        path = "properties.parameters"
        if not isinstance(params, dict):
            raise bad("The security policy's parameters are required.", path)
        choice(params.get("type"), ("WebApplicationFirewall",), f"{path}.type")
        waf = (params.get("wafPolicy") or {}).get("id") if isinstance(params.get("wafPolicy"), dict) else None
        parsed = parse_resource_id(waf) if isinstance(waf, str) else None
        if parsed is None or parsed.full_type.lower() != FD_WAF_POLICY.lower() or ctx.record(waf) is None:  # type: ignore[arg-type]
            raise bad(f"The WAF policy {waf} was not found.", f"{path}.wafPolicy")
        policy = ctx.body(waf) or {}  # type: ignore[arg-type]
        waf_sku = (policy.get("sku") or {}).get("name")
        if waf_sku and waf_sku != sku:
            raise bad(f"The WAF policy's sku {waf_sku} does not match the profile's sku {sku}.", f"{path}.wafPolicy")
        assoc = params.get("associations")
        if not isinstance(assoc, list) or not assoc:
            raise bad("A security policy needs at least one association.", f"{path}.associations")
        clean = []
        mine: set[str] = set()
        for i, a in enumerate(assoc):
            apath = f"{path}.associations[{i}]"
            if not isinstance(a, dict) or not isinstance(a.get("domains"), list) or not a["domains"]:
                raise bad("An association needs domains.", apath)
            doms = []
            for j, d in enumerate(a["domains"]):
                did = d.get("id") if isinstance(d, dict) else None
                p = parse_resource_id(did) if isinstance(did, str) else None
                if p is None or p.full_type.lower() not in (AFD_ENDPOINT.lower(), CUSTOM_DOMAIN.lower()) \
                        or ctx.record(did) is None or normalize(profile_id(did)) != normalize(profile_id(new["id"])):  # type: ignore[arg-type]
                    raise bad(f"The domain {did} is not an endpoint or custom domain of this profile.",
                              f"{apath}.domains[{j}]")
                if normalize(did) in mine:  # type: ignore[arg-type]
                    raise bad(f"The domain {did} appears twice in the security policy.", f"{apath}.domains[{j}]")
                mine.add(normalize(did))  # type: ignore[arg-type]
                doms.append({"id": ctx.record(did).id})  # type: ignore[arg-type, union-attr]
            patterns = a.get("patternsToMatch") or ["/*"]
            if not isinstance(patterns, list) or not all(isinstance(p, str) and p.startswith("/") for p in patterns):
                raise bad("patternsToMatch must be a list of paths starting with '/'.", f"{apath}.patternsToMatch")
            clean.append({"domains": doms, "patternsToMatch": patterns})
        for other in ctx.children(profile_id(new["id"]), SECURITY_POLICY):
            if other.key == normalize(new["id"]):
                continue
            for a in ((other.body.get("properties") or {}).get("parameters") or {}).get("associations") or []:
                for d in a.get("domains") or []:
                    if normalize(d.get("id", "")) in mine:
                        raise bad(f"The domain {d['id']} is already associated with security policy {other.id.rsplit('/', 1)[1]}"
                                  "; a domain can be in one security policy only.", f"{path}.associations")
        props["parameters"] = {"type": "WebApplicationFirewall", "wafPolicy": {"id": ctx.record(waf).id},  # type: ignore[arg-type, union-attr]
                               "associations": clean}

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"]["deploymentStatus"] = "NotStarted"
        new["properties"]["profileName"] = new["id"].split("/profiles/")[1].split("/")[0]


REGISTRY.add(ResourceType(SECURITY_POLICY, API_VERSIONS, model="SecurityPolicy", schema_package="cdn", etag=False,
                          hooks=SecurityPolicyHooks(), location="none", names=CHILD_NAMES))
