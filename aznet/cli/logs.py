"""``aznet logs [--resource ID] [--category NAME] [--follow]``: print the diagnostic log records (JSON Lines)
that data planes wrote where diagnostic settings point (the data dir's ``logs/`` folder, one file per
destination and category). Reads the files directly: works whether or not aznet is running."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..config import Settings
from ..monitor.diaglogs import matches, read_records


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("logs", help="print diagnostic log records (access, firewall, probe logs ...)")
    p.add_argument("--data-dir", help="state directory (default ~/.aznet or $AZNET_DATA_DIR)")
    p.add_argument("--resource", help="only records of this resource id (case-insensitive)")
    p.add_argument("--category", help="only this category, e.g. ApplicationGatewayAccessLog")
    p.add_argument("--follow", "-f", action="store_true", help="keep printing new records as they are written")
    p.set_defaults(fn=cmd_logs)


def _data_dir(args: argparse.Namespace) -> Path:
    s = Settings()
    return Path(args.data_dir).expanduser().resolve() if args.data_dir else s.data_dir


def _print_from(path: Path, offset: int, args: argparse.Namespace) -> int:
    """Print the complete lines of ``path`` from ``offset``; the offset after the last complete line."""
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read()
    end = data.rfind(b"\n")
    if end < 0:
        return offset
    for raw in data[:end].split(b"\n"):
        line = raw.decode("utf-8", "replace")
        if line and matches(line, args.resource, args.category):
            sys.stdout.write(line + "\n")
    sys.stdout.flush()
    return offset + end + 1


def cmd_logs(args: argparse.Namespace) -> int:
    root = _data_dir(args)
    offsets: dict[Path, int] = {}
    for path, _size in read_records(root, args.resource, args.category):
        offsets[path] = _print_from(path, 0, args)
    if not args.follow:
        return 0
    try:
        while True:
            time.sleep(0.5)
            for path, size in read_records(root, args.resource, args.category):
                if size > offsets.get(path, 0):
                    offsets[path] = _print_from(path, offsets.get(path, 0), args)
    except KeyboardInterrupt:
        return 0
