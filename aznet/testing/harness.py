"""Start aznet in a background thread on a free port with its own data dir."""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cli.state import ca_bundle, write_state
from ..config import Settings
from ..server import Server, new_loop


@dataclass
class AznetInstance:
    endpoint: str
    ca_path: Path
    ca_bundle: Path
    data_dir: Path
    subscription_id: str
    tenant_id: str
    server: Server
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    _tmp: Any = field(default=None, repr=False)

    @property
    def platform(self):  # type: ignore[no-untyped-def]
        return self.server.platform

    def credential(self, client_id: str = "test-client", secret: str = "test-secret"):  # type: ignore[no-untyped-def]
        from azure.identity import ClientSecretCredential

        return ClientSecretCredential(self.tenant_id, client_id, secret, authority=self.endpoint,
                                      disable_instance_discovery=True, connection_verify=str(self.ca_bundle))

    def client(self, cls: type, **kw: Any) -> Any:
        """An ``azure-mgmt-*`` client pointed at aznet."""
        return cls(self.credential(), self.subscription_id, base_url=self.endpoint,
                   credential_scopes=[f"{self.endpoint}/.default"], connection_verify=str(self.ca_bundle), **kw)

    def run(self, coro: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(*args)`` on the server's loop thread (the store is not thread-safe)."""
        async def wrapper() -> Any:
            return fn(*args)
        return self.run(wrapper())

    def stop(self) -> None:
        try:
            self.run(self.server.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            if self._tmp is not None:
                self._tmp.cleanup()


def start_in_thread(data_dir: Path | None = None, **overrides: Any) -> AznetInstance:
    tmp = None
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="aznet-")
        data_dir = Path(tmp.name)
    settings = Settings()
    settings.data_dir = data_dir
    settings.port = 0
    settings.dns_port = overrides.pop("dns_port", 0)
    for k, v in overrides.items():
        setattr(settings, k, v)
    loop = new_loop()
    ready = threading.Event()
    holder: dict[str, Any] = {}

    def target() -> None:
        asyncio.set_event_loop(loop)

        async def boot() -> None:
            try:
                server = Server(settings)
                await server.start()
                holder["server"] = server
            except BaseException as exc:  # reported to the starting thread
                holder["error"] = exc
            finally:
                ready.set()
        loop.create_task(boot())
        loop.run_forever()

    thread = threading.Thread(target=target, name="aznet", daemon=True)
    thread.start()
    ready.wait(60)
    if "error" in holder:
        raise holder["error"]
    server = holder["server"]
    write_state(settings, server.endpoints())
    inst = AznetInstance(settings.endpoint, data_dir / "ca.pem", ca_bundle(data_dir), data_dir,
                         settings.default_subscription, settings.tenant, server, loop, thread, tmp)
    return inst


def use_ca_bundle(inst: AznetInstance) -> dict[str, str | None]:
    old = {k: os.environ.get(k) for k in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")}
    os.environ["REQUESTS_CA_BUNDLE"] = str(inst.ca_bundle)
    return old
