"""The worker process side: an L7 engine (application gateway or Front Door edge) serving its frontends with
SO_REUSEPORT, fed by the aznet process.

A worker runs the engine's own service class (the same request path, routing, WAF, cache and TLS code as the
in-process engine) on a stand-in platform: settings, a metrics registry that batches (``ShippedMetrics``),
diagnostic logs that batch (``ShippedLogs``), no reconciler and no probes. It keeps a copy of the records the
engine watches (the whole set once, then each commit's records) and rebuilds the engine's configuration from
them (``svc.resync``), so a commit reaches every worker as it reaches the in-process engine: sockets that stay
keep their connections. What the aznet process alone knows comes by message: the probes' results
(``health``), the names its DNS resolves (``names``), purges and loads. Every ``FLUSH_SECONDS`` the worker sends
its counters, log records and the engine's own tallies back (one message)."""

from __future__ import annotations

import asyncio
import gc
import logging
import queue
import threading
from collections import deque
from multiprocessing.connection import Connection
from typing import Any

from ... import gcpolicy
from ...monitor.diaglogs import DiagnosticLogs
from ...services import Services
from ...store.base import Record
from ..procpool import die_with_parent, new_loop, watch_pipe
from ..reconcile import Snapshot

log = logging.getLogger("aznet.l7workers")
FLUSH_SECONDS = 1.0
MAX_LOG_RECORDS = 50_000        # per flush; older ones are dropped (and counted) past it, as DiagnosticLogs does
MAX_SERIES = 100_000            # metric series per flush


class ShippedMetrics:
    """The worker's ``platform.metrics``: counters accumulate as the registry does (total, count, min, max,
    last) and go to the aznet process in batches. Levels (gauges) are the aznet process's: it sets them from the
    tallies the workers send (connections, throughput, byte hit ratio), so ``set_gauge`` here keeps nothing."""

    def __init__(self) -> None:
        self.acc: dict[tuple[str, str, tuple[tuple[str, str], ...]], list[float]] = {}
        self.collectors: list[Any] = []      # engines' own batches (the edge's tallies), moved in before each take

    def add(self, resource_id: str, metric: str, value: float = 1.0, dims: Any = ()) -> None:
        key = (resource_id, metric, dims)
        a = self.acc.get(key)
        if a is None:
            if len(self.acc) < MAX_SERIES:
                self.acc[key] = [value, 1.0, value, value, value]
            return
        a[0] += value
        a[1] += 1.0
        if value < a[2]:
            a[2] = value
        if value > a[3]:
            a[3] = value
        a[4] = value

    def merge(self, resource_id: str, metric: str, dims: Any, acc: list[float]) -> None:
        """Samples an engine aggregated itself (total, count, min, max, last), as ``MetricsRegistry.merge``."""
        key = (resource_id, metric, dims)
        a = self.acc.get(key)
        if a is None:
            if len(self.acc) < MAX_SERIES:
                self.acc[key] = [float(x) for x in acc]
            return
        a[0] += acc[0]
        a[1] += acc[1]
        a[2] = min(a[2], acc[2])
        a[3] = max(a[3], acc[3])
        a[4] = acc[4]

    def set_gauge(self, resource_id: str, metric: str, value: float, dims: Any = ()) -> None:
        return None

    def drop(self, resource_id: str) -> None:
        return None

    def add_collector(self, fn: Any) -> None:
        self.collectors.append(fn)

    def remove_collector(self, fn: Any) -> None:
        if fn in self.collectors:
            self.collectors.remove(fn)

    def take(self) -> dict[tuple[str, str, Any], list[float]]:
        for fn in list(self.collectors):
            try:
                fn()
            except Exception:  # noqa: BLE001 - a broken collector must not stop the batch
                log.exception("l7workers: metrics collector failed")
        out, self.acc = self.acc, {}
        return out


class ShippedLogs(DiagnosticLogs):
    """Diagnostic logs whose records go to the aznet process (which writes them where the settings point)."""

    def __init__(self, data_dir: Any) -> None:
        super().__init__(data_dir)
        self.out: deque[tuple[str, str, dict[str, Any]]] = deque()

    def emit(self, resource_id: str, category: str, record: dict[str, Any]) -> None:
        if not self.wants(resource_id, category):
            return
        if len(self.out) >= MAX_LOG_RECORDS:
            self.out.popleft()
            self.dropped += 1
        self.out.append((resource_id, category, record))

    def take(self) -> list[tuple[str, str, dict[str, Any]]]:
        out = list(self.out)
        self.out.clear()
        return out

    def close(self) -> None:
        return None


