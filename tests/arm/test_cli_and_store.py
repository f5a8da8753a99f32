"""`aznet up` as a process: health, env, status, export/import, reset, the data
dir lock, and durability of acknowledged writes across `kill -9`."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

AZNET = str(Path(sys.executable).with_name("aznet"))
SUB = "00000000-0000-0000-0000-000000000001"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.proc = subprocess.Popen([AZNET, "up", "--port", str(self.port), "--data-dir", str(data_dir),
                                      "--dns-port", str(free_port())],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"aznet exited: {self.proc.stderr.read()}")
            try:
                if (data_dir / "ca.pem").exists() and self.client().get("/_aznet/health").status_code == 200:
                    return
            except (httpx.HTTPError, ssl.SSLError):
                pass
            time.sleep(0.05)
        raise RuntimeError("aznet did not start")

    @property
    def endpoint(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.endpoint, timeout=10,
                            verify=ssl.create_default_context(cafile=str(self.data_dir / "ca.pem")))

    def authed(self) -> httpx.Client:
        with self.client() as t:
            tok = t.post("/common/oauth2/v2.0/token", data={"grant_type": "client_credentials", "client_id": "x",
                                                        "client_secret": "y", "scope": f"{self.endpoint}/.default"}).json()
        c = self.client()
        c.headers["Authorization"] = f"Bearer {tok['access_token']}"
        return c

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([AZNET, *args, "--data-dir", str(self.data_dir)], capture_output=True, text=True,
                              timeout=60)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(15)


@pytest.fixture
def server(tmp_path):  # type: ignore[no-untyped-def]
    p = Proc(tmp_path / "data")
    yield p
    p.stop()


def put_rg(c: httpx.Client, name: str) -> httpx.Response:
    return c.put(f"/subscriptions/{SUB}/resourcegroups/{name}", params={"api-version": "2021-04-01"},
                 json={"location": "westeurope"})


def test_env_prints_client_settings(server):
    out = server.cli("env")
    assert out.returncode == 0
    exports = dict(line.removeprefix("export ").split("=", 1) for line in out.stdout.splitlines())
    assert exports["AZNET_ENDPOINT"] == server.endpoint
    bundle = Path(exports["REQUESTS_CA_BUNDLE"])
    assert (server.data_dir / "ca.pem").read_text() in bundle.read_text()
    assert exports["SSL_CERT_FILE"] == exports["REQUESTS_CA_BUNDLE"]


def test_status_lists_endpoints_and_resources(server):
    with server.authed() as c:
        assert put_rg(c, "status-rg").status_code == 201
    out = server.cli("status", "--json")
    assert out.returncode == 0, out.stderr
    status = json.loads(out.stdout)
    assert status["endpoint"] == server.endpoint
    assert status["resources"]["Microsoft.Resources/resourceGroups"] == 1
    assert "arm" in [e["name"] for e in status["endpoints"]]


def test_second_process_on_same_data_dir_refuses(server):
    other = subprocess.run([AZNET, "up", "--port", str(free_port()), "--data-dir", str(server.data_dir)],
                           capture_output=True, text=True, timeout=30)
    assert other.returncode == 1
    assert "in use by another aznet process" in other.stderr


def test_acknowledged_write_survives_kill_9(tmp_path):
    p = Proc(tmp_path / "d")
    with p.authed() as c:
        for i in range(20):
            assert put_rg(c, f"durable-{i}").status_code == 201
    p.stop(signal.SIGKILL)
    p2 = Proc(tmp_path / "d")
    try:
        with p2.authed() as c:
            names = [g["name"] for g in c.get(f"/subscriptions/{SUB}/resourcegroups",
                                              params={"api-version": "2021-04-01"}).json()["value"]]
        assert sorted(names) == sorted(f"durable-{i}" for i in range(20))
    finally:
        p2.stop()


def test_export_reset_import_round_trip(server, tmp_path):
    with server.authed() as c:
        put_rg(c, "snap-a")
        put_rg(c, "snap-b")
    snap = tmp_path / "snap.json"
    assert server.cli("export", str(snap)).returncode == 0
    assert {r["body"]["name"] for r in json.loads(snap.read_text())["resources"]} == {"snap-a", "snap-b"}
    assert server.cli("reset").returncode == 0
    with server.authed() as c:
        assert c.get(f"/subscriptions/{SUB}/resourcegroups", params={"api-version": "2021-04-01"}).json()["value"] == []
    assert server.cli("import", str(snap)).returncode == 0
    with server.authed() as c:
        got = c.get(f"/subscriptions/{SUB}/resourcegroups/snap-b", params={"api-version": "2021-04-01"})
        assert got.status_code == 200


def test_import_rejects_garbage_and_keeps_state(server, tmp_path):
    with server.authed() as c:
        put_rg(c, "keep-me")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "nope"}))
    out = server.cli("import", str(bad))
    assert out.returncode != 0
    with server.authed() as c:
        assert c.get(f"/subscriptions/{SUB}/resourcegroups/keep-me", params={"api-version": "2021-04-01"}).status_code == 200


def test_offline_export_when_not_running(tmp_path):
    p = Proc(tmp_path / "off")
    with p.authed() as c:
        put_rg(c, "offline-rg")
    p.stop()
    snap = tmp_path / "s.json"
    out = subprocess.run([AZNET, "export", str(snap), "--data-dir", str(tmp_path / "off")], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert [r["body"]["name"] for r in json.loads(snap.read_text())["resources"]] == ["offline-rg"]
    assert os.path.exists(tmp_path / "off" / "aznet.db")
