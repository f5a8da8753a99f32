"""Request deadlines on kept-alive backend connections (``upstream.UpstreamPool.track`` and its sweep): a
connection stays tracked across answered requests until a sweep finds it without a deadline; a request past its
deadline fails with ``timeout`` (and its connection is aborted) however many answers came before on the same
connection; the sweep stops once nothing is tracked."""

from __future__ import annotations

import asyncio
from typing import Any

from aznet.dataplane.appgw import upstream
from aznet.dataplane.appgw.upstream import BackendError, Reply, UpstreamPool

from .support import BACKEND_KEY, backend_conn

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def test_deadlines_are_kept_across_answers_and_a_late_answer_times_out(monkeypatch: Any) -> None:
    monkeypatch.setattr(upstream, "SWEEP_SECONDS", 0.01)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        pool = UpstreamPool()
        conn = backend_conn(pool)
        got: list[tuple[Reply | None, BackendError | None]] = []

        def cb(reply: Reply | None, err: BackendError | None) -> None:
            got.append((reply, err))
        for _ in range(5):                              # answered in time: the connection stays tracked
            assert pool.take(BACKEND_KEY) in (conn, None)
            conn.expect(False, True, cb, loop.time() + 5.0, lambda s, d: cb(Reply(s.status, s.reason), None))
            conn.data_received(OK)
            assert conn.tracked and conn in pool.inflight and conn.deadline == 0.0
            assert conn.cb is None and conn.on_known is None    # nothing of the answered request kept
        assert [(r.status if r else None, e) for r, e in got] == [(200, None)] * 5
        await asyncio.sleep(0.05)                       # a sweep finds it without a deadline: it leaves the set
        assert not conn.tracked and not pool.inflight and pool._sweeping is None
        assert pool.take(BACKEND_KEY) is conn
        conn.expect(False, True, cb, loop.time() + 0.02)
        assert conn.tracked and pool._sweeping is not None
        conn.expect(False, True, cb, loop.time() + 0.02)     # (again: still one entry, one sweep)
        assert len(pool.inflight) == 1
        for _ in range(50):
            if len(got) > 5:
                break
            await asyncio.sleep(0.01)
        reply, err = got[5]
        assert reply is None and err is not None and err.kind == "timeout"
        assert conn.closed and not conn.tracked and not pool.inflight
        await asyncio.sleep(0.03)
        assert pool._sweeping is None
        other = backend_conn(pool)                       # closing the pool: an answered connection stops the sweep
        other.expect(False, True, cb, loop.time() + 5.0)
        other.data_received(OK)
        assert other.tracked and pool._sweeping is not None
        pool.close()
        assert not pool.inflight and pool._sweeping is None and other.closed
    asyncio.run(run())
