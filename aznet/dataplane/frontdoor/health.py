"""Health probes to origins, as Azure Front Door sends them ("Health probes"): HTTP or HTTPS to the origin's port
for that protocol, HEAD or GET of the probe path, ``Host`` = the origin host header, ``User-Agent: Edge Health
Probe`` and ``X-FD-HealthProbe: 1``, a new TCP connection for every probe; only ``200 OK`` is healthy; latency is
the time from just before the request is sent to the last byte of the answer.

One prober task per distinct probe (origin address, port, protocol, path, method, host header): an origin in
several groups is probed once, at the lowest interval any of them asks (Azure's rule). Each probe result goes to
the ``Health`` window of that probe (``balancer.Health``) and to the health probe log."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httptools

from .balancer import Health

PROBE_TIMEOUT = 30.0
MAX_PROBE_RESPONSE = 64 * 1024


@dataclass(frozen=True, slots=True)
class ProbeKey:
    host: str            # the origin's host name or address as configured
    port: int
    protocol: str        # http | https
    path: str
    method: str
    host_header: str
    check_name: bool


@dataclass(slots=True)
class ProbeResult:
    ok: bool
    status: int
    latency_ms: float
    error: str
    address: str



async def probe_once(ip: str, port: int, key: ProbeKey, ctx: ssl.SSLContext | None, timeout: float) -> ProbeResult:
    started = time.perf_counter()
    status = 0
    done = asyncio.Event()

    class Sink:
        def on_headers_complete(self) -> None:
            nonlocal status
            status = parser.get_status_code()
            if key.method == "HEAD":
                done.set()

        def on_message_complete(self) -> None:
            done.set()

    parser = httptools.HttpResponseParser(Sink())
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                ip, port, ssl=ctx, server_hostname=key.host_header.split(":", 1)[0] if ctx else None)
            writer.write((f"{key.method} {key.path} HTTP/1.1\r\nHost: {key.host_header}\r\n"
                          "User-Agent: Edge Health Probe\r\nX-FD-HealthProbe: 1\r\nConnection: close\r\n\r\n"
                          ).encode("latin-1"))
            got = 0
            while not done.is_set():
                data = await reader.read(65536)
                if not data:
                    with contextlib.suppress(httptools.HttpParserError):
                        parser.feed_eof()
                    break
                got += len(data)
                if got > MAX_PROBE_RESPONSE:
                    break
                parser.feed_data(data)
    except TimeoutError:
        return ProbeResult(False, 0, (time.perf_counter() - started) * 1000, "Timeout", f"{ip}:{port}")
    except ssl.SSLError as exc:
        return ProbeResult(False, 0, (time.perf_counter() - started) * 1000, f"TLS: {exc.reason or exc}", f"{ip}:{port}")
    except (OSError, httptools.HttpParserError) as exc:
        return ProbeResult(False, 0, (time.perf_counter() - started) * 1000, type(exc).__name__, f"{ip}:{port}")
    finally:
        if writer is not None:
            writer.close()
    latency = (time.perf_counter() - started) * 1000
    return ProbeResult(status == 200, status, latency, "" if status == 200 else f"HTTP {status}", f"{ip}:{port}")


class Prober:
    """Keeps one task per wanted probe; ``sync(wanted)`` starts and stops tasks to match."""

    def __init__(self, resolve: Callable[[str, int], tuple[str, int] | str],
                 context: Callable[[bool], ssl.SSLContext],
                 report: Callable[[ProbeKey, ProbeResult], None]) -> None:
        self.resolve = resolve
        self.context = context
        self.report = report
        self.tasks: dict[ProbeKey, asyncio.Task[None]] = {}
        self.intervals: dict[ProbeKey, float] = {}
        self.health: dict[ProbeKey, Health] = {}
        self.version = 0          # bumped by every change of a health window (the request path's candidates)

    def sync(self, wanted: dict[ProbeKey, tuple[float, int, int]]) -> None:
        """``wanted``: probe -> (interval seconds, sample size, successful samples required)."""
        self.version += 1
        for key in [k for k in self.tasks if k not in wanted]:
            self.tasks.pop(key).cancel()
            self.intervals.pop(key, None)
            self.health.pop(key, None)
        for key, (interval, sample, required) in wanted.items():
            h = self.health.get(key)
            if h is None:
                h = self.health[key] = Health(sample, required)
            elif (h.sample_size, h.required) != (sample, required):
                h.resize(sample, required)
            self.intervals[key] = interval
            if key not in self.tasks:
                self.tasks[key] = asyncio.get_running_loop().create_task(self._run(key))

    async def _run(self, key: ProbeKey) -> None:
        while True:
            interval = self.intervals.get(key, 30.0)
            where = self.resolve(key.host, key.port)
            if isinstance(where, str):
                result = ProbeResult(False, 0, 0.0, where, "")
            else:
                ctx = self.context(key.check_name) if key.protocol == "https" else None
                result = await probe_once(where[0], where[1], key, ctx, min(PROBE_TIMEOUT, max(interval, 1.0)))
            h = self.health.get(key)
            if h is None:
                return
            h.record(result.ok, result.latency_ms)
            h.last_status, h.last_error = result.status, result.error
            self.version += 1
            try:
                self.report(key, result)
            except Exception:  # noqa: BLE001 - logging never stops probing
                pass
            await asyncio.sleep(interval)

    def stop(self) -> None:
        for t in self.tasks.values():
            t.cancel()
        self.tasks.clear()

    def states(self) -> dict[ProbeKey, Any]:
        return dict(self.health)
