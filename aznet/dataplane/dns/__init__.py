"""DNS data plane: Azure DNS public zones, Private DNS views per VNet, Traffic Manager names.

Pure core: ``DnsEngine`` (reconciles ARM resources; ``apply``/``resync``), ``View``,
``Zone``/``lookup``; thin shell: ``DnsServerShell`` (asyncio UDP/TCP listeners)."""

from .engine import DnsEngine
from .shell import DnsServerShell
from .view import Client, View

__all__ = ["Client", "DnsEngine", "DnsServerShell", "View"]
