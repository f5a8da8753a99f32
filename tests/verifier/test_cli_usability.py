"""``aznet verify`` as az users name things (issue 8, item 17): AZNET_ENDPOINT, names with -g, --nic wherever
az accepts it, and clean errors (no tracebacks) for bad files and closed pipes, for every aznet command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aznet.verifier.cli import main

from .builders import Net


def two_groups(tmp_path: Path) -> str:
    """Two resource groups, each with a VM 'web' whose two NICs sit in different subnets."""
    resources: list[dict[str, Any]] = []
    for rg, octet in (("rg-a", 10), ("rg-b", 20)):
        n = Net(rg)
        n.vnet("vnet", [f"10.{octet}.0.0/16"], {"front": {"prefix": f"10.{octet}.1.0/24"},
                                               "back": {"prefix": f"10.{octet}.2.0/24"}})
        n.nic("web-nic1", "vnet", "front", f"10.{octet}.1.4", vm="web")
        n.nic("web-nic2", "vnet", "back", f"10.{octet}.2.4", vm="web")
        n.vm("web", ["web-nic1", "web-nic2"])
        resources += n.resources
    path = tmp_path / "net.json"
    path.write_text(json.dumps(resources))
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_names_need_a_group_only_when_ambiguous(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = two_groups(tmp_path)
    rc, _, err = run(capsys, "--file", f, "routes", "--nic", "web-nic1")
    assert rc == 2 and "matches 2 resources" in err and "-g" in err and "Traceback" not in err
    rc, out, _ = run(capsys, "--file", f, "routes", "-g", "rg-b", "-n", "web-nic1")
    assert rc == 0 and any(r["addressPrefix"] == ["10.20.0.0/16"] for r in json.loads(out)["value"])
    rc, _, err = run(capsys, "--file", f, "routes", "-g", "rg-c", "--nic", "web-nic1")
    assert rc == 2 and "no nic named 'web-nic1' in resource group 'rg-c'" in err


def test_nic_selects_one_nic_of_a_vm(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = two_groups(tmp_path)
    rc, out, _ = run(capsys, "--file", f, "next-hop", "-g", "rg-a", "--vm", "web", "--nic", "web-nic2",
                     "--source-ip", "10.10.2.4", "--dest-ip", "10.10.1.4")
    assert rc == 0 and json.loads(out)["nextHopType"] == "VnetLocal"
    rc, out, _ = run(capsys, "--file", f, "trace", "-g", "rg-a", "--from", "web", "--nic", "web-nic2",
                     "--to", "10.10.1.4", "--port", "80")
    assert rc == 0 and "(10.10.2.4)" in out
    rc, _, err = run(capsys, "--file", f, "trace", "-g", "rg-a", "--from", "web", "--nic", "nope", "--to", "10.10.1.4")
    assert rc == 2 and "no nic named 'nope'" in err
    rc, out, _ = run(capsys, "--file", f, "flow", "-g", "rg-b", "--vm", "web", "--nic", "web-nic1",
                     "--direction", "Inbound", "--local", "10.20.1.4:80", "--remote", "10.20.2.4:5000")
    assert rc == 0 and out.startswith("Allow")


def test_bad_files_give_clean_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    for argv in (["--file", str(bad), "routes", "--nic", "x"],
                 ["--file", str(tmp_path / "missing.json"), "routes", "--nic", "x"],
                 ["--file", two_groups(tmp_path), "--parameters", str(bad), "routes", "--nic", "x"]):
        rc, _, err = run(capsys, *argv)
        assert rc == 2 and err.startswith("error:") and "Traceback" not in err


def test_endpoint_from_environment(aznet: Any, network_client: Any, rg: str, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    network_client.virtual_networks.begin_create_or_update(rg, "vnet", {
        "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.7.0.0/16"]},
                                                 "subnets": [{"name": "a", "properties": {
                                                     "addressPrefix": "10.7.1.0/24"}}]}}).result()
    network_client.network_interfaces.begin_create_or_update(rg, "env-nic", {
        "location": "westeurope", "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
            "subnet": {"id": network_client.subnets.get(rg, "vnet", "a").id}}}]}}).result()
    monkeypatch.setenv("AZNET_ENDPOINT", aznet.endpoint)
    rc, out, err = run(capsys, "--subscription", aznet.subscription_id, "--tenant", aznet.tenant_id,
                       "--ca-file", str(aznet.ca_bundle), "routes", "-g", rg, "--nic", "env-nic")
    assert rc == 0, err
    assert any(r["addressPrefix"] == ["10.7.0.0/16"] for r in json.loads(out)["value"])
    monkeypatch.delenv("AZNET_ENDPOINT")
    rc, _, err = run(capsys, "routes", "--nic", "env-nic")
    assert rc == 2 and "AZNET_ENDPOINT" in err


def _aznet(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "aznet.cli.main", *args], capture_output=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_closed_pipe_ends_quietly_for_every_command(tmp_path: Path) -> None:
    f = two_groups(tmp_path)
    for args in (["verify", "--file", f, "matrix", "--port", "22", "--scope", "nics"],
                 ["verify", "--file", f, "routes", "-g", "rg-a", "--nic", "web-nic1"],
                 ["env", "--data-dir", str(tmp_path / "d")],
                 ["--help"]):
        proc = subprocess.Popen([sys.executable, "-m", "aznet.cli.main", *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(1)          # like `| head -c1`: read a little, then close the pipe
        proc.stdout.close()
        err = proc.stderr.read().decode()
        proc.wait(60)
        assert "Traceback" not in err and "BrokenPipe" not in err, (args, err)


def test_unexpected_errors_are_one_line(tmp_path: Path) -> None:
    proc = _aznet("import", str(tmp_path / "missing.json"), "--data-dir", str(tmp_path / "d"))
    err = proc.stderr.decode()
    assert proc.returncode != 0 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "missing.json" in err
