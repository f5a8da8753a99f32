"""Azure DNS's data plane runs as a platform service: ``aznet.dataplane.dns.service``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import services
from ...dataplane.dns.service import DnsService

if TYPE_CHECKING:
    from ...arm.platform import Platform


@services.register
def _factory(platform: Platform) -> DnsService:
    return DnsService(platform)
