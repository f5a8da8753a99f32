"""Which template deployments have a live worker, and what happens to the ones that lost theirs.

A deployment record says "Running" while its worker thread deploys it. A crash (kill -9, power loss)
leaves records that say "Running" with no worker behind them; at startup those become Failed with an
error saying a restart interrupted them, so they can be redeployed, cancelled or deleted. A record whose
worker is gone for any other reason is treated the same way by cancel, DELETE and a re-PUT."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from ..arm import crud
from ..arm.context import Ctx
from ..arm.platform import Platform
from ..services import register

log = logging.getLogger("aznet.deployments")

DEPLOYMENT_TYPE = "Microsoft.Resources/deployments"
RUNNING = ("Accepted", "Running")
INTERRUPTED = "DeploymentInterrupted"


class Worker:
    def __init__(self, thread: threading.Thread, cancel: threading.Event) -> None:
        self.thread = thread
        self.cancel = cancel


class DeploymentWorkers(dict[str, "Worker"]):
    """The platform's running deployment threads, by deployment key (a service of the platform)."""

    name = "deployment-workers"


_LOCK = threading.Lock()


def workers(p: Platform) -> dict[str, Worker]:
    with _LOCK:
        return p.services.ensure(DeploymentWorkers, DeploymentWorkers)


def live_worker(p: Platform, key: str) -> Worker | None:
    w = workers(p).get(key)
    if w is not None and w.thread.is_alive():
        return w
    return None


def is_active(p: Platform, key: str, body: dict[str, Any]) -> bool:
    """Running, with a worker still deploying it."""
    return body["properties"].get("provisioningState") in RUNNING and live_worker(p, key) is not None


def start_worker(p: Platform, key: str, name: str, target: Any, args: tuple[Any, ...]) -> threading.Event:
    cancel = threading.Event()

    def run() -> None:
        try:
            target(*args, cancel)
        finally:
            with _LOCK:
                table = p.services.get(DeploymentWorkers) or {}
                if table.get(key) is not None and table[key].thread is threading.current_thread():
                    del table[key]
    thread = threading.Thread(target=run, name=f"deployment-{name}", daemon=True)
    workers(p)[key] = Worker(thread, cancel)
    thread.start()
    return cancel


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts % 1 * 1e6):06d}Z"


def interrupted_error(state: str, since: str | None) -> dict[str, Any]:
    return {"code": INTERRUPTED,
            "message": f"The deployment was interrupted: aznet restarted while it was '{state}'"
                       + (f" (since {since})" if since else "") + ". The resources it deployed before the "
                       "restart were kept; deploy the template again to finish it."}


def mark_interrupted(body: dict[str, Any]) -> None:
    props = body["properties"]
    error = interrupted_error(props.get("provisioningState", "Running"), props.get("timestamp"))
    props["provisioningState"] = "Failed"
    props["error"] = error
    props["timestamp"] = _iso(time.time())


def fail_interrupted(p: Platform) -> int:
    """Every deployment left Running by a previous process becomes Failed; returns how many."""
    txn = p.store.transaction()
    count = 0
    for rec in txn.of_type(DEPLOYMENT_TYPE):
        if rec.body.get("properties", {}).get("provisioningState") in RUNNING and live_worker(p, rec.key) is None:
            body = crud.copy_json(rec.body)
            mark_interrupted(body)
            txn.put(rec.id, rec.type, rec.parent, rec.scope, body)
            count += 1
    if count:
        p.commit(Ctx(p, txn, ""))
        log.warning("%d deployment(s) interrupted by a restart were marked Failed", count)
    return count


class DeploymentRecovery:
    """Runs ``fail_interrupted`` once when aznet starts."""

    name = "deployment-recovery"

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.recovered = 0

    async def start(self) -> None:
        self.recovered = fail_interrupted(self.platform)

    async def stop(self) -> None:
        return None

    def endpoints(self) -> list[dict[str, Any]]:
        return []


register(DeploymentRecovery)
