"""What the edge's fast paths do with a request header, by its name as the client sent it, remembered.

Clients send the same few header names in the same case on every request; lower-casing each name and testing it
against the edge's sets costs more than one dictionary lookup of the name as sent. ``role`` says which of the
headers the fast paths read a name is (``fastpath.FastPaths.take``), ``passed`` whether the edge forwards it to
the origin (not hop-by-hop, not one the edge sets itself, not ``X-FD-*``: as ``proxy.EdgeProxy`` forwards).
Both remember at most ``MAX_NAMES`` names of at most ``MAX_NAME`` characters (hostile clients send many long
names); others are worked out each time."""

from __future__ import annotations

from .proxy import NOT_PASSED

MAX_NAMES = 1024
MAX_NAME = 64

OTHER, HOST, XFF, CONDITIONAL, CHAIN, DEBUG = range(6)
_ROLE_OF = {"host": HOST, "x-forwarded-for": XFF, "range": CONDITIONAL, "if-range": CONDITIONAL,
            "if-none-match": CONDITIONAL, "if-modified-since": CONDITIONAL, "x-azure-requestchain": CHAIN,
            "x-azure-debuginfo": DEBUG}
ROLES: dict[str, int] = {}
PASSES: dict[str, bool] = {}


def role(name: str) -> int:
    got = ROLES.get(name)
    if got is None:
        got = _ROLE_OF.get(name.lower(), OTHER)
        if len(name) <= MAX_NAME:
            if len(ROLES) >= MAX_NAMES:
                ROLES.clear()
            ROLES[name] = got
    return got


def passed(name: str) -> bool:
    got = PASSES.get(name)
    if got is None:
        low = name.lower()
        got = low not in NOT_PASSED and not low.startswith("x-fd-")
        if len(name) <= MAX_NAME:
            if len(PASSES) >= MAX_NAMES:
                PASSES.clear()
            PASSES[name] = got
    return got
