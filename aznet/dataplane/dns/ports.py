"""Stable ports for the per-VNet resolver listeners.

A VNet's resolver listener (its 168.63.129.16 as seen from the host) gets a port the
first time the VNet has a private-zone link; the port is written to a small JSON file in
the data dir and taken again at every later start, so a client's resolver
configuration keeps working across restarts. When the remembered port is taken by
another process, a new one is picked (and remembered) and a warning says so."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


class PortBook:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._ports: dict[str, int] = {}
        if path is not None and path.exists():
            try:
                data = json.loads(path.read_text())
                self._ports = {str(k).lower(): int(v) for k, v in data.items()
                               if isinstance(v, int) and 0 < v < 65536}
            except (OSError, ValueError, AttributeError):
                log.warning("ignoring an unreadable %s", path)

    def get(self, vnet_id: str) -> int | None:
        return self._ports.get(vnet_id.lower())

    def taken(self) -> set[int]:
        return set(self._ports.values())

    def remember(self, vnet_id: str, port: int) -> None:
        key = vnet_id.lower()
        if self._ports.get(key) == port:
            return
        self._ports[key] = port
        if self.path is None:
            return
        tmp = self.path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(self._ports, indent=1, sort_keys=True))
            os.replace(tmp, self.path)
        except OSError:
            log.warning("could not write %s: VNet resolver ports may change at the next start", self.path)
