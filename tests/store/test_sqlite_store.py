"""The SQLite store: transactions see their own writes, commit atomically,
notify subscribers after commit only, index references, and lock the data dir."""

from __future__ import annotations

import pytest

from aznet.store.base import DataDirLocked
from aznet.store.sqlite import SqliteStore

SCOPE = "/subscriptions/s/resourcegroups/rg"
VNET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/V1"
SUBNET = VNET + "/subnets/a"
NIC = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/n1"


@pytest.fixture
def store(tmp_path):  # type: ignore[no-untyped-def]
    s = SqliteStore(tmp_path)
    yield s
    s.close()


def test_transaction_reads_its_own_writes_and_commits(store):
    seen = []
    store.subscribe(seen.append)
    txn = store.transaction()
    txn.put(VNET, "Microsoft.Network/virtualNetworks", None, SCOPE, {"name": "V1"})
    txn.put(SUBNET, "Microsoft.Network/virtualNetworks/subnets", VNET.lower(), SCOPE, {"name": "a"})
    assert txn.get(VNET.lower()).body["name"] == "V1"
    assert store.get(VNET.lower()) is None            # not visible before commit
    assert [c.body["name"] for c in txn.children(VNET.lower())] == ["a"]
    assert seen == []
    store.commit(txn)
    assert store.get(VNET.lower()).id == VNET          # original casing kept
    assert [c.kind for c in seen[0]] == ["put", "put"]


def test_discarded_transaction_writes_nothing(store):
    txn = store.transaction()
    txn.put(VNET, "Microsoft.Network/virtualNetworks", None, SCOPE, {})
    del txn
    assert store.get(VNET.lower()) is None
    assert list(store.all()) == []


def test_referrers_include_references_to_sub_resources(store):
    txn = store.transaction()
    txn.put(VNET, "Microsoft.Network/virtualNetworks", None, SCOPE, {})
    txn.put(SUBNET, "Microsoft.Network/virtualNetworks/subnets", VNET.lower(), SCOPE, {})
    txn.put(NIC, "Microsoft.Network/networkInterfaces", None, SCOPE,
            {"properties": {"ipConfigurations": [{"properties": {"subnet": {"id": SUBNET.upper()}}}]}})
    assert txn.referrers(VNET.lower()) == [NIC.lower()]      # seen inside the transaction
    store.commit(txn)
    txn2 = store.transaction()
    assert txn2.referrers(SUBNET.lower()) == [NIC.lower()]
    assert txn2.referrers(VNET.lower()) == [NIC.lower()]
    txn2.delete(NIC.lower())
    assert txn2.referrers(VNET.lower()) == []
    store.commit(txn2)
    assert store.transaction().referrers(VNET.lower()) == []


def test_state_survives_reopen(tmp_path):
    s = SqliteStore(tmp_path)
    txn = s.transaction()
    txn.put(VNET, "Microsoft.Network/virtualNetworks", None, SCOPE, {"x": 1})
    s.commit(txn)
    s.close()
    s2 = SqliteStore(tmp_path)
    assert s2.get(VNET.lower()).body == {"x": 1}
    s2.close()


def test_second_store_on_same_dir_is_refused(store, tmp_path):
    with pytest.raises(DataDirLocked):
        SqliteStore(tmp_path)


def test_creation_order_is_kept_on_update(store):
    for name in ("b", "a", "c"):
        txn = store.transaction()
        txn.put(f"{VNET}-{name}", "Microsoft.Network/virtualNetworks", None, SCOPE, {"n": name})
        store.commit(txn)
    txn = store.transaction()
    txn.put(f"{VNET}-b", "Microsoft.Network/virtualNetworks", None, SCOPE, {"n": "b2"})
    store.commit(txn)
    assert [r.body["n"] for r in store.transaction().in_scope(SCOPE)] == ["b2", "a", "c"]
