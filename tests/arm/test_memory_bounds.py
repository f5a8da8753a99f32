"""Memory stays bounded (issue 8, item 2): operation records hold ids and
small results, bounded by bytes and expired by age; caches fed by clients are
bounded by bytes; Azure's tag limits are enforced for resources and groups."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError

from aznet.arm.lro import Operations
from aznet.lru import ByteLRU

from .helpers import authed

NET_API = {"api-version": "2024-05-01"}
VNET = {"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}}}


# -- operation records --------------------------------------------------------------------------

def test_operations_are_bounded_by_bytes_and_count():
    ops = Operations(0, limit=1000, max_bytes=200_000)
    big = {"value": "x" * 10_000}
    for _ in range(500):
        ops.start(result=big)
    assert ops.bytes <= 200_000 and len(ops) < 25          # ~10 KB each: the budget holds about 19
    small = Operations(0, limit=100, max_bytes=10**9)
    ids = [small.start().id for _ in range(300)]
    assert len(small) == 100
    assert small.get(ids[0]) is None and small.get(ids[-1]) is not None


def test_finished_operations_expire():
    ops = Operations(0, ttl=5)
    old = ops.start(result={"a": 1}, delay=-10)     # finished 10 s ago: past its 5 s
    assert ops.get(old.id) is None
    new = ops.start()
    assert len(ops) == 1 and ops.get(new.id) is new  # the expired one was dropped when the next started


def test_put_operation_keeps_no_copy_of_the_resource(aznet, rg):
    """A PUT's operation answers status polls; it does not hold the (possibly large) body it returned."""
    with authed(aznet) as c:
        url = f"/subscriptions/{aznet.subscription_id}/resourceGroups/{rg}/providers/Microsoft.Network/" \
              "virtualNetworks/opbody"
        tags = {f"t{i}": "v" * 256 for i in range(50)}
        r = c.put(url, params=NET_API, json={**VNET, "tags": tags})
        assert r.status_code == 201
        status_url = r.headers["azure-asyncoperation"]
        assert c.get(status_url).json()["status"] == "Succeeded"
    op_id = status_url.split("/operations/")[1].split("?")[0]
    op = aznet.call(aznet.platform.ops.get, op_id)
    assert op is not None and op.result is None and op.size < 1024


# -- caches bounded by bytes ---------------------------------------------------------------------

def test_byte_lru_never_exceeds_its_budget():
    cache: ByteLRU[str, bytes] = ByteLRU(10_000)
    for i in range(1000):
        cache.put(f"k{i}", b"x" * 300, 300)
        assert cache.bytes <= 10_000
    assert cache.get("k999") is not None and cache.get("k0") is None
    cache.put("huge", b"x", 20_000)          # larger than the whole budget: not kept
    assert "huge" not in cache


def test_nsg_default_rule_cache_is_bounded(aznet, rg, network_client):
    from aznet.resources.network.security_groups import _DEFAULTS_CACHE

    for i in range(5):
        network_client.network_security_groups.begin_create_or_update(rg, f"n{i}", {"location": "westeurope"}).result()
    assert 0 < _DEFAULTS_CACHE.bytes <= _DEFAULTS_CACHE.max_bytes


def test_verified_token_cache_is_bounded(aznet):
    verified = aznet.platform.issuer._verified
    assert isinstance(verified, ByteLRU) and verified.bytes <= verified.max_bytes


# -- Azure's tag limits ----------------------------------------------------------------------------

BAD_TAGS = [
    ({f"t{i}": "v" for i in range(51)}, "InvalidTagsCount"),
    ({"n" * 513: "v"}, "InvalidTagNameLength"),
    ({"name": "v" * 257}, "InvalidTagValueLength"),
    ({"a/b": "v"}, "InvalidTagNameCharacters"),
    ({"a<b": "v"}, "InvalidTagNameCharacters"),
    ({"big": "x" * (4 * 1000 * 1000)}, "InvalidTagValueLength"),     # the 4 MB tag
]


@pytest.mark.parametrize(("tags", "code"), BAD_TAGS, ids=[c for _, c in BAD_TAGS])
def test_resource_tag_limits(network_client, rg, tags, code):
    name = f"tags-{uuid.uuid4().hex[:6]}"
    with pytest.raises(HttpResponseError) as exc:
        network_client.virtual_networks.begin_create_or_update(rg, name, {**VNET, "tags": tags}).result()
    assert exc.value.status_code == 400 and exc.value.error.code == code
    assert name not in [v.name for v in network_client.virtual_networks.list(rg)]


@pytest.mark.parametrize(("tags", "code"), BAD_TAGS[:4], ids=[c for _, c in BAD_TAGS[:4]])
def test_resource_group_tag_limits(resource_client, tags, code):
    name = f"tags-{uuid.uuid4().hex[:6]}"
    with pytest.raises(HttpResponseError) as exc:
        resource_client.resource_groups.create_or_update(name, {"location": "westeurope", "tags": tags})
    assert exc.value.status_code == 400 and exc.value.error.code == code
    assert not resource_client.resource_groups.check_existence(name)
    resource_client.resource_groups.create_or_update(name, {"location": "westeurope"})
    with pytest.raises(HttpResponseError) as exc:
        resource_client.resource_groups.update(name, {"tags": tags})
    assert exc.value.error.code == code
    assert not resource_client.resource_groups.get(name).tags
    resource_client.resource_groups.begin_delete(name).result()


def test_tags_at_the_limits_are_accepted(network_client, resource_client, rg):
    tags = {f"{i:02d}" + "n" * 510: "v" * 256 for i in range(50)}
    got = network_client.virtual_networks.begin_create_or_update(rg, "at-limits", {**VNET, "tags": tags}).result()
    assert got.tags == tags
    g = resource_client.resource_groups.update(rg, {"tags": tags})
    assert g.tags == tags
    hidden = {"hidden-link:/subscriptions/x/resourceGroups/y": "Resource"}
    got = network_client.virtual_networks.begin_create_or_update(rg, "hidden", {**VNET, "tags": hidden}).result()
    assert got.tags == hidden


def test_resource_groups_per_subscription_are_limited(aznet):
    """Azure's 980 groups per subscription, here lowered to 2 in a new tenant's empty subscription."""
    from azure.identity import ClientSecretCredential
    from azure.mgmt.resource.resources import ResourceManagementClient

    from aznet.arm.tenants import derived_subscription

    tenant = str(uuid.uuid4())
    cred = ClientSecretCredential(tenant, "quota", "s", authority=aznet.endpoint, disable_instance_discovery=True,
                                  connection_verify=str(aznet.ca_bundle))
    client = ResourceManagementClient(cred, derived_subscription(tenant), base_url=aznet.endpoint,
                                      credential_scopes=[f"{aznet.endpoint}/.default"],
                                      connection_verify=str(aznet.ca_bundle))
    settings = aznet.platform.settings
    old, settings.max_resource_groups = settings.max_resource_groups, 2
    try:
        client.resource_groups.create_or_update("q1", {"location": "westeurope"})
        client.resource_groups.create_or_update("q2", {"location": "westeurope"})
        client.resource_groups.create_or_update("q2", {"location": "westeurope", "tags": {"a": "b"}})   # update
        with pytest.raises(HttpResponseError) as exc:
            client.resource_groups.create_or_update("q3", {"location": "westeurope"})
        assert exc.value.status_code == 409 and exc.value.error.code == "ResourceGroupQuotaExceeded"
        assert "would exceed the quota of '2'" in exc.value.error.message
        assert sorted(g.name for g in client.resource_groups.list()) == ["q1", "q2"]
    finally:
        settings.max_resource_groups = old
