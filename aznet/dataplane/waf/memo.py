"""Cross-request memory of pure per-value results, bounded by bytes.

Most of what the engine computes for a request value depends on that value alone: a rule link's
transformations and operator (``@rx`` without macros, ``@pm``, ``@detectSQLi``, ``@validateByteRange``, ...),
or which of a target group's Hyperscan patterns hit its transformed forms. Browsers and API clients send the
same header values, cookies and arguments again and again (User-Agent, Accept, Referer, session cookies, paging
arguments), so each such result is kept per (what computed it, value) and a repeated value costs one dict lookup.

Bounded: values longer than ``MAX_VALUE`` characters are never kept; each entry is weighed as its value's length
plus ``ENTRY_BYTES``; when the total passes ``max_bytes`` every table is emptied (a hostile client sending only
new values makes the memory churn, never grow). Tables are plain dicts handed out by :meth:`ValueMemo.table`, so
a lookup is ``table.get(value)`` with no call in between.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from ...seen import SeenOnce
from .pcre import LONG_VALUE

MAX_VALUE = LONG_VALUE      # the regex operators search longer values under a time budget: never memoised
ENTRY_BYTES = 160           # a dict slot, the key's str header, a result tuple
MAX_BYTES = 32 * 1024 * 1024
SEEN_LIMIT = 16384          # hashes seen_before keeps (then forgets them all)


class Table(dict[Any, Any]):
    """One memo table (a dict: lookups stay C calls); weakly held by :class:`ValueMemo`, so a rule set that is
    dropped takes its tables with it."""


class ValueMemo:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.tables: weakref.WeakValueDictionary[int, Table] = weakref.WeakValueDictionary()
        self.resets = 0
        self._seen = SeenOnce(SEEN_LIMIT)   # hashes of the keys seen_before saw once
        self._next = 0
        # tables are made where rule sets compile (a worker thread) and emptied where requests run
        self._lock = threading.Lock()

    def table(self) -> Table:
        t = Table()
        with self._lock:
            self._next += 1
            self.tables[self._next] = t
        return t

    def put(self, table: Table, value: str, result: Any) -> None:
        self.put_sized(table, value, len(value), result)

    def put_sized(self, table: Table, key: Any, size: int, result: Any) -> None:
        """``put`` for a key that is not one string (a (name, value) item): ``size`` characters weighed."""
        if size > MAX_VALUE:
            return
        self.put_weighed(table, key, size, result)

    def put_weighed(self, table: Table, key: Any, weight: int, result: Any) -> None:
        """``put`` of an entry weighing ``weight`` bytes (plus ``ENTRY_BYTES``), whatever its key's length: for
        callers that bound their keys themselves (rule_memo.py: a tuple of header names)."""
        if self.max_bytes <= 0 or weight + ENTRY_BYTES > self.max_bytes:
            return
        self.bytes += weight + ENTRY_BYTES
        if self.bytes > self.max_bytes:
            self.clear()
            self.bytes = weight + ENTRY_BYTES
        table[key] = result

    def seen_before(self, table: Table, key: Any) -> bool:
        """For keys made of a whole part of a request (a header list, a request line, a body), which are kept only
        the second time they are seen: whether this one was (remembered by hash, ``SEEN_LIMIT`` hashes at most), so
        traffic whose every such part is new (a counting request-id header) never fills the memory with one-time
        entries, which would empty every table again and again. Callers weigh and ``put_weighed`` only then. Per
        table: one key seen by two tables is seen once by each."""
        return self._seen.again(hash((id(table), key)))

    def put_repeated(self, table: Table, key: Any, weight: int, result: Any) -> None:
        """``put_weighed`` of a whole request part's key from the second time it is seen (``seen_before``)."""
        if self.seen_before(table, key):
            self.put_weighed(table, key, weight, result)

    def clear(self) -> None:
        with self._lock:
            tables = list(self.tables.values())
        for t in tables:
            t.clear()
        self.bytes = 0
        self.resets += 1


MEMO = ValueMemo()
