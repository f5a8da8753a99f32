"""Shared pieces of the Microsoft.Cdn types: api-versions, SKU families, the
resource provider's error shape (it answers ``BadRequest`` with a message for
most validation failures), and references between a profile's children."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.ids import normalize, parse_resource_id
from ...arm.registry import NameRule
from ...arm.versions import supported
from ...jsondata import spelled_as

if TYPE_CHECKING:
    from ...arm.context import Ctx

API_VERSIONS = supported("cdn")
NAMESPACE = "Microsoft.Cdn"
PROFILE = "Microsoft.Cdn/profiles"
AFD_ENDPOINT = "Microsoft.Cdn/profiles/afdEndpoints"
ROUTE = "Microsoft.Cdn/profiles/afdEndpoints/routes"
ORIGIN_GROUP = "Microsoft.Cdn/profiles/originGroups"
ORIGIN = "Microsoft.Cdn/profiles/originGroups/origins"
RULE_SET = "Microsoft.Cdn/profiles/ruleSets"
RULE = "Microsoft.Cdn/profiles/ruleSets/rules"
SECRET = "Microsoft.Cdn/profiles/secrets"
SECURITY_POLICY = "Microsoft.Cdn/profiles/securityPolicies"
CUSTOM_DOMAIN = "Microsoft.Cdn/profiles/customDomains"
ENDPOINT = "Microsoft.Cdn/profiles/endpoints"
FD_WAF_POLICY = "Microsoft.Network/frontDoorWebApplicationFirewallPolicies"

AFD_SKUS = ("Standard_AzureFrontDoor", "Premium_AzureFrontDoor")
CLASSIC_SKUS = ("Standard_Verizon", "Premium_Verizon", "Custom_Verizon", "Standard_Akamai", "Standard_ChinaCdn",
                "Standard_Microsoft", "Standard_955BandWidth_ChinaCdn", "Standard_AvgBandWidth_ChinaCdn",
                "StandardPlus_ChinaCdn", "StandardPlus_955BandWidth_ChinaCdn", "StandardPlus_AvgBandWidth_ChinaCdn")

# profile and endpoint names: letters, digits and single hyphens, starting and ending with a letter or digit
NAMES = NameRule(1, 260, r"^[a-zA-Z0-9]+(-*[a-zA-Z0-9])*$",
                 "The name can contain only letters, numbers and hyphens, and must start and end with a letter or "
                 "number.")
ENDPOINT_NAMES = NameRule(2, 46, r"^[a-zA-Z0-9]+(-*[a-zA-Z0-9])*$",
                          "Endpoint names contain only letters, numbers and hyphens, and start and end with a "
                          "letter or number.")
CHILD_NAMES = NameRule(1, 260, r"^[a-zA-Z0-9]+(-*[a-zA-Z0-9])*$",
                       "The name can contain only letters, numbers and hyphens, and must start and end with a letter "
                       "or number.")
RULE_NAMES = NameRule(1, 260, r"^[a-zA-Z][a-zA-Z0-9]*$",
                      "Rule set and rule names start with a letter and contain only letters and numbers.")


def bad(message: str, target: str | None = None) -> ArmError:
    """The CDN resource provider's validation error."""
    return ArmError(400, "BadRequest", message, target=target)


def profile_id(rid: str) -> str:
    """The profile a Microsoft.Cdn child belongs to."""
    parsed = parse_resource_id(rid)
    assert parsed is not None
    top = parsed
    while top.parent() is not None and top.full_type.lower() != PROFILE.lower():
        top = top.parent()  # type: ignore[assignment]
    return str(top)


def profile_body(ctx: Ctx, rid: str) -> dict[str, Any]:
    return ctx.body(profile_id(rid)) or {}


def profile_sku(ctx: Ctx, rid: str) -> str:
    return ((profile_body(ctx, rid).get("sku") or {}).get("name")) or ""


def require_afd(ctx: Ctx, rid: str, what: str) -> str:
    sku = profile_sku(ctx, rid)
    if sku not in AFD_SKUS:
        raise bad(f"That action isn't allowed in this profile: {what} needs an Azure Front Door Standard or "
                  f"Premium profile; {profile_id(rid)} has sku {sku or 'none'}.")
    return sku


def same_profile_ref(ctx: Ctx, owner: str, node: Any, path: str, rtype: str, required: bool = False) -> str | None:
    """A reference (``{"id": ...}``) to another child of the owner's profile, of the given type."""
    if node is None:
        if required:
            raise bad(f"The property '{path}' is required.", path)
        return None
    rid = node.get("id") if isinstance(node, dict) else None
    if not isinstance(rid, str) or not rid:
        raise bad(f"The property '{path}' must be a resource reference with an id.", path)
    parsed = parse_resource_id(rid)
    if parsed is None or parsed.full_type.lower() != rtype.lower():
        raise bad(f"The resource id '{rid}' at {path} is not a {rtype.split('/')[-1]} id.", path)
    if normalize(profile_id(rid)) != normalize(profile_id(owner)):
        raise bad(f"The resource {rid} at {path} belongs to another profile; it must be in profile "
                  f"{profile_id(owner)}.", path)
    rec = ctx.record(rid)
    if rec is None:
        raise bad(f"The resource {rid} referenced at {path} was not found.", path)
    return rec.id


def endpoint_hash(seed: str) -> str:
    """The 16 characters Azure adds to an AFD endpoint name (``<name>-<hash>.z01.azurefd.net``)."""
    digest = hashlib.sha256(seed.lower().encode()).digest()
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    out = []
    n = int.from_bytes(digest, "big")
    for _ in range(16):
        n, r = divmod(n, len(alphabet))
        out.append(alphabet[r])
    s = "".join(out)
    return re.sub(r"^[0-9]", "a", s)


def enabled(value: Any, path: str, default: str = "Enabled") -> str:
    if value is None:
        return default
    if isinstance(value, str) and value.lower() in ("enabled", "disabled"):
        return value.capitalize()
    raise bad(f"The value '{value}' at {path} is not valid; expected Enabled or Disabled.", path)


def choice(value: Any, allowed: tuple[str, ...], path: str, default: str | None = None) -> str | None:
    if value is None:
        return default
    found = spelled_as(value, allowed)
    if found is None:
        raise bad(f"The value '{value}' at {path} is not valid. Allowed values are: {', '.join(allowed)}.", path)
    return found


def number(value: Any, path: str, low: int, high: int, default: int | None = None) -> int | None:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise bad(f"The value '{value}' at {path} is out of range. It must be an integer between {low} and {high}.",
                  path)
    return value


# Profiles being deleted by this request (in its scratch space): their children go with them, whatever
# uses what inside.
DELETING = "cdn.profiles-deleting"


def mark_profile_deleting(ctx: Ctx, rid: str) -> None:
    ctx.scratch_set(DELETING).add(normalize(rid))


def profile_deleting(ctx: Ctx, rid: str) -> bool:
    return normalize(profile_id(rid)) in ctx.scratch_set(DELETING)
