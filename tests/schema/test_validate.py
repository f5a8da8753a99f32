"""validate / coerce / unknown_fields / the ARM error."""

from __future__ import annotations

from aznet.arm.schema import invalid_request_format

NET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network"

VNET = {
    "location": "westeurope",
    "tags": {"team": "net"},
    "properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16", "10.1.0.0/16"]},
        "dhcpOptions": {"dnsServers": ["10.0.0.4"]},
        "enableDdosProtection": False,
        "flowTimeoutInMinutes": 10,
        "subnets": [
            {
                "name": "web",
                "properties": {
                    "addressPrefix": "10.0.1.0/24",
                    "networkSecurityGroup": {"id": f"{NET}/networkSecurityGroups/web"},
                    "routeTable": {"id": f"{NET}/routeTables/rt"},
                    "serviceEndpoints": [{"service": "Microsoft.Storage", "locations": ["westeurope"]}],
                    "delegations": [
                        {"name": "d", "properties": {"serviceName": "Microsoft.Web/serverFarms"}}
                    ],
                    "privateEndpointNetworkPolicies": "Disabled",
                },
            }
        ],
    },
}

NIC = {
    "location": "westeurope",
    "properties": {
        "enableAcceleratedNetworking": False,
        "enableIPForwarding": True,
        "networkSecurityGroup": {"id": f"{NET}/networkSecurityGroups/web"},
        "ipConfigurations": [
            {
                "name": "ipconfig1",
                "properties": {
                    "privateIPAllocationMethod": "Static",
                    "privateIPAddress": "10.0.1.4",
                    "primary": True,
                    "subnet": {"id": f"{NET}/virtualNetworks/v/subnets/web"},
                    "publicIPAddress": {"id": f"{NET}/publicIPAddresses/pip"},
                    "loadBalancerBackendAddressPools": [
                        {"id": f"{NET}/loadBalancers/lb/backendAddressPools/be"}
                    ],
                },
            }
        ],
        "dnsSettings": {"dnsServers": ["1.1.1.1"]},
    },
}

NSG = {
    "location": "westeurope",
    "properties": {
        "securityRules": [
            {
                "name": "allow-https",
                "properties": {
                    "priority": 100,
                    "direction": "Inbound",
                    "access": "Allow",
                    "protocol": "Tcp",
                    "sourceAddressPrefix": "Internet",
                    "sourcePortRange": "*",
                    "destinationAddressPrefixes": ["10.0.1.0/24"],
                    "destinationPortRanges": ["443", "8443"],
                },
            }
        ]
    },
}


def test_realistic_bodies_are_valid(load) -> None:  # type: ignore[no-untyped-def]
    for model, body in (("VirtualNetwork", VNET), ("NetworkInterface", NIC), ("NetworkSecurityGroup", NSG)):
        schema = load(model)
        assert schema.validate(body) == [], model
        assert schema.validate(body, strict=True) == [], model
        assert schema.validate(body, all_enums=True) == [], model
        assert schema.unknown_fields(body) == [], model


def test_wrong_types_at_depth(load) -> None:  # type: ignore[no-untyped-def]
    body = {
        "location": "westeurope",
        "properties": {
            "addressSpace": {"addressPrefixes": [{"prefix": "10.0.0.0/16"}, "10.1.0.0/16"]},
            "flowTimeoutInMinutes": "ten",
            "enableDdosProtection": [],
            "subnets": [{"name": "a", "properties": {"addressPrefix": "10.0.0.0/24"}}, "b"],
            "dhcpOptions": "10.0.0.4",
        },
    }
    errors = {e.path: e for e in load("VirtualNetwork").validate(body)}
    assert set(errors) == {
        "properties.addressSpace.addressPrefixes[0]",
        "properties.flowTimeoutInMinutes",
        "properties.enableDdosProtection",
        "properties.subnets[1]",
        "properties.dhcpOptions",
    }
    assert errors["properties.flowTimeoutInMinutes"].expected == "int"


