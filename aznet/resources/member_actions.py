"""POST actions that set one member of a stored resource (an application gateway's or a connection
monitor's start and stop, a scale set's power state): written as stored, without the resource provider's
PUT checks, and answered 200 with no body."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..arm.context import Ctx

Handler = Callable[["Ctx", dict[str, Any], Any], tuple[int, Any]]


def set_member(section: str, key: str, value: Any) -> Handler:
    """The action's handler: ``body[section][key] = value`` on the stored resource."""
    def handler(ctx: Ctx, body: dict[str, Any], _payload: Any) -> tuple[int, Any]:
        rec = ctx.record(body["id"])
        assert rec is not None
        stored = dict(rec.body)
        stored[section] = {**(stored.get(section) or {}), key: value}
        ctx.write_raw(rec.id, stored)
        return 200, None
    return handler
