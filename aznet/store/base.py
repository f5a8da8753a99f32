"""The store interface every resource type writes through.

A ``Record`` is one ARM resource as stored (its body is what GET returns,
minus inline children and plus any private ``_aznet`` state). Writes happen in
a ``Transaction``: all of a request's writes commit together or not at all, and
subscribers hear about them only after the commit, as a list of ``Change``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Record:
    id: str                  # the id in the casing it was created with
    type: str                # canonical type, e.g. Microsoft.Network/virtualNetworks
    parent: str | None       # normalized id of the parent resource (child resources), else None
    scope: str               # normalized "/subscriptions/s[/resourcegroups/rg]"
    body: dict[str, Any]
    seq: int                 # creation order

    @property
    def key(self) -> str:
        return self.id.lower()


@dataclass(frozen=True)
class Change:
    kind: Literal["put", "delete"]
    id: str
    type: str
    body: dict[str, Any] | None


Subscriber = Callable[[list[Change]], None]


class Transaction(ABC):
    """Reads see the transaction's own writes."""

    @abstractmethod
    def get(self, key: str) -> Record | None: ...

    @abstractmethod
    def put(self, rid: str, rtype: str, parent: str | None, scope: str, body: dict[str, Any]) -> Record: ...

    @abstractmethod
    def delete(self, key: str) -> Record | None: ...

    @abstractmethod
    def children(self, parent_key: str, rtype: str | None = None) -> list[Record]: ...

    @abstractmethod
    def in_scope(self, scope_prefix: str, rtype: str | None = None) -> list[Record]:
        """Top-level records whose scope starts with ``scope_prefix`` (normalized)."""

    @abstractmethod
    def of_type(self, rtype: str) -> list[Record]: ...

    @abstractmethod
    def referrers(self, key: str) -> list[str]:
        """Keys of records whose body references ``key`` or something under it."""


class Store(ABC):
    @abstractmethod
    def transaction(self) -> Transaction: ...

    @abstractmethod
    def commit(self, txn: Transaction) -> list[Change]: ...

    @abstractmethod
    def subscribe(self, fn: Subscriber) -> None: ...

    @abstractmethod
    def get(self, key: str) -> Record | None: ...

    @abstractmethod
    def of_type(self, rtype: str) -> list[Record]: ...

    @abstractmethod
    def all(self) -> Iterator[Record]: ...

    @abstractmethod
    def replace_all(self, records: Iterable[Record]) -> None: ...

    @abstractmethod
    def close(self) -> None: ...


class DataDirLocked(RuntimeError):
    pass
