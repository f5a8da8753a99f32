"""BGP rules shared by gateways and local network gateways (Azure's VPN Gateway BGP FAQ):

- ASNs reserved by Azure: public 8074, 8075, 12076; private 65515, 65517-65520 (65515 is the
  default ASN of Azure's own gateways, so a virtual network gateway may keep it; a local network
  gateway, the on-premises side, may not use any of them).
- ASNs reserved by IANA: 23456, 64496-64511, 65535-65551, 4294967295. ASN 0 is invalid.
- Custom (APIPA) BGP addresses of a gateway: 169.254.21.0 - 169.254.22.255."""

from __future__ import annotations

import ipaddress
from typing import Any

from ....arm.errors import ArmError
from ..ref_checks import cannot_parse, integer

AZURE_RESERVED = frozenset({8074, 8075, 12076, 65515, 65517, 65518, 65519, 65520})
GATEWAY_DEFAULT_ASN = 65515
APIPA_LO = ipaddress.IPv4Address("169.254.21.0")
APIPA_HI = ipaddress.IPv4Address("169.254.22.255")


def iana_reserved(asn: int) -> bool:
    return asn == 23456 or 64496 <= asn <= 64511 or 65535 <= asn <= 65551 or asn == 4294967295


def check_asn(value: Any, path: str, owner: str, *, on_premises: bool) -> int | None:
    asn = integer(value, path) if not isinstance(value, int) or isinstance(value, bool) else value
    if asn is None:
        return None
    if not 1 <= asn <= 4294967295:
        raise ArmError(400, "InvalidBgpAsn", f"The ASN {asn} of {owner} is not valid: use 1 to 4294967295.")
    if iana_reserved(asn):
        raise ArmError(400, "BgpAsnReservedByIana",
                       f"The ASN {asn} of {owner} is reserved by IANA (23456, 64496-64511, 65535-65551, "
                       "4294967295) and cannot be used.")
    if asn in AZURE_RESERVED and (on_premises or asn != GATEWAY_DEFAULT_ASN):
        raise ArmError(400, "BgpAsnReservedByAzure",
                       f"The ASN {asn} of {owner} is reserved by Azure (8074, 8075, 12076, 65515, 65517-65520) "
                       "and cannot be used.")
    return asn


def parse_ip(value: Any, path: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if not isinstance(value, str):
        raise cannot_parse(path, value, "System.String")
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        raise ArmError(400, "InvalidIPAddress", f"The value '{value}' at {path} is not a valid IP address.") \
            from None


def check_apipa(value: Any, path: str, owner: str) -> str:
    addr = parse_ip(value, path)
    if addr.version != 4 or not APIPA_LO <= addr <= APIPA_HI:
        raise ArmError(400, "InvalidCustomBgpIpAddress",
                       f"The custom BGP IP address {value} of {owner} must be in the Azure APIPA range "
                       "169.254.21.0 - 169.254.22.255.")
    return str(addr)
