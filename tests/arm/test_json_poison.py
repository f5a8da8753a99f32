"""Poison resources (issue 8 item 6): every body that is not strict JSON gets 400
InvalidRequestContent and writes nothing; whatever PUT accepts can be listed, PATCHed and
exported as strict JSON; a store poisoned by an older aznet still lists, patches and exports."""

from __future__ import annotations

import json
import math
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aznet.arm import jsonio
from aznet.arm.http import Request
from aznet.cli.main import main as aznet_main
from tests.arm.helpers import authed

NET = "2024-05-01"
RES = "2021-04-01"


def strict_loads(text: str | bytes) -> object:
    """A strict JSON parser: no NaN/Infinity and no lone surrogates (as jq and JSON.parse need)."""
    def no_constant(token: str) -> object:
        raise ValueError(f"non-JSON constant {token}")
    value = json.loads(text, parse_constant=no_constant)
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                k.encode("utf-8")
                stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            node.encode("utf-8")          # UnicodeEncodeError on a lone surrogate
        elif isinstance(node, float):
            assert math.isfinite(node)
    return value


def _token(aznet) -> str:  # type: ignore[no-untyped-def]
    return aznet.platform.issuer.issue(aznet.tenant_id, {"grant_type": "client_credentials",
                                                         "client_id": "poison"})["access_token"]


def call(aznet, method: str, path: str, raw: bytes | None = None, api: str = NET, **query: str):  # type: ignore[no-untyped-def]
    req = Request(method, path, {"api-version": api, **query},
                  {"authorization": f"Bearer {_token(aznet)}", "content-type": "application/json"},
                  raw or b"", aznet.endpoint)
    resp = aznet.call(aznet.platform.handle, req)
    text = resp.encode()
    return resp.status, (strict_loads(text) if text else None)


@pytest.fixture(scope="module")
def group(aznet) -> str:  # type: ignore[no-untyped-def]
    name = f"poison-{uuid.uuid4().hex[:8]}"
    status, _ = call(aznet, "PUT", f"/subscriptions/{aznet.subscription_id}/resourcegroups/{name}",
                     b'{"location":"westeurope"}', RES)
    assert status == 201
    return name


def vnet_path(aznet, rg: str, name: str) -> str:  # type: ignore[no-untyped-def]
    return f"/subscriptions/{aznet.subscription_id}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


BAD_BODIES = {
    "nested 65 deep": '{"location":"westeurope","tags":{"a":' + nested(64) + "}}",
    "nested 490 deep": '{"location":"westeurope","properties":{"x":' + nested(490) + "}}",
    "nested 100000 deep": '{"location":"westeurope","tags":' + nested(100_000) + "}",
    "5000-digit integer": '{"location":"westeurope","tags":{"a":' + "9" * 5000 + "}}",
    "integer beyond 64 bits": '{"location":"westeurope","tags":{"a":18446744073709551616}}',
    "NaN": '{"location":"westeurope","tags":{"a":NaN}}',
    "Infinity": '{"location":"westeurope","tags":{"a":Infinity}}',
    "-Infinity": '{"location":"westeurope","tags":{"a":-Infinity}}',
    "overflowing float": '{"location":"westeurope","tags":{"a":1e999}}',
    "lone high surrogate": '{"location":"westeurope","tags":{"a":"x\\ud800y"}}',
    "lone low surrogate": '{"location":"westeurope","tags":{"\\udc00":"v"}}',
    "truncated": '{"location":"westeurope","tags":{"a":',
}


@pytest.mark.parametrize("label", sorted(BAD_BODIES))
def test_every_parse_failure_is_400_invalid_request_content(aznet, group, label):  # type: ignore[no-untyped-def]
    path = vnet_path(aznet, group, f"bad-{abs(hash(label)) % 10**6}")
    status, body = call(aznet, "PUT", path, BAD_BODIES[label].encode())
    assert status == 400, body
    assert body["error"]["code"] == "InvalidRequestContent"
    assert body["error"]["message"].startswith("The request content was invalid and could not be deserialized: ")
    assert call(aznet, "GET", path)[0] == 404


def test_invalid_utf8_is_400(aznet, group):  # type: ignore[no-untyped-def]
    path = vnet_path(aznet, group, "bad-utf8")
    status, body = call(aznet, "PUT", path, b'{"location":"westeurope","tags":{"a":"\xff\xfe"}}')
    assert (status, body["error"]["code"]) == (400, "InvalidRequestContent")


def test_depth_error_names_path_line_and_position(aznet, group):  # type: ignore[no-untyped-def]
    raw = '{"location":"westeurope",\n"tags":{"a":' + nested(70) + "}}"
    status, body = call(aznet, "PUT", vnet_path(aznet, group, "deep-msg"), raw.encode())
    assert status == 400
    msg = body["error"]["message"]
    assert "The reader's MaxDepth of 64 has been exceeded. Path 'tags.a" in msg
    assert ", line 2, position " in msg


