"""Running the real Azure CLI against a test aznet instance."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aznet.cli.azcli import az_env, ensure_login, find_az


class AzError(Exception):
    def __init__(self, args: list[str], code: int, stderr: str) -> None:
        super().__init__(f"az {' '.join(args)} exited {code}: {stderr}")
        self.code = code
        self.stderr = stderr


@dataclass
class AzCli:
    az: str
    data_dir: Path

    @classmethod
    def for_instance(cls, inst: Any) -> AzCli | None:
        az = find_az()
        if az is None:
            return None
        ensure_login(az, inst.data_dir, inst.endpoint, inst.tenant_id, inst.subscription_id)
        return cls(az, inst.data_dir)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([self.az, *args, "--only-show-errors"], env=az_env(self.data_dir),
                              capture_output=True, text=True, timeout=300)
        if check and proc.returncode != 0:
            raise AzError(list(args), proc.returncode, proc.stderr)
        return proc

    def json(self, *args: str) -> Any:
        out = self.run(*args, "-o", "json").stdout
        return json.loads(out) if out.strip() else None

    @contextmanager
    def group(self, prefix: str, location: str = "westeurope") -> Iterator[str]:
        """A resource group of the test's own (``prefix`` and 8 random hex digits), created with
        ``az group create`` and deleted when the block ends (``az group delete --no-wait``, errors ignored)."""
        rg = f"{prefix}{uuid.uuid4().hex[:8]}"
        self.run("group", "create", "-n", rg, "-l", location)
        try:
            yield rg
        finally:
            self.run("group", "delete", "-n", rg, "--yes", "--no-wait", check=False)

    def fails(self, *args: str) -> AzError:
        proc = self.run(*args, check=False)
        if proc.returncode == 0:
            raise AssertionError(f"az {' '.join(args)} succeeded but was expected to fail: {proc.stdout}")
        return AzError(list(args), proc.returncode, proc.stderr)
