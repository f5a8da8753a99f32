"""The pure helpers behind the VNet rules: CIDR parsing with Azure's errors,
overlap and containment, reserved addresses, service-tag names."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aznet.arm.errors import ArmError
from aznet.resources.network import cidr, service_tags

RID = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v"


@pytest.mark.parametrize("value,code", [("10.0.0.0/33", "InvalidAddressPrefixFormat"),
                                        ("10.0.0.0", "InvalidAddressPrefixFormat"),
                                        ("10.0.0.0/x", "InvalidAddressPrefixFormat"),
                                        (None, "InvalidAddressPrefixFormat"),
                                        ("10.0.0.1/8", "InvalidCIDRNotation"),
                                        ("fd00::1/64", "InvalidCIDRNotation")])
def test_parse_prefix_errors(value, code):
    with pytest.raises(ArmError) as info:
        cidr.parse_prefix(value, RID)
    assert info.value.code == code and info.value.status == 400


def test_invalid_cidr_names_the_aligned_prefix():
    with pytest.raises(ArmError) as info:
        cidr.parse_prefix("10.10.10.0/16", RID)
    assert "should be 10.10.0.0/16" in info.value.message


def test_overlap_and_containment():
    a, b, c = (ipaddress.ip_network(x) for x in ("10.0.0.0/16", "10.0.128.0/17", "10.1.0.0/16"))
    six = ipaddress.ip_network("fd00::/48")
    assert cidr.overlaps(a, b) and not cidr.overlaps(a, c) and not cidr.overlaps(a, six)
    assert cidr.first_overlap([c, a], [b]) == (a, b) and cidr.self_overlap([a, c]) is None
    assert cidr.contained(b, [c, a]) and not cidr.contained(c, [a])


def test_reserved_addresses():
    net = ipaddress.ip_network("10.0.0.0/29")
    assert [str(x) for x in cidr.reserved_addresses(net)] == ["10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3",
                                                            "10.0.0.7"]
    assert cidr.usable_count(net) == 3 and cidr.usable_count(ipaddress.ip_network("10.0.0.0/24")) == 251
    assert cidr.is_reserved(net, ipaddress.ip_address("10.0.0.7"))
    assert not cidr.is_reserved(net, ipaddress.ip_address("10.0.0.4"))


@given(st.integers(0, 2**32 - 1), st.integers(8, 30))
def test_parse_accepts_exactly_aligned_prefixes(addr, length):
    text = f"{ipaddress.ip_address(addr)}/{length}"
    aligned = addr % (1 << (32 - length)) == 0
    try:
        net = cidr.parse_prefix(text, RID)
    except ArmError as err:
        assert not aligned and err.code == "InvalidCIDRNotation"
    else:
        assert aligned and str(net) == text


@pytest.mark.parametrize("value,want", [("virtualnetwork", "VirtualNetwork"), ("INTERNET", "Internet"),
                                        ("storage", "Storage"), ("Storage.westeurope", "Storage.WestEurope"),
                                        ("Sql.EastUS", "Sql.EastUS"), ("AzureLoadBalancer", "AzureLoadBalancer"),
                                        ("Storage.Atlantis", None), ("ActionGroup.WestEurope", None),
                                        ("NoSuchTag", None), ("10.0.0.0/8", None)])
def test_service_tag_names(value, want):
    assert service_tags.canonical(value) == want


def test_tag_prefixes_come_from_the_bundled_table():
    assert service_tags.prefixes("AzureLoadBalancer")[0] == "168.63.129.16/32"
    regional = service_tags.prefixes("Storage.WestEurope")
    assert regional and set(regional) <= set(service_tags.prefixes("Storage"))
    assert service_tags.prefixes("VirtualNetwork") == []
