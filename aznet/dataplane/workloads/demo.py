"""The built-in demo workload a VM can run without code (``aznet vm serve`` or the ``aznet-serve`` tag).

- ``http``: answers every request with 200 and a short text naming the VM and the client's address
  (``Hello from VM1`` / ``client 127.0.0.1:43210``), plus the headers ``x-aznet-vm`` and
  ``x-aznet-client``: the way Azure's tutorials check which VM answered. Keep-alive is honoured;
  each response goes out in one write.
- ``tcp-echo``: echoes bytes back; ``udp-echo``: echoes each datagram back to its sender.

Limits: request heads above 16 KiB get 431 and a close; request bodies are read and discarded
(Content-Length only; chunked bodies get 411)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

MAX_HEAD = 16 * 1024


class HttpDemo(asyncio.Protocol):
    def __init__(self, vm_name: str) -> None:
        self.vm = vm_name
        self.buf = b""
        self.skip = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.skip:
            n = min(self.skip, len(data))
            self.skip -= n
            data = data[n:]
        self.buf += data
        while self.transport is not None and not self.skip:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > MAX_HEAD:
                    self._reply(431, b"request header too large\n", close=True)
                return
            head, self.buf = self.buf[:end], self.buf[end + 4:]
            lines = head.split(b"\r\n")
            request = lines[0].split()
            headers = {}
            for line in lines[1:]:
                k, _, v = line.partition(b":")
                headers[k.strip().lower()] = v.strip().lower()
            close = headers.get(b"connection") == b"close" or (len(request) > 2 and request[2] == b"HTTP/1.0"
                                                               and headers.get(b"connection") != b"keep-alive")
            if b"chunked" in headers.get(b"transfer-encoding", b""):
                self._reply(411, b"length required\n", close=True)
                return
            length = headers.get(b"content-length", b"0")
            body_len = int(length) if length.isdigit() else 0
            take = min(body_len, len(self.buf))
            self.buf = self.buf[take:]
            self.skip = body_len - take
            peer = self.transport.get_extra_info("peername") or ("?", 0)
            client = f"[{peer[0]}]:{peer[1]}" if ":" in str(peer[0]) else f"{peer[0]}:{peer[1]}"
            text = f"Hello from {self.vm}\nclient {client}\n".encode()
            method = request[0] if request else b"GET"
            self._reply(200, b"" if method == b"HEAD" else text, close=close, client=client,
                        length=len(text))
            if close:
                return

    def _reply(self, status: int, body: bytes, close: bool, client: str = "", length: int | None = None) -> None:
        assert self.transport is not None
        reason = {200: "OK", 411: "Length Required", 431: "Request Header Fields Too Large"}[status]
        head = (f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain\r\ncontent-length: "
                f"{len(body) if length is None else length}\r\nx-aznet-vm: {self.vm}\r\n")
        if client:
            head += f"x-aznet-client: {client}\r\n"
        if close:
            head += "connection: close\r\n"
        self.transport.write(head.encode() + b"\r\n" + body)
        if close:
            self.transport.close()
            self.transport = None


class TcpEcho(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)

    def eof_received(self) -> bool:
        return False


class UdpEcho(asyncio.DatagramProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.transport.sendto(data, addr)


class DemoServer:
    """One demo workload: its socket is bound at once (so a connection made right after ``aznet vm serve``
    returns is queued by the kernel), and served by the event loop as soon as it gets to it."""

    def __init__(self, kind: str, vm_name: str, host: str, port: int) -> None:
        self.kind, self.vm_name = kind, vm_name
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM if kind == "udp-echo" else socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            if kind != "udp-echo":
                sock.listen(1024)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self.sock = sock
        self.server: Any = None
        self.closed = False
        self.task = asyncio.get_running_loop().create_task(self._serve())

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        if self.kind == "udp-echo":
            server, _ = await loop.create_datagram_endpoint(UdpEcho, sock=self.sock)
        else:
            vm = self.vm_name
            factory = (lambda: HttpDemo(vm)) if self.kind == "http" else TcpEcho
            server = await loop.create_server(factory, sock=self.sock)
        if self.closed:
            server.close()
        self.server = server

    def close(self) -> None:
        self.closed = True
        if self.server is not None:
            self.server.close()
        elif not self.task.done():
            self.task.cancel()
            self.sock.close()
