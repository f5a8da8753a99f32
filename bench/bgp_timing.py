"""What the BGP benches (bgp_bench.py, bgp_hub_bench.py) share: polling until a condition holds, the
announce -> route-held timing loop against a real FRR, the subnet-routes check, percentiles."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from aznet.netmodel.engine import model_engine
from aznet.testing import frr


def wait(fn: Callable[[], Any], timeout: float = 60.0, every: float = 0.001) -> float:
    """Poll ``fn`` every ``every`` seconds until it is true; the perf_counter() when it was."""
    t0 = time.perf_counter()
    while not fn():
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError
        time.sleep(every)
    return time.perf_counter()


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def host_prefixes(n: int) -> list[str]:
    """``n`` distinct /32s from 100.64.0.0 on."""
    return [f"100.{64 + i // 65536}.{(i // 256) % 256}.{i % 256}/32" for i in range(n)]


def holds(inst: Any, subnet: str, prefixes: Iterable[str]) -> bool:
    """The subnet's effective routes (key ``subnet``) hold every one of ``prefixes`` from the gateway."""
    def check() -> bool:
        routes = model_engine(inst.platform).model.subnet_routes(subnet)
        if routes is None:
            return False
        missing = set(prefixes)
        for r in routes.routes:
            if r.source == "VirtualNetworkGateway":
                for p in r.prefixes:
                    missing.discard(p.text)
                    if not missing:
                        return True
        return not missing
    return bool(inst.call(check))


def announce_rounds(router: frr.Frr, prefixes: Iterable[str], held: Callable[[str], bool], every: float = 0.001,
                    after: Callable[[str], None] | None = None) -> list[float]:
    """For each prefix: ``router`` announces it (vtysh ``network``), then the ms until ``held(prefix)`` is true
    (polled every ``every`` s, within 60 s); ``after(prefix)`` runs once it is, outside the timing."""
    out = []
    for prefix in prefixes:
        t0 = time.perf_counter()
        router.announce(prefix)
        out.append((wait(lambda p=prefix: held(p), 60, every) - t0) * 1000)
        if after is not None:
            after(prefix)
    return out
