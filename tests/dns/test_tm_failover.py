"""Traffic Manager end to end: a Priority profile over two local HTTP servers
(127.0.0.2 and 127.0.0.3, same port), real probes by aznet's monitor, answers
read with dnspython, monitor status read through ARM. Stopping the primary moves
the answer to the secondary within interval × (tolerated failures + 1) + TTL
(plus scheduling slack); starting it again brings the answer back."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dns.message
import dns.query
import dns.rdatatype
import pytest

TYPE = "Microsoft.Network/trafficManagerProfiles"
PRIMARY, SECONDARY = "127.0.0.2", "127.0.0.3"
INTERVAL, TOLERATED, TTL = 1, 1, 1
SLACK = 3.0          # scheduling slack on a busy machine, beyond Azure's bound


class Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class Backend:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        self.server = ThreadingHTTPServer((self.host, self.port), Ok)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def free_port_on_both() -> int:
    for _ in range(50):
        with socket.socket() as a, socket.socket() as b:
            a.bind((PRIMARY, 0))
            port = a.getsockname()[1]
            try:
                b.bind((SECONDARY, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no port free on both loopback addresses")


@pytest.fixture
def backends() -> Iterator[tuple[Backend, Backend]]:
    port = free_port_on_both()
    pair = (Backend(PRIMARY, port), Backend(SECONDARY, port))
    for b in pair:
        b.start()
    yield pair
    for b in pair:
        b.stop()


def answer(port: int, fqdn: str) -> tuple[list[str], int | None]:
    msg = dns.query.udp(dns.message.make_query(fqdn, "A"), "127.0.0.1", port=port, timeout=3)
    rrs = [rr for rr in msg.answer if rr.rdtype == dns.rdatatype.A]
    return sorted(r.address for rr in rrs for r in rr), (rrs[0].ttl if rrs else None)


def wait_for(predicate, limit: float) -> float:  # type: ignore[no-untyped-def]
    """Seconds until ``predicate()`` holds; fails past ``limit``."""
    start = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - start
        if time.monotonic() - start > limit:
            raise AssertionError(f"not within {limit:.1f} s")
        time.sleep(0.05)


def test_priority_failover_and_recovery(aznet, tm_client, rg, backends):
    primary, _ = backends
    dns_port = aznet.platform.services["dns"].port
    rel = f"failover-{uuid.uuid4().hex[:8]}"
    fqdn = f"{rel}.trafficmanager.net"
    tm_client.profiles.create_or_update(rg, "fo", {"location": "global", "properties": {
        "trafficRoutingMethod": "Priority", "dnsConfig": {"relativeName": rel, "ttl": TTL},
        "monitorConfig": {"protocol": "HTTP", "port": primary.port, "path": "/health",
                          "intervalInSeconds": INTERVAL, "timeoutInSeconds": 1,
                          "toleratedNumberOfFailures": TOLERATED},
        "endpoints": [
            {"name": "primary", "type": f"{TYPE}/externalEndpoints", "properties": {"target": PRIMARY, "priority": 1}},
            {"name": "secondary", "type": f"{TYPE}/externalEndpoints",
             "properties": {"target": SECONDARY, "priority": 2}}]}})
    assert answer(dns_port, fqdn) == ([PRIMARY], TTL)

    def status(name: str) -> str:
        return tm_client.endpoints.get(rg, "fo", "ExternalEndpoints", name).endpoint_monitor_status

    wait_for(lambda: status("primary") == "Online" and status("secondary") == "Online", 10)
    assert tm_client.profiles.get(rg, "fo").monitor_config.profile_monitor_status == "Online"

    bound = INTERVAL * (TOLERATED + 1) + TTL
    primary.stop()
    wait_for(lambda: answer(dns_port, fqdn)[0] == [SECONDARY], bound + SLACK)
    assert status("primary") == "Degraded" and status("secondary") == "Online"
    assert tm_client.profiles.get(rg, "fo").monitor_config.profile_monitor_status == "Degraded"

    primary.start()
    wait_for(lambda: answer(dns_port, fqdn)[0] == [PRIMARY], bound + SLACK)
    assert status("primary") == "Online"

    tm_client.endpoints.update(rg, "fo", "ExternalEndpoints", "primary", {"properties": {"endpointStatus": "Disabled"}})
    assert answer(dns_port, fqdn)[0] == [SECONDARY]          # configuration changes apply at once
    assert status("primary") == "Disabled"
    tm_client.profiles.update(rg, "fo", {"properties": {"profileStatus": "Disabled"}})
    assert answer(dns_port, fqdn)[0] == []
