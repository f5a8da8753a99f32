"""compile_schemas / load_schema round trip, and where the cache lives."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from aznet.arm import schema
from aznet.arm.schema import cache


def test_compile_writes_fields_with_wire_names_and_visibility(tmp_path: Path) -> None:
    out = tmp_path / "network.json"
    schema.compile_schemas(out, "network")
    doc = json.loads(out.read_text())
    assert doc["package"] == "network" and doc["version"] == cache.installed_version("network")
    vnet = doc["models"]["VirtualNetwork"]["fields"]
    assert vnet["extendedLocation"] == {"type": "ExtendedLocation"}  # rest_field(name="extendedLocation")
    assert vnet["etag"]["readonly"] is True and vnet["name"]["readonly"] is True
    assert not vnet["id"].get("readonly")
    props = doc["models"]["VirtualNetworkPropertiesFormat"]["fields"]
    assert props["subnets"] == {"type": "array", "item": "Subnet"}
    assert props["provisioningState"]["readonly"] is True
    assert "Succeeded" in props["provisioningState"]["enum"]
    assert props["flowTimeoutInMinutes"] == {"type": "int"}


def test_load_uses_compiled_cache(cache_dir: Path) -> None:
    ver = cache.installed_version("network")
    loaded = schema.load_schema("VirtualNetwork")
    assert loaded is not None
    cached = cache_dir / cache.cache_file_name("network", ver)
    doc = json.loads(cached.read_text())
    assert loaded.wire_fields() == doc["models"]["VirtualNetwork"]["fields"]


def test_cached_load_does_not_import_the_sdk(cache_dir: Path, load) -> None:  # type: ignore[no-untyped-def]
    load("VirtualNetwork")  # make sure the cache file exists
    code = (
        "import sys\n"
        "from aznet.arm.schema import load_schema\n"
        "s = load_schema('Subnet')\n"
        "print(s is not None, 'azure.mgmt.network.models' in sys.modules)\n"
    )
    env = {**os.environ, "AZNET_CACHE_DIR": str(cache_dir)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]


def test_stale_cache_is_recompiled(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AZNET_CACHE_DIR", str(tmp_path))
    ver = cache.installed_version("dns")
    target = tmp_path / cache.cache_file_name("dns", ver)
    target.write_text(json.dumps({"format": 0, "package": "dns", "version": ver, "models": {}}))
    schema.clear()
    try:
        assert schema.load_schema("RecordSet", "dns") is not None
        assert json.loads(target.read_text())["format"] == cache.FORMAT
    finally:
        schema.clear()


def test_missing_package_or_model_gives_none(cache_dir: Path) -> None:
    assert schema.load_schema("Anything", "notapackage") is None
    assert schema.load_schema("NoSuchModel") is None
    assert schema.schema_for_type("Microsoft.Unknown/things") is None
