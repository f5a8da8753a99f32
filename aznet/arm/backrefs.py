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


def _names(refs: Any, own: str) -> bool:
    """Does a reference value ({"id": …} or a list of them) name the resource whose key is ``own``?"""
    items = refs if isinstance(refs, list) else [refs]
    return any(isinstance(r, dict) and isinstance(r.get("id"), str) and normalize(r["id"]) == own for r in items)


def nested_referrers(ctx: Ctx, target_id: str, via: tuple[str, ...],
                     skip: Callable[[str], bool] = lambda rtype: False) -> list[tuple[str, str]]:
    """(record id, holder id) for each reference to ``target_id`` under one of the ``via`` members at any
    depth of a referrer's properties; the holder is the innermost sub-resource (an object with an id and
    properties, such as a NIC's ipConfiguration) that holds the reference, else the record."""
    own = normalize(target_id)
    out: list[tuple[str, str]] = []
    for rec in ctx.referrers(target_id):
        if rec.type.lower().startswith("microsoft.resources/") or skip(rec.type.lower()):
            continue    # a deployment's outputs show the resources it made; they do not use the target

        def walk(node: Any, holder: dict[str, Any] | None, rec_id: str = rec.id) -> None:
            if isinstance(node, dict):
                for k, v in node.items():
                    if k in via:
                        if _names(v, own):
                            out.append((rec_id, (holder or {}).get("id") or rec_id))
                    elif k != "_aznet":
                        walk(v, node if "properties" in node and "id" in node else holder)
            elif isinstance(node, list):
                for item in node:
                    walk(item, holder)
        walk(rec.body.get("properties") or {}, None)
    return out


@dataclass(frozen=True)
class BackRef:
    property: str                    # the read-only property on the referenced resource, e.g. "subnets"
    referrer_type: str               # the type that refers, e.g. "Microsoft.Network/virtualNetworks/subnets";
    # "*": any type (but Microsoft.Resources' own records and the ``exclude`` types)
    in_use_code: str | None = None   # refuse a delete while referenced (None: the delete goes ahead)
    # the referrer's property that holds the reference ({"id": …} or a list of them), or several names;
    # the type's name as a camelCase singular is not guessable, so say it ("natGateway", "serviceEndpointPolicies")
    via: str | tuple[str, ...] = ""
    # the in-use message: a format string over {id}, {name}, {count}, {first} and {referrers} (comma separated)
    message: str = "{id} cannot be deleted because it is in use by: {referrers}."
    # a predicate on the referrer's body, for references that count only in some states
    when: Callable[[dict[str, Any]], bool] | None = None
    # the reference may sit at any depth of the referrer (a NIC's ipConfigurations[].properties.publicIPAddress):
    # the referrer shown is the sub-resource that holds it
    nested: bool = False
    single: bool = False             # rendered as {"id": …} of the (first) referrer, not a list
    exclude: tuple[str, ...] = ()    # with referrer_type "*": types that do not count (lower case)
    read_only: bool = True           # False: a client may write the property too (kept on PUT; shown until used)
    empty: bool = False              # rendered as [] when nothing refers (Azure shows the empty list)

    @property
    def via_names(self) -> tuple[str, ...]:
        return (self.via,) if isinstance(self.via, str) else self.via

    def _counts(self, rtype: str) -> bool:
        low = rtype.lower()
        if self.referrer_type == "*":
            return low not in self.exclude and not low.startswith("microsoft.resources/")
        return low == self.referrer_type.lower()

    def referrers(self, ctx: Ctx, target_id: str) -> list[str]:
        """Ids of the resources of ``referrer_type`` whose ``properties.<via>`` names ``target_id`` (with
        ``nested``: the sub-resources, at any depth, that do)."""
        if self.nested:
            return [holder for _, holder in nested_referrers(ctx, target_id, self.via_names,
                                                             lambda rtype: not self._counts(rtype))]
        own = normalize(target_id)
        out = []
        for rec in ctx.referrers(target_id):
            if not self._counts(rec.type):
                continue
            props = rec.body.get("properties") or {}
            if any(_names(props.get(v), own) for v in self.via_names):
                if self.when is None or self.when(rec.body):
                    out.append(rec.id)
        return out

    def in_use_error(self, body: dict[str, Any], users: list[str]) -> ArmError:
        assert self.in_use_code is not None
        return ArmError(400, self.in_use_code, self.message.format(
            id=body.get("id", ""), name=body.get("name", ""), count=len(users), first=users[0],
            referrers=", ".join(users)))


def drop_on_put(back_refs: tuple[BackRef, ...], new: dict[str, Any]) -> None:
    props = new.get("properties")
    if isinstance(props, dict):
        for b in back_refs:
            if b.read_only:
                props.pop(b.property, None)


def check_delete(ctx: Ctx, back_refs: tuple[BackRef, ...], body: dict[str, Any]) -> None:
    """Refuse the delete while referenced. Back-references that share an in-use code make one error that
    lists the referrers of each, in declaration order, with the first one's message (an NSG's subnets,
    then its NICs)."""
    groups: dict[str, tuple[BackRef, list[str]]] = {}
    for b in back_refs:
        if b.in_use_code is not None:
            groups.setdefault(b.in_use_code, (b, []))[1].extend(b.referrers(ctx, body["id"]))
    for first, users in groups.values():
        if users:
            raise first.in_use_error(body, users)


def render(ctx: Ctx, back_refs: tuple[BackRef, ...], body: dict[str, Any]) -> None:
    for b in back_refs:
        users = b.referrers(ctx, body["id"])
        if users:
            body.setdefault("properties", {})[b.property] = {"id": users[0]} if b.single else [{"id": u} for u in users]
        elif b.empty:
            body.setdefault("properties", {})[b.property] = []