def test_array_and_object_in_wrong_places(load) -> None:  # type: ignore[no-untyped-def]
    vnet = load("VirtualNetwork")
    assert [e.path for e in vnet.validate({"properties": {"subnets": {"name": "a"}}})] == [
        "properties.subnets"
    ]
    assert [e.path for e in vnet.validate({"tags": {"a": {"b": 1}}})] == ["tags.a"]
    assert [e.path for e in vnet.validate({"properties": []})] == ["properties"]
    assert vnet.validate({"properties": {"dhcpOptions": None}}) == []  # null clears a field


def test_scalar_conversions_follow_json_net(load) -> None:  # type: ignore[no-untyped-def]
    vnet = load("VirtualNetwork")
    body = {"properties": {"flowTimeoutInMinutes": "10", "enableDdosProtection": "true"}}
    assert vnet.validate(body) == []
    assert {e.path for e in vnet.validate(body, strict=True)} == {
        "properties.flowTimeoutInMinutes",
        "properties.enableDdosProtection",
    }
    coerced = vnet.coerce({**body, "location": "x", "extra": {"k": "v"}})
    assert coerced == {
        "properties": {"flowTimeoutInMinutes": 10, "enableDdosProtection": True},
        "location": "x",
        "extra": {"k": "v"},
    }
    nsg = load("SecurityRule")
    assert nsg.coerce({"properties": {"priority": "100", "destinationPortRange": 443}}) == {
        "properties": {"priority": 100, "destinationPortRange": "443"}
    }


def test_enum_values(load) -> None:  # type: ignore[no-untyped-def]
    rule = load("SecurityRule")
    spec = rule.child("properties").field("protocol")
    assert spec["extensible"] is True and {"Tcp", "Udp", "*"} <= set(spec["enum"])
    body = {"properties": {"protocol": "Tcpx", "access": "allow"}}
    assert rule.validate(body) == []  # the SDK marks it extensible
    errors = rule.validate(body, all_enums=True)
    assert [e.path for e in errors] == ["properties.protocol"]  # "allow" matches "Allow" (case-insensitive)


def test_fixed_enum_and_polymorphism(load) -> None:  # type: ignore[no-untyped-def]
    group = load("FirewallPolicyRuleCollectionGroup")
    body = {
        "properties": {
            "priority": 200,
            "ruleCollections": [
                {
                    "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
                    "name": "c",
                    "priority": 100,
                    "action": {"type": "Allow"},
                    "rules": [
                        {
                            "ruleType": "NetworkRule",
                            "name": "r",
                            "ipProtocols": ["TCP"],
                            "sourceAddresses": ["*"],
                            "destinationPorts": "443",
                        }
                    ],
                }
            ],
        }
    }
    errors = group.validate(body)
    # destinationPorts is only known on the NetworkRule subtype the discriminator selects
    assert [e.path for e in errors] == ["properties.ruleCollections[0].rules[0].destinationPorts"]
    network_rule = load("NetworkRule")
    assert network_rule.field("ruleType")["extensible"] is False
    assert [e.path for e in network_rule.validate({"ruleType": "Nope"})] == ["ruleType"]


def test_unknown_fields_are_reported_not_errors(load) -> None:  # type: ignore[no-untyped-def]
    vnet = load("VirtualNetwork")
    body = {"location": "x", "colour": "red", "properties": {"subnets": [{"properties": {"bogus": 1}}]}}
    assert vnet.validate(body) == []
    assert vnet.unknown_fields(body) == ["colour", "properties.subnets[0].properties.bogus"]


def test_arm_error_for_type_errors(load) -> None:  # type: ignore[no-untyped-def]
    errors = load("VirtualNetwork").validate({"properties": {"flowTimeoutInMinutes": "abc", "subnets": "x"}})
    err = invalid_request_format(errors)
    body = err.body()["error"]
    assert err.status == 400 and body["code"] == "InvalidRequestFormat"
    assert body["message"] == "Cannot parse the request."
    messages = [d["message"] for d in body["details"]]
    assert all(d["code"] == "InvalidJson" for d in body["details"])
    assert (
        "Error converting value \"abc\" to type 'System.Int32'. Path 'properties.flowTimeoutInMinutes'."
        in messages
    )
    assert any("Path 'properties.subnets'" in m for m in messages)
