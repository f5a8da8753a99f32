"""Resolving and fetching linked templates: relativePath and queryString, and the refusals that keep aznet's
traffic on this machine (no connection is attempted for them)."""

from __future__ import annotations

import json

import pytest

from aznet.deployments.errors import TemplateError
from aznet.deployments.links import fetch, resolve_link

BASE = "http://127.0.0.1:8000/templates/main.json?sv=1&sig=abc"


@pytest.mark.parametrize(("link", "want"), [
    ({"uri": "http://127.0.0.1/t.json"}, "http://127.0.0.1/t.json"),
    ({"uri": "http://127.0.0.1/t.json", "queryString": "sig=x"}, "http://127.0.0.1/t.json?sig=x"),
    ({"relativePath": "nested/vnet.json"}, "http://127.0.0.1:8000/templates/nested/vnet.json?sv=1&sig=abc"),
    ({"relativePath": "../shared/a.json", "queryString": "?sig=own"}, "http://127.0.0.1:8000/shared/a.json?sig=own"),
])
def test_resolve_link(link, want):
    assert resolve_link(link, BASE) == want


@pytest.mark.parametrize("link", [{"relativePath": "x.json"}, {}, {"id": "/subscriptions/s/templateSpecs/x"}, "x"])
def test_unresolvable_links(link):
    with pytest.raises(TemplateError) as exc:
        resolve_link(link, None)
    assert exc.value.code == "InvalidContentLink"


@pytest.mark.parametrize("uri", ["http://192.0.2.1/t.json", "https://example.com/t.json", "http://[2001:db8::1]/t",
                                 "http://localhost.example.com/t.json", "gopher://127.0.0.1/t", "file:///etc/passwd",
                                 "file://otherhost/share/t.json", "http://" + "a" * 3000])
def test_links_off_this_machine_or_outside_allowed_dirs_are_refused(uri, tmp_path):
    with pytest.raises(TemplateError) as exc:
        fetch(uri, [tmp_path])
    assert exc.value.code == "InvalidContentLink"


def test_file_link_inside_an_allowed_directory(tmp_path):
    (tmp_path / "t.json").write_text(json.dumps({"$schema": "x", "resources": []}))
    assert fetch((tmp_path / "t.json").as_uri(), [tmp_path]) == {"$schema": "x", "resources": []}
    (tmp_path / "big.json").write_bytes(b" " * (4 * 1024 * 1024 + 1))
    with pytest.raises(TemplateError, match="larger than 4 MiB"):
        fetch((tmp_path / "big.json").as_uri(), [tmp_path])
