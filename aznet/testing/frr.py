"""A real FRR ``bgpd`` for tests and benches: its own config, pid file and vty socket in a temp dir,
listening on a loopback address of its own, no zebra (``-Z``), no privilege drop (``-S``), no TCP vty
(``-P 0``). ``vtysh --vty_socket DIR`` talks to it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

BGPD = "/usr/lib/frr/bgpd"


def available() -> bool:
    return os.path.exists(BGPD) and shutil.which("vtysh") is not None


class Frr:
    def __init__(self, address: str, asn: int, neighbor: str, neighbor_asn: int, neighbor_port: int = 179,
                 networks: list[str] | tuple[str, ...] = (), hold: int = 3, keepalive: int = 1,
                 listen_port: int = 0, more: tuple[tuple[str, int, int], ...] = (),
                 next_hop: str | None = None) -> None:
        self.address, self.asn = address, asn
        self.neighbor, self.neighbor_asn, self.neighbor_port = neighbor, neighbor_asn, neighbor_port
        self.dir = Path(tempfile.mkdtemp(prefix="aznet-frr-"))
        self.hold, self.keepalive = hold, keepalive
        self.listen_port = listen_port
        self.peers = [(neighbor, neighbor_asn, neighbor_port), *more]    # (address, asn, port)
        self.next_hop = next_hop    # announce this next hop (FRR refuses a 127.0.0.0/8 one as martian)
        self.proc: subprocess.Popen[bytes] | None = None
        self.write_config(list(networks))

    def write_config(self, networks: list[str]) -> None:
        lines = ["frr defaults datacenter", "hostname onprem", "log stdout informational",
                 f"router bgp {self.asn}", f" bgp router-id {self.address}", " no bgp ebgp-requires-policy",
                 " no bgp network import-check", f" timers bgp {self.keepalive} {self.hold}",
                 ]
        for addr, asn, port in self.peers:
            lines += [f" neighbor {addr} remote-as {asn}", f" neighbor {addr} port {port}",
                      f" neighbor {addr} ebgp-multihop 255", f" neighbor {addr} update-source {self.address}",
                      f" neighbor {addr} timers connect 1"]
        lines += [" address-family ipv4 unicast"]
        lines += [f"  network {n}" for n in networks]
        if self.next_hop:
            lines += [f"  neighbor {addr} route-map NH out" for addr, _, _ in self.peers]
        lines += [" exit-address-family"]
        if self.next_hop:
            lines += ["route-map NH permit 10", f" set ip next-hop {self.next_hop}"]
        lines += [""]
        (self.dir / "bgpd.conf").write_text("\n".join(lines))

    def start(self) -> Frr:
        self.proc = subprocess.Popen(
            [BGPD, "-f", str(self.dir / "bgpd.conf"), "-i", str(self.dir / "bgpd.pid"), "--vty_socket",
             str(self.dir), "-Z", "-S", "-P", "0", "-l", self.address, "-p", str(self.listen_port)],
            stdout=open(self.dir / "bgpd.log", "wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not (self.dir / "bgpd.vty").exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"bgpd did not start: {(self.dir / 'bgpd.log').read_text()[-2000:]}")
            time.sleep(0.05)
        return self

    def vtysh(self, *commands: str) -> str:
        args = ["vtysh", "--vty_socket", str(self.dir)]
        for c in commands:
            args += ["-c", c]
        return subprocess.run(args, capture_output=True, text=True, timeout=20, check=True).stdout

    def json(self, command: str) -> Any:
        return json.loads(self.vtysh(command) or "{}")

    def announce(self, *prefixes: str) -> None:
        self.vtysh("configure terminal", f"router bgp {self.asn}", "address-family ipv4 unicast",
                   *[f"network {p}" for p in prefixes])

    def withdraw(self, *prefixes: str) -> None:
        self.vtysh("configure terminal", f"router bgp {self.asn}", "address-family ipv4 unicast",
                   *[f"no network {p}" for p in prefixes])

    def peer_state(self, neighbor: str | None = None) -> str:
        peers = (self.json("show bgp summary json").get("ipv4Unicast") or {}).get("peers") or {}
        return str((peers.get(neighbor or self.neighbor) or {}).get("state", ""))

    def received(self, neighbor: str | None = None) -> dict[str, Any]:
        """The BGP table's routes learned from the neighbour: {prefix: [its paths]}."""
        who = neighbor or self.neighbor
        routes = self.json("show bgp ipv4 json").get("routes") or {}
        out = {p: [x for x in paths if x.get("peerId") == who] for p, paths in routes.items()}
        return {p: paths for p, paths in out.items() if paths}

    def rss_kib(self) -> int:
        if self.proc is None:
            return 0
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
