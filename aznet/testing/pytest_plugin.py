"""pytest plugin (entry point ``aznet``): the ``aznet`` fixture starts aznet
on a free port with a temporary data dir and yields an ``AznetInstance``
(endpoint, CA path, ``credential()``, ``client(cls)``)."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import pytest

from .harness import AznetInstance, start_in_thread


def worker_pools() -> dict[str, str]:
    """A random /22 of the public pool (127.64.0.0/16) per test session, so the load balancer frontends
    of parallel instances (xdist workers, other checkouts on the same machine) rarely share an address."""
    block = random.randrange(64) * 4
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
