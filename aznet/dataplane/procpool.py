"""Data-plane worker processes, the one seam every engine with workers uses (load balancer relays, application
gateway and Front Door workers: ``AZNET_LB_WORKERS``, ``AZNET_APPGW_WORKERS``, ``AZNET_FRONTDOOR_WORKERS``).

The aznet process stays the brain: it compiles configuration, runs probes and answers the control plane; each
worker is a ``spawn``ed process (never ``fork``: the aznet process has threads) with one pipe to the aznet
process, binds the frontends with SO_REUSEPORT (the kernel spreads new connections over the processes) and sends
counters back. What travels is ``(kind, data)`` tuples.

- ``ProcessPool`` (the aznet side): start N workers, ``send`` to all, read what they send on the event loop
  (``attach``), ``barrier``: wait until every worker has handled everything sent before it (a purge reaches every
  cache, a new listener is bound, before the control plane answers), ``stop``.
- ``die_with_parent`` and ``new_loop`` (the worker side): a worker exits when the aznet process does, whatever
  way it ends (Linux ``PR_SET_PDEATHSIG``; the pipe's end of file is the portable second line).
- ``bind_listener``: SO_REUSEPORT only when workers run, so two independent aznet instances never share a
  frontend by accident."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger("aznet.workers")
PR_SET_PDEATHSIG = 1


def bind_listener(proto: str, host: str, port: int, reuse_port: bool, backlog: int = 4096) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if proto == "tcp":
            sock.listen(backlog)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def watch_pipe(loop: asyncio.AbstractEventLoop, conn: Connection, callback: Callable[[], None]) -> None:
    """Call ``callback`` on the loop when ``conn`` has something to read, the pipe staying *blocking*.

    uvloop (libuv's poll handle) makes a watched descriptor non-blocking, and ``Connection`` cannot work on a
    non-blocking one: a message that has only partly arrived makes ``recv`` raise ``BlockingIOError`` after
    taking its first bytes, and a ``send`` into a full pipe does the same after writing part of one; both break
    the framing for good. Blocking again, a ``recv`` that finds a message begun waits the moment it takes the
    sender to finish it, and the reader only calls ``recv`` when ``poll(0)`` says a message has begun."""
    loop.add_reader(conn.fileno(), callback)
    os.set_blocking(conn.fileno(), True)


def die_with_parent(parent_pid: int) -> None:
    """The kernel sends SIGTERM to this process when the aznet process (the thread that started it) ends; if
    the parent is already gone, exit now. Ctrl-C in a terminal reaches the whole process group: a worker ignores
    it and lets the aznet process stop it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(0)


def new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop

        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    return loop


class ProcessPool:
    """The aznet process's side of N workers running ``target(conn, parent_pid, *args, index)``."""

    def __init__(self, count: int, target: Callable[..., None], args: tuple[Any, ...], name: str,
                 on_message: Callable[[int, str, Any], None]) -> None:
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        self.on_message = on_message
        self.loop: asyncio.AbstractEventLoop | None = None
        self._sync = 0
        self._lock = threading.Lock()
        self._acked: list[int] = [0] * count          # the last "sync" each worker answered (seen by the reader)
        self._acks = threading.Condition()
        self._spawn_args = (target, args, name)
        for i in range(count):
            conn, proc = self._spawn(i)
            self.conns.append(conn)
            self.procs.append(proc)

    def _spawn(self, i: int) -> tuple[Connection, Any]:
        target, args, name = self._spawn_args
        ctx = multiprocessing.get_context("spawn")
        here, there = ctx.Pipe()
        proc = ctx.Process(target=target, args=(there, os.getpid(), *args, i), name=f"{name}-{i}", daemon=True)
        proc.start()
        there.close()
        return here, proc

    def dead(self) -> list[int]:
        """The workers that have exited (crashed or killed)."""
        return [i for i, p in enumerate(self.procs) if not p.is_alive()]

    def respawn(self, i: int) -> None:
        """A new worker in place of worker ``i`` (which has exited); the caller sends it its state."""
        self._detach(i)
        with contextlib.suppress(OSError):
            self.conns[i].close()
        self.procs[i].join(0.1)
        self.conns[i], self.procs[i] = self._spawn(i)
        with self._acks:
            self._acked[i] = self._sync              # a new worker owes no answer to an older barrier
        if self.loop is not None:
            watch_pipe(self.loop, self.conns[i], functools.partial(self._read, i))

    def send_to(self, i: int, kind: str, data: Any) -> None:
        with self._lock, contextlib.suppress(OSError, ValueError):
            self.conns[i].send((kind, data))

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.pid is not None]

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        for i, conn in enumerate(self.conns):
            watch_pipe(loop, conn, functools.partial(self._read, i))

    def _detach(self, i: int) -> None:
        if self.loop is not None:
            with contextlib.suppress(Exception):
                self.loop.remove_reader(self.conns[i].fileno())

    def _read(self, i: int) -> None:
        """The loop's reader: everything waiting on the pipe, never blocking (a barrier on the loop thread may
        have taken what made the pipe readable)."""
        conn = self.conns[i]
        try:
            while conn.poll(0):
                kind, data = conn.recv()
                self._dispatch(i, kind, data)
        except (EOFError, OSError):
            self._detach(i)
            with self._acks:
                self._acks.notify_all()

    def _dispatch(self, i: int, kind: str, data: Any) -> None:
        if kind == "synced":
            with self._acks:
                self._acked[i] = max(self._acked[i], data)
                self._acks.notify_all()
            return
        try:
            self.on_message(i, kind, data)
        except Exception:      # one odd message never stops the reader
            log.exception("worker %d: message %s failed", i, kind)

    def send(self, kind: str, data: Any) -> None:
        with self._lock:          # one message at a time on each pipe, whichever thread sends
            for conn in self.conns:
                with contextlib.suppress(OSError, ValueError):
                    conn.send((kind, data))

    def barrier(self, timeout: float = 5.0) -> bool:
        """Block until every live worker has handled all that was sent before (what the workers send meanwhile
        is dispatched as usual). False when one did not answer in time."""
        with self._lock:
            self._sync += 1
            n = self._sync
        self.send("sync", n)
        deadline = time.monotonic() + timeout
        if self.loop is not None and not self._on_loop_thread():
            return self._await_acks(n, deadline)
        # on the loop's own thread (or before attach): no reader runs meanwhile, so read the pipes here
        ok = True
        for i, conn in enumerate(self.conns):
            if not self.procs[i].is_alive():
                continue
            while True:
                left = deadline - time.monotonic()
                try:
                    if left <= 0 or not conn.poll(left):
                        ok = False
                        break
                    kind, data = conn.recv()
                except (EOFError, OSError):
                    break
                self._dispatch(i, kind, data)
                if kind == "synced" and data == n:
                    break
        return ok

    def _on_loop_thread(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return False

    def _await_acks(self, n: int, deadline: float) -> bool:
        """From another thread: only the loop's reader reads the pipes (two readers of one pipe would split its
        messages between them), so wait until it has seen every live worker's answer to sync ``n``."""
        with self._acks:
            while True:
                owed = [i for i, p in enumerate(self.procs) if self._acked[i] < n and p.is_alive()]
                if not owed:
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._acks.wait(min(left, 0.2))        # a worker that dies meanwhile is seen within 0.2 s

    def stop(self, timeout: float = 5.0) -> None:
        self.send("stop", None)
        for i in range(len(self.conns)):
            self._detach(i)
        deadline = time.monotonic() + timeout
        for proc in self.procs:
            proc.join(max(deadline - time.monotonic(), 0.1))
            if proc.is_alive():
                proc.kill()
                proc.join(1)
        for conn in self.conns:
            conn.close()
