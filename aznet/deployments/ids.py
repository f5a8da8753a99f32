"""Resource ids as templates build them: scope + provider namespace + type/name pairs."""

from __future__ import annotations

from .. import typenames
from .errors import ExpressionError

RESOURCE_GROUPS = typenames.RESOURCE_GROUP.lower()
SUBSCRIPTIONS = "microsoft.resources/subscriptions"


def scope_prefix(subscription_id: str | None, resource_group: str | None) -> str:
    if not subscription_id:
        return ""
    return f"/subscriptions/{subscription_id}" + (f"/resourceGroups/{resource_group}" if resource_group else "")


def provider_path(rtype: str, names: list[str], fn: str = "resourceId") -> str:
    """``/providers/NS/t1/n1/t2/n2`` from ``NS/t1/t2`` and the names (which may be given as ``n1/n2``)."""
    segs = [s for s in rtype.split("/") if s]
    if len(segs) < 2:
        raise ExpressionError(f"Unable to evaluate template language function '{fn}': the type '{rtype}' is not "
                              "valid. A fully qualified type is '<namespace>/<type>'.")
    ns, types = segs[0], segs[1:]
    flat = [part for name in names for part in str(name).split("/")]
    if len(flat) != len(types):
        raise ExpressionError(f"Unable to evaluate template language function '{fn}': the type '{rtype}' requires "
                              f"'{len(types)}' resource name argument(s).")
    return f"/providers/{ns}/" + "/".join(f"{t}/{n}" for t, n in zip(types, flat, strict=True))


def build_id(subscription_id: str | None, resource_group: str | None, rtype: str, names: list[str],
             fn: str = "resourceId") -> str:
    low = rtype.lower()
    if low == RESOURCE_GROUPS and subscription_id and len(names) == 1:
        return f"/subscriptions/{subscription_id}/resourceGroups/{names[0]}"
    if low == SUBSCRIPTIONS and len(names) == 1:
        return f"/subscriptions/{names[0]}"
    return scope_prefix(subscription_id, resource_group) + provider_path(rtype, names, fn)


def extension_id(base: str, rtype: str, names: list[str], fn: str = "extensionResourceId") -> str:
    return base.rstrip("/") + provider_path(rtype, names, fn)
