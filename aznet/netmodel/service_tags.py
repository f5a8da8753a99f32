"""Service tags for the model: tag name -> prefixes.

The one service-tag table (``data/service_tags.json``, also what the Network
RP's serviceTags API and NSG rule validation read) is a REPRESENTATIVE SUBSET of
Azure's service tags — a handful of plausible prefixes per tag and per region
variant (``Storage.WestEurope``), not Azure's full, weekly-changing list.

``VirtualNetwork`` and ``Internet`` are dynamic: the model computes them per VNet
(``VirtualNetwork`` = the VNet's space + peered spaces + on-premises prefixes via
gateways + 168.63.129.16/32; ``Internet`` = public address space, see ``INTERNET``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from .addr import ANY_V6, V4_MAX, Range, merge, parse_prefix, subtract

DATA = Path(__file__).with_name("data") / "service_tags.json"

DYNAMIC = {"virtualnetwork": "VirtualNetwork", "internet": "Internet"}
AZURE_LB = "168.63.129.16/32"

# Not Internet: private, shared, loopback, link-local, multicast and reserved IPv4 space,
# and the non-global-unicast IPv6 space. Azure's own Internet tag is "the public address
# space"; this is the same idea computed, not Azure's list.
_NOT_INTERNET_V4 = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
                    "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4"]


def _internet() -> list[Range]:
    holes = merge((parse_prefix(p)[0], parse_prefix(p)[1]) for p in _NOT_INTERNET_V4)
    v4 = subtract([(0, V4_MAX)], holes)
    g6 = parse_prefix("2000::/3")  # global unicast
    return v4 + [(g6[0], g6[1])] if g6[1] <= ANY_V6[1] else v4


INTERNET: list[Range] = _internet()

# service endpoint service name -> service tag
ENDPOINT_TAGS = {
    "microsoft.storage": "Storage", "microsoft.storage.global": "Storage", "microsoft.sql": "Sql",
    "microsoft.keyvault": "AzureKeyVault", "microsoft.azurecosmosdb": "AzureCosmosDB",
    "microsoft.eventhub": "EventHub", "microsoft.servicebus": "ServiceBus", "microsoft.web": "AppService",
    "microsoft.containerregistry": "AzureContainerRegistry",
    "microsoft.azureactivedirectory": "AzureActiveDirectory",
}


@lru_cache(maxsize=1)
def table() -> dict[str, dict[str, Any]]:
    doc = json.loads(DATA.read_text())
    return {v["name"].lower(): v for v in doc["values"]}


@lru_cache(maxsize=4096)
def lookup(name: str) -> tuple[str, tuple[str, ...]] | None:
    """(canonical name, prefixes) for a static tag or regional variant; None if unknown.
    Dynamic tags (VirtualNetwork, Internet) return None: the model resolves them."""
    low = name.strip().lower()
    by = table()
    if low in by:
        return by[low]["name"], tuple(by[low]["addressPrefixes"])
    base, dot, region = low.rpartition(".")
    if dot and base in by:
        regions = {k.lower().replace(" ", ""): v for k, v in (by[base].get("regions") or {}).items()}
        if region in regions:
            return f"{by[base]['name']}.{region}", tuple(regions[region])
        if by[base].get("regional"):
            return f"{by[base]['name']}.{region}", ()  # a valid-looking region we hold no prefixes for
    return None


def is_tag(name: str) -> bool:
    return name.strip().lower() in DYNAMIC or lookup(name) is not None


def tag_rank(name: str) -> int:
    """Azure's exact-match order between routes whose tags share a prefix:
    0 regional tag, 1 top-level tag, 2 AzureCloud regional, 3 AzureCloud."""
    low = name.lower()
    if low == "azurecloud":
        return 3
    if low.startswith("azurecloud."):
        return 2
    return 0 if "." in low and not low.startswith("azurefrontdoor.") else 1
