"""The edge's object store: a byte-bounded LRU in memory and an optional byte-bounded disk tier that takes what
the memory tier evicts (and gives it back on the next hit). Objects are namespaced by a scope (the endpoint or
front door), so one edge process serves many endpoints without their caches mixing.

Purge follows Azure's content paths: ``/pictures/city.png`` (one asset; every query-string variant of it),
``/pictures/*`` (everything under the folder), ``/*`` (everything); matching is case-insensitive and
query-string agnostic, and limited to the given domains."""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
import struct
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# Bytes counted besides the body and header text, so the budget bounds the process's real memory (measured with
# tracemalloc: an object, its LRU node and key, and each header's tuple and strings).
ENTRY_OVERHEAD = 420
HEADER_OVERHEAD = 120
RENDERED_OVERHEAD = 160      # the rendered head's tuple and two bytes objects


@dataclass(slots=True)
class Entry:
    scope: str
    key: str
    host: str  # lower-case
    path: str  # URL path as received (purge matches it case-insensitively)
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    encoding: str  # Content-Encoding the origin sent ("" = identity)
    stored_at: float  # wall clock
    expires_at: float  # wall clock
    vary: tuple[str, ...] = ()  # lower-cased request header names the origin varies on (besides Accept-Encoding)
    vary_values: tuple[str, ...] = ()
    variants: dict[str, bytes] = field(default_factory=dict)  # encodings made at the edge, and "identity"
    size: int = 0
    # the answer's head pre-rendered for plain GETs (``cache.hits``): (policy, bytes before the Age value, bytes
    # after it up to the X-Azure-Ref value), or (policy, None, b"") when the answer depends on the request
    rendered: tuple[Any, bytes | None, bytes] | None = None

    def measure(self) -> int:
        r = self.rendered
        self.size = (ENTRY_OVERHEAD + 2 * len(self.key) + len(self.body)
                     + sum(HEADER_OVERHEAD + len(k) + len(v) for k, v in self.headers)
                     + sum(len(v) + 40 for v in self.variants.values())
                     + (RENDERED_OVERHEAD + len(r[1] or b"") + len(r[2]) if r is not None else 0))
        return self.size


def purge_matcher(paths: Iterable[str]) -> Callable[[str], bool]:
    """A test of a URL path against purge content paths (case-insensitive, query string ignored)."""
    exact: set[str] = set()
    prefixes: list[str] = []
    globs: list[str] = []
    everything = False
    for p in paths:
        p = p.split("?", 1)[0].lower()
        if p in ("/*", "*"):
            everything = True
        elif p.endswith("/*") and "*" not in p[:-1]:
            prefixes.append(p[:-1])
        elif "*" in p:
            globs.append(p)
        else:
            exact.add(p)

    def match(path: str) -> bool:
        if everything:
            return True
        low = path.lower()
        return low in exact or low.startswith(tuple(prefixes)) or any(fnmatch.fnmatchcase(low, g) for g in globs)

    return match


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class DiskTier:
    """Evicted objects as files ``<sha256>.obj`` (a JSON header and the body), bounded by bytes, LRU. Each cache
    writes in a directory of its own, ``edge-<pid>-<n>`` under the configured one (nothing else there is
    touched); directories left by processes that are gone are removed."""

    _HEAD = struct.Struct("!I")
    _made = 0

    def __init__(self, directory: str, max_bytes: int, clock: Callable[[], float] = time.time) -> None:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            parts = name.split("-")
            if len(parts) == 3 and parts[0] == "edge" and parts[1].isdigit() and not _alive(int(parts[1])):
                shutil.rmtree(os.path.join(directory, name), ignore_errors=True)
        DiskTier._made += 1
        self.dir = os.path.join(directory, f"edge-{os.getpid()}-{DiskTier._made}")
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.max_bytes = max_bytes
        self.clock = clock
        # (scope, key) -> (file, size, host, path, expires_at)
        self.index: OrderedDict[tuple[str, str], tuple[str, int, str, str, float]] = OrderedDict()
        self.bytes = 0

    def _file(self, scope: str, key: str) -> str:
        return os.path.join(self.dir, hashlib.sha256(f"{scope}\0{key}".encode()).hexdigest() + ".obj")

    def put(self, e: Entry) -> None:
        if e.size > self.max_bytes:
            return
        head = json.dumps({"scope": e.scope, "key": e.key, "host": e.host, "path": e.path, "status": e.status,
                           "headers": e.headers, "encoding": e.encoding, "stored_at": e.stored_at,
                           "expires_at": e.expires_at, "vary": e.vary, "vary_values": e.vary_values}).encode()
        path = self._file(e.scope, e.key)
        self.drop(e.scope, e.key)
        try:
            with open(path, "wb") as f:
                f.write(self._HEAD.pack(len(head)) + head + e.body)
        except OSError:
            return
        size = len(head) + len(e.body) + ENTRY_OVERHEAD
        self.index[(e.scope, e.key)] = (path, size, e.host, e.path, e.expires_at)
        self.bytes += size
        while self.bytes > self.max_bytes and self.index:
            (scope, key), _ = next(iter(self.index.items()))
            self.drop(scope, key)

    def take(self, scope: str, key: str) -> Entry | None:
        """Remove and return an object (it moves back to memory)."""
        meta = self.index.get((scope, key))
        if meta is None:
            return None
        try:
            with open(meta[0], "rb") as f:
                data = f.read()
            (n,) = self._HEAD.unpack_from(data)
            head = json.loads(data[4:4 + n])
            entry = Entry(head["scope"], head["key"], head["host"], head["path"], head["status"],
                          [tuple(h) for h in head["headers"]], data[4 + n:], head["encoding"],  # type: ignore[misc]
                          head["stored_at"], head["expires_at"], tuple(head["vary"]), tuple(head["vary_values"]))
        except (OSError, ValueError, KeyError, struct.error):
            entry = None
        self.drop(scope, key)
        if entry is not None:
            entry.measure()
        return entry

    def drop(self, scope: str, key: str) -> None:
        meta = self.index.pop((scope, key), None)
        if meta is None:
            return
        self.bytes -= meta[1]
        try:
            os.unlink(meta[0])
        except OSError:
            pass

    def purge(self, scope: str | None, match: Callable[[str], bool], domains: set[str] | None) -> int:
        doomed = [k for k, m in self.index.items()
                  if (scope is None or k[0] == scope) and (domains is None or m[2] in domains) and match(m[3])]
        for scope_, key in doomed:
            self.drop(scope_, key)
        return len(doomed)

    def clear(self) -> None:
        for scope, key in list(self.index):
            self.drop(scope, key)


