"""Compiled WAF policies, shared by every data plane that runs the WAF (App Gateway, Front Door).

``compile_policy`` takes seconds for a policy's first managed rule set (CRS parsing, Hyperscan databases), so it
never runs on the event loop or inside a commit: the reconcile seam asks for a policy (``want``) as soon as it is
linked or changed, one worker thread compiles it, and a request that needs a policy still compiling awaits it
(``obtain``) while the loop keeps serving others. Compiled policies are cached by content (two policies with the
same settings share one) in an LRU bounded by bytes (``MAX_CACHE_BYTES``, each entry weighed by an estimate:
``ENTRY_BYTES`` plus its document's size times ``BYTES_PER_DOC_BYTE``; the CRS rule plans and Hyperscan
databases policies share are held once by ``waf.policy``)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import replace
from typing import Any, Generic, TypeVar

from .custom_rules import RateCounter
from .policy import WafPolicy, compile_policy, country_lookup

log = logging.getLogger("aznet.waf.compile")
MAX_CACHE_BYTES = 64 * 1024 * 1024
ENTRY_BYTES = 64 * 1024
BYTES_PER_DOC_BYTE = 16


def fingerprint(doc: dict[str, Any]) -> str:
    props = doc.get("properties") if isinstance(doc.get("properties"), dict) else doc
    keep = {k: v for k, v in (props or {}).items() if k.lower() in ("policysettings", "managedrules", "customrules")}
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()


class PolicyCache:
    """Compiled policies by content, compiled on one worker thread, LRU-bounded by (estimated) bytes."""

    def __init__(self, kind: str = "ApplicationGateway", max_bytes: int = MAX_CACHE_BYTES) -> None:
        self.kind = kind                # compile_policy's kind: ApplicationGateway | FrontDoor
        self.max_bytes = max_bytes
        self.bytes = 0
        self.ready: OrderedDict[str, tuple[WafPolicy, int]] = OrderedDict()
        self.docs: dict[str, dict[str, Any]] = {}          # fingerprint -> the document (of linked policies)
        self.pending: dict[str, concurrent.futures.Future[WafPolicy | None]] = {}
        self.failed: dict[str, str] = {}
        self._lock = threading.Lock()
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._geo: Any = None

    def get(self, fp: str) -> WafPolicy | None:
        got = self.ready.get(fp)
        if got is None:
            return None
        self.ready.move_to_end(fp)
        return got[0]

    def want(self, fp: str, doc: dict[str, Any]) -> concurrent.futures.Future[WafPolicy | None] | None:
        """Start compiling ``doc`` unless it is compiled or compiling; the future, or None when ready."""
        self.docs[fp] = doc
        if fp in self.ready:
            return None
        with self._lock:
            fut = self.pending.get(fp)
            if fut is None:
                if self._pool is None:
                    self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="aznet-waf-compile")
                fut = self.pending[fp] = self._pool.submit(self._compile, fp, doc)
            return fut

    def _compile(self, fp: str, doc: dict[str, Any]) -> WafPolicy | None:
        try:
            if self._geo is None:
                self._geo = country_lookup()
            policy = compile_policy(doc, self.kind, str(doc.get("id") or ""), geo=self._geo)
        except Exception as exc:     # noqa: BLE001 - the control plane validated it; never take the loop down
            log.exception("waf: cannot compile %s WAF policy %s", self.kind, doc.get("id"))
            with self._lock:
                self.failed[fp] = str(exc)
                self.pending.pop(fp, None)
            return None
        weight = ENTRY_BYTES + BYTES_PER_DOC_BYTE * len(json.dumps(doc, default=str))
        with self._lock:
            self.ready[fp] = (policy, weight)
            self.bytes += weight
            while self.bytes > self.max_bytes and len(self.ready) > 1:
                _, (_, w) = self.ready.popitem(last=False)
                self.bytes -= w
            self.pending.pop(fp, None)
            self.failed.pop(fp, None)
        return policy

    async def obtain(self, fp: str) -> WafPolicy | None:
        policy = self.get(fp)
        if policy is not None:
            return policy
        doc = self.docs.get(fp)
        if doc is None:
            return None
        fut = self.want(fp, doc)
        if fut is None:
            return self.get(fp)
        return await asyncio.wrap_future(fut)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def same_compile(bound: WafPolicy, policy: WafPolicy) -> bool:
    """Whether ``bound`` (a compiled policy given its own rate counter with ``dataclasses.replace``) still stands
    for ``policy``'s current compile; when not, the data plane binds the new compile to the same counter."""
    return bound.custom is policy.custom and bound.settings is policy.settings and bound.sets is policy.sets


K = TypeVar("K", bound=Hashable)
MAX_BOUND = 4096


class BoundPolicies(Generic[K]):
    """Compiled policies bound to the endpoints that run them, for every data plane with a WAF.

    Azure counts rate-limit rules "independently for each endpoint the policy is attached to", so each endpoint
    key (App Gateway: gateway, listener, policy; Front Door: the policy link) runs the shared compiled policy with
    a rate counter of its own (``dataclasses.replace``), and keeps that counter when the policy is recompiled
    (``same_compile`` tells when to bind again). At most ``max_bound`` keys: past it the oldest counter goes and
    the bound copies are rebuilt on demand."""

    def __init__(self, cache: PolicyCache, max_bound: int = MAX_BOUND) -> None:
        self.cache = cache
        self.max_bound = max_bound
        self.counters: dict[K, RateCounter] = {}
        self.bound: dict[K, WafPolicy] = {}

    async def obtain(self, fp: str, key: K, policy_id: str | None = None) -> WafPolicy | None:
        """The compiled policy of content ``fp`` (awaiting its compile) bound to ``key``'s counter; ``policy_id``
        replaces the id it logs under (policies with equal content share one compile)."""
        policy = await self.cache.obtain(fp)
        if policy is None:
            return None
        return self._bind(policy, key, policy_id)

    def ready(self, fp: str, key: K, policy_id: str | None = None) -> WafPolicy | None:
        """``obtain`` without waiting: None while the policy is not compiled (or failed to)."""
        policy = self.cache.get(fp)
        if policy is None:
            return None
        return self._bind(policy, key, policy_id)

    def _bind(self, policy: WafPolicy, key: K, policy_id: str | None) -> WafPolicy:
        bound = self.bound.get(key)
        if bound is None or not same_compile(bound, policy):
            counter = self.counters.get(key)
            if counter is None:
                if len(self.counters) >= self.max_bound:
                    self.counters.pop(next(iter(self.counters)))
                counter = self.counters[key] = RateCounter()
            bound = (replace(policy, counter=counter) if policy_id is None
                     else replace(policy, counter=counter, policy_id=policy_id))
            if len(self.bound) >= self.max_bound:
                self.bound.clear()
            self.bound[key] = bound
        return bound

    def rebind(self) -> None:
        """Bind again on next use (the links changed); counters stay."""
        self.bound.clear()

    def keep(self, wanted: Callable[[K], bool]) -> None:
        """Forget the counters and bindings of keys no longer linked."""
        self.counters = {k: c for k, c in self.counters.items() if wanted(k)}
        self.bound = {k: b for k, b in self.bound.items() if wanted(k)}
