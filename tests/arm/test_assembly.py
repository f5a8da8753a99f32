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


def test_a_platform_is_assembled_from_an_explicit_package_list(tmp_path):
    from aznet.arm.declarations import assemble, unowned
    from aznet.config import Settings
    from aznet.resources import PACKAGES
    from aznet.server import build_platform

    # every declaration made while loading belongs to a listed package: nothing registers from outside the list
    assemble(PACKAGES)
    assert unowned(PACKAGES) == []
    full = InProcessClient.fresh(tmp_path / "full")
    without_tm = InProcessClient(build_platform(Settings(data_dir=tmp_path / "no-tm", port=8443),
                                                tuple(p for p in PACKAGES if not p.endswith((".trafficmanager", "lb.service")))))
    profile = {"location": "global", "properties": {"trafficRoutingMethod": "Priority",
               "dnsConfig": {"relativeName": "asm-tm-1", "ttl": 30},
               "monitorConfig": {"protocol": "HTTP", "port": 80, "path": "/"}}}
    for client, expected in ((full, 201), (without_tm, 404)):
        rg = client.group("asm")
        status, body = client.call("PUT", client.network(rg, "trafficManagerProfiles", "tm1"), profile, "2022-04-01")
        assert status == expected, body
    assert without_tm.call("PUT", client.network(rg, "trafficManagerProfiles", "tm1"), profile,
                           "2022-04-01")[1]["error"]["code"] == "InvalidResourceType"
    # the rest of Microsoft.Network is there, and the types are the assembly's own copies
    assert without_tm.platform.registry.get("Microsoft.Network/networkSecurityGroups") is not None
    assert without_tm.platform.registry.get("Microsoft.Network/trafficManagerProfiles") is None
    assert full.platform.registry.get("Microsoft.Network/trafficManagerProfiles") is not None
    # service factories come from the listed packages only
    from aznet.dataplane.lb import service as lb_service

    lb_factories = {f for f in full.platform.service_factories if f.__module__ == lb_service.__name__}
    assert lb_factories and not lb_factories & set(without_tm.platform.service_factories)
    assert len(without_tm.platform.service_factories) == len(full.platform.service_factories) - len(lb_factories)
    full.platform.store.close()
    without_tm.platform.store.close()


def test_each_package_exports_its_declaration():
    import aznet.resourcemanager as rm
    import aznet.resources.network as network
    import aznet.resources.trafficmanager as tm

    types = {t.type for t in network.DECLARATION.types}
    assert "Microsoft.Network/loadBalancers" in types and "Microsoft.Network/trafficManagerProfiles" not in types
    assert {t.type for t in tm.DECLARATION.types} >= {"Microsoft.Network/trafficManagerProfiles"}
    # actions one package offers on another's types are part of the offering package's declaration
    offered = {(rtype.lower(), a.name) for rtype, actions in network.DECLARATION.actions for a in actions}
    assert ("microsoft.network/networkinterfaces", "effectiveRouteTable") in offered \
        or any(rtype == "microsoft.network/networkinterfaces" for rtype, _ in offered)
    assert any(r.segments[:2] == ("subscriptions", "{sub}") for r in rm.DECLARATION.routes)