class ObjectStore:
    def __init__(self, max_bytes: int, max_object: int, disk: DiskTier | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.max_bytes = max_bytes
        self.max_object = max_object
        self.disk = disk
        self.clock = clock
        self.entries: OrderedDict[tuple[str, str], Entry] = OrderedDict()
        self.bytes = 0
        self.evictions = 0

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, scope: str, key: str) -> Entry | None:
        """A fresh object, made most recently used; an expired one is dropped."""
        k = (scope, key)
        e = self.entries.get(k)
        if e is None and self.disk is not None:
            e = self.disk.take(scope, key)
            if e is not None and not self._admit(e):
                return None
        if e is None:
            return None
        if e.expires_at <= self.clock():
            self.remove(scope, key)
            return None
        self.entries.move_to_end(k)
        return e

    def put(self, e: Entry) -> bool:
        e.measure()
        if e.size > self.max_object or e.size > self.max_bytes:
            return False
        self.remove(e.scope, e.key)
        return self._admit(e)

    def _admit(self, e: Entry) -> bool:
        self.entries[(e.scope, e.key)] = e
        self.bytes += e.size
        self._shrink()
        return (e.scope, e.key) in self.entries

    def grow(self, e: Entry, extra: bytes, coding: str) -> None:
        """Keep an encoded (or decoded) variant with its object, counted against the budget."""
        if (e.scope, e.key) not in self.entries or coding in e.variants:
            return
        if e.size + len(extra) > self.max_object:
            return
        e.variants[coding] = extra
        self.bytes += len(extra)
        e.size += len(extra)
        self._shrink()

    def keep_rendered(self, e: Entry, rendered: tuple[Any, bytes | None, bytes]) -> None:
        """Keep an object's pre-rendered head with it, counted against the budget."""
        before = e.size
        e.rendered = rendered
        if self.entries.get((e.scope, e.key)) is e:
            self.bytes += e.measure() - before
            self._shrink()

    def _shrink(self) -> None:
        while self.bytes > self.max_bytes and self.entries:
            (scope, key), victim = self.entries.popitem(last=False)
            self.bytes -= victim.size
            self.evictions += 1
            if self.disk is not None and victim.expires_at > self.clock():
                victim.variants.clear()
                victim.rendered = None
                victim.measure()
                self.disk.put(victim)

    def remove(self, scope: str, key: str) -> None:
        e = self.entries.pop((scope, key), None)
        if e is not None:
            self.bytes -= e.size
        if self.disk is not None:
            self.disk.drop(scope, key)

    def purge(self, scope: str | None, paths: Iterable[str], domains: Iterable[str] | None = None) -> int:
        """Objects of ``scope`` (None: of every scope) on ``domains`` (None: every domain) whose path matches."""
        match = purge_matcher(paths)
        hosts = {d.lower().rstrip(".") for d in domains} if domains is not None else None
        doomed = [k for k, e in self.entries.items()
                  if (scope is None or k[0] == scope) and (hosts is None or e.host in hosts) and match(e.path)]
        for scope_, key in doomed:
            self.remove(scope_, key)
        if self.disk is not None:
            return len(doomed) + self.disk.purge(scope, match, hosts)
        return len(doomed)

    def drop_scope(self, scope: str) -> None:
        """Forget every object of a scope (its endpoint was deleted)."""
        for s, key in [k for k in self.entries if k[0] == scope]:
            self.remove(s, key)
        if self.disk is not None:
            for s, key in [k for k in self.disk.index if k[0] == scope]:
                self.disk.drop(s, key)
