"""Diagnostic log records written where Microsoft.Insights diagnosticSettings point (issue 13's contract).

Every destination of a setting (storage account, Log Analytics workspace, event hub, partner solution) is a
folder under the data dir's ``logs/``; each category is one JSON Lines file in it:
``logs/<kind>-<name>/<Category>.jsonl`` (kind: storage, workspace, eventhub, partner). A record goes to every
destination of every setting of the resource that enables its category (or the ``allLogs`` group).

Hot path: ``DiagnosticLogs.emit(resource_id, category, record)`` is a dict lookup and a list append when some
setting wants the category, nothing otherwise; a thread writes the files every half second (no blocking call
on the request path). Pending records are bounded (``MAX_PENDING``); past it the oldest are dropped and
counted. ``refresh(settings_records)`` (the diagnostic settings, from a store snapshot) rebuilds the routes."""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SETTINGS_TYPE = "microsoft.insights/diagnosticsettings"
MARKER = "/providers/microsoft.insights/diagnosticsettings/"
MAX_PENDING = 100_000
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def destinations(props: dict[str, Any]) -> list[str]:
    """Folder names of a setting's destinations."""
    out = []
    if props.get("storageAccountId"):
        out.append("storage-" + str(props["storageAccountId"]).rstrip("/").rsplit("/", 1)[-1])
    if props.get("workspaceId"):
        out.append("workspace-" + str(props["workspaceId"]).rstrip("/").rsplit("/", 1)[-1])
    if props.get("eventHubAuthorizationRuleId"):
        parts = str(props["eventHubAuthorizationRuleId"]).split("/")
        ns = parts[parts.index("namespaces") + 1] if "namespaces" in [p.lower() for p in parts] else parts[-1]
        out.append(f"eventhub-{ns}-{props.get('eventHubName') or 'insights-logs'}")
    if props.get("marketplacePartnerId"):
        out.append("partner-" + str(props["marketplacePartnerId"]).rstrip("/").rsplit("/", 1)[-1])
    return [_SAFE.sub("_", d) for d in out]


class DiagnosticLogs:
    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "logs"
        self.routes: dict[tuple[str, str], list[str]] = {}     # (lower resource id, lower category) -> folders
        self.pending: deque[tuple[str, str, str]] = deque()      # (folder, category, line)
        self.dropped = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None

    def refresh(self, records: Iterable[Any]) -> None:
        routes: dict[tuple[str, str], list[str]] = {}
        for rec in records:
            key = rec.id.lower() if hasattr(rec, "id") else str(rec.get("id", "")).lower()
            body = rec.body if hasattr(rec, "body") else rec
            i = key.find(MARKER)
            if i < 0:
                continue
            resource = key[:i]
            props = body.get("properties") or {}
            folders = destinations(props)
            for entry in props.get("logs") or []:
                if not isinstance(entry, dict) or entry.get("enabled") is False:
                    continue
                cat = str(entry.get("category") or entry.get("categoryGroup") or "").lower()
                if cat:
                    routes.setdefault((resource, cat), []).extend(folders)
        self.routes = routes

    def wants(self, resource_id: str, category: str) -> bool:
        rid = resource_id.lower()
        return (rid, category.lower()) in self.routes or (rid, "alllogs") in self.routes

    def emit(self, resource_id: str, category: str, record: dict[str, Any]) -> None:
        rid = resource_id.lower()
        folders = self.routes.get((rid, category.lower()), []) + self.routes.get((rid, "alllogs"), [])
        if not folders:
            return
        line = json.dumps(record, separators=(",", ":"))
        with self._lock:
            for f in dict.fromkeys(folders):
                if len(self.pending) >= MAX_PENDING:
                    self.pending.popleft()
                    self.dropped += 1
                self.pending.append((f, category, line))
        self._ensure_thread()

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="aznet-diaglogs", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            self._wake.wait(0.5)
            self._wake.clear()
            self.flush()

    def flush(self) -> None:
        with self._lock:
            batch = list(self.pending)
            self.pending.clear()
        if not batch:
            return
        files: dict[tuple[str, str], list[str]] = {}
        for folder, cat, line in batch:
            files.setdefault((folder, cat), []).append(line)
        for (folder, cat), lines in files.items():
            d = self.root / folder
            d.mkdir(parents=True, exist_ok=True)
            with open(d / f"{cat}.jsonl", "a", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")

    def close(self) -> None:
        self._stop = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        self.flush()


def read_records(data_dir: Path, resource: str | None = None, category: str | None = None) -> list[tuple[Path, int]]:
    """The log files to read (path, size) under ``logs/``, filtered by category (file name)."""
    root = Path(data_dir) / "logs"
    if not root.exists():
        return []
    out = []
    for p in sorted(root.glob("*/*.jsonl")):
        if category and p.stem.lower() != category.lower():
            continue
        out.append((p, p.stat().st_size))
    return out


def matches(line: str, resource: str | None, category: str | None) -> bool:
    if not resource and not category:
        return True
    try:
        rec = json.loads(line)
    except ValueError:
        return False
    if resource and str(rec.get("resourceId", "")).lower() != resource.lower():
        return False
    return not category or str(rec.get("category", "")).lower() == category.lower()
