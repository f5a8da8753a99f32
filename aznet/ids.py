"""Parsing and building ARM resource ids. Pure string logic, case-insensitive matching with the
caller's casing kept. A neutral module: the ARM layer, the resource types and the data planes read it
(``aznet/arm/ids.py`` re-exports it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_guid(value: str) -> bool:
    return bool(GUID_RE.match(value))


@dataclass(frozen=True)
class ResourceId:
    """A parsed id of a resource under a provider namespace.

    ``types`` and ``names`` have equal length for a resource instance; for a
    collection path (list of children) ``types`` is one longer than ``names``.
    """

    subscription: str
    resource_group: str | None
    namespace: str
    types: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def is_collection(self) -> bool:
        return len(self.types) == len(self.names) + 1

    @property
    def full_type(self) -> str:
        return "/".join((self.namespace, *self.types))

    @property
    def name(self) -> str:
        return self.names[-1]

    @property
    def scope(self) -> str:
        base = f"/subscriptions/{self.subscription}"
        if self.resource_group is not None:
            base += f"/resourceGroups/{self.resource_group}"
        return base

    def __str__(self) -> str:
        parts = [f"{self.scope}/providers/{self.namespace}"]
        for i, t in enumerate(self.types):
            parts.append(t)
            if i < len(self.names):
                parts.append(self.names[i])
        return "/".join(parts)

    def parent(self) -> ResourceId | None:
        if len(self.names) <= 1:
            return None
        n = len(self.names) - 1
        return ResourceId(self.subscription, self.resource_group, self.namespace, self.types[:n], self.names[:n])

    def child(self, child_type: str, child_name: str) -> ResourceId:
        return ResourceId(
            self.subscription, self.resource_group, self.namespace,
            (*self.types, child_type), (*self.names, child_name),
        )

    def collection(self, child_type: str) -> ResourceId:
        return ResourceId(self.subscription, self.resource_group, self.namespace, (*self.types, child_type), self.names)


def split_path(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def parse_resource_id(rid: str) -> ResourceId | None:
    """Parse ``/subscriptions/s[/resourceGroups/rg]/providers/ns/t1/n1[/t2/n2...]``.

    Returns None when the string is not such an id (or is a collection path
    with an odd number of trailing segments: then ``types`` gets the extra one).
    """
    segs = split_path(rid)
    if len(segs) < 4 or segs[0].lower() != "subscriptions":
        return None
    sub = segs[1]
    i = 2
    rg = None
    if len(segs) > i + 1 and segs[i].lower() == "resourcegroups":
        rg = segs[i + 1]
        i += 2
    if len(segs) <= i + 1 or segs[i].lower() != "providers":
        return None
    ns = segs[i + 1]
    rest = segs[i + 2:]
    if not rest:
        return None
    types = tuple(rest[0::2])
    names = tuple(rest[1::2])
    return ResourceId(sub, rg, ns, types, names)


def resource_group_id(sub: str, rg: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}"


def normalize(rid: str) -> str:
    """The store's key for an id: lower case, no trailing slash."""
    return rid.rstrip("/").lower()
