"""``fastpath.head_parts`` (what the hot path reads from a request head, one pass over the headers with each name's
role remembered as sent) against what the general path (``proxy.Proxy.handle`` and ``_backend_request``) reads
from the same head: the target's path and query, the first Host header, the first X-Forwarded-For and the headers
passed on to the backend, in order and as sent. Names in several spellings, repeated, hop-by-hop and longer
than the remembered ones; and the remembered roles stay bounded."""

from __future__ import annotations

import itertools

import httptools

from aznet.dataplane.appgw import fastpath
from aznet.dataplane.appgw.fastpath import HEADER_ROLES, MAX_NAME, MAX_NAMES, NAMES_SEEN, head_parts
from aznet.dataplane.appgw.frontend import Request
from aznet.dataplane.appgw.proxy import HOP_S

OWN = ("x-forwarded-for", "x-forwarded-proto", "x-forwarded-port", "x-original-host", "x-appgw-trace-id")


def _request(url: bytes, headers: list[tuple[str, str]]) -> Request:
    req = Request()
    req.url += url
    req.headers = headers
    return req


def _general(url: bytes, headers: list[tuple[str, str]]) -> tuple[str, str, str, str, str, str | None]:
    """As the general path reads them (``Proxy.handle``: httptools.parse_url, the first Host; ``_backend_request``:
    the headers it passes on, ``Incoming.header``: the first X-Forwarded-For)."""
    parsed = httptools.parse_url(url)
    host = next((v for k, v in headers if k.lower() == "host"), "")
    xff = next((v for k, v in headers if k.lower() == "x-forwarded-for"), None)
    kept = [(k, v) for k, v in headers if k.lower() not in HOP_S and k.lower() != "host" and k.lower() not in OWN]
    return (url.decode("latin-1"), (parsed.path or b"/").decode("latin-1"), (parsed.query or b"").decode("latin-1"),
            host, "".join(f"{k}: {v}\r\n" for k, v in kept), xff)


NAMES = ["Host", "host", "HOST", "X-Forwarded-For", "x-forwarded-for", "X-FORWARDED-FOR", "Connection", "TE",
         "Transfer-Encoding", "Content-Length", "Upgrade", "Keep-Alive", "Proxy-Connection", "Trailer",
         "X-Forwarded-Proto", "X-Forwarded-Port", "X-Original-Host", "X-AppGW-Trace-Id", "x-appgw-trace-id",
         "User-Agent", "Accept", "X-Request-Id", "Cookie", "Hostname", "X-Forwarded-Forward", "Te2",
         "X-" + "Long" * 20, "X-" + "long" * 20]
URLS = [b"/", b"/a/b?x=1&y=2", b"/p?", b"/p??q", b"/%41b?c=%20", b"/" + b"x" * 300]


def test_head_parts_reads_what_the_general_path_reads() -> None:
    HEADER_ROLES.clear()
    NAMES_SEEN.clear()
    assert len(NAMES[-1]) > MAX_NAME
    checked = 0
    for rnd in range(2):              # the first round fills the remembered roles, the second reads them
        for n, url in enumerate(URLS):
            for start in range(len(NAMES)):
                names = [NAMES[(start + i * (n + 1)) % len(NAMES)] for i in range(6)]
                headers = [(k, f"v{i}-{k}") for i, k in enumerate(names)]
                assert head_parts(_request(url, headers)) == _general(url, headers), (rnd, url, headers)
                checked += 1
    for a, b in itertools.permutations(["Host", "host", "X-Forwarded-For", "x-forwarded-for", "Accept"], 2):
        headers = [(a, "1.example"), (b, "2.example"), ("Accept", "*/*")]
        assert head_parts(_request(b"/z", headers)) == _general(b"/z", headers)
    assert checked == 2 * len(URLS) * len(NAMES)
    assert "Host" in HEADER_ROLES and NAMES[-1] not in HEADER_ROLES   # a long name is worked out each time
    assert head_parts(_request(b"/", [])) == ("/", "/", "", "", "", None)
    assert head_parts(_request(b"/", [("Host", "")])) == ("/", "/", "", "", "", None)


def test_targets_the_hot_path_leaves_to_the_general_path() -> None:
    for url in (b"", b"*", b"http://h/a", b"/a#frag", b"/a?b#c"):
        assert head_parts(_request(url, [("Host", "h")])) == ()


def test_the_remembered_roles_are_bounded() -> None:
    HEADER_ROLES.clear()
    NAMES_SEEN.clear()
    for i in range(MAX_NAMES * 3):           # names sent once: none is kept
        name = f"X-Once-{i}"
        headers = [("Host", "h"), (name, "v"), ("X-Forwarded-For", "10.0.0.1")]
        assert head_parts(_request(b"/", headers)) == _general(b"/", headers)
    assert set(HEADER_ROLES) == {"Host", "X-Forwarded-For"}
    for i in range(MAX_NAMES * 3):           # names sent twice: kept from the second, within the bound
        name = f"X-Twice-{i}"
        for _ in range(2):
            headers = [(name, "v"), ("host", "h")]
            assert head_parts(_request(b"/", headers)) == _general(b"/", headers)
        assert len(HEADER_ROLES) <= MAX_NAMES
    assert f"X-Twice-{MAX_NAMES * 3 - 1}" in HEADER_ROLES
    assert fastpath.header_role("HoSt") == fastpath.HOST and "HoSt" not in HEADER_ROLES
    assert fastpath.header_role("HoSt") == fastpath.HOST and HEADER_ROLES["HoSt"] == fastpath.HOST
