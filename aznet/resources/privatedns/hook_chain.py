"""Observing another type's writes without touching its module: ``observe`` wraps
a registered type's hooks so an observer's ``after_write`` / ``after_delete`` run
after the type's own, in the same transaction. Checks, preparation and rendering
stay the type's alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.registry import Hooks, Registry

if TYPE_CHECKING:
    from ...arm.context import Ctx


class ObservedHooks(Hooks):
    def __init__(self, inner: Hooks, observers: list[Hooks]) -> None:
        self.inner = inner
        self.observers = observers

    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        self.inner.validate(ctx, new, old)

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        self.inner.prepare(ctx, new, old)

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        self.inner.after_write(ctx, new, old)
        for obs in self.observers:
            obs.after_write(ctx, new, old)

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        self.inner.before_delete(ctx, body)

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        self.inner.after_delete(ctx, body)
        for obs in self.observers:
            obs.after_delete(ctx, body)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        self.inner.render(ctx, body)

    def __getattr__(self, name: str) -> Any:     # helpers a type's own code may call on its hooks
        return getattr(self.inner, name)


def observe(registry: Registry, rtype: str, observer: Hooks) -> bool:
    """Add ``observer`` to ``rtype``'s hooks; False when the type is not registered (not loaded)."""
    rt = registry.get(rtype)
    if rt is None:
        return False
    if isinstance(rt.hooks, ObservedHooks):
        if not any(type(o) is type(observer) for o in rt.hooks.observers):
            rt.hooks.observers.append(observer)
    else:
        rt.hooks = ObservedHooks(rt.hooks, [observer])
    return True
