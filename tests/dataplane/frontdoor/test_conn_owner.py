"""The contract between the shared client connection (``appgw.frontend.ClientConn``) and the sockets that own it
(``appgw.owner.ConnOwner``): App Gateway's and the edge's socket states both provide every member with the same
signature, and the edge carries what that contract lets through (request bodies, long and chunked, buffered
because the edge says ``may_stream() is False``)."""

from __future__ import annotations

import inspect
import ssl
from typing import Any

import httpx
import pytest

from aznet.dataplane.appgw.owner import ConnOwner
from aznet.dataplane.appgw.service import SocketState
from aznet.dataplane.frontdoor.service import EdgeSocket, FrontDoorService

from .support import afd_one_origin, backends, edge_port, resolve


def _members() -> list[str]:
    return [n for n in ConnOwner.__dict__ if not n.startswith("_")] + list(ConnOwner.__annotations__)


@pytest.mark.parametrize("owner", [EdgeSocket, SocketState])
def test_socket_owners_provide_every_member_the_connection_uses(owner: type) -> None:
    fake_svc: Any = type("Svc", (), {"max_body": 123})()
    st = owner(fake_svc, "127.0.0.1", 80, False) if owner is EdgeSocket else owner(fake_svc, ("127.0.0.1", 80),
                                                                                   "gw", False)
    assert isinstance(st, ConnOwner)
    assert st.max_body == 123 and st.tls is False
    for name in _members():
        want = ConnOwner.__dict__.get(name)
        if not callable(want):
            continue
        got = getattr(owner, name)
        assert inspect.iscoroutinefunction(got) == inspect.iscoroutinefunction(want), name
        assert list(inspect.signature(got).parameters) == list(inspect.signature(want).parameters), name
    assert {"gateway_handle", "may_stream", "opened", "closed", "refused", "now", "log_exception",
            "tls", "max_body"} <= set(_members())


def test_the_edge_carries_post_bodies_and_answers_through_the_shared_connection(aznet, rg):  # type: ignore[no-untyped-def]
    from azure.mgmt.cdn import CdnManagementClient

    cdn = aznet.client(CdnManagementClient)
    svc = aznet.platform.services.get(FrontDoorService)
    assert all(isinstance(st, ConnOwner) and st.may_stream() is False for st in svc.sockets)
    with backends("up", base=77) as (b,):
        host = afd_one_origin(cdn, rg, "fdo", "own", b, route="r")
        ip = resolve(aznet, host)
        body = bytes(range(256)) * 1024                       # 256 KiB: over the 64 KiB streaming threshold

        def chunks() -> Any:
            for i in range(0, len(body), 10000):
                yield body[i:i + 10000]

        for scheme in ("http", "https"):
            base = f"{scheme}://{ip}:{edge_port(aznet, 443 if scheme == 'https' else 80)}"
            verify = ssl.create_default_context(cafile=str(aznet.ca_bundle))
            with httpx.Client(verify=verify, timeout=30, headers={"Host": host}) as c:
                ext = {"sni_hostname": host}
                r = c.post(f"{base}/upload", content=body, extensions=ext)
                assert r.status_code == 200 and r.text == f"up read {len(body)}"
                r = c.post(f"{base}/upload", content=chunks(), extensions=ext)       # chunked from the client
                assert r.status_code == 200 and r.text == f"up read {len(body)}"
                r = c.get(f"{base}/bytes/{3 * 1024 * 1024}", extensions=ext)    # a long answer, same connection
                assert r.status_code == 200 and r.content == b"x" * (3 * 1024 * 1024)
                r = c.post(f"{base}/upload", content=b"small", extensions=ext)
                assert r.status_code == 200 and r.text == "up read 5"
