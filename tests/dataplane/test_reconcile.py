"""The reconcile seam: resync at registration, incremental changes per commit,
type filtering, failure isolation and both delivery modes."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from aznet.dataplane.reconcile import Reconciler, Snapshot, TypeMatcher
from aznet.store.base import Change
from aznet.store.sqlite import SqliteStore

SCOPE = "/subscriptions/s/resourcegroups/g"
ZONE = "Microsoft.Network/dnszones"
VNET = "Microsoft.Network/virtualNetworks"


def rid(rtype: str, name: str) -> str:
    return f"{SCOPE}/providers/{rtype}/{name}"


class Recorder:
    def __init__(self, name: str, watches: set[str], delivery: str = "sync", fail_on: str | None = None) -> None:
        self.name = name
        self.watches = frozenset(watches)
        self.delivery = delivery
        self.fail_on = fail_on
        self.state: dict[str, dict] = {}
        self.batches: list[list[str]] = []
        self.resyncs = 0

    def resync(self, snapshot: Snapshot) -> None:
        self.resyncs += 1
        self.state = {r.key: r.body for r in snapshot.watched(self.watches)}

    def apply(self, changes: Sequence[Change]) -> None:
        self.batches.append([c.id.rsplit("/", 1)[-1] for c in changes])
        for c in changes:
            if self.fail_on and c.id.endswith(self.fail_on):
                raise RuntimeError("boom")
            if c.kind == "delete":
                self.state.pop(c.id.lower(), None)
            else:
                assert c.body is not None
                self.state[c.id.lower()] = c.body


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path)
    yield s
    s.close()


def put(store: SqliteStore, rtype: str, name: str, **props) -> None:
    txn = store.transaction()
    i = rid(rtype, name)
    txn.put(i, rtype, None, SCOPE, {"id": i, "type": rtype, "name": name, "properties": props})
    store.commit(txn)


def delete(store: SqliteStore, rtype: str, name: str) -> None:
    txn = store.transaction()
    txn.delete(rid(rtype, name).lower())
    store.commit(txn)


def test_type_matcher_exact_prefix_and_everything():
    m = TypeMatcher({"microsoft.network/dnszones", "microsoft.network/dnszones/*"})
    assert m("Microsoft.Network/dnsZones") and m("microsoft.network/dnszones/A")
    assert not m("microsoft.network/dnszonesx") and not m(VNET)
    assert TypeMatcher({"*"})(VNET)


def test_register_resyncs_then_gets_only_watched_changes(store):
    put(store, ZONE, "before.com")
    rec = Reconciler()
    rec.start(store)
    dns = rec.register(Recorder("dns", {"microsoft.network/dnszones"}))
    assert dns.resyncs == 1 and list(dns.state) == [rid(ZONE, "before.com").lower()]
    put(store, VNET, "v1")
    put(store, ZONE, "after.com")
    delete(store, ZONE, "before.com")
    assert dns.batches == [["after.com"], ["before.com"]]
    assert list(dns.state) == [rid(ZONE, "after.com").lower()]
    assert rec.stats(dns).applied == 2 and rec.stats("dns").failures == 0


def test_failing_engine_is_counted_resynced_and_isolated(store):
    rec = Reconciler()
    rec.start(store)
    bad = rec.register(Recorder("bad", {"*"}, fail_on="poison"))
    good = rec.register(Recorder("good", {"*"}))
    put(store, VNET, "poison")          # the commit itself succeeds
    assert store.get(rid(VNET, "poison").lower()) is not None
    stats = rec.stats(bad)
    assert stats.failures == 1 and stats.resyncs == 2 and "boom" in (stats.last_error or "")
    assert rid(VNET, "poison").lower() in bad.state     # the resync caught it up from the store
    assert good.batches == [["poison"]] and rec.stats(good).failures == 0
    put(store, VNET, "fine")
    assert bad.batches[-1] == ["fine"] and rid(VNET, "fine").lower() in bad.state


def test_queued_engine_runs_on_its_own_thread(store):
    import threading

    put(store, VNET, "v0")
    rec = Reconciler()
    rec.start(store)
    seen_threads: set[str] = set()

    class Queued(Recorder):
        def apply(self, changes: Sequence[Change]) -> None:
            seen_threads.add(threading.current_thread().name)
            super().apply(changes)

    q = rec.register(Queued("queued", {"microsoft.network/virtualnetworks"}, delivery="queued"))
    for i in range(1, 20):
        put(store, VNET, f"v{i}")
    delete(store, VNET, "v3")
    assert rec.wait_idle()
    assert q.resyncs == 1
    assert sorted(q.state) == sorted(rid(VNET, f"v{i}").lower() for i in range(20) if i != 3)
    assert seen_threads == {"aznet-engine-queued"}
    rec.stop()


def test_queued_engine_failure_resyncs_from_a_frozen_copy(store):
    rec = Reconciler()
    rec.start(store)
    q = rec.register(Recorder("queued", {"*"}, delivery="queued", fail_on="poison"))
    put(store, VNET, "poison")
    put(store, VNET, "after")
    assert rec.wait_idle()
    assert rec.stats(q).failures == 1 and rec.stats(q).resyncs == 2
    assert set(q.state) == {rid(VNET, "poison").lower(), rid(VNET, "after").lower()}
    rec.stop()


def test_platform_engines_and_typed_services(tmp_path):
    from aznet.arm.platform import Platform
    from aznet.config import Settings
    from aznet.netmodel.address_book import AddressBook
    from aznet.netmodel.engine import NetworkModelEngine, model_engine
    from aznet.resources.network.ip_allocation import address_book

    s = SqliteStore(tmp_path)
    p = Platform(Settings(data_dir=tmp_path), s)
    book = address_book(p)
    assert p.services.get(AddressBook) is book and address_book(p) is book
    assert book in p.reconciler.engines()
    eng = model_engine(p)
    assert p.services.get(NetworkModelEngine) is eng and p.services.get("netmodel") is eng
    assert p.services.get(Reconciler) is None
    s.close()
