"""``aznet verify`` offline on files: an ARM template (literal evaluation) and
an ``az resource list``-style JSON list."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from aznet.verifier import sources
from aznet.verifier.cli import main

DATA = Path(__file__).with_name("data")
TEMPLATE = str(DATA / "template.json")
LISTING = str(DATA / "routing_example_resources.json")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_template_resources_are_resolved_literally() -> None:
    res = sources.load_file(TEMPLATE, resource_group="rg7", subscription="sub1")
    ids = {r["id"] for r in res}
    assert "/subscriptions/sub1/resourceGroups/rg7/providers/Microsoft.Network/virtualNetworks/app-vnet/subnets/back" in ids
    assert "/subscriptions/sub1/resourceGroups/rg7/providers/Microsoft.Network/virtualNetworks/app-vnet/subnets/other" in ids
    nic = next(r for r in res if r["name"] == "back-nic")
    assert nic["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"].endswith("/subnets/back")


def test_trace_readable_and_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "--file", TEMPLATE, "trace", "--from", "front-vm", "--to", "back-vm", "--port", "22")
    assert rc == 0 and "=> ACCEPTED" in out and "securityRules/AllowSshFromFront -> allowed" in out
    rc, out, _ = run(capsys, "--file", TEMPLATE, "trace", "--from", "other-nic", "--to", "10.20.2.4", "--port", "22")
    assert rc == 1 and "DENIED_IN" in out and "DenyVnetIn" in out
    rc, out, _ = run(capsys, "--file", TEMPLATE, "trace", "--from", "front-vm", "--to", "10.20.2.4", "--port", "80",
                     "--json")
    doc = json.loads(out)
    assert rc == 1 and doc["disposition"] == "DENIED_IN" and doc["hops"][-1]["name"] == "back-nic"


def test_flow_next_hop_routes_nsg(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "--file", TEMPLATE, "flow", "--vm", "back-vm", "--direction", "Inbound",
                     "--local", "10.20.2.4:22", "--remote", "10.20.1.9:5000")
    assert rc == 0 and out.strip() == "Allow by securityRules/AllowSshFromFront"
    rc, out, _ = run(capsys, "--file", LISTING, "next-hop", "--vm", "vm1", "--source", "10.0.0.4", "--dest", "10.1.0.4")
    assert rc == 0 and json.loads(out)["nextHopType"] == "None"
    rc, out, _ = run(capsys, "--file", LISTING, "routes", "--nic", "vm2-nic")
    assert any(r["nextHopType"] == "VNetPeering" for r in json.loads(out)["value"])
    rc, out, _ = run(capsys, "--file", TEMPLATE, "nsg", "--nic", "back-nic")
    assert json.loads(out)["value"][0]["association"]["subnet"]["id"].endswith("/subnets/back")


def test_matrix_formats(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "--file", TEMPLATE, "matrix", "--port", "22", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    denied = {(r["source"], r["destination"]) for r in rows if r["reachable"] == "no"}
    assert denied == {("app-vnet/other", "app-vnet/back"), ("app-vnet/back", "app-vnet/back")}
    assert all(r["deciding_rule"] == "back-nsg: securityRules/DenyVnetIn" for r in rows if r["reachable"] == "no")
    rc, out, _ = run(capsys, "--file", LISTING, "matrix", "--port", "22", "--scope", "nics", "--format", "json")
    doc = json.loads(out)
    pair = next(p for p in doc["pairs"] if p["source"] == "vm1-nic" and p["destination"] == "peer-nic")
    assert pair["disposition"] == "NULL_ROUTED" and "ToVNet2-1-Drop" in pair["decidingRule"]
    rc, out, _ = run(capsys, "--file", TEMPLATE, "matrix", "--port", "22")
    assert "not reachable:" in out and rc == 0


def test_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, _, err = run(capsys, "--file", str(tmp_path / "missing.json"), "matrix", "--port", "1")
    assert rc == 2 and "cannot read" in err
    rc, _, err = run(capsys, "--file", TEMPLATE, "flow", "--vm", "back-vm", "--direction", "Inbound",
                     "--local", "10.20.9.9:22", "--remote", "10.20.1.9:5000")
    assert rc == 2 and "InvalidIPAddress" in err
    rc, _, err = run(capsys, "--file", TEMPLATE, "trace", "--from", "nobody", "--to", "10.0.0.1")
    assert rc == 2 and "InvalidResourceReference" in err
    assert main(["--file", TEMPLATE]) == 2  # no subcommand: argparse usage error
