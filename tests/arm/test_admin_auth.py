"""aznet's admin routes need the local admin key or a default-tenant token;
health stays open; a non-loopback --host needs --allow-remote (issue 8, item 8)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aznet.arm.admin_auth import HEADER, KEY_FILE
from aznet.config import Settings
from aznet.server import RemoteNotAllowed, check_host

from .helpers import http, token

AZNET = str(Path(sys.executable).with_name("aznet"))
ADMIN = [("GET", "/_aznet/status"), ("GET", "/_aznet/export"), ("POST", "/_aznet/reset"),
         ("POST", "/_aznet/import")]


@pytest.mark.parametrize(("method", "path"), ADMIN)
def test_admin_routes_refuse_anonymous_callers(aznet, resource_client, method, path):
    resource_client.resource_groups.create_or_update("admin-survivor", {"location": "westeurope"})
    with http(aznet) as c:
        r = c.request(method, path, json={"resources": []} if method == "POST" else None)
        assert r.status_code == 401 and r.json()["error"]["code"] == "AuthenticationFailed"
        r = c.request(method, path, headers={HEADER: "guessed"}, json={"resources": []} if method == "POST" else None)
        assert r.status_code == 401
    assert resource_client.resource_groups.check_existence("admin-survivor")     # nothing was wiped


def test_admin_routes_refuse_another_tenants_token(aznet):
    with http(aznet) as c:
        tok = c.post("/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token",
                     data={"grant_type": "client_credentials", "client_id": "intruder", "client_secret": "s",
                           "scope": f"{aznet.endpoint}/.default"}).json()["access_token"]
        r = c.post("/_aznet/reset", json={}, headers={"Authorization": f"Bearer {tok}"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "AuthorizationFailed"


def test_admin_key_and_default_tenant_token_are_accepted(aznet):
    key = (aznet.data_dir / KEY_FILE).read_text().strip()
    assert (aznet.data_dir / KEY_FILE).stat().st_mode & 0o077 == 0      # readable by its owner only
    with http(aznet) as c:
        assert c.get("/_aznet/status", headers={HEADER: key}).status_code == 200
        r = c.get("/_aznet/export", headers={"Authorization": f"Bearer {token(aznet)}"})
        assert r.status_code == 200 and "resources" in r.json()
        assert c.get("/_aznet/health").status_code == 200                # health stays open


def test_cli_status_reads_the_key_from_the_data_dir(aznet):
    out = subprocess.run([AZNET, "status", "--json", "--data-dir", str(aznet.data_dir)], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert '"endpoint"' in out.stdout


def test_non_loopback_host_needs_allow_remote(tmp_path):
    out = subprocess.run([AZNET, "up", "--host", "0.0.0.0", "--port", "0", "--data-dir", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "--allow-remote" in out.stderr and "not a loopback address" in out.stderr


@pytest.mark.parametrize(("host", "remote"), [("127.0.0.1", False), ("127.9.9.9", False), ("::1", False),
                                              ("localhost", False), ("0.0.0.0", True), ("::", True),
                                              ("192.0.2.7", True), ("example.com", True)])
def test_which_hosts_count_as_remote(tmp_path, caplog, host, remote):
    s = Settings()
    s.host, s.data_dir, s.allow_remote = host, tmp_path, False
    if remote:
        with pytest.raises(RemoteNotAllowed):
            check_host(s)
        s.allow_remote = True
        check_host(s)
        assert any("NON-LOOPBACK" in r.getMessage() for r in caplog.records)
    else:
        check_host(s)
        assert not caplog.records
