"""``aznet az ARGS…``: the Azure CLI pointed at aznet, with its own config
dir (custom cloud registered, instance discovery off, signed in as a service
principal)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..config import Settings
from .state import ca_bundle, read_state

CLIENT_ID = "aznet-client"
CLIENT_SECRET = "any-secret"


def find_az() -> str | None:
    explicit = os.environ.get("AZNET_AZ")
    if explicit:
        return explicit
    found = shutil.which("az")
    if found:
        return found
    local = Path(__file__).resolve().parents[2] / ".venv-az" / "bin" / "az"
    return str(local) if local.exists() else None


def az_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    bundle = str(ca_bundle(data_dir))
    env.update({
        "AZURE_CONFIG_DIR": str(data_dir / "azcli"), "REQUESTS_CA_BUNDLE": bundle, "SSL_CERT_FILE": bundle,
        "AZURE_CORE_COLLECT_TELEMETRY": "false", "AZURE_CORE_INSTANCE_DISCOVERY": "false",
        "AZURE_CORE_SURVEY_MESSAGE": "false", "AZURE_CORE_NO_COLOR": "true", "AZURE_CORE_LOGIN_EXPERIENCE_V2": "off",
    })
    return env


def ensure_login(az: str, data_dir: Path, endpoint: str, tenant: str, subscription: str) -> None:
    env = az_env(data_dir)
    marker = data_dir / "azcli" / "aznet-login.json"
    want = {"endpoint": endpoint, "tenant": tenant}
    if marker.exists() and json.loads(marker.read_text()) == want:
        return
    (data_dir / "azcli").mkdir(parents=True, exist_ok=True)

    def run(*cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([az, *cmd], env=env, capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise RuntimeError(f"`az {' '.join(cmd)}` failed:\n{proc.stderr.strip()}")
        return proc

    clouds = run("cloud", "list", "--query", "[].name", "-o", "tsv").stdout.split()
    if "aznet" in clouds:
        run("cloud", "set", "-n", "AzureCloud")
        run("cloud", "unregister", "-n", "aznet")
    run("cloud", "register", "-n", "aznet", "--endpoint-resource-manager", f"{endpoint}/")
    run("cloud", "set", "-n", "aznet")
    run("config", "set", "core.instance_discovery=false", "core.collect_telemetry=false")
    run("login", "--service-principal", "-u", CLIENT_ID, "-p", CLIENT_SECRET, "--tenant", tenant)
    run("account", "set", "-s", subscription)
    marker.write_text(json.dumps(want))


def cmd_az(args: argparse.Namespace) -> int:
    s = Settings()
    az = find_az()
    if az is None:
        print("aznet az: the Azure CLI is not installed. Install it (for example "
              "`python3 -m venv ~/.az && ~/.az/bin/pip install azure-cli`) and put `az` on PATH or set AZNET_AZ.",
              file=sys.stderr)
        return 127
    state = read_state(s.data_dir)
    if state is None:
        print(f"aznet az: aznet is not running for data dir {s.data_dir}; start it with `aznet up`.",
              file=sys.stderr)
        return 1
    try:
        ensure_login(az, s.data_dir, state["endpoint"], state["tenant"], state["subscription"])
    except RuntimeError as exc:
        print(f"aznet az: {exc}", file=sys.stderr)
        return 1
    return subprocess.call([az, *args.az_args], env=az_env(s.data_dir))
