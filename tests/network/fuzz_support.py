"""What the hostile-input harnesses of the network tests share (ExpressRoute and Virtual WAN): random JSON
values, one random change inside a valid body, a signed in-process ARM call, and the invariants every
refused PUT keeps (no 5xx, an error code, nothing written)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st

from aznet.arm.http import Request

# the harnesses' hypothesis settings: AZNET_FUZZ_EXAMPLES examples (150), no deadline, module fixtures
fuzz_settings = settings(max_examples=int(os.environ.get("AZNET_FUZZ_EXAMPLES", "150")), deadline=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture])


def json_values(samples: Sequence[str], keys: Sequence[str], floats: bool = False) -> st.SearchStrategy[Any]:
    """Random JSON: scalars (with ``samples``, strings the types take), lists and objects keyed by ``keys``."""
    parts: list[st.SearchStrategy[Any]] = [st.none(), st.booleans(), st.integers(-5, 70000)]
    if floats:
        parts.append(st.floats(allow_nan=False, width=32))
    scalars = st.one_of(*parts, st.text(max_size=10), st.sampled_from(list(samples)))
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(st.sampled_from(list(keys)), inner,
                                                                         max_size=3)),
                        max_leaves=8)


def mutate(data: Any, value: object, values: st.SearchStrategy[Any], depth: int = 0) -> object:
    """The value with one random change somewhere inside (or replaced outright)."""
    if depth > 4 or data.draw(st.integers(0, 3)) == 0:
        return data.draw(values)
    if isinstance(value, dict) and value:
        key = data.draw(st.sampled_from(sorted(value)))
        out = dict(value)
        if data.draw(st.integers(0, 5)) == 0:
            out.pop(key)
        else:
            out[key] = mutate(data, value[key], values, depth + 1)
        return out
    if isinstance(value, list) and value:
        i = data.draw(st.integers(0, len(value) - 1))
        return [*value[:i], mutate(data, value[i], values, depth + 1), *value[i + 1:]]
    return data.draw(values)


def arm_call(aznet: Any, client_id: str, api: Callable[[str], str], method: str, path: str,
             body: object = None) -> Any:
    """``Platform.handle`` with a signed token (no TLS): ``api(path)`` is the api-version to send."""
    token = aznet.platform.issuer.issue(aznet.tenant_id, {"grant_type": "client_credentials",
                                                          "client_id": client_id})["access_token"]
    req = Request(method, path, {"api-version": api(path)},
                  {"authorization": f"Bearer {token}", "content-type": "application/json"},
                  json.dumps(body).encode() if body is not None else b"", aznet.endpoint)
    return aznet.call(aznet.platform.handle, req)


def put_never_5xx(aznet: Any, call: Callable[..., Any], target: str, path: str, body: object) -> Any:
    """PUT ``body``: never a 5xx; a refused request has an error code and writes nothing."""
    before = aznet.call(lambda: len(list(aznet.platform.store.all())))
    resp = call(aznet, "PUT", path, body)
    event(f"{target.split('/')[-2]} {resp.status}")
    assert resp.status < 500, (target, body, resp.body)
    if resp.status >= 400:
        assert resp.body["error"]["code"]
        assert aznet.call(lambda: len(list(aznet.platform.store.all()))) == before
    return resp
