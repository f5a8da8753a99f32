"""api-versions of Azure DNS, Private DNS and Traffic Manager: ``aznet.arm.versions.supported`` (the one
table, plus what the installed SDKs send, from the schema cache)."""

from __future__ import annotations

from ...arm.versions import supported

DNS = supported("dns")
PRIVATE_DNS = supported("privatedns")
TRAFFIC_MANAGER = supported("trafficmanager")
