"""Protocol edges over raw HTTPS: LRO headers and polling, etags, api-version
errors, malformed and oversized bodies, unknown types, casing, request ids."""

from __future__ import annotations

import time
import uuid

import pytest

from .helpers import authed

API = {"api-version": "2024-05-01"}
RG_API = {"api-version": "2021-04-01"}


@pytest.fixture
def c(aznet):  # type: ignore[no-untyped-def]
    with authed(aznet) as client:
        yield client


@pytest.fixture
def base(aznet, c):  # type: ignore[no-untyped-def]
    rg = f"edge-{uuid.uuid4().hex[:8]}"
    assert c.put(f"/subscriptions/{aznet.subscription_id}/resourcegroups/{rg}", params=RG_API,
                 json={"location": "westeurope"}).status_code == 201
    yield f"/subscriptions/{aznet.subscription_id}/resourceGroups/{rg}"
    c.delete(f"/subscriptions/{aznet.subscription_id}/resourcegroups/{rg}", params=RG_API)


VNET_BODY = {"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}}}


def vnet_url(base: str, name: str = "v1") -> str:
    return f"{base}/providers/Microsoft.Network/virtualNetworks/{name}"


def test_put_is_long_running_with_async_operation(c, base):
    r = c.put(vnet_url(base), params=API, json=VNET_BODY)
    assert r.status_code == 201
    status_url = r.headers["azure-asyncoperation"]
    st = c.get(status_url)
    assert st.status_code == 200 and st.json()["status"] == "Succeeded"
    again = c.put(vnet_url(base), params=API, json=VNET_BODY)
    assert again.status_code == 200
    assert again.json()["properties"]["provisioningState"] == "Succeeded"


def test_lro_delay_keeps_operation_in_progress(aznet, c, base):
    ops = aznet.platform.ops
    old = ops.delay
    ops.delay = 0.6
    try:
        r = c.put(vnet_url(base, "slow"), params=API, json=VNET_BODY)
        first = c.get(r.headers["azure-asyncoperation"]).json()["status"]
        time.sleep(0.7)
        later = c.get(r.headers["azure-asyncoperation"]).json()["status"]
    finally:
        ops.delay = old
    assert (first, later) == ("InProgress", "Succeeded")


def test_delete_is_202_then_204(c, base):
    c.put(vnet_url(base), params=API, json=VNET_BODY)
    r = c.delete(vnet_url(base), params=API)
    assert r.status_code == 202
    assert c.get(r.headers["location"]).status_code == 204
    assert c.get(vnet_url(base), params=API).status_code == 404
    assert c.delete(vnet_url(base), params=API).status_code == 204


def test_etags_if_match_and_if_none_match(c, base):
    created = c.put(vnet_url(base), params=API, json=VNET_BODY).json()
    etag = created["etag"]
    assert c.put(vnet_url(base), params=API, json=VNET_BODY, headers={"If-Match": 'W/"stale"'}).status_code == 412
    assert c.put(vnet_url(base), params=API, json=VNET_BODY, headers={"If-None-Match": "*"}).status_code == 412
    ok = c.put(vnet_url(base), params=API, json=VNET_BODY, headers={"If-Match": etag})
    assert ok.status_code == 200 and ok.json()["etag"] != etag
    assert c.delete(vnet_url(base), params=API, headers={"If-Match": etag}).status_code == 412
    assert c.get(vnet_url(base), params=API).status_code == 200


@pytest.mark.parametrize(("params", "code"), [
    ({}, "MissingApiVersionParameter"),
    ({"api-version": "yesterday"}, "InvalidApiVersionParameter"),
    ({"api-version": "2099-01-01"}, "NoRegisteredProviderFound"),
])
def test_api_version_errors(c, base, params, code):
    r = c.put(vnet_url(base), params=params, json=VNET_BODY)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == code
    assert c.get(vnet_url(base), params=API).status_code == 404


def test_unknown_type_and_namespace(c, base):
    r = c.put(f"{base}/providers/Microsoft.Network/flyingCarpets/x", params=API, json={"location": "westeurope"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "InvalidResourceType"
    r = c.put(f"{base}/providers/Microsoft.Nothing/things/x", params=API, json={"location": "westeurope"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidResourceNamespace"


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b""])
def test_malformed_bodies_are_4xx_and_write_nothing(c, base, raw):
    r = c.put(vnet_url(base), params=API, content=raw, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500
    assert r.json()["error"]["code"] in ("InvalidRequestContent", "InvalidRequestFormat")
    assert c.get(vnet_url(base), params=API).status_code == 404


def test_wrong_types_are_4xx(c, base):
    r = c.put(vnet_url(base), params=API, json={"location": "westeurope", "properties": "nope"})
    assert r.status_code == 400
    r = c.put(vnet_url(base), params=API, json={"location": "westeurope", "tags": ["a"]})
    assert r.status_code == 400
    assert c.get(vnet_url(base), params=API).status_code == 404


def test_oversized_body_is_413(aznet, c, base):
    big = b'{"location": "westeurope", "tags": {"x": "' + b"a" * (aznet.platform.settings.max_body + 10) + b'"}}'
    r = c.put(vnet_url(base), params=API, content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "RequestEntityTooLarge"


def test_case_insensitive_paths_keep_original_casing(c, base):
    c.put(vnet_url(base, "MixedCase"), params=API, json=VNET_BODY)
    got = c.get(vnet_url(base, "mixedcase").upper().replace("/PROVIDERS/", "/providers/"), params=API)
    assert got.status_code == 200
    assert got.json()["name"] == "MixedCase"
    assert "/resourceGroups/" in got.json()["id"] and got.json()["id"].endswith("/MixedCase")


def test_tags_patch(c, base):
    c.put(vnet_url(base), params=API, json={**VNET_BODY, "tags": {"a": "1"}})
    r = c.patch(vnet_url(base), params=API, json={"tags": {"b": "2"}})
    assert r.status_code == 200 and r.json()["tags"] == {"b": "2"}
    assert r.json()["properties"]["addressSpace"]["addressPrefixes"] == ["10.1.0.0/16"]


def test_request_and_correlation_ids(c, base):
    r = c.get(vnet_url(base), params=API, headers={"x-ms-correlation-request-id": "corr-1",
                                                    "x-ms-client-request-id": "client-1"})
    assert r.headers["x-ms-request-id"]
    assert r.headers["x-ms-correlation-request-id"] == "corr-1"
    assert r.headers["x-ms-client-request-id"] == "client-1"


def test_missing_group_and_bad_subscription(aznet, c):
    r = c.put(f"/subscriptions/{aznet.subscription_id}/resourceGroups/nope-{uuid.uuid4().hex[:6]}/providers/"
              "Microsoft.Network/virtualNetworks/v", params=API, json=VNET_BODY)
    assert r.status_code == 404 and r.json()["error"]["code"] == "ResourceGroupNotFound"
    r = c.get("/subscriptions/not-a-guid/resourcegroups", params=RG_API)
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidSubscriptionId"


def test_method_not_allowed(c, base):
    assert c.post(vnet_url(base), params=API, json={}).status_code in (404, 405)


def test_group_delete_removes_contents(aznet, c, base):
    c.put(vnet_url(base, "a"), params=API, json=VNET_BODY)
    c.put(vnet_url(base, "b"), params=API, json={**VNET_BODY, "properties": {
        "addressSpace": {"addressPrefixes": ["10.2.0.0/16"]}}})
    r = c.delete(base, params=RG_API)
    assert r.status_code == 202
    assert c.get(r.headers["location"]).status_code == 200
    listed = c.get(f"/subscriptions/{aznet.subscription_id}/providers/Microsoft.Network/virtualNetworks",
                   params=API).json()["value"]
    assert not [v for v in listed if v["id"].lower().startswith(base.lower() + "/")]


def test_generic_resource_listing_filters_and_pages(aznet, c, base):
    for i in range(5):
        c.put(vnet_url(base, f"p{i}"), params=API, json={**VNET_BODY, "tags": {"i": str(i)}, "properties": {
            "addressSpace": {"addressPrefixes": [f"10.{10 + i}.0.0/16"]}}})
    url = f"{base}/resources"
    first = c.get(url, params={**RG_API, "$top": "2"}).json()
    assert len(first["value"]) == 2 and "nextLink" in first
    seen = [v["name"] for v in first["value"]]
    nxt = first.get("nextLink")
    while nxt:
        page = c.get(nxt).json()
        seen += [v["name"] for v in page["value"]]
        nxt = page.get("nextLink")
    assert sorted(seen) == [f"p{i}" for i in range(5)]
    flt = c.get(url, params={**RG_API, "$filter": "tagName eq 'i' and tagValue eq '3'"}).json()["value"]
    assert [v["name"] for v in flt] == ["p3"]
    typed = c.get(url, params={**RG_API, "$filter": "resourceType eq 'Microsoft.Network/virtualNetworks'"}).json()
    assert len(typed["value"]) == 5
    bad = c.get(url, params={**RG_API, "$filter": "name gt 'x'"})
    assert bad.status_code == 400