def test_parser_accepts_64_levels_and_refuses_65():
    assert jsonio.depth(jsonio.loads(nested(64))) == 64
    with pytest.raises(jsonio.JsonContentError, match="MaxDepth of 64"):
        jsonio.loads(nested(65))
    assert jsonio.loads('{"a":"\\ud83d\\ude00"}') == {"a": "\U0001F600"}     # a surrogate pair is text
    assert jsonio.loads('{"a": 18446744073709551615, "b": -9223372036854775808}')["a"] == 2 ** 64 - 1


def test_the_real_cli_path_over_https(aznet, group):  # type: ignore[no-untyped-def]
    """The same through the HTTP server (the 500s were seen there)."""
    with authed(aznet) as c:
        r = c.put(vnet_path(aznet, group, "https-deep"), params={"api-version": NET},
                  content=BAD_BODIES["nested 100000 deep"], headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "InvalidRequestContent"


# -- a store poisoned before these checks existed -----------------------------------------------------

def _deep_list(depth: int) -> list:  # type: ignore[type-arg]
    root: list = []  # type: ignore[type-arg]
    cur = root
    for _ in range(depth - 1):
        nxt: list = []  # type: ignore[type-arg]
        cur.append(nxt)
        cur = nxt
    return root


def _export(aznet, tmp_path: Path) -> object:  # type: ignore[no-untyped-def]
    out = tmp_path / f"export-{uuid.uuid4().hex[:6]}.json"
    assert aznet_main(["export", str(out), "--data-dir", str(aznet.data_dir)]) == 0
    return strict_loads(out.read_text())


def test_poisoned_store_still_lists_patches_and_exports(aznet, tmp_path):  # type: ignore[no-untyped-def]
    rg = f"legacy-{uuid.uuid4().hex[:6]}"
    assert call(aznet, "PUT", f"/subscriptions/{aznet.subscription_id}/resourcegroups/{rg}",
                b'{"location":"westeurope"}', RES)[0] == 201
    good = vnet_path(aznet, rg, "good")
    status, _ = call(aznet, "PUT", good, json.dumps({"location": "westeurope", "properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}).encode())
    assert status == 201
    # about 490 levels was the deepest an older aznet accepted (deeper bodies failed with 500)
    poison = {"deep": _deep_list(490), "nan": float("nan"), "inf": float("-inf"), "lone": "a\ud800b"}

    def plant() -> None:
        store = aznet.platform.store
        txn = store.transaction()
        for i, (key, value) in enumerate(poison.items()):
            rid = vnet_path(aznet, rg, f"legacy{i}")
            txn.put(rid, "Microsoft.Network/virtualNetworks", None,
                    f"/subscriptions/{aznet.subscription_id}/resourcegroups/{rg}".lower(),
                    {"id": rid, "name": f"legacy{i}", "type": "Microsoft.Network/virtualNetworks",
                     "location": "westeurope", "etag": 'W/"x"', "tags": {"k": value} if key != "deep" else {},
                     "properties": {"addressSpace": {"addressPrefixes": [f"10.{i + 1}.0.0/16"]},
                                    "provisioningState": "Succeeded", key: value}})
        store.commit(txn)
    aznet.call(plant)

    lists = [f"/subscriptions/{aznet.subscription_id}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks",
             f"/subscriptions/{aznet.subscription_id}/providers/Microsoft.Network/virtualNetworks"]
    for path in lists:
        status, body = call(aznet, "GET", path)
        assert status == 200, body
        names = {v["name"] for v in body["value"]}
        assert {"good", "legacy0", "legacy1", "legacy2", "legacy3"} <= names
    for path in (f"/subscriptions/{aznet.subscription_id}/resourceGroups/{rg}/resources",
                 f"/subscriptions/{aznet.subscription_id}/resources"):
        status, body = call(aznet, "GET", path, api=RES, **{"$expand": "properties"})
        assert status == 200, body
        assert sum(1 for v in body["value"] if v["name"].startswith("legacy")) >= 4

    for i in range(4):
        status, body = call(aznet, "GET", vnet_path(aznet, rg, f"legacy{i}"))
        assert status == 200, body
    # repaired on output: NaN/Infinity render as null, a lone surrogate as U+FFFD
    assert call(aznet, "GET", vnet_path(aznet, rg, "legacy1"))[1]["properties"]["nan"] is None
    assert call(aznet, "GET", vnet_path(aznet, rg, "legacy3"))[1]["tags"]["k"] == "a\ufffdb"

    for i in range(4):
        status, body = call(aznet, "PATCH", vnet_path(aznet, rg, f"legacy{i}"), b'{"tags":{"env":"test"}}')
        assert status == 200, body
        assert body["tags"] == {"env": "test"}

    snap = _export(aznet, tmp_path)
    ids = {r["id"].lower() for r in snap["resources"]}  # type: ignore[index]
    assert vnet_path(aznet, rg, "legacy0").lower() in ids


# -- any body PUT accepts can be listed, patched and exported ------------------------------------------

def _encode_unsafe(value: object) -> str:
    """Like json.dumps, but NaN/Infinity and lone surrogates pass through, as a hostile client sends."""
    return json.dumps(value, allow_nan=True, ensure_ascii=True)


odd_text = st.one_of(st.text(max_size=10), st.sampled_from(["\ud800", "a\udfffb", "\U0001F600", "\x00", "é", ""]))
odd_numbers = st.one_of(st.integers(), st.integers(min_value=2 ** 63, max_value=2 ** 70),
                        st.floats(allow_nan=True, allow_infinity=True))
leaves = st.one_of(st.none(), st.booleans(), odd_numbers, odd_text)
values = st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(odd_text, inner, max_size=3)), max_leaves=10)
member_names = st.sampled_from(["addressSpace", "subnets", "dhcpOptions", "enableDdosProtection", "flowTimeoutInMinutes",
                                "encryption", "bgpCommunities", "x", "Subnets", "ADDRESSSPACE"])


@st.composite
def raw_bodies(draw):  # type: ignore[no-untyped-def]
    body: dict = {"location": "westeurope",  # type: ignore[type-arg]
                  "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}
    if draw(st.booleans()):
        body["tags"] = draw(st.dictionaries(odd_text, st.one_of(odd_text, values), max_size=3))
    body["properties"].update(draw(st.dictionaries(member_names, values, max_size=2)))
    text = _encode_unsafe(body)
    depth = draw(st.sampled_from([0, 0, 0, 30, 64, 65, 600]))
    if depth:
        text = text[:-1] + ',"tags":{"deep":' + nested(depth) + "}}"
    return text.encode()


@settings(max_examples=int(__import__("os").environ.get("AZNET_FUZZ_EXAMPLES", "120")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=raw_bodies())
def test_any_accepted_body_lists_patches_and_exports(aznet, group, tmp_path_factory, raw):  # type: ignore[no-untyped-def]
    path = vnet_path(aznet, group, "fuzzed")
    status, body = call(aznet, "PUT", path, raw)
    assert status < 500, body
    if status >= 400:
        assert body["error"]["code"] and body["error"]["message"], body     # ARM's envelope
        assert call(aznet, "GET", path)[0] in (200, 404)
        return
    status, listed = call(aznet, "GET", vnet_path(aznet, group, "x").rsplit("/", 1)[0])
    assert status == 200 and any(v["name"] == "fuzzed" for v in listed["value"])
    for scope in (f"/subscriptions/{aznet.subscription_id}/resourceGroups/{group}", f"/subscriptions/{aznet.subscription_id}"):
        status, res = call(aznet, "GET", f"{scope}/resources", api=RES, **{"$expand": "properties"})
        assert status == 200, res
    status, patched = call(aznet, "PATCH", path, b'{"tags":{"patched":"yes"}}')
    assert status == 200, patched
    assert patched["tags"] == {"patched": "yes"}
    _export(aznet, tmp_path_factory.mktemp("exp"))


def test_poisoned_store_lists_after_a_restart(tmp_path):  # type: ignore[no-untyped-def]
    """The issue's report: lists answered 500 "even after a restart". The poison is planted in the
    store, aznet restarts on the same data dir, and every list still answers."""
    from aznet.testing.harness import start_in_thread

    data = tmp_path / "data"
    first = start_in_thread(data_dir=data, dns_port=0)
    rg = "restart-rg"
    try:
        assert call(first, "PUT", f"/subscriptions/{first.subscription_id}/resourcegroups/{rg}",
                    b'{"location":"westeurope"}', RES)[0] == 201

        def plant() -> None:
            store = first.platform.store
            txn = store.transaction()
            rid = vnet_path(first, rg, "legacy")
            txn.put(rid, "Microsoft.Network/virtualNetworks", None,
                    f"/subscriptions/{first.subscription_id}/resourcegroups/{rg}",
                    {"id": rid, "name": "legacy", "type": "Microsoft.Network/virtualNetworks",
                     "location": "westeurope", "etag": 'W/"x"', "tags": {"n": float("nan"), "s": "\udc00"},
                     "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                                    "provisioningState": "Succeeded", "deep": _deep_list(490)}})
            store.commit(txn)
        first.call(plant)
    finally:
        first.stop()
    second = start_in_thread(data_dir=data, dns_port=0)
    try:
        for path, api in ((f"/subscriptions/{second.subscription_id}/resourceGroups/{rg}/providers/"
                           "Microsoft.Network/virtualNetworks", NET),
                          (f"/subscriptions/{second.subscription_id}/providers/Microsoft.Network/virtualNetworks", NET),
                          (f"/subscriptions/{second.subscription_id}/resources", RES)):
            status, body = call(second, "GET", path, api=api)
            assert status == 200, body
            assert [v["name"] for v in body["value"]] == ["legacy"]
        status, body = call(second, "PATCH", vnet_path(second, rg, "legacy"), b'{"tags":{"fixed":"yes"}}')
        assert status == 200 and body["tags"] == {"fixed": "yes"}
    finally:
        second.stop()
