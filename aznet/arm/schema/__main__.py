"""``python -m aznet.arm.schema [--out DIR] [PACKAGE ...]``: compile schema caches ahead of time
(into ``aznet/arm/schema/prebuilt`` to ship them, or the cache directory by default)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from .cache import cache_dir, cache_file_name, installed_version
from .compile import compile_schemas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aznet.arm.schema")
    parser.add_argument("packages", nargs="*", default=None,
                        help="default: every SDK whose models or api-versions aznet reads")
    parser.add_argument("--out", type=Path, default=None, help="directory (default: the cache directory)")
    parser.add_argument("--force", action="store_true", help="compile again even where a cache exists")
    args = parser.parse_args(argv)
    if not args.packages:
        from ..versions import SDK_PACKAGES

        args.packages = sorted({"network", "dns", "privatedns", "trafficmanager", "compute", *SDK_PACKAGES.values()})
    out_dir: Path = args.out or cache_dir()
    for package in args.packages:
        ver = installed_version(package)
        if ver is None:
            print(f"{package}: not installed, skipped")
            continue
        started = time.perf_counter()
        target = out_dir / cache_file_name(package, ver)
        if target.exists() and not args.force:
            print(f"{package} {ver}: cached in {target}")
            continue
        compile_schemas(target, package)
        print(
            f"{package} {ver}: {target} ({target.stat().st_size // 1024} KiB, {time.perf_counter() - started:.2f} s)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
