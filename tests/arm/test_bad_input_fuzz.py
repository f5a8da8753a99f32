"""Bad input never gets a 5xx: random JSON in every field of every declared
resource type's PUT body (and random paths and methods) gets a 4xx or a
success, and a rejected request leaves the store as it was."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import handle_in_process

SUB = "00000000-0000-0000-0000-000000000001"

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.text(max_size=12),
                    st.sampled_from(["10.0.0.0/16", "10.0.0.300/33", "*", "80-90", "Tcp", "Allow", "Inbound",
                                     "/subscriptions/x/resourceGroups/y", "westeurope", "Standard", ""]))
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                            st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                           max_leaves=8)


def _types(aznet):  # type: ignore[no-untyped-def]
    return sorted(rt.type for rt in aznet.platform.registry.types())


@pytest.fixture(scope="module", autouse=True)
def _remove_fuzz_group(aznet):  # type: ignore[no-untyped-def]
    """The fuzz group holds whatever random PUTs created (network watchers too, one per region at most): it goes
    when the module ends, so tests that run later in this process see the subscription as they expect it."""
    yield
    resp = handle_in_process(aznet, "DELETE", f"/subscriptions/{SUB}/resourcegroups/fuzz-rg", None, "2021-04-01")
    assert resp.status in (200, 202, 204), resp.body


def _instance_path(rg: str, rtype: str) -> str:
    ns, *types = rtype.split("/")
    tail = "/".join(f"{t}/fz{i}" for i, t in enumerate(types))
    return f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/{ns}/{tail}"


@settings(max_examples=int(__import__("os").environ.get("AZNET_FUZZ_EXAMPLES", "250")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_bodies_never_5xx(aznet, data):  # type: ignore[no-untyped-def]
    rg = "fuzz-rg"
    handle_in_process(aznet, "PUT", f"/subscriptions/{SUB}/resourcegroups/{rg}", {"location": "westeurope"}, "2021-04-01")
    rtype = data.draw(st.sampled_from(_types(aznet)))
    rt = aznet.platform.registry.get(rtype)
    api = rt.api_versions[-1]
    props = data.draw(st.dictionaries(st.sampled_from(_field_names(aznet, rt)), json_values, max_size=4))
    body = {"location": data.draw(st.sampled_from(["westeurope", "global", "nowhere", 5])),
            "properties": props}
    if data.draw(st.booleans()):
        body["sku"] = data.draw(json_values)
    before = aznet.call(lambda: len(list(aznet.platform.store.all())))
    resp = handle_in_process(aznet, "PUT", _instance_path(rg, rtype), body, api)
    assert resp.status < 500, (rtype, body, resp.body)
    if resp.status >= 400:
        assert resp.body["error"]["code"]
        assert aznet.call(lambda: len(list(aznet.platform.store.all()))) == before


def _field_names(aznet, rt):  # type: ignore[no-untyped-def]
    schema = aznet.platform.schema_for(rt)
    names = ["addressPrefix", "addressSpace", "subnets", "securityRules", "ipConfigurations", "priority",
             "publicIPAllocationMethod", "TTL", "ARecords", "endpoints", "dnsConfig", "monitorConfig"]
    if schema is not None:
        try:
            props = schema.child("properties")
            names += list(props.wire_fields())[:30] if props is not None else []
        except Exception:  # noqa: BLE001 - a schema shape this test does not know: use the defaults
            pass
    return sorted(set(names))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(["GET", "PUT", "PATCH", "DELETE", "POST", "HEAD"]),
       segments=st.lists(st.sampled_from(["subscriptions", SUB, "resourceGroups", "fuzz-rg", "providers",
                                          "Microsoft.Network", "virtualNetworks", "v1", "subnets", "x",
                                          "Microsoft.Resources", "deployments", "operations", "%20", "..",
                                          str(uuid.UUID(int=0))]), max_size=10),
       body=json_values)
def test_random_paths_never_5xx(aznet, method, segments, body):  # type: ignore[no-untyped-def]
    resp = handle_in_process(aznet, method, "/" + "/".join(segments), body, "2024-05-01")
    assert resp.status < 500, (method, segments, resp.body)


def test_found_by_fuzzing_app_service_plan_sku_shapes(aznet):  # type: ignore[no-untyped-def]
    """A plan whose sku was a list, a string or had a non-numeric capacity answered 500."""
    rg = "fuzz-rg"
    handle_in_process(aznet, "PUT", f"/subscriptions/{SUB}/resourcegroups/{rg}", {"location": "westeurope"}, "2021-04-01")
    path = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Web/serverfarms/fz-plan"
    for sku in ([], "B1", [{"name": "B1"}], {"name": "B1", "capacity": "abc"}, {"name": "B1", "capacity": [1]},
                {"name": "B1", "capacity": True}, {"name": "B1", "capacity": -1}):
        resp = handle_in_process(aznet, "PUT", path, {"location": "westeurope", "sku": sku}, "2024-04-01")
        assert resp.status == 400, (sku, resp.status, resp.body)
    ok = handle_in_process(aznet, "PUT", path, {"location": "westeurope", "sku": {"name": "B1", "capacity": 2}}, "2024-04-01")
    assert ok.status in (200, 201) and ok.body["sku"]["capacity"] == 2
