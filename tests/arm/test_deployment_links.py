"""Linked templates (templateLink.uri, relativePath, parametersLink) fetched from this machine only, and ARM's
errors for a template sent as a JSON string, string parameters, and a template without its required members."""

from __future__ import annotations

import http.server
import json
import ssl
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

API = {"api-version": "2021-04-01"}
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def vnet_template(prefix_param: bool = True) -> dict[str, Any]:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0",
            "parameters": {"name": {"type": "string"}, "prefix": {"type": "string", "defaultValue": "10.9.0.0/16"}},
            "resources": [{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01",
                           "name": "[parameters('name')]", "location": "[resourceGroup().location]",
                           "properties": {"addressSpace": {"addressPrefixes": ["[parameters('prefix')]"]}}}],
            "outputs": {"subnet0": {"type": "string", "value": "[cidrSubnet(parameters('prefix'), 24, 0)]"},
                        "self": {"type": "string", "value": "[deployment().properties.templateLink.uri]"}}}


def main_template() -> dict[str, Any]:
    """A template that links a nested template by relativePath (resolved against its own URI)."""
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0",
            "parameters": {"name": {"type": "string"}},
            "resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
                           "properties": {"mode": "Incremental", "templateLink": {"relativePath": "nested/vnet.json"},
                                          "parameters": {"name": {"value": "[concat(parameters('name'), '-b')]"}}}},
                          {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01",
                           "name": "[concat(parameters('name'), '-nsg')]", "location": "[resourceGroup().location]",
                           "properties": {}}]}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server with templates and a parameter file."""
    root = tmp_path_factory.mktemp("site")
    (root / "nested").mkdir()
    (root / "vnet.json").write_text(json.dumps(vnet_template()))
    (root / "nested" / "vnet.json").write_text(json.dumps(vnet_template()))
    (root / "main.json").write_text(json.dumps(main_template()))
    (root / "params.json").write_text(json.dumps({"$schema": SCHEMA, "contentVersion": "1.0.0.0",
                                                  "parameters": {"name": {"value": "from-params"}}}))
    (root / "broken.json").write_text("{ not json")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *a: Any) -> None:
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(aznet) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    tok = aznet.credential().get_token(f"{aznet.endpoint}/.default").token
    with httpx.Client(base_url=aznet.endpoint, timeout=60, headers={"Authorization": f"Bearer {tok}"},
                      verify=ssl.create_default_context(cafile=str(aznet.ca_bundle))) as c:
        yield c


def _dep(aznet: Any, rg: str, name: str) -> str:
    return f"/subscriptions/{aznet.subscription_id}/resourcegroups/{rg}/providers/Microsoft.Resources/deployments/{name}"


def _deploy(c: httpx.Client, url: str, props: dict[str, Any]) -> dict[str, Any]:
    r = c.put(url, params=API, json={"properties": {"mode": "Incremental", **props}})
    assert r.status_code == 201, r.text
    for _ in range(600):
        body = c.get(url, params=API).json()
        if body["properties"]["provisioningState"] not in ("Accepted", "Running"):
            return body
        import time
        time.sleep(0.05)
    raise AssertionError("the deployment did not finish")


def test_template_link_on_loopback_with_relative_path_and_parameters_link(aznet, client, rg, site, network_client):
    base, _ = site
    body = _deploy(client, _dep(aznet, rg, "linked"), {"templateLink": {"uri": f"{base}/main.json"},
                                                       "parametersLink": {"uri": f"{base}/params.json"}})
    assert body["properties"]["provisioningState"] == "Succeeded", body["properties"].get("error")
    assert body["properties"]["templateLink"]["uri"] == f"{base}/main.json"
    assert network_client.virtual_networks.get(rg, "from-params-b").address_space.address_prefixes == ["10.9.0.0/16"]
    assert network_client.network_security_groups.get(rg, "from-params-nsg").name == "from-params-nsg"


def test_links_off_this_machine_are_refused_without_fetching(aznet, client, rg):
    for uri in ("http://203.0.113.9/t.json", "https://example.com/t.json", "http://10.0.0.1:8080/t.json",
                "ftp://127.0.0.1/t.json"):
        r = client.put(_dep(aznet, rg, "far"), params=API,
                       json={"properties": {"mode": "Incremental", "templateLink": {"uri": uri}}})
        assert r.status_code == 400, r.text
        err = r.json()["error"]
        assert err["code"] == "InvalidContentLink" and uri in err["message"]
    assert client.get(_dep(aznet, rg, "far"), params=API).status_code == 404     # nothing was written


def test_link_errors_name_the_problem(aznet, client, rg, site):
    base, _ = site
    for uri, reason in ((f"{base}/missing.json", "404"), (f"{base}/broken.json", "not valid JSON")):
        r = client.put(_dep(aznet, rg, "bad"), params=API,
                       json={"properties": {"mode": "Incremental", "templateLink": {"uri": uri}}})
        assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidContentLink"
        assert reason in r.json()["error"]["message"]
    r = client.put(_dep(aznet, rg, "rel"), params=API, json={"properties": {
        "mode": "Incremental", "templateLink": {"relativePath": "vnet.json"}}})
    assert r.status_code == 400 and "relativePath" in r.json()["error"]["message"]


def test_file_links_only_inside_the_allowed_directories(aznet, client, rg, site, monkeypatch):
    _, root = site
    uri = (root / "vnet.json").as_uri()
    props = {"templateLink": {"uri": uri}, "parameters": {"name": {"value": "filed"}}}
    r = client.put(_dep(aznet, rg, "file"), params=API, json={"properties": {"mode": "Incremental", **props}})
    assert r.status_code == 400 and "AZNET_TEMPLATE_DIRS" in r.json()["error"]["message"]
    monkeypatch.setattr(aznet.platform.settings, "template_dirs", [root / "nested"])
    escape = (root / "nested").as_uri() + "/../vnet.json"     # resolves outside the allowed directory
    r = client.put(_dep(aznet, rg, "file"), params=API, json={"properties": {
        "mode": "Incremental", "templateLink": {"uri": escape}, "parameters": props["parameters"]}})
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidContentLink"
    monkeypatch.setattr(aznet.platform.settings, "template_dirs", [root])
    body = _deploy(client, _dep(aznet, rg, "file"), props)
    assert body["properties"]["provisioningState"] == "Succeeded", body["properties"].get("error")
    assert body["properties"]["outputs"]["subnet0"]["value"] == "10.9.0.0/24"
    assert body["properties"]["outputs"]["self"]["value"] == uri


def test_template_and_parameters_as_json_strings_get_arms_error(aznet, client, rg):
    text = json.dumps(vnet_template())
    for props in ({"template": text}, {"template": vnet_template(), "parameters": '{"name": {"value": "x"}}'}):
        r = client.put(_dep(aznet, rg, f"str-{uuid.uuid4().hex[:4]}"), params=API,
                       json={"properties": {"mode": "Incremental", **props}})
        assert r.status_code == 400, r.text
        err = r.json()["error"]
        assert err["code"] == "InvalidRequestContent"
        assert "Error converting value" in err["message"]
        member = "template" if isinstance(props.get("template"), str) else "parameters"
        assert f"Path 'properties.{member}'" in err["message"]


def test_template_without_schema_or_resources_gets_arms_error(aznet, client, rg):
    for t in ({"contentVersion": "1.0.0.0"}, {"$schema": SCHEMA, "contentVersion": "1.0.0.0"}, {}):
        r = client.put(_dep(aznet, rg, "shape"), params=API,
                       json={"properties": {"mode": "Incremental", "template": t}})
        assert r.status_code == 400, r.text
        err = r.json()["error"]
        assert err["code"] == "InvalidTemplate" and "Required property" in err["message"]
    assert client.get(_dep(aznet, rg, "shape"), params=API).status_code == 404


def test_az_deployment_group_create_with_template_uri(az, aznet, rg, site, network_client):
    base, _ = site
    out = az.json("deployment", "group", "create", "-g", rg, "-n", "fromuri", "--template-uri",
                  f"{base}/vnet.json", "--parameters", "name=az-linked", "prefix=10.77.0.0/16")
    assert out["properties"]["provisioningState"] == "Succeeded"
    assert out["properties"]["outputs"]["subnet0"]["value"] == "10.77.0.0/24"
    assert out["properties"]["outputs"]["self"]["value"] == f"{base}/vnet.json"
    assert network_client.virtual_networks.get(rg, "az-linked").address_space.address_prefixes == ["10.77.0.0/16"]


def _list_template(fn: str) -> dict[str, Any]:
    t = vnet_template()
    t["outputs"] = {"listed": {"type": "object", "value": f"[{fn}(resourceId('Microsoft.Network/virtualNetworks', "
                                                          "parameters('name')), '2024-05-01')]"}}
    return t


def test_list_functions_call_the_types_post_action_through_the_platform(aznet, client, rg, monkeypatch):
    from aznet.arm.registry import Action

    rt = aznet.platform.registry.get("Microsoft.Network/virtualNetworks")
    calls: list[str] = []

    def list_prefixes(ctx: Any, body: dict[str, Any], payload: Any) -> tuple[int, Any]:
        calls.append(body["name"])
        return 200, {"prefixes": body["properties"]["addressSpace"]["addressPrefixes"]}
    monkeypatch.setattr(rt, "actions", [*rt.actions, Action("listPrefixes", list_prefixes)])
    body = _deploy(client, _dep(aznet, rg, "lister"), {"template": _list_template("listPrefixes"),
                                                       "parameters": {"name": {"value": "listed"}}})
    assert body["properties"]["provisioningState"] == "Succeeded", body["properties"].get("error")
    assert body["properties"]["outputs"]["listed"]["value"] == {"prefixes": ["10.9.0.0/16"]}
    assert calls == ["listed"]


def test_list_function_on_a_type_without_that_action_fails_the_deployment(aznet, client, rg):
    body = _deploy(client, _dep(aznet, rg, "nolist"), {"template": _list_template("listKeys"),
                                                       "parameters": {"name": {"value": "nokeys"}}})
    props = body["properties"]
    assert props["provisioningState"] == "Failed"
    assert "The action 'listKeys' is not supported on 'Microsoft.Network/virtualNetworks'" in json.dumps(props["error"])
