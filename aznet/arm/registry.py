"""Declaring resource types. ARM is uniform, so a type is mostly data:
its name, api-versions, schema model, and which properties hold inline child
resources. ``Hooks`` carry the real behaviour (validation, allocation, side
effects, in-use checks, actions) and nothing about HTTP."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import declarations
from .backrefs import BackRef
from .errors import ArmError

if TYPE_CHECKING:
    from .context import Ctx


class Hooks:
    """Override what a type needs; every method runs inside the request's transaction."""

    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        """Raise ArmError for a body Azure would refuse. ``new`` is the body to store."""

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        """Fill defaults and computed read-only state into ``new`` (mutate it)."""

    def validate_children(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        """Validate the parent together with its inline children, once all of them are written (a child's
        own ``validate`` skips sibling checks while ``ctx.in_children_batch(parent)``). Raise ArmError."""

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        """Side effects on other resources, after ``new`` (and its inline children) is written."""

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        """Raise ArmError (InUse…) to refuse the delete."""

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        """Side effects after the resource (and its children) is deleted."""

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        """Add state computed at read time (back-references) to a response body (mutate it)."""


ActionHandler = Callable[["Ctx", dict[str, Any], Any], tuple[int, Any]]


@dataclass
class Action:
    """A POST (or GET) on ``{resource id}/{name}``. The handler gets the
    resource's stored body and the parsed request body; it returns (status, body)."""

    name: str
    handler: ActionHandler
    method: str = "POST"
    long_running: bool = False
    api_versions: Sequence[str] | None = None


@dataclass
class NameRule:
    min_len: int = 1
    max_len: int = 80
    pattern: str = r"^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$"
    message: str = ("The name can contain only letters, numbers, underscores, periods, and hyphens; "
                    "start with a letter or number, and end with a letter, number or underscore.")

    def check(self, name: str, rtype: str) -> None:
        if not (self.min_len <= len(name) <= self.max_len) or not re.match(self.pattern, name):
            raise ArmError(400, "InvalidResourceName",
                           f"Resource name {name} is invalid. {self.message} "
                           f"The name must be between {self.min_len} and {self.max_len} characters.",
                           target=rtype)


@dataclass
class ResourceType:
    type: str                                    # Microsoft.Network/virtualNetworks/subnets
    api_versions: Sequence[str]
    model: str | None = None                     # SDK model name the schema comes from
    schema_package: str = "network"
    hooks: Hooks = field(default_factory=Hooks)
    location: str = "required"                   # required | optional | none
    long_running: bool = True                    # PUT/DELETE answer with Azure-AsyncOperation
    inline_children: dict[str, str] = field(default_factory=dict)   # property -> child type
    keep_children_when_absent: bool | frozenset[str] = False   # PUT without the property keeps existing children
    # (True for every inline property, or the set of property names for which it holds)
    names: NameRule = field(default_factory=NameRule)
    actions: list[Action] = field(default_factory=list)
    provisioning_state: bool = True              # properties.provisioningState is kept
    etag: bool = True
    top_level_fields: tuple[str, ...] = ("location", "tags", "sku", "zones", "kind", "extendedLocation",
                                         "identity", "plan", "managedBy")
    global_location: bool = False                # location is 'global' (DNS, Traffic Manager)
    # Read-only children computed from the parent instead of stored (e.g. an NSG's default rules):
    # virtual(ctx, parent_body) -> the children as GET returns them.
    virtual: Callable[[Ctx, dict[str, Any]], list[dict[str, Any]]] | None = None
    created_status: int | None = None            # a create answers this instead of 201 (Storage: 202)
    # read-only back-references (a NAT gateway's subnets): dropped on PUT, rendered on GET, and a delete
    # refused while referenced (arm/backrefs.py)
    back_refs: tuple[BackRef, ...] = ()
    # the body of a synchronous DELETE's 200 (Traffic Manager answers {"boolean": true}); None: no body
    delete_result: Any = None
    # $expand on GET: expand(ctx, rendered body, the $expand value) adds what was asked for
    # (a VM's instanceView); None: $expand is ignored
    expand: Callable[[Ctx, dict[str, Any], str], None] | None = None
    put_body_optional: bool = False              # a PUT without a body is a PUT of {} (a CDN rule set)

    @property
    def key(self) -> str:
        return self.type.lower()

    @property
    def namespace(self) -> str:
        return self.type.split("/", 1)[0]

    @property
    def is_child(self) -> bool:
        return self.type.count("/") > 1

    def action(self, name: str, method: str) -> Action | None:
        low = name.lower()
        for a in self.actions:
            if a.name.lower() == low and a.method == method:
                return a
        return None


class Registry:
    """The resource types of a platform. The global ``REGISTRY`` records every declaration (with the
    module that made it) so a platform can be assembled from an explicit list of packages
    (``arm/declarations.py``); an assembled registry records nothing."""

    def __init__(self, record: bool = False) -> None:
        self._record = record
        self._types: dict[str, ResourceType] = {}
        self._namespaces: dict[str, str] = {}
        self._extra_actions: dict[str, list[Action]] = {}    # declared by another package, by type key

    def add(self, rt: ResourceType) -> ResourceType:
        if self._record:
            declarations.record("type", (rt, tuple(rt.actions)))
        self._types[rt.key] = rt
        self._namespaces[rt.namespace.lower()] = rt.namespace
        self._merge_actions(rt)
        return rt

    def add_actions(self, rtype: str, actions: Iterable[Action]) -> None:
        """Actions another package offers on ``rtype`` (Network Watcher's on network interfaces): attached
        now if the type is declared, else when it is, so the order packages load in does not matter."""
        actions = list(actions)
        if self._record:
            declarations.record("actions", (rtype, actions))
        self._extra_actions.setdefault(rtype.lower(), []).extend(actions)
        rt = self._types.get(rtype.lower())
        if rt is not None:
            self._merge_actions(rt)

    def _merge_actions(self, rt: ResourceType) -> None:
        names = {a.name.lower() for a in rt.actions}
        for a in self._extra_actions.get(rt.key, ()):
            if a.name.lower() not in names:
                rt.actions.append(a)
                names.add(a.name.lower())

    def add_all(self, types: Iterable[ResourceType]) -> None:
        for rt in types:
            self.add(rt)

    def get(self, rtype: str) -> ResourceType | None:
        return self._types.get(rtype.lower())

    def namespace(self, ns: str) -> str | None:
        return self._namespaces.get(ns.lower())

    def types(self) -> list[ResourceType]:
        return list(self._types.values())

    def child_types(self, parent_type: str) -> list[ResourceType]:
        low = parent_type.lower() + "/"
        depth = parent_type.count("/") + 1
        return [t for k, t in self._types.items() if k.startswith(low) and t.type.count("/") == depth]


REGISTRY = Registry(record=True)
