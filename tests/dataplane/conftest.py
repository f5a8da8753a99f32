from __future__ import annotations

from collections.abc import Iterator

import pytest

from .helpers import ServerThread


@pytest.fixture
def server() -> Iterator[ServerThread]:
    s = ServerThread()
    yield s
    s.stop()
