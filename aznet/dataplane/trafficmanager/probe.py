"""Endpoint probes (HTTP, HTTPS, TCP), only ever against loopback addresses.

``loopback_only(address)`` is the gate: a target that is not in 127.0.0.0/8 or ::1
is never contacted; the probe fails at once (the endpoint goes Degraded). HTTPS
does not verify certificates, as Traffic Manager does not."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import ssl

from .profile import Monitor

USER_AGENT = "Azure Traffic Manager Endpoint Monitor"


def loopback_only(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return address if ipaddress.ip_address(address).is_loopback else None
    except ValueError:
        return None


def _tls() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _request(monitor: Monitor, host: str, headers: tuple[tuple[str, str], ...]) -> bytes:
    merged: dict[str, tuple[str, str]] = {"host": ("Host", host), "user-agent": ("User-Agent", USER_AGENT)}
    for name, value in (*monitor.headers, *headers):       # endpoint headers override profile headers
        merged[name.lower()] = (name, value)
    merged["connection"] = ("Connection", "close")
    path = monitor.path if monitor.path.startswith("/") else "/" + monitor.path
    lines = [f"GET {path} HTTP/1.1", *(f"{k}: {v}" for k, v in merged.values()), "", ""]
    return "\r\n".join(lines).encode("latin-1", "replace")


def status_ok(code: int, monitor: Monitor) -> bool:
    return any(lo <= code <= hi for lo, hi in monitor.expected)


async def probe(monitor: Monitor, address: str | None, host: str,
                headers: tuple[tuple[str, str], ...] = ()) -> bool:
    """One probe: True when the endpoint answered as the monitor config expects, within the timeout."""
    addr = loopback_only(address)
    if addr is None:
        return False
    try:
        return await asyncio.wait_for(_probe(monitor, addr, host, headers), monitor.timeout)
    except (TimeoutError, OSError, ssl.SSLError, ValueError):
        return False


async def _probe(monitor: Monitor, addr: str, host: str, headers: tuple[tuple[str, str], ...]) -> bool:
    protocol = monitor.protocol.upper()
    tls = _tls() if protocol == "HTTPS" else None
    server_hostname = host if tls is not None and host and not _is_ip(host) else None
    reader, writer = await asyncio.open_connection(addr, monitor.port, ssl=tls,
                                                   server_hostname=server_hostname if tls else None)
    try:
        if protocol == "TCP":
            return True
        writer.write(_request(monitor, host or addr, headers))
        await writer.drain()
        line = await reader.readline()
        parts = line.split()
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
            return False
        return status_ok(int(parts[1]), monitor)
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False
