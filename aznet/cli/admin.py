"""``aznet status | env | reset | export | import``: through the running
server when there is one, else directly on the data dir."""

from __future__ import annotations

import argparse
import json
import ssl
import sys
import urllib.request
from pathlib import Path
from typing import Any

from ..arm.admin_auth import HEADER, read_admin_key
from ..arm.jsonio import dumps
from ..config import Settings
from .state import ca_bundle, read_state


def _settings(args: argparse.Namespace) -> Settings:
    s = Settings()
    if getattr(args, "data_dir", None):
        s.data_dir = Path(args.data_dir).expanduser().resolve()
    return s


def _call(state: dict[str, Any], data_dir: Path, method: str, path: str, body: bytes | None = None) -> Any:
    ctx = ssl.create_default_context(cafile=str(data_dir / "ca.pem"))
    headers = {"content-type": "application/json"}
    key = read_admin_key(data_dir)
    if key:
        headers[HEADER] = key      # the admin routes need the local admin key (aznet/arm/admin_auth.py)
    req = urllib.request.Request(state["endpoint"] + path, data=body, method=method, headers=headers)
    with urllib.request.urlopen(req, context=ctx, timeout=30) as resp:
        data = resp.read()
    return json.loads(data) if data else None


def resource_request(args: argparse.Namespace, area: str, label: str, method: str, suffix: str = "",
                     body: dict[str, Any] | None = None) -> Any:
    """``method /_aznet/{area}/{subscription}/{args.resource_group}/{args.name}{suffix}`` on the running aznet (the
    admin routes of the ``aznet vm`` and ``aznet expressroute`` commands): the JSON answer; not running, or an
    error answer, ends the command with ``aznet {label}: code: message``."""
    import urllib.error

    s = _settings(args)
    state = read_state(s.data_dir)
    if state is None:
        raise SystemExit(f"aznet is not running (data dir {s.data_dir}): start it with `aznet up`")
    sub = args.subscription or state.get("subscription") or s.default_subscription
    path = f"/_aznet/{area}/{sub}/{args.resource_group}/{args.name}{suffix}"
    try:
        return _call(state, s.data_dir, method, path, json.dumps(body).encode() if body is not None else None)
    except urllib.error.HTTPError as exc:
        try:
            err = json.loads(exc.read()).get("error") or {}
            msg = f"{err.get('code')}: {err.get('message')}"
        except ValueError:
            msg = str(exc)
        raise SystemExit(f"aznet {label}: {msg}") from None


def cmd_status(args: argparse.Namespace) -> int:
    s = _settings(args)
    state = read_state(s.data_dir)
    if state is None:
        print(f"aznet is not running (data dir {s.data_dir})")
        return 1
    status = _call(state, s.data_dir, "GET", "/_aznet/status")
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    print(f"aznet running (pid {state['pid']}), data dir {s.data_dir}")
    print("endpoints:")
    for ep in status["endpoints"]:
        extra = f"  ({ep['description']})" if ep.get("description") else ""
        print(f"  {ep['name']:<28} {ep['protocol']}://{ep['host']}:{ep['port']}{extra}")
    print("resources:")
    for rtype, n in sorted(status["resources"].items()):
        print(f"  {rtype:<60} {n}")
    return 0


def cmd_env(args: argparse.Namespace) -> int:
    s = _settings(args)
    state = read_state(s.data_dir)
    endpoint = state["endpoint"] if state else s.endpoint
    if not (s.data_dir / "ca.pem").exists():
        print(f"aznet: no CA in {s.data_dir} yet: run `aznet up` first", file=sys.stderr)
        return 1
    bundle = ca_bundle(s.data_dir)
    print(f"export REQUESTS_CA_BUNDLE={bundle}")
    print(f"export SSL_CERT_FILE={bundle}")
    print(f"export AZNET_ENDPOINT={endpoint}")
    print(f"export AZNET_CA={s.data_dir / 'ca.pem'}")
    print(f"export AZURE_TENANT_ID={s.tenant}")
    print(f"export AZURE_SUBSCRIPTION_ID={s.default_subscription}")
    print("export AZURE_CLIENT_ID=aznet-client")
    print("export AZURE_CLIENT_SECRET=any-secret")
    print(f"export AZURE_AUTHORITY_HOST={endpoint}")
    return 0


def _offline_store(s: Settings):  # type: ignore[no-untyped-def]
    from ..store.sqlite import SqliteStore

    return SqliteStore(s.data_dir)


def cmd_reset(args: argparse.Namespace) -> int:
    s = _settings(args)
    state = read_state(s.data_dir)
    if state:
        _call(state, s.data_dir, "POST", "/_aznet/reset", b"{}")
    else:
        store = _offline_store(s)
        store.replace_all([])
        store.close()
    print("aznet: all state deleted")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    s = _settings(args)
    state = read_state(s.data_dir)
    if state:
        snap = _call(state, s.data_dir, "GET", "/_aznet/export")
    else:
        from ..store.snapshot import export_snapshot

        store = _offline_store(s)
        snap = export_snapshot(store)
        store.close()
    Path(args.file).write_text(dumps(snap, indent=1))
    print(f"aznet: exported {len(snap['resources'])} resources to {args.file}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    s = _settings(args)
    data = Path(args.file).read_bytes()
    state = read_state(s.data_dir)
    if state:
        result = _call(state, s.data_dir, "POST", "/_aznet/import", data)
        count = result["imported"]
    else:
        from ..store.snapshot import import_snapshot

        store = _offline_store(s)
        count = import_snapshot(store, json.loads(data))
        store.close()
    print(f"aznet: imported {count} resources from {args.file}")
    return 0
