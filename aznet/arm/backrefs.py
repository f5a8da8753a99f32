"""Back-references, declared: ``BackRef(property, referring type, in-use error code)``.

Many Network types show which resources use them (a NAT gateway's ``subnets``, a DDoS plan's
``virtualNetworks``): a read-only property Azure computes. The generic CRUD path does the three
things such a property needs: drops it from a PUT's body, refuses a delete while a referrer remains
(with the declared code and message), and renders the referrers on every GET."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ArmError
from .ids import normalize

if TYPE_CHECKING:
    from .context import Ctx


@dataclass(frozen=True)
class BackRef:
    property: str                    # the read-only property on the referenced resource, e.g. "subnets"
    referrer_type: str               # the type that refers, e.g. "Microsoft.Network/virtualNetworks/subnets"
    in_use_code: str | None = None   # refuse a delete while referenced (None: the delete goes ahead)
    # the referrer's property that holds the reference ({"id": …} or a list of them); default: this type's
    # name as a camelCase singular is not guessable, so say it ("natGateway", "serviceEndpointPolicies")
    via: str = ""
    # the in-use message: a format string over {id}, {name}, {count} and {referrers} (comma separated)
    message: str = "{id} cannot be deleted because it is in use by: {referrers}."
    # a predicate on the referrer's body, for references that count only in some states
    when: Callable[[dict[str, Any]], bool] | None = None

    def referrers(self, ctx: Ctx, target_id: str) -> list[str]:
        """Ids of the resources of ``referrer_type`` whose ``properties.<via>`` names ``target_id``."""
        own = normalize(target_id)
        low_type = self.referrer_type.lower()
        out = []
        for rec in ctx.referrers(target_id):
            if rec.type.lower() != low_type:
                continue
            ref = (rec.body.get("properties") or {}).get(self.via)
            refs = ref if isinstance(ref, list) else [ref]
            if any(isinstance(r, dict) and isinstance(r.get("id"), str) and normalize(r["id"]) == own
                   for r in refs):
                if self.when is None or self.when(rec.body):
                    out.append(rec.id)
        return out

    def in_use_error(self, body: dict[str, Any], users: list[str]) -> ArmError:
        assert self.in_use_code is not None
        return ArmError(400, self.in_use_code, self.message.format(
            id=body.get("id", ""), name=body.get("name", ""), count=len(users), referrers=", ".join(users)))


def drop_on_put(back_refs: tuple[BackRef, ...], new: dict[str, Any]) -> None:
    props = new.get("properties")
    if isinstance(props, dict):
        for b in back_refs:
            props.pop(b.property, None)


def check_delete(ctx: Ctx, back_refs: tuple[BackRef, ...], body: dict[str, Any]) -> None:
    for b in back_refs:
        if b.in_use_code is not None:
            users = b.referrers(ctx, body["id"])
            if users:
                raise b.in_use_error(body, users)


def render(ctx: Ctx, back_refs: tuple[BackRef, ...], body: dict[str, Any]) -> None:
    for b in back_refs:
        users = b.referrers(ctx, body["id"])
        if users:
            body.setdefault("properties", {})[b.property] = [{"id": u} for u in users]
