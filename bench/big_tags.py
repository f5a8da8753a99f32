"""The issue's memory case (issue 8, item 2): 250 PUTs of a VNet with a 4 MB
tag [before: RSS 75 -> 1,086 MiB], and the largest tags Azure allows (50 tags
of 512-character names and 256-character values, ~38 KB) on 250 VNets.

    .venv/bin/python bench/big_tags.py [--puts 250]

Prints the server's RSS before and after each run and the answers it gave."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_hostile import Server, rss_mib  # noqa: E402

SUB = "00000000-0000-0000-0000-000000000001"


def run(server: Server, puts: int, tags: dict[str, str], label: str) -> None:
    import httpx

    with httpx.Client(base_url=server.endpoint, verify=server.ctx(), timeout=120) as c:
        tok = c.post("/00000000-0000-0000-0000-0000000000aa/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": "bench", "client_secret": "s",
            "scope": f"{server.endpoint}/.default"}).json()["access_token"]
        c.headers["Authorization"] = f"Bearer {tok}"
        rg = f"/subscriptions/{SUB}/resourceGroups/bigtags"
        c.put(rg, params={"api-version": "2021-04-01"}, json={"location": "westeurope"})
        before = rss_mib(server.proc.pid)
        answers: dict[str, int] = {}
        for i in range(puts):
            r = c.put(f"{rg}/providers/Microsoft.Network/virtualNetworks/v{i}", params={"api-version": "2024-05-01"},
                      json={"location": "westeurope", "tags": tags,
                            "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}})
            key = f"{r.status_code} {r.json()['error']['code']}" if r.status_code >= 400 else str(r.status_code)
            answers[key] = answers.get(key, 0) + 1
        after = rss_mib(server.proc.pid)
    size = sum(len(k) + len(v) for k, v in tags.items())
    print(f"{label}: {puts} VNet PUTs with {len(tags)} tags ({size / 1000:.0f} KB): answers {answers}; "
          f"RSS {before:.0f} -> {after:.0f} MiB ({after - before:+.0f})", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--puts", type=int, default=250)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="aznet-bigtags-") as tmp:
        server = Server(Path(tmp) / "data")
        try:
            run(server, args.puts, {"big": "x" * 4_000_000}, "4 MB tag")
            run(server, args.puts, {f"{i:02d}" + "n" * 510: "v" * 256 for i in range(50)}, "largest legal tags")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
