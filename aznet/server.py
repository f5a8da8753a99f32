"""Assembles and runs aznet: the store, the ARM platform over HTTPS, and the
services (data planes) the resource packages registered."""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

from .arm.asgi import ArmAsgiApp
from .arm.platform import Platform
from .arm.tls import TlsFiles, ensure_tls
from .config import Settings
from .resources import load_all
from .services import FACTORIES
from .store.sqlite import SqliteStore

log = logging.getLogger("aznet")


def build_platform(settings: Settings) -> Platform:
    load_all()
    store = SqliteStore(settings.data_dir)
    return Platform(settings, store)


class Server:
    """One aznet instance: ``await start()`` then ``await stop()``; or ``run()``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.platform = build_platform(settings)
        self.tls: TlsFiles = ensure_tls(settings.data_dir, (settings.host,))
        self._uvicorn: Any = None
        self._task: asyncio.Task[None] | None = None
        self.services: list[Any] = []

    def ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.tls.cert, self.tls.key)
        return ctx

    async def start(self) -> None:
        import uvicorn

        config = uvicorn.Config(
            ArmAsgiApp(self.platform), host=self.settings.host, port=self.settings.port,
            ssl_certfile=str(self.tls.cert), ssl_keyfile=str(self.tls.key), log_level=self.settings.log_level,
            access_log=False, lifespan="off", http="httptools", loop="none", server_header=False,
            date_header=True, timeout_keep_alive=120, timeout_graceful_shutdown=1,
        )
        self._uvicorn = uvicorn.Server(config)
        self._uvicorn.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        for factory in FACTORIES:
            svc = factory(self.platform)
            if svc is not None:
                await svc.start()
                self.services.append(svc)
                self.platform.services[svc.name] = svc
        self._task = asyncio.create_task(self._uvicorn.serve())
        while not self._uvicorn.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("the ARM endpoint stopped while starting")
            await asyncio.sleep(0.005)
        if self.settings.port == 0:
            sock = self._uvicorn.servers[0].sockets[0]
            self.settings.port = sock.getsockname()[1]
            self.platform.settings.port = self.settings.port
            self.platform.issuer.endpoint = self.settings.endpoint

    async def stop(self) -> None:
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
            await asyncio.sleep(0.15)
            # Idle keep-alive TLS connections would wait for the client's close_notify: cut them.
            for conn in list(self._uvicorn.server_state.connections):
                transport = getattr(conn, "transport", None)
                if transport is not None:
                    transport.abort()
        if self._task is not None:
            await self._task
        for svc in reversed(self.services):
            await svc.stop()
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
    loop = new_loop()
    asyncio.set_event_loop(loop)
    server = Server(settings)
    stop = asyncio.Event()

    async def main() -> None:
        await server.start()
        if on_ready:
            on_ready(server)
        import signal

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await server.stop()

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
