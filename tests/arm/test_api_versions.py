"""api-versions come from one place: the literal table in aznet/arm/versions.py (Azure's specs, what the
az CLI sends) plus what the installed SDKs send, read from the schema cache. No other module types a list
of api-versions, every registered type accepts the api-version its SDK's PUT sends, and aznet's own
clients take their default from the one table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import aznet
from aznet.arm import versions
from aznet.arm.schema import cache

ROOT = Path(aznet.__file__).parent
API_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}(-[a-z]+)?")


def _version_lists(path: Path) -> list[int]:
    """Lines of ``path`` where a list of api-versions is typed: a tuple/list/set literal with two or more
    api-version strings, or one string holding two or more (``"2015-06-15 2016-03-30 ...".split()``)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            strs = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if sum(bool(API_VERSION.fullmatch(s)) for s in strs) >= 2:
                lines.append(node.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            words = node.value.split()
            if len(words) >= 2 and sum(bool(API_VERSION.fullmatch(w)) for w in words) >= 2:
                lines.append(node.lineno)
    return lines


def test_the_scan_finds_a_typed_list(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text('A = ("2020-01-01", "2021-01-01")\nB = "2019-01-01 2019-02-01-preview".split()\nC = "2020-01-01"\n')
    assert sorted(_version_lists(probe)) == [1, 2]


def test_no_module_but_the_table_types_a_list_of_api_versions() -> None:
    table = ROOT / "arm" / "versions.py"
    assert _version_lists(table)                       # the table itself is found by the scan
    found = {str(p.relative_to(ROOT)): _version_lists(p) for p in sorted(ROOT.rglob("*.py")) if p != table}
    assert {k: v for k, v in found.items() if v} == {}


def test_the_schema_cache_records_what_the_sdk_sends() -> None:
    sent = cache.sdk_api_versions("network")
    assert sent and all(API_VERSION.fullmatch(v) for v in sent) and list(sent) == sorted(sent)
    put = cache.sdk_type_api_version("network", "Microsoft.Network/virtualNetworks")
    assert put in sent
    assert cache.sdk_api_versions("notapackage") == ()


def test_every_type_accepts_the_api_version_its_sdk_puts_with() -> None:
    from aznet.arm.registry import REGISTRY
    from aznet.resources import load_all

    load_all()
    checked, refused = 0, []
    for rtype in REGISTRY.types():
        put = cache.sdk_type_api_version(rtype.schema_package, rtype.type)
        if put is None:
            continue
        checked += 1
        if put not in rtype.api_versions:
            refused.append((rtype.type, put))
    assert checked > 50
    assert refused == []


def test_supported_is_the_table_then_what_the_sdk_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(versions.LISTED, "probe", ("2020-01-01", "2021-01-01"))
    monkeypatch.setitem(versions.SDK_PACKAGES, "probe", "probe")
    monkeypatch.setattr(versions, "sdk_api_versions",
                        lambda package: ("2021-01-01", "2030-05-01") if package == "probe" else ())
    monkeypatch.delitem(versions._supported, "probe", raising=False)
    assert versions.supported("probe") == ("2020-01-01", "2021-01-01", "2030-05-01")
    versions._supported.pop("probe", None)
    # a newer SDK's version is accepted without an edit; an unknown one is still refused
    assert versions.check_api_version("2030-05-01", versions.supported("probe"), "Probe/things") == "2030-05-01"
    with pytest.raises(Exception) as err:
        versions.check_api_version("2030-06-01", versions.supported("probe"), "Probe/things")
    assert getattr(err.value, "code", None) == "NoRegisteredProviderFound"
    versions._supported.pop("probe", None)


def test_the_network_sdk_version_is_accepted_by_the_network_list() -> None:
    assert set(cache.sdk_api_versions("network")) <= set(versions.NETWORK)
    assert set(cache.sdk_api_versions("compute")) <= set(versions.COMPUTE)


def test_aznet_clients_default_from_the_table() -> None:
    from aznet.testing import inprocess
    from aznet.verifier import sources

    assert inprocess.NETWORK_API == versions.default("network") == sources.NETWORK_API
    assert sources.COMPUTE_API == versions.default("compute")
    assert inprocess.RESOURCES_API == versions.default("resources")
    for key, ver in versions.DEFAULTS.items():
        assert ver in versions.supported(key), key
