"""The running server's state file (``DIR/server.json``): its endpoint,
pid and listeners, for ``aznet status``, ``env`` and ``az``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..config import Settings


def write_state(settings: Settings, endpoints: list[dict[str, Any]]) -> None:
    path = settings.data_dir / "server.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"endpoint": settings.endpoint, "pid": os.getpid(), "endpoints": endpoints,
                               "tenant": settings.tenant, "subscription": settings.default_subscription}, indent=2))
    tmp.replace(path)


def read_state(data_dir: Path) -> dict[str, Any] | None:
    path = data_dir / "server.json"
    if not path.exists():
        return None
    state = json.loads(path.read_text())
    try:
        os.kill(int(state["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return None
    return state


def ca_bundle(data_dir: Path) -> Path:
    """The local CA appended to the system's CAs, so other TLS keeps working."""
    ca = data_dir / "ca.pem"
    bundle = data_dir / "ca-bundle.pem"
    parts = []
    try:
        import certifi

        parts.append(Path(certifi.where()).read_text())
    except ImportError:
        system = Path("/etc/ssl/certs/ca-certificates.crt")
        if system.exists():
            parts.append(system.read_text())
    parts.append(ca.read_text())
    text = "\n".join(parts)
    if not bundle.exists() or bundle.read_text() != text:
        bundle.write_text(text)
    return bundle
