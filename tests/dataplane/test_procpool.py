"""The worker pipes: messages larger than the pipe's buffer cross whole while an event loop watches the pipe
(uvloop makes a watched descriptor non-blocking, which ``multiprocessing.Connection`` cannot work with), and a
barrier taken on another thread waits for the loop's reader instead of reading the pipes beside it."""

from __future__ import annotations

import multiprocessing
import os
import threading
from multiprocessing.connection import Connection

from aznet.dataplane.procpool import ProcessPool, new_loop, watch_pipe

BIG = 3 * 1024 * 1024          # far more than a pipe holds: the sender writes it in many pieces


def test_big_messages_cross_whole_while_the_loop_watches_the_pipe() -> None:
    here, there = multiprocessing.Pipe()
    loop = new_loop()
    got: list[bytes] = []

    def readable() -> None:
        while here.poll(0):
            got.append(here.recv())
            if len(got) == 6:
                loop.stop()

    watch_pipe(loop, here, readable)
    assert os.get_blocking(here.fileno())

    def sender() -> None:
        for i in range(6):
            there.send(bytes([i]) * BIG)

    t = threading.Thread(target=sender)
    t.start()
    loop.call_later(60, loop.stop)
    loop.run_forever()
    t.join(10)
    loop.close()
    assert [(len(m), m[0], m[-1]) for m in got] == [(BIG, i, i) for i in range(6)]


def _echo_worker(conn: Connection, parent_pid: int, index: int) -> None:
    """Answers each sync after sending a big batch first, as a gateway worker flushes its telemetry."""
    while True:
        kind, data = conn.recv()
        if kind == "stop":
            return
        if kind == "sync":
            conn.send(("batch", b"x" * BIG))
            conn.send(("synced", data))


def test_barrier_from_another_thread_waits_for_the_loop_reader() -> None:
    rounds = 5
    batches: list[int] = []
    pool = ProcessPool(2, _echo_worker, (), "aznet-test", lambda i, kind, data: batches.append(i))
    loop = new_loop()
    pool.attach(loop)
    results: list[bool] = []

    def commits() -> None:          # the reconcile thread's side: barriers while the loop reads the pipes
        for _ in range(rounds):
            results.append(pool.barrier(30))
        loop.call_soon_threadsafe(loop.stop)

    t = threading.Thread(target=commits)
    t.start()
    loop.run_forever()
    t.join(10)
    try:
        assert results == [True] * rounds
        assert sorted(batches) == [0] * rounds + [1] * rounds     # every batch read whole, by the loop, in order
    finally:
        pool.stop()
        loop.close()
