"""One compiled cache per test session, in a temporary AZNET_CACHE_DIR."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aznet.arm import schema


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("schema-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AZNET_CACHE_DIR", str(path))
        schema.clear()
        yield path
    schema.clear()


@pytest.fixture(scope="session")
def load(cache_dir: Path):  # type: ignore[no-untyped-def]
    """load_schema with the session cache; fails the test if the model is unknown."""

    def _load(model: str, package: str = "network") -> schema.Schema:
        found = schema.load_schema(model, package)
        assert found is not None, f"{package}:{model} has no schema"
        return found

    return _load
