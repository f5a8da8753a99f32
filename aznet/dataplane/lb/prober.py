"""Health probe I/O (the shell around ``probe_state``): TCP connect, HTTP and HTTPS GET of the
request path, success only on status 200 (as Azure documents; redirects and other codes fail).
HTTPS probes do not check the backend's certificate (Azure's do not either). Probes are sent from the
loopback address, as from AzureLoadBalancer's 168.63.129.16."""

from __future__ import annotations

import asyncio
import ssl

_TLS = ssl.create_default_context()
_TLS.check_hostname = False
_TLS.verify_mode = ssl.CERT_NONE


async def probe(protocol: str, host: str, port: int, path: str | None, timeout: float) -> tuple[bool, str]:
    """(healthy, reason when not)."""
    try:
        return await asyncio.wait_for(_probe(protocol, host, port, path), timeout)
    except TimeoutError:
        return False, "timed out"
    except (OSError, ssl.SSLError, ValueError) as exc:
        return False, type(exc).__name__ + (f": {exc.strerror}" if getattr(exc, "strerror", None) else "")


async def _probe(protocol: str, host: str, port: int, path: str | None) -> tuple[bool, str]:
    tls = _TLS if protocol.lower() == "https" else None
    reader, writer = await asyncio.open_connection(host, port, ssl=tls)
    try:
        if protocol.lower() == "tcp":
            return True, ""
        hostport = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        writer.write(f"GET {path or '/'} HTTP/1.1\r\nHost: {hostport}\r\nUser-Agent: Load Balancer Agent\r\n"
                     "Connection: close\r\n\r\n".encode())
        line = await reader.readline()
        parts = line.split()
        if len(parts) >= 2 and parts[1] == b"200":
            return True, ""
        return False, f"HTTP status {parts[1].decode(errors='replace') if len(parts) >= 2 else '?'}"
    finally:
        writer.close()
