"""Resource types know nothing about HTTP: no module under aznet/resources imports the ARM layer's
HTTP values (arm.http) or its route table (arm.router). What those modules used to do by hand is
declared: virtual child collections, provider actions, Actions, extension resources at any scope.
The declarations behave as the hand-written routes did; checked here in process."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import aznet
from aznet.testing.inprocess import InProcessClient

RESOURCES = Path(aznet.__file__).parent / "resources"
FORBIDDEN = ("aznet.arm.http", "aznet.arm.router")


def _imports(path: Path) -> set[str]:
    """The absolute names of the modules a file imports (relative imports resolved)."""
    package = ["aznet", *path.relative_to(RESOURCES.parent).with_suffix("").parts[:-1]]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_the_import_scan_sees_relative_and_absolute_imports() -> None:
    probe = RESOURCES / "network" / "load_balancers.py"
    names = _imports(probe)
    assert "aznet.arm.registry" in names and "aznet.arm.ids.normalize" in names


def test_no_resource_module_imports_http_or_router_code() -> None:
    offenders = {}
    modules = sorted(RESOURCES.rglob("*.py"))
    assert len(modules) > 50
    for path in modules:
        bad = sorted(n for n in _imports(path) if any(n == f or n.startswith(f + ".") for f in FORBIDDEN))
        if bad:
            offenders[str(path.relative_to(RESOURCES))] = bad
    assert offenders == {}


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> InProcessClient:  # type: ignore[no-untyped-def]
    return InProcessClient.fresh(tmp_path_factory.mktemp("nohttp"))


@pytest.fixture(scope="module")
def lb(client: InProcessClient) -> str:
    rg = client.group("virtuals")
    vnet = client.network(rg, "virtualNetworks", "vnet1")
    status, body = client.call("PUT", vnet, {"location": "westeurope", "properties": {
        "addressSpace": {"addressPrefixes": ["10.9.0.0/16"]},
        "subnets": [{"name": "s", "properties": {"addressPrefix": "10.9.0.0/24"}}]}})
    assert status == 201, body
    path = client.network(rg, "loadBalancers", "lb")
    status, body = client.call("PUT", path, {"location": "westeurope", "sku": {"name": "Standard"}, "properties": {
        "frontendIPConfigurations": [{"name": "fe", "properties": {"subnet": {"id": f"{vnet}/subnets/s"}}}],
        "probes": [{"name": "p", "properties": {"protocol": "Tcp", "port": 80}}]}})
    assert status == 201, body
    return path


def test_lb_parts_read_as_child_collections(client: InProcessClient, lb: str) -> None:
    status, body = client.call("GET", f"{lb}/frontendIPConfigurations")
    assert status == 200 and [f["name"] for f in body["value"]] == ["fe"]
    assert body["value"][0]["properties"]["privateIPAddress"].startswith("10.9.0.")
    status, one = client.call("GET", f"{lb}/probes/P")
    assert status == 200 and one["name"] == "p" and one["properties"]["port"] == 80
    status, body = client.call("GET", f"{lb}/probes/missing")
    assert status == 404 and body["error"]["code"] == "NotFound"
    # read-only: a write is refused before the body is read, and nothing changes
    for method in ("PUT", "PATCH", "DELETE"):
        status, body = client.call(method, f"{lb}/probes/p", {"properties": {"port": 81}})
        assert status == 405 and body["error"]["code"] == "MethodNotAllowed", method
    assert client.call("GET", f"{lb}/probes/p")[1]["properties"]["port"] == 80
    # inbound NAT pools are not served on their own
    status, body = client.call("GET", f"{lb}/inboundNatPools")
    assert status == 404 and body["error"]["code"] == "InvalidResourceType"


def test_a_virtual_child_of_a_missing_parent_is_resource_not_found(client: InProcessClient) -> None:
    rg = client.group("virtuals2")
    for path in (client.network(rg, "loadBalancers", "nolb") + "/probes",
                 client.network(rg, "networkInterfaces", "nonic") + "/ipConfigurations/ipconfig1"):
        status, body = client.call("GET", path)
        assert status == 404 and body["error"]["code"] == "ResourceNotFound", body
        assert "nolb" in body["error"]["message"] or "nonic" in body["error"]["message"]


def test_locks_at_a_resource_scope_and_their_effect(client: InProcessClient, lb: str) -> None:
    lock = f"{lb}/providers/Microsoft.Authorization/locks/keep"
    status, body = client.call("PUT", lock, {"properties": {"level": "CanNotDelete"}}, "2020-05-01")
    assert status == 201 and body["properties"]["level"] == "CanNotDelete", body
    status, body = client.call("DELETE", lb)
    assert status == 409 and body["error"]["code"] == "ScopeLocked"
    status, body = client.call("GET", f"{lb}/providers/Microsoft.Authorization/locks", None, "2020-05-01")
    assert status == 200 and [x["name"] for x in body["value"]] == ["keep"]
    status, body = client.call("PUT", lock, None, "2020-05-01")
    assert status == 400 and body["error"]["code"] == "InvalidRequestContent"
    assert client.call("DELETE", lock, None, "2020-05-01")[0] == 200
    assert client.call("DELETE", lock, None, "2020-05-01")[0] == 204
