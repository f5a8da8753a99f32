"""The layers' import rules, read from the source: the data planes (aznet/dataplane) and the network
model (aznet/netmodel) never import the ARM layer (aznet/arm), not even for type hints: ids, regions and
type names come from neutral modules (aznet.ids, aznet.regions, aznet.typenames), the platform is typed
as ``aznet.services.Host``, and the HTTP glue that asks a data plane something (load balancer health,
the ``aznet vm`` admin routes) is declared on the control-plane side. Checked with the same import scan
as tests/arm/test_no_http_in_resources.py."""

from __future__ import annotations

from pathlib import Path

import aznet
from tests.arm.test_no_http_in_resources import _imports  # the same import scan

ROOT = Path(aznet.__file__).parent
ENGINES = ("dataplane", "netmodel")


def _offenders(folder: str, forbidden: str) -> dict[str, list[str]]:
    out = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        bad = sorted(n for n in _imports(path) if n == forbidden or n.startswith(forbidden + "."))
        if bad:
            out[str(path.relative_to(ROOT))] = bad
    return out


def test_the_scan_sees_type_checking_and_function_level_imports() -> None:
    probe = ROOT / "dataplane" / "lb" / "service.py"
    names = _imports(probe)
    assert "aznet.services.Host" in names           # under `if TYPE_CHECKING:`
    assert "aznet.dataplane.workloads.service" in names
    assert _imports(ROOT / "resources" / "network" / "load_balancer_health.py") >= {
        "aznet.arm.provider_actions", "aznet.dataplane.lb.service.LbService"}   # the latter inside a function


def test_data_planes_and_the_network_model_never_import_the_arm_layer() -> None:
    assert len(list((ROOT / "dataplane").rglob("*.py"))) > 50
    for folder in ENGINES:
        assert _offenders(folder, "aznet.arm") == {}, folder


def test_no_data_plane_registers_routes_or_actions() -> None:
    """Routes and actions are declared by resource packages and the platform; a data-plane module that
    did (the old lb/health_routes.py, workloads/admin.py) would need the ARM layer."""
    for folder in ENGINES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text()
            assert "ROUTES" not in text and "REGISTRY" not in text and "provider_action" not in text, path


def test_the_old_names_still_resolve_to_the_neutral_modules() -> None:
    from aznet import ids, regions
    from aznet.arm import ids as arm_ids
    from aznet.arm import regions as arm_regions

    assert arm_ids.normalize is ids.normalize and arm_ids.parse_resource_id is ids.parse_resource_id
    assert arm_regions.REGION_NAMES is regions.REGION_NAMES


def test_no_data_plane_imports_a_resource_package() -> None:
    """A resource package imports the ARM layer, so importing one is importing aznet/arm. What a data plane
    needs from the control plane (Key Vault secrets, the managed rule set tables) or implements for it
    (backend health, purge, the hubs' route exchange) sits in a neutral module: aznet/contracts, or the
    data plane's own package that the control plane imports."""
    for folder in ENGINES:
        assert _offenders(folder, "aznet.resources") == {}, folder
    assert _offenders("contracts", "aznet.arm") == {} and _offenders("contracts", "aznet.resources") == {}
    assert _offenders("contracts", "aznet.dataplane") == {}
