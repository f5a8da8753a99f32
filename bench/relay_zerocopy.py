"""Zero-copy (os.splice through a pipe) against plain reads and writes, for the load balancer's bulk relay.

    .venv/bin/python bench/relay_zerocopy.py [--seconds 5]

Needs iperf3 (Debian package). One `iperf3 -s` on 127.201.0.1:5201; three relays on the same loop (uvloop)
in front of it, measured one after the other with `iperf3 -c` (one stream), in the same run:

- ``transport``: asyncio Protocols, data_received -> write (what aznet's relay does);
- ``splice``: raw non-blocking sockets, socket -> pipe -> socket with os.splice (SPLICE_F_MOVE |
  SPLICE_F_NONBLOCK), readers and writers on the event loop;
- ``recv_into``: raw sockets with one reusable buffer (recv_into / send), no per-read allocation.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from typing import Any

SERVER = ("127.201.0.1", 5201)
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
CHUNK = 1 << 20


class PlainSide(asyncio.Protocol):
    def __init__(self, peer: PlainSide | None = None) -> None:
        self.peer = peer
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        assert self.peer is not None
        self.peer.transport.write(data)

    def eof_received(self) -> bool:
        self.got_eof = True
        peer = self.peer
        if peer is not None:
            if getattr(peer, "got_eof", False):      # both sides done: close both
                peer.transport.close()
                self.transport.close()
            elif peer.transport.can_write_eof():
                peer.transport.write_eof()
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.close()

    def pause_writing(self) -> None:
        if self.peer is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None:
            self.peer.transport.resume_reading()


class PlainClient(PlainSide):
    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.early: list[bytes] = []
        asyncio.get_running_loop().create_task(self._connect())

    def data_received(self, data: bytes) -> None:
        if self.peer is None:
            self.early.append(data)      # before the backend connection is up
        else:
            self.peer.transport.write(data)

    async def _connect(self) -> None:
        back = PlainSide(self)
        await asyncio.get_running_loop().create_connection(lambda: back, *SERVER)
        self.peer = back
        if self.early:
            back.transport.write(b"".join(self.early))


class RawPump:
    """One direction, src -> dst, with splice (zero-copy) or a reusable buffer."""

    def __init__(self, loop: asyncio.AbstractEventLoop, src: socket.socket, dst: socket.socket, zero_copy: bool,
                 done: Any) -> None:
        self.loop, self.src, self.dst, self.zero_copy, self.done = loop, src, dst, zero_copy, done
        self.pending = 0
        self.eof = False
        if zero_copy:
            self.r, self.w = os.pipe2(os.O_NONBLOCK)
            fcntl.fcntl(self.w, F_SETPIPE_SZ, CHUNK)
        else:
            self.buf = bytearray(CHUNK)
            self.view = memoryview(self.buf)
            self.start = 0
        loop.add_reader(src.fileno(), self.readable)

    def readable(self) -> None:
        try:
            if self.zero_copy:
                n = os.splice(self.src.fileno(), self.w, CHUNK, flags=os.SPLICE_F_MOVE | os.SPLICE_F_NONBLOCK)
            else:
                n = self.src.recv_into(self.buf)
                self.start = 0
        except BlockingIOError:
            return
        except OSError:
            n = 0
        if n == 0:
            self.eof = True
            self.loop.remove_reader(self.src.fileno())
            self._finish()
            return
        self.pending = n
        self.writable()

    def writable(self) -> None:
        try:
            while self.pending:
                if self.zero_copy:
                    n = os.splice(self.r, self.dst.fileno(), self.pending,
                                  flags=os.SPLICE_F_MOVE | os.SPLICE_F_NONBLOCK)
                else:
                    n = self.dst.send(self.view[self.start:self.start + self.pending])
                    self.start += n
                self.pending -= n
        except BlockingIOError:
            self.loop.remove_reader(self.src.fileno())
            self.loop.add_writer(self.dst.fileno(), self._resume)
            return
        except OSError:
            self.pending = 0
            self.eof = True
            self._finish()

    def _resume(self) -> None:
        self.writable()
        if not self.pending:
            self.loop.remove_writer(self.dst.fileno())
            if not self.eof:
                self.loop.add_reader(self.src.fileno(), self.readable)

    def _finish(self) -> None:
        if self.pending:
            return
        try:
            self.dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        if self.zero_copy:
            os.close(self.r)
            os.close(self.w)
        self.done()


async def raw_relay(listener: socket.socket, zero_copy: bool) -> None:
    loop = asyncio.get_running_loop()
    while True:
        client, _ = await loop.sock_accept(listener)
        client.setblocking(False)
        server = socket.socket()
        server.setblocking(False)
        await loop.sock_connect(server, SERVER)
        finished = [0]

        def done(c: socket.socket = client, s: socket.socket = server, f: list[int] = finished) -> None:
            f[0] += 1
            if f[0] == 2:
                c.close()
                s.close()
        RawPump(loop, client, server, zero_copy, done)
        RawPump(loop, server, client, zero_copy, done)


def serve(mode: str, port: int, ready: threading.Event) -> None:
    try:
        import uvloop

        loop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.201.0.2", port))
    sock.listen(128)
    sock.setblocking(False)

    async def main() -> None:
        if mode == "transport":
            await loop.create_server(PlainClient, sock=sock)
            ready.set()
            await asyncio.Event().wait()
        else:
            ready.set()
            await raw_relay(sock, mode == "splice")
    loop.run_until_complete(main())


def iperf(port: int, seconds: int) -> float:
    try:
        out = subprocess.run(["iperf3", "-c", "127.201.0.2", "-p", str(port), "-t", str(seconds), "-J"],
                             capture_output=True, text=True, timeout=seconds + 20).stdout
    except subprocess.TimeoutExpired:
        return 0.0
    try:
        return float(json.loads(out)["end"]["sum_received"]["bits_per_second"]) / 1e9
    except (ValueError, KeyError):
        return 0.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if shutil.which("iperf3") is None:
        sys.exit("relay_zerocopy: iperf3 is not installed (apt-get install iperf3)")
    srv = subprocess.Popen(["iperf3", "-s", "-B", SERVER[0], "-p", str(SERVER[1])], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        ports = {"transport": 15301, "splice": 15302, "recv_into": 15303}
        for mode, port in ports.items():
            ready = threading.Event()
            threading.Thread(target=serve, args=(mode, port, ready), daemon=True).start()
            ready.wait(10)
        best = dict.fromkeys(ports, 0.0)
        for _ in range(args.rounds):
            for mode, port in ports.items():
                best[mode] = max(best[mode], iperf(port, args.seconds))
        print(f"bulk relay, iperf3 1 stream, best of {args.rounds} x {args.seconds}s (Gbit/s):")
        for mode, gbps in best.items():
            print(f"  {mode:<10} {gbps:6.2f}  ({gbps / max(best['transport'], 1e-9):.2f}x transport)")
    finally:
        srv.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
