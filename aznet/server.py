"""Assembles and runs aznet: the store, the ARM platform over HTTPS, and the
services (data planes) the resource packages declared. The platform is assembled from the explicit
package list ``aznet.resources.PACKAGES`` (``arm/declarations.assemble``)."""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

from . import gcpolicy
from .arm.declarations import assemble
from .arm.httpserver import HttpServer
from .arm.platform import Platform
from .arm.tls import TlsFiles, ensure_tls
from .config import Settings
from .resources import PACKAGES
from .store.sqlite import SqliteStore

log = logging.getLogger("aznet")


def build_platform(settings: Settings, packages: tuple[str, ...] = PACKAGES) -> Platform:
    """A platform of ``packages`` (all of aznet by default): their types, routes and services only."""
    parts = assemble(packages)
    store = SqliteStore(settings.data_dir)
    platform = Platform(settings, store, parts.registry, parts.routes)
    platform.service_factories = parts.services
    return platform


class RemoteNotAllowed(RuntimeError):
    pass


def check_host(settings: Settings) -> None:
    """Refuse a non-loopback listen address unless remote access is allowed; warn loudly when it is."""
    if settings.is_loopback:
        return
    if not settings.allow_remote:
        raise RemoteNotAllowed(
            f"refusing to listen on {settings.host}: that is not a loopback address, so other hosts could reach "
            "the emulator, issue themselves tokens and use it. Pass --allow-remote (or AZNET_ALLOW_REMOTE=1) "
            "if that is what you want.")
    log.warning("aznet listens on %s, a NON-LOOPBACK address: anyone who can reach it can get a token and "
                "create, read and delete resources; the admin routes still need the key in %s/admin-key",
                settings.host, settings.data_dir)


class Server:
    """One aznet instance: ``await start()`` then ``await stop()``; or ``run()``."""

    def __init__(self, settings: Settings) -> None:
        check_host(settings)
        self.settings = settings
        self.platform = build_platform(settings)
        self.tls: TlsFiles = ensure_tls(settings.data_dir, (settings.host,))
        self.http: HttpServer | None = None
        self.services: list[Any] = []
        self.on_request: Any = None          # called on every request (the idle compactor's clock)

    def _handle(self, req: Any) -> Any:
        if self.on_request is not None:
            self.on_request()
        return self.platform.handle(req)

    def ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.tls.cert, self.tls.key)
        ctx.set_alpn_protocols(["http/1.1"])
        return ctx

    async def start(self) -> None:
        self.http = HttpServer(self._handle, self.settings.host, self.settings.port, self.ssl_context(),
                               self.settings.http_limits(), precheck=self.platform.precheck)
        await self.http.start()
        if self.settings.port == 0:
            self.settings.port = self.http.port
            self.platform.settings.port = self.http.port
            self.platform.issuer.endpoint = self.settings.endpoint
        self.platform.metrics.open(self.settings.data_dir)
        for factory in self.platform.service_factories:
            svc = factory(self.platform)
            if svc is not None:
                await svc.start()
                self.services.append(svc)
                self.platform.services[svc.name] = svc
        self.platform.ready = True

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.stop()
        for svc in reversed(self.services):
            await svc.stop()
        self.platform.reconciler.stop()
        self.platform.metrics.close()
        self.platform.store.close()

    def endpoints(self) -> list[dict[str, Any]]:
        out = [{"name": "arm", "host": self.settings.host, "port": self.settings.port, "protocol": "https"}]
        for svc in self.services:
            out.extend(svc.endpoints())
        return out


def new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop

        return uvloop.new_event_loop()
    except ImportError:
        return asyncio.new_event_loop()


def run(settings: Settings, on_ready: Any = None) -> None:
    from .arm.httplimits import raise_fd_limit

    raise_fd_limit()
    loop = new_loop()
    asyncio.set_event_loop(loop)
    server = Server(settings)
    stop = asyncio.Event()

    async def main() -> None:
        await server.start()
        gcpolicy.install()          # after start: what start loaded is long-lived
        compactor = gcpolicy.IdleCompactor(settings.gc_compact_seconds)
        server.on_request = compactor.touch
        compacting = asyncio.ensure_future(compactor.run())
        if on_ready:
            on_ready(server)
        import signal

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        compacting.cancel()
        await server.stop()

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
