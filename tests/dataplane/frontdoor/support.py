"""Helpers for the Front Door / CDN edge tests: a client that resolves names through aznet's DNS (dnspython
against aznet's DNS port, following CNAMEs as a recursive resolver would) and then talks to the edge with httpx
(right Host and SNI) or curl (``--resolve``); Front Door Standard/Premium bodies."""

from __future__ import annotations

import ssl
import subprocess
from typing import Any
from urllib.parse import urlsplit

import dns.message
import dns.query
import dns.rdatatype
import httpx

from aznet.dataplane.ports import listen_port
from tests.dataplane.appgw.support import Backend, backends
from tests.dataplane.lb.support import wait_for

__all__ = ["Backend", "backends", "wait_for", "resolve", "edge_get", "curl", "P", "afd_profile", "edge_port"]


def P(**props: Any) -> dict[str, Any]:
    return {"properties": props}


def resolve(aznet: Any, name: str) -> str:
    """The A record of ``name`` in aznet's DNS, following CNAMEs (at most 8)."""
    port = aznet.platform.settings.dns_port
    for _ in range(8):
        q = dns.message.make_query(name, dns.rdatatype.A)
        r = dns.query.udp(q, "127.0.0.1", port=port, timeout=5)
        a = [rr for rr in r.answer if rr.rdtype == dns.rdatatype.A]
        if a:
            return str(a[-1][0].address)
        c = [rr for rr in r.answer if rr.rdtype == dns.rdatatype.CNAME]
        if not c:
            raise LookupError(f"{name}: {dns.rcode.to_text(r.rcode())}")
        name = str(c[-1][0].target)
    raise LookupError(f"{name}: CNAME chain too long")


def edge_port(aznet: Any, port: int) -> int:
    return listen_port(port, aznet.platform.settings.privileged_port_offset)


def edge_get(aznet: Any, url: str, method: str = "GET", headers: dict[str, str] | None = None,
             cookies: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
    """A request to ``url`` through the edge: the host resolved through aznet's DNS, Host and SNI kept."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    ip = resolve(aznet, host)
    port = edge_port(aznet, parts.port or (443 if parts.scheme == "https" else 80))
    target = f"{parts.scheme}://{ip}:{port}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
    hdrs = {"Host": host if parts.port is None else f"{host}:{parts.port}", **(headers or {})}
    if cookies:
        hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    with httpx.Client(verify=ssl.create_default_context(cafile=str(aznet.ca_bundle)), timeout=15) as c:
        return c.request(method, target, headers=hdrs, extensions={"sni_hostname": host}, **kw)


def curl(aznet: Any, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """curl with ``--resolve`` from aznet's DNS (and the aznet CA)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    ip = resolve(aznet, host)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    real = edge_port(aznet, port)
    url2 = url if real == port else url.replace(f"{host}", f"{host}:{real}", 1)
    resolves = [a for p in (80, 443) for a in ("--resolve", f"{host}:{edge_port(aznet, p)}:{ip}")]
    return subprocess.run(["curl", "-sS", "--cacert", str(aznet.ca_bundle), *resolves, *args, url2],
                          capture_output=True, text=True, timeout=30)


def afd_profile(cdn: Any, rg: str, name: str = "fd", sku: str = "Standard_AzureFrontDoor", **props: Any) -> Any:
    return cdn.profiles.begin_create(rg, name, {"location": "global", "sku": {"name": sku},
                                                **({"properties": props} if props else {})}).result()


def afd_one_origin(cdn: Any, rg: str, profile: str, endpoint: str, origin: Any,
                   cached: tuple[str, dict[str, Any]] | None = None, route: str = "plain") -> str:
    """A Standard profile with one endpoint and one origin group (sample 4, 3 successes) holding ``origin``
    (a ``backends`` server, Host header o.origin.test), a ``route`` for /* over HTTP and, with
    ``cached=(pattern, extra route properties)``, a "cached" route for ``pattern`` that caches and ignores the
    query string. Returns the endpoint's host name."""
    afd_profile(cdn, rg, profile)
    ep = cdn.afd_endpoints.begin_create(rg, profile, endpoint, {"location": "global"}).result()
    g = cdn.afd_origin_groups.begin_create(rg, profile, "g", P(loadBalancingSettings={
        "sampleSize": 4, "successfulSamplesRequired": 3})).result()
    cdn.afd_origins.begin_create(rg, profile, "g", "o", P(hostName=origin.host, httpPort=origin.port,
                                                          originHostHeader="o.origin.test")).result()
    cdn.routes.begin_create(rg, profile, endpoint, route, P(originGroup={"id": g.id}, patternsToMatch=["/*"],
                                                            linkToDefaultDomain="Enabled",
                                                            forwardingProtocol="HttpOnly")).result()
    if cached is not None:
        pattern, extra = cached
        cdn.routes.begin_create(rg, profile, endpoint, "cached", P(
            originGroup={"id": g.id}, patternsToMatch=[pattern], linkToDefaultDomain="Enabled",
            forwardingProtocol="HttpOnly", cacheConfiguration={"queryStringCachingBehavior": "IgnoreQueryString"},
            **extra)).result()
    return str(ep.host_name)
