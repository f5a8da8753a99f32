"""strip_readonly and readonly_paths."""

from __future__ import annotations

SUB_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network"


def _vnet_as_returned() -> dict:
    """A VNet body as a client might echo it back from a GET."""
    return {
        "id": f"{SUB_ID}/virtualNetworks/vnet1",
        "name": "vnet1",
        "type": "Microsoft.Network/virtualNetworks",
        "location": "westeurope",
        "etag": 'W/"1"',
        "tags": {"env": "dev"},
        "properties": {
            "provisioningState": "Succeeded",
            "resourceGuid": "0000",
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [
                {
                    "id": f"{SUB_ID}/virtualNetworks/vnet1/subnets/a",
                    "name": "a",
                    "etag": 'W/"1"',
                    "type": "Microsoft.Network/virtualNetworks/subnets",
                    "properties": {
                        "addressPrefix": "10.0.0.0/24",
                        "provisioningState": "Succeeded",
                        "networkSecurityGroup": {"id": f"{SUB_ID}/networkSecurityGroups/nsg"},
                        "ipConfigurations": [{"id": f"{SUB_ID}/networkInterfaces/n/ipConfigurations/c"}],
                    },
                }
            ],
        },
    }


def test_strip_removes_readonly_at_every_depth(load) -> None:  # type: ignore[no-untyped-def]
    vnet = load("VirtualNetwork")
    body = _vnet_as_returned()
    stripped = vnet.strip_readonly(body)
    assert "etag" not in stripped and "name" not in stripped and "type" not in stripped
    assert stripped["id"] == body["id"] and stripped["tags"] == {"env": "dev"}
    props = stripped["properties"]
    assert "provisioningState" not in props and "resourceGuid" not in props
    subnet = props["subnets"][0]
    assert "etag" not in subnet and "type" not in subnet
    assert subnet["name"] == "a" and subnet["id"] == body["properties"]["subnets"][0]["id"]
    sprops = subnet["properties"]
    assert "provisioningState" not in sprops
    assert "ipConfigurations" not in sprops  # a back-reference Azure fills in
    assert sprops["networkSecurityGroup"] == {"id": f"{SUB_ID}/networkSecurityGroups/nsg"}  # SubResource.id
    assert sprops["addressPrefix"] == "10.0.0.0/24"
    # the input is not modified
    assert body["properties"]["subnets"][0]["properties"]["provisioningState"] == "Succeeded"


def test_strip_keeps_unknown_fields(load) -> None:  # type: ignore[no-untyped-def]
    stripped = load("VirtualNetwork").strip_readonly({"location": "x", "somethingNew": {"a": 1}})
    assert stripped == {"location": "x", "somethingNew": {"a": 1}}


def test_readonly_paths(load) -> None:  # type: ignore[no-untyped-def]
    paths = load("VirtualNetwork").readonly_paths()
    assert "etag" in paths and "properties.provisioningState" in paths
    assert "properties.subnets[].properties.provisioningState" in paths
    assert "properties.subnets[].etag" in paths
    assert not any(p.endswith("subnets[].id") for p in paths)
    assert "id" not in paths


def test_msrest_style_flattened_properties(load) -> None:  # type: ignore[no-untyped-def]
    record = load("RecordSet", "dns")
    props = record.child("properties")
    assert props is not None
    assert props.field("TTL") == {"type": "int"}
    assert props.field("fqdn") == {"type": "str", "readonly": True}
    body = {
        "etag": "x",
        "properties": {"TTL": 60, "fqdn": "a.example.com.", "ARecords": [{"ipv4Address": "1.2.3.4"}]},
    }
    assert record.strip_readonly(body) == {
        "etag": "x",
        "properties": {"TTL": 60, "ARecords": [{"ipv4Address": "1.2.3.4"}]},
    }
    assert record.validate({"properties": {"TTL": "soon"}})[0].path == "properties.TTL"
