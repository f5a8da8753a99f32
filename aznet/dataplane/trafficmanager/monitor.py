"""Endpoint health: a pure state machine per endpoint and the asyncio loop that probes.

State machine (``EndpointHealth``): an enabled endpoint of an enabled profile starts
CheckingEndpoint; a successful probe makes it Online; ``toleratedNumberOfFailures + 1``
consecutive failures make it Degraded; one success brings it back. Statuses that come from
configuration, not probes (Azure's table): a disabled endpoint is Disabled, every endpoint of
a disabled profile is Inactive, alwaysServe endpoints are Online without probes, nested
endpoints follow their child profile (Online with at least minChildEndpoints serving
endpoints, Degraded below, CheckingEndpoint while the child is still checking), Stopped is
set by the control plane (``set_stopped``) for an Azure endpoint whose target is stopped.

Profile monitor status: Disabled when the profile is disabled; Inactive when no endpoint is
enabled; Online when any endpoint is Online; CheckingEndpoints when any is still checking;
Degraded when every enabled endpoint is Degraded.

Probes run every ``intervalInSeconds`` (Azure accepts 10 or 30; any value >= 1 s is honoured
here so tests can be quick) with ``timeoutInSeconds`` (capped at the interval)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from .probe import probe
from .profile import Endpoint, Profile

log = logging.getLogger(__name__)

CHECKING, ONLINE, DEGRADED = "CheckingEndpoint", "Online", "Degraded"
DISABLED, INACTIVE, STOPPED = "Disabled", "Inactive", "Stopped"
SERVING = (CHECKING, ONLINE)

Resolve = Callable[[str], str | None]


@dataclass
class EndpointHealth:
    """The probe-driven part of an endpoint's status."""
    status: str = CHECKING
    failures: int = 0
    probes: int = 0

    def record(self, ok: bool, tolerated: int) -> bool:
        """Feed one probe result; True when the status changed."""
        before = self.status
        self.probes += 1
        if ok:
            self.failures = 0
            self.status = ONLINE
        else:
            self.failures += 1
            if self.failures > tolerated:
                self.status = DEGRADED
        return self.status != before


def profile_status(profile: Profile, statuses: list[str]) -> str:
    if not profile.enabled:
        return "Disabled"
    live = [s for s in statuses if s not in (DISABLED, INACTIVE, STOPPED)]
    if not live:
        return "Inactive"
    if ONLINE in live:
        return "Online"
    if CHECKING in live:
        return "CheckingEndpoints"
    return "Degraded"


def _probe_signature(profile: Profile, ep: Endpoint) -> tuple[object, ...]:
    return (ep.target, ep.headers, profile.monitor)


