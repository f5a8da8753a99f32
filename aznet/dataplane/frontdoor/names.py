"""The edge's host names in aznet's DNS: ``*.azurefd.net`` (Front Door Standard/Premium endpoints
``<endpoint>-<hash>.z01.azurefd.net`` and classic ``<name>.azurefd.net``) and ``*.azureedge.net`` (classic CDN
endpoints) answer an A record with the edge address; other names under those suffixes are NXDOMAIN with the SOA.

Azure answers these names through a CNAME chain to its anycast edge (``*.t-msedge.net``); aznet answers the edge
address directly (inferred simplification: a client sees the same address either way). A custom domain reaches the
edge through its own CNAME to the endpoint host name in the customer's zone; aznet's recursive views follow it."""

from __future__ import annotations

import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.SOA
import dns.rdtypes.IN.A
import dns.rrset

from ..dns.view import Client
from ..dns.zone import Lookup

A, ANY, SOA = dns.rdatatype.A, dns.rdatatype.ANY, dns.rdatatype.SOA
IN = dns.rdataclass.IN
SUFFIXES = (dns.name.from_text("azurefd.net."), dns.name.from_text("azureedge.net."))
TTL = 60
NEG_TTL = 30


def _soa(origin: dns.name.Name) -> dns.rrset.RRset:
    rdata = dns.rdtypes.ANY.SOA.SOA(IN, SOA, dns.name.from_text("ns1-06.azure-dns.com."),
                                    dns.name.from_text("azuredns-hostmaster.microsoft.com."), 1, 3600, 300, 2419200,
                                    NEG_TTL)
    return dns.rrset.from_rdata_list(origin, NEG_TTL, [rdata])


class EdgeNames:
    """``owns`` / ``lookup`` for the DNS engine's dynamic chain; ``names`` is replaced on each reconcile."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.names: dict[str, bool] = {}

    def owns(self, qname: dns.name.Name) -> bool:
        return any(qname.is_subdomain(s) for s in SUFFIXES)

    def lookup(self, qname: dns.name.Name, qtype: int, client: Client, out: Lookup) -> None:
        out.dynamic = True          # follows the edge's configuration, which no zone change reports
        origin = next(s for s in SUFFIXES if qname.is_subdomain(s))
        name = qname.to_text(omit_final_dot=True).lower()
        if name not in self.names:
            out.rcode = 0 if qname == origin else 3
            out.authority = [_soa(origin)]
            return
        if qtype in (A, ANY):
            out.answer.append(dns.rrset.from_rdata_list(qname, TTL, [dns.rdtypes.IN.A.A(IN, A, self.address)]))
        else:
            out.authority = [_soa(origin)]
