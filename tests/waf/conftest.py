from __future__ import annotations

import pytest

from aznet.dataplane.waf import crs


@pytest.fixture(scope="session")
def crs_available() -> None:
    try:
        crs.locate()
    except crs.CrsNotFound as exc:  # CI installs modsecurity-crs (scripts/test)
        pytest.fail(str(exc))