class HealthMonitor:
    def __init__(self, resolve: Resolve, on_change: Callable[[str], None] | None = None) -> None:
        self.resolve = resolve
        self.on_change = on_change               # called with the profile id when a status changes
        self.profiles: dict[str, Profile] = {}
        self.health: dict[str, EndpointHealth] = {}       # endpoint key → probe state
        self._signatures: dict[str, tuple[object, ...]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._stopped: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.status_hooks: list[Callable[[str], None]] = []

    # --- configuration -------------------------------------------------------------------------
    def configure(self, profile: Profile) -> None:
        old = self.profiles.get(profile.key)
        self.profiles[profile.key] = profile
        wanted: dict[str, Endpoint] = {}
        if profile.enabled:
            wanted = {ep.key: ep for ep in profile.endpoints
                      if ep.enabled and ep.kind != "nested" and not ep.always_serve}
        previous = {ep.key for ep in old.endpoints} if old is not None else set()
        for key in previous - set(wanted):
            self._forget(key)
        for key, ep in wanted.items():
            sig = _probe_signature(profile, ep)
            if self._signatures.get(key) != sig:
                self._forget(key)
                self._signatures[key] = sig
                self.health[key] = EndpointHealth()
                self._spawn(profile.key, ep)
            elif key not in self._tasks:
                self._spawn(profile.key, ep)

    def remove(self, profile_key: str) -> None:
        profile = self.profiles.pop(profile_key.lower(), None)
        if profile is not None:
            for ep in profile.endpoints:
                self._forget(ep.key)

    def clear(self) -> None:
        for key in list(self.profiles):
            self.remove(key)

    def set_stopped(self, endpoint_id: str, stopped: bool) -> None:
        (self._stopped.add if stopped else self._stopped.discard)(endpoint_id.lower())

    def _forget(self, key: str) -> None:
        task = self._tasks.pop(key, None)
        if task is not None:
            task.cancel()
        self.health.pop(key, None)
        self._signatures.pop(key, None)

    # --- statuses --------------------------------------------------------------------------------
    def endpoint_status(self, endpoint_id: str, profile: Profile | None = None) -> str | None:
        key = endpoint_id.lower()
        if profile is None:
            profile = next((p for p in self.profiles.values() if any(e.key == key for e in p.endpoints)), None)
            if profile is None:
                return None
        ep = next((e for e in profile.endpoints if e.key == key), None)
        if ep is None:
            return None
        return self._status(profile, ep, depth=0)

    def _status(self, profile: Profile, ep: Endpoint, depth: int) -> str:
        if not ep.enabled:
            return DISABLED
        if not profile.enabled:
            return INACTIVE
        if ep.key in self._stopped:
            return STOPPED
        if ep.always_serve:
            return ONLINE
        if ep.kind == "nested":
            child = self.profiles.get(ep.target_resource_id)
            if child is None or not child.enabled or depth > 8:
                return DEGRADED
            statuses = [self._status(child, c, depth + 1) for c in child.endpoints]
            online = sum(1 for s in statuses if s == ONLINE)
            if online >= ep.min_children:
                return ONLINE
            if online + sum(1 for s in statuses if s == CHECKING) >= ep.min_children:
                return CHECKING
            return DEGRADED
        h = self.health.get(ep.key)
        return h.status if h is not None else CHECKING

    def serves(self, profile: Profile, ep: Endpoint) -> bool:
        return self._status(profile, ep, 0) in SERVING

    def status(self, profile_id: str) -> dict[str, object]:
        """``{"profileMonitorStatus": …, "endpoints": {endpoint id: status}}``."""
        profile = self.profiles.get(profile_id.lower())
        if profile is None:
            return {"profileMonitorStatus": None, "endpoints": {}}
        eps = {ep.id: self._status(profile, ep, 0) for ep in profile.endpoints}
        return {"profileMonitorStatus": profile_status(profile, list(eps.values())), "endpoints": eps}

    def on_status_change(self, fn: Callable[[str], None]) -> None:
        self.status_hooks.append(fn)

    def _changed(self, profile_key: str) -> None:
        affected = {profile_key}
        # parents whose nested endpoints follow this profile
        for p in self.profiles.values():
            if any(ep.kind == "nested" and ep.target_resource_id == profile_key for ep in p.endpoints):
                affected.add(p.key)
        for key in affected:
            profile = self.profiles.get(key)
            pid = profile.id if profile is not None else key
            if self.on_change is not None:
                self.on_change(pid)
            for fn in self.status_hooks:
                try:
                    fn(pid)
                except Exception:  # noqa: BLE001 - a hook must not stop probing
                    log.exception("monitor status hook failed")

    # --- probing ---------------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        for profile in list(self.profiles.values()):
            self.configure(profile)

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for t in tasks:
            t.cancel()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=2)
            for t in pending:
                t.cancel()
        self._loop = None

    def _spawn(self, profile_key: str, ep: Endpoint) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            h = self.health.get(ep.key)
            if h is not None:
                self._tasks[ep.key] = loop.create_task(self._run(profile_key, ep.key, h))
        else:
            loop.call_soon_threadsafe(self._spawn, profile_key, ep)

    async def _run(self, profile_key: str, ep_key: str, h: EndpointHealth) -> None:
        me = asyncio.current_task()
        while True:
            profile = self.profiles.get(profile_key)
            ep = next((e for e in profile.endpoints if e.key == ep_key), None) if profile else None
            if profile is None or ep is None or self.health.get(ep_key) is not h:
                return                  # reconfigured or removed: a newer task (if any) owns the endpoint
            started = time.monotonic()
            host = ep.target
            try:
                ok = await probe(profile.monitor, self.resolve(host) if host else None, host, ep.headers)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a broken probe counts as a failure
                ok = False
            if me is not None and me.cancelling():
                # asyncio.wait_for in 3.11 can swallow a cancellation that races with the result
                raise asyncio.CancelledError
            if self.health.get(ep_key) is h and h.record(ok, profile.monitor.tolerated):
                self._changed(profile_key)
            await asyncio.sleep(max(0.0, profile.monitor.interval - (time.monotonic() - started)))
