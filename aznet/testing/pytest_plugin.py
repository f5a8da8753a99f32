"""pytest plugin (entry point ``aznet``): the ``aznet`` fixture starts aznet
on a free port with a temporary data dir and yields an ``AznetInstance``
(endpoint, CA path, ``credential()``, ``client(cls)``)."""

from __future__ import annotations

import itertools
import os
import random
from collections.abc import Iterator

import pytest

from .harness import AznetInstance, start_in_thread

BLOCKS = 64                                     # /22 blocks in the public pool 127.64.0.0/16
_turns = itertools.count(random.randrange(BLOCKS))   # a random start: other checkouts on the machine rarely pick the same


def worker_pools() -> dict[str, str]:
    """A /22 of the public pool (127.64.0.0/16) for each aznet instance a test session starts, so the frontends
    of instances that run at once never share an address within one test run: pytest-xdist worker k of n only
    takes blocks whose number is k modulo n, and one process takes them in turn (the session's instance and a
    test's own instance would otherwise pick the same block one time in 64, and requests meant for one would
    reach the other). Other checkouts on the same machine start at a random block."""
    n = max(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1), 1)
    k = int((os.environ.get("PYTEST_XDIST_WORKER") or "gw0").removeprefix("gw") or 0) % n
    mine = [b for b in range(1, BLOCKS) if b % n == k]     # not block 0: an instance on the default pool starts there
    block = mine[next(_turns) % len(mine)] * 4
    edge = f"127.62.{random.randrange(256)}.{random.randrange(1, 255)}"   # the Front Door edge address, likewise
    return {"public_ip_pool": f"127.64.{block}.0/22", "frontdoor_edge_address": edge}


@pytest.fixture(scope="session")
def aznet() -> Iterator[AznetInstance]:
    inst = start_in_thread(**worker_pools())
    old = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = str(inst.ca_bundle)
    try:
        yield inst
    finally:
        if old is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = old
        inst.stop()
