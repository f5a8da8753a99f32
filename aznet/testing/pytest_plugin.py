"""pytest plugin (entry point ``aznet``): the ``aznet`` fixture starts aznet
on a free port with a temporary data dir and yields an ``AznetInstance``
(endpoint, CA path, ``credential()``, ``client(cls)``)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .harness import AznetInstance, start_in_thread


@pytest.fixture(scope="session")
def aznet() -> Iterator[AznetInstance]:
    inst = start_in_thread()
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