class _NoReconciler:
    def register(self, engine: Any) -> Any:
        return engine

    def unregister(self, engine: Any) -> None:
        return None


class WorkerPlatform:
    """What an engine's service reads from its platform, in a worker."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.metrics = ShippedMetrics()
        self.services = Services()
        self.reconciler = _NoReconciler()


class WorkloadsView:
    """The workload table, rebuilt in the worker from the same records (``WorkloadTable.build``)."""

    name = "workloads"

    def __init__(self, cidr: str) -> None:
        from ..workloads.table import WorkloadTable

        self.cidr = cidr
        self.table = WorkloadTable(cidr)

    def rebuild(self, snapshot: Snapshot) -> None:
        from ..workloads.service import WATCHED
        from ..workloads.table import WorkloadTable

        self.table = WorkloadTable.build([r for t in sorted(WATCHED) for r in snapshot.of_type(t)], self.cidr)


class Runtime:
    """One worker: messages from the aznet process in, batches out (on a sender thread, so a full pipe never
    stops the event loop from reading what the aznet process sends)."""

    def __init__(self, conn: Connection, kind: str, settings: Any, index: int) -> None:
        from . import adapters

        self.conn = conn
        self.index = index
        self.platform = WorkerPlatform(settings)
        self.workloads = WorkloadsView(settings.private_ip_pool)
        self.engine = adapters.worker_side(kind, self.platform, self.workloads)
        self.records: dict[str, Record] = {}
        self.out: queue.Queue[Any] = queue.Queue()
        self.sender = threading.Thread(target=self._send_loop, name="aznet-worker-sender", daemon=True)
        self.done = asyncio.Event()

    def _send_loop(self) -> None:
        while True:
            item = self.out.get()
            if item is None:
                return
            try:
                self.conn.send(item)
            except (OSError, ValueError):
                return

    # -- messages -------------------------------------------------------------------------------
    def _readable(self) -> None:
        while True:
            try:
                if not self.conn.poll(0):
                    return
                kind, data = self.conn.recv()
            except (EOFError, OSError):       # the aznet process is gone
                self.done.set()
                return
            try:
                self.handle(kind, data)
            except Exception:                 # one bad message never ends the worker
                log.exception("l7 worker %d: %s failed", self.index, kind)

    def handle(self, kind: str, data: Any) -> None:
        if kind == "records":
            self.records = {r.key: r for r in data}
            self._reconfigure()
        elif kind == "changes":
            for key, rec in data:
                if rec is None:
                    self.records.pop(key, None)
                else:
                    self.records[key] = rec
            self._reconfigure()
        elif kind == "sync":
            self.flush()
            self.out.put(("synced", data))
        elif kind == "stop":
            self.done.set()
        else:
            self.engine.message(kind, data)

    def _reconfigure(self) -> None:
        snapshot = Snapshot(records=dict(self.records))
        self.workloads.rebuild(snapshot)
        self.engine.reconfigure(snapshot)

    # -- batches back -----------------------------------------------------------------------------
    def flush(self) -> None:
        metrics = self.platform.metrics.take()
        logs = self.engine.logs.take() if self.engine.logs is not None else []
        extra = self.engine.tallies()
        served = sum(acc[1] for (_rid, metric, _dims), acc in metrics.items() if metric == self.engine.request_metric)
        if served:
            extra["requests"] = served
        if metrics or logs or extra:
            self.out.put(("telemetry", {"metrics": metrics, "logs": logs, "extra": extra}))

    async def _flusher(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            self.flush()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self.sender.start()
        await self.engine.start(loop)
        gc.collect()
        gcpolicy.install()   # what it built at start, and the survivors of each full collection, are frozen (as in
                             # ``aznet up``): a full collection does not walk a large cache
        watch_pipe(loop, self.conn, self._readable)
        flusher = loop.create_task(self._flusher())
        await self.done.wait()
        loop.remove_reader(self.conn.fileno())
        flusher.cancel()
        self.flush()
        await self.engine.stop()
        self.out.put(None)
        self.sender.join(2)


def worker_main(conn: Connection, parent_pid: int, kind: str, settings: Any, index: int) -> None:
    die_with_parent(parent_pid)
    logging.basicConfig(level=getattr(logging, str(settings.log_level).upper(), logging.WARNING))
    loop = new_loop()
    try:
        loop.run_until_complete(Runtime(conn, kind, settings, index).run())
    finally:
        loop.close()
