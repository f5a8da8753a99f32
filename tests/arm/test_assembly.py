"""Assembly: two platforms run side by side in one process, and actions one
package declares on another's type attach whatever order the packages load in."""

from __future__ import annotations

from aznet.arm.registry import Action, Registry, ResourceType
from aznet.netmodel.engine import NetworkModelEngine, model_engine
from aznet.testing.inprocess import InProcessClient


def test_two_platforms_in_one_process_are_independent(tmp_path):
    a = InProcessClient.fresh(tmp_path / "a")
    b = InProcessClient.fresh(tmp_path / "b")
    rg_a = a.group("only-in-a")
    nsg = a.network(rg_a, "networkSecurityGroups", "n1")
    assert a.call("PUT", nsg, {"location": "westeurope"})[0] == 201
    assert a.call("GET", nsg)[0] == 200
    status, body = b.call("GET", nsg)
    assert status == 404 and body["error"]["code"] == "ResourceGroupNotFound"
    # each has its own store, reconciler, engines and metrics
    assert a.platform.store is not b.platform.store
    assert model_engine(a.platform) is not model_engine(b.platform)
    assert a.platform.services.get(NetworkModelEngine) is model_engine(a.platform)
    assert a.platform.metrics is not b.platform.metrics
    assert any(k.endswith("/networksecuritygroups/n1") for k in model_engine(a.platform).model.raw)
    assert not any(k.endswith("/networksecuritygroups/n1") for k in model_engine(b.platform).model.raw)
    a.platform.store.close()
    b.platform.store.close()


def test_actions_declared_before_their_type_attach_when_it_arrives():
    reg = Registry()
    act = Action("ping", lambda ctx, body, payload: (200, {"pong": True}))
    reg.add_actions("Contoso.Test/widgets", [act])
    assert reg.get("Contoso.Test/widgets") is None
    rt = reg.add(ResourceType("Contoso.Test/widgets", ["2024-01-01"]))
    assert [a.name for a in rt.actions] == ["ping"]
    reg.add_actions("contoso.test/WIDGETS", [act, Action("other", act.handler)])     # no duplicates
    assert sorted(a.name for a in rt.actions) == ["other", "ping"]
