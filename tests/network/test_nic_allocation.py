"""The pure core of private IP allocation and the committed address index."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aznet.arm.errors import ArmError
from aznet.resources.network.ip_allocation import (
    AddressBook,
    capacity,
    check_static,
    claims_in,
    reserved,
    subnet_prefixes,
)
from aznet.store.base import Change

SUB = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/a"


def test_reserved_first_four_and_last():
    net = ipaddress.ip_network("10.0.0.128/27")
    flags = [reserved(net, ip) for ip in net]
    assert flags[:4] == [True] * 4 and flags[-1] is True and not any(flags[4:-1])
    assert capacity(net) == 27
    assert capacity(ipaddress.ip_network("10.0.0.0/29")) == 3


@given(st.integers(min_value=8, max_value=29), st.integers(min_value=0, max_value=2**32 - 1))
def test_static_rules_property(prefixlen, raw):
    net = ipaddress.ip_network((raw >> (32 - prefixlen) << (32 - prefixlen), prefixlen))
    ip = ipaddress.ip_address(raw)
    try:
        check_static([net], ip)
        ok = True
    except ArmError as exc:
        ok = False
        assert exc.code == "PrivateIPAddressInReservedRange"
    assert ok == (not reserved(net, ip))


def test_static_outside():
    with pytest.raises(ArmError) as info:
        check_static([ipaddress.ip_network("10.0.0.0/24")], ipaddress.ip_address("10.0.1.4"))
    assert info.value.code == "PrivateIPAddressNotInSubnet"


def test_subnet_prefixes_reads_both_fields():
    body = {"properties": {"addressPrefix": "10.0.0.0/24", "addressPrefixes": ["10.0.0.0/24", "fd00::/64"]}}
    assert [str(n) for n in subnet_prefixes(body)] == ["10.0.0.0/24", "fd00::/64"]


def test_claims_in_finds_ipconfigs_and_private_claims():
    body = {"id": "/x/nic", "properties": {"ipConfigurations": [
        {"id": "/x/nic/ipConfigurations/a", "properties": {"privateIPAddress": "10.0.0.4", "subnet": {"id": SUB}}},
        {"id": "/x/nic/ipConfigurations/b", "properties": {"subnet": {"id": SUB}}}]},
        "_aznet": {"ipClaims": [{"subnet": SUB, "ip": "10.0.0.9", "ipConfiguration": "/x/vmss/0"}]}}
    claims = claims_in(body, "/x/nic")
    assert [(str(c.ip), c.ipconfig) for c in claims] == [("10.0.0.4", "/x/nic/ipConfigurations/a"),
                                                        ("10.0.0.9", "/x/vmss/0")]


def test_address_book_follows_changes():
    book = AddressBook()
    body = {"properties": {"ipConfigurations": [
        {"id": "/n/ipConfigurations/a", "properties": {"privateIPAddress": "10.0.0.4", "subnet": {"id": SUB}}}]}}
    book.on_changes([Change("put", "/N", "t", body)])
    assert book.holder(SUB.lower(), ipaddress.ip_address("10.0.0.4")) == ("/n", "/n/ipConfigurations/a")
    book.on_changes([Change("delete", "/N", "t", None)])
    assert book.holder(SUB.lower(), ipaddress.ip_address("10.0.0.4")) is None
