"""What a hook sees of the platform: the request's transaction, the
subscription, and ways to read, write and delete other resources through
the same code path a client's request takes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..store.base import Record, Transaction
from .ids import normalize

if TYPE_CHECKING:
    from .platform import Platform


class Ctx:
    def __init__(self, platform: Platform, txn: Transaction, subscription: str,
                 api_version: str | None = None, request_id: str = "") -> None:
        self.platform = platform
        self.txn = txn
        self.subscription = subscription
        self.api_version = api_version
        self.request_id = request_id
        self.query: dict[str, str] = {}      # the request's query parameters (keys as sent)
        self.method = ""                      # the request's verb, for a provider action serving several
        self.path = ""                        # the request's path (an extension resource's scope is in it)
        self.base_url = ""                    # scheme://host:port the client used (for links it is given)
        # per-request scratch space for hooks (claims made, resources being deleted, …): it lives and dies
        # with the request, never in module globals
        self.scratch: dict[str, Any] = {}
        # parents whose inline children the generic PUT is writing right now (see Hooks.validate_children)
        self.children_batch: set[str] = set()
        self.body_text: str | None = None    # the request body as sent, for Json.NET-style error positions

    def scratch_set(self, name: str) -> set[str]:
        """A set in the request's scratch space (created on first use)."""
        found: set[str] = self.scratch.setdefault(name, set())
        return found

    def in_children_batch(self, parent_id: str) -> bool:
        """Is the generic PUT writing ``parent_id``'s inline children now? (Sibling checks wait for
        ``Hooks.validate_children``, which sees all of them at once.)"""
        return normalize(parent_id) in self.children_batch

    def arg(self, name: str) -> str | None:
        """A query parameter of the request, by case-insensitive name."""
        low = name.lower()
        return next((v for k, v in self.query.items() if k.lower() == low), None)

    @property
    def settings(self):  # type: ignore[no-untyped-def]
        return self.platform.settings

    # -- reads ------------------------------------------------------------
    def record(self, rid: str) -> Record | None:
        return self.txn.get(normalize(rid))

    def body(self, rid: str) -> dict[str, Any] | None:
        rec = self.txn.get(normalize(rid))
        return rec.body if rec else None

    def rendered(self, rid: str) -> dict[str, Any] | None:
        from .crud import render

        rec = self.txn.get(normalize(rid))
        return render(self, rec) if rec else None

    def children(self, rid: str, rtype: str | None = None) -> list[Record]:
        return self.txn.children(normalize(rid), rtype)

    def of_type(self, rtype: str) -> list[Record]:
        return self.txn.of_type(rtype)

    def referrers(self, rid: str) -> list[Record]:
        out = []
        for key in self.txn.referrers(normalize(rid)):
            rec = self.txn.get(key)
            if rec is not None:
                out.append(rec)
        return out

    # -- writes through the full pipeline -----------------------------------
    def put(self, rid: str, body: dict[str, Any]) -> dict[str, Any]:
        from .crud import put_resource

        return put_resource(self, rid, body, nested=True)[1]

    def delete(self, rid: str) -> None:
        from .crud import delete_resource

        delete_resource(self, rid, nested=True)

    def write_raw(self, rid: str, body: dict[str, Any]) -> None:
        """Replace an existing record's body without running hooks (for
        side effects a hook owns, such as back-references or status)."""
        rec = self.txn.get(normalize(rid))
        if rec is None:
            raise KeyError(rid)
        self.txn.put(rec.id, rec.type, rec.parent, rec.scope, body)
