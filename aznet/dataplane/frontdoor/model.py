"""The edge's configuration, compiled from the store: every host name the edge serves (Front Door
Standard/Premium endpoints and their validated custom domains, classic Front Door frontend endpoints, classic CDN
endpoints and their custom domains), the routes of each host by protocol, and the origin groups.

Sources and what they give (Azure's member names):
- ``Microsoft.Cdn/profiles`` (AFD skus): ``frontDoorId`` (X-Azure-FDID), ``originResponseTimeoutSeconds``;
  ``afdEndpoints``: ``hostName``, ``enabledState``; ``routes``: ``customDomains``, ``linkToDefaultDomain``,
  ``patternsToMatch``, ``supportedProtocols``, ``httpsRedirect``, ``forwardingProtocol``, ``originPath``,
  ``originGroup``, ``ruleSets``, ``cacheConfiguration``, ``enabledState``; ``customDomains``: ``hostName``,
  ``tlsSettings`` (certificate type, secret, ``minimumTlsVersion``), served once validated (the TXT record
  ``_dnsauth.<host>`` in aznet's DNS carries the validation token, or ``preValidatedCustomDomainResourceId``);
  ``originGroups`` / ``origins``; ``securityPolicies`` (WAF per domain).
- ``Microsoft.Network/frontDoors`` (classic): ``frontendEndpoints``, ``routingRules`` (forwarding or redirect
  configuration), ``backendPools``, ``healthProbeSettings``, ``loadBalancingSettings``, ``backendPoolsSettings``.
- ``Microsoft.Cdn/profiles/endpoints`` (classic CDN): ``origins``, ``originGroups``, ``isHttpAllowed`` /
  ``isHttpsAllowed``, ``originHostHeader``, ``originPath``, ``resourceState`` (Stopped endpoints serve nothing);
  ``endpoints/customDomains``.

A disabled profile / endpoint / route / Front Door serves nothing (its names still resolve)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .balancer import GroupSpec, OriginSpec, ProbeSpec
from .paths import PathTable

PROFILE = "microsoft.cdn/profiles"
AFD_ENDPOINT = "microsoft.cdn/profiles/afdendpoints"
ROUTE = "microsoft.cdn/profiles/afdendpoints/routes"
ORIGIN_GROUP = "microsoft.cdn/profiles/origingroups"
ORIGIN = "microsoft.cdn/profiles/origingroups/origins"
CUSTOM_DOMAIN = "microsoft.cdn/profiles/customdomains"
SECRET = "microsoft.cdn/profiles/secrets"
SECURITY_POLICY = "microsoft.cdn/profiles/securitypolicies"
RULE_SET = "microsoft.cdn/profiles/rulesets"
RULE = "microsoft.cdn/profiles/rulesets/rules"
CDN_ENDPOINT = "microsoft.cdn/profiles/endpoints"
CDN_CUSTOM_DOMAIN = "microsoft.cdn/profiles/endpoints/customdomains"
FRONT_DOOR = "microsoft.network/frontdoors"
RULES_ENGINE = "microsoft.network/frontdoors/rulesengines"
FD_WAF = "microsoft.network/frontdoorwebapplicationfirewallpolicies"
DNS_ZONE = "microsoft.network/dnszones"
DNS_TXT = "microsoft.network/dnszones/txt"
AFD_SKUS = ("standard_azurefrontdoor", "premium_azurefrontdoor")
WATCHES = frozenset({PROFILE, AFD_ENDPOINT, ROUTE, ORIGIN_GROUP, ORIGIN, CUSTOM_DOMAIN, SECRET, SECURITY_POLICY,
                     RULE_SET, RULE, CDN_ENDPOINT, CDN_CUSTOM_DOMAIN, FRONT_DOOR, RULES_ENGINE, FD_WAF, DNS_ZONE,
                     DNS_TXT})


@dataclass(slots=True)
class Owner:
    """What a host belongs to: the resource its metrics and logs go to, and its identity."""
    kind: str                  # "afd" | "classic" | "cdn"
    resource_id: str           # AFD / CDN: the profile; classic: the Front Door
    endpoint_id: str           # AFD / CDN: the endpoint; classic: the frontend endpoint
    endpoint_host: str         # the endpoint's own host name
    fdid: str                  # X-Azure-FDID
    timeout: float             # origin response timeout, seconds
    sku: str = ""
    enabled: bool = True
    cert_name_check: bool = True   # classic: backendPoolsSettings.enforceCertificateNameCheck


@dataclass(slots=True)
class RouteSpec:
    id: str
    name: str
    owner: Owner
    protocols: frozenset[str]           # "http", "https"
    patterns: list[str]
    https_redirect: bool = False
    forwarding_protocol: str = "MatchRequest"
    origin_path: str | None = None
    group: str | None = None            # origin group key
    redirect: dict[str, Any] | None = None      # classic redirect configuration
    cache: dict[str, Any] | None = None
    rule_sets: list[str] = field(default_factory=list)
    rules_engine: str | None = None
    waf_policy: str | None = None       # classic: a routing rule's own WAF link
    delivery_policy: dict[str, Any] | None = None   # classic CDN endpoint's deliveryPolicy
    policy: Any = None                  # cache.CachePolicy, compiled
    engine: Any = None                  # rules.RuleEngine, compiled (None: no rules)


@dataclass(slots=True)
class TlsSpec:
    kind: str = "managed"               # managed | customer
    secret_uri: str | None = None       # customer: the Key Vault secret URI (version included when pinned)
    minimum: str = "TLS12"              # TLS10 | TLS12 | TLS13


@dataclass(slots=True)
class HostSpec:
    host: str
    owner: Owner
    domain_id: str                      # the custom domain / endpoint / frontend endpoint id
    tables: dict[str, PathTable[RouteSpec]]   # "http" / "https"
    tls: TlsSpec = field(default_factory=TlsSpec)
    waf_policy: str | None = None
    affinity: bool | None = None        # classic: per frontend endpoint; None: the origin group decides


@dataclass(slots=True)
class EdgeConfig:
    hosts: dict[str, HostSpec] = field(default_factory=dict)
    groups: dict[str, GroupSpec] = field(default_factory=dict)
    names: dict[str, bool] = field(default_factory=dict)     # endpoint host names (DNS) -> served
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)   # rule sets, rules engines, WAF policies


def _p(body: dict[str, Any] | None) -> dict[str, Any]:
    props = (body or {}).get("properties")
    return props if isinstance(props, dict) else {}


def _ref(node: Any) -> str | None:
    rid = node.get("id") if isinstance(node, dict) else None
    return rid.lower() if isinstance(rid, str) else None


def _on(value: Any, default: bool = True) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() == "enabled"


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _protocols(values: Any, default: Iterable[str] = ("http", "https")) -> frozenset[str]:
    out = {str(v).lower() for v in values or () if str(v).lower() in ("http", "https")}
    return frozenset(out or default)


def _tables(routes: list[RouteSpec]) -> dict[str, PathTable[RouteSpec]]:
    return {proto: PathTable((p, r) for r in routes if proto in r.protocols for p in r.patterns)
            for proto in ("http", "https")}


class Compiler:
    """``compile(records_of, get)``: ``records_of(type)`` lists records, ``get(id)`` reads one."""

    def __init__(self, records_of: Callable[[str], list[Any]], get: Callable[[str], Any]) -> None:
        self.of = records_of
        self.get = get
        self.cfg = EdgeConfig()
        self._routes: dict[str, list[RouteSpec]] = {}      # host -> routes
        self._host_meta: dict[str, tuple[Owner, str, TlsSpec, str | None, bool | None]] = {}

    def compile(self) -> EdgeConfig:
        self._afd()
        self._classic()
        self._cdn()
        self._compile_routes()
        for host, routes in self._routes.items():
            owner, domain_id, tls, waf, affinity = self._host_meta[host]
            self.cfg.hosts[host] = HostSpec(host, owner, domain_id, _tables(routes), tls, waf, affinity)
        for t in (RULE_SET, RULES_ENGINE, FD_WAF):
            for rec in self.of(t):
                self.cfg.bodies[rec.id.lower()] = rec.body
        for rec in self.of(RULE):
            self.cfg.bodies[rec.id.lower()] = rec.body
        return self.cfg

    def _compile_routes(self) -> None:
        """Each route's cache policy and rules engine (``cache`` and ``rules`` packages), compiled once."""
        from .cache import CachePolicy
        from .rules import RuleEngine

        rules_by_set: dict[str, list[dict[str, Any]]] = {}
        for rec in self.of(RULE):
            rules_by_set.setdefault(rec.id.lower().rsplit("/rules/", 1)[0], []).append(rec.body)
        done: set[int] = set()
        for routes in self._routes.values():
            for r in routes:
                if id(r) in done:
                    continue
                done.add(id(r))
                kind = r.owner.kind
                if kind == "afd":
                    r.policy = CachePolicy.from_afd_route(r.cache)
                    if r.rule_sets:
                        r.engine = RuleEngine.from_rule_sets([rules_by_set.get(s, []) for s in r.rule_sets]) or None
                elif kind == "classic":
                    r.policy = CachePolicy.from_classic(r.cache)
                    body = self.get(r.rules_engine) if r.rules_engine else None
                    if body is not None:
                        r.engine = RuleEngine.from_classic(body.body) or None
                else:
                    r.policy = CachePolicy.from_cdn_endpoint(r.cache or {})
                    if r.delivery_policy:
                        r.engine = RuleEngine.from_delivery_policy(r.delivery_policy) or None

    def _serve(self, host: str, owner: Owner, domain_id: str, tls: TlsSpec, waf: str | None,
               affinity: bool | None, route: RouteSpec | None) -> None:
        host = host.lower().rstrip(".")
        if host not in self._host_meta:
            self._host_meta[host] = (owner, domain_id, tls, waf, affinity)
            self._routes[host] = []
        if route is not None:
            self._routes[host].append(route)

    # -- Front Door Standard/Premium --------------------------------------------------------------------
    def _afd(self) -> None:
        profiles = {r.id.lower(): r for r in self.of(PROFILE)
                    if str(((r.body.get("sku") or {}).get("name")) or "").lower() in AFD_SKUS}
        if not profiles:
            return
        for rec in self.of(ORIGIN_GROUP):
            if rec.id.lower().rsplit("/origingroups/", 1)[0] in profiles:
                self._afd_group(rec)
        domain_waf = self._security_policies()
        for ep in self.of(AFD_ENDPOINT):
            pid = ep.id.lower().rsplit("/afdendpoints/", 1)[0]
            prof = profiles.get(pid)
            if prof is None:
                continue
            pp, ep_p = _p(prof.body), _p(ep.body)
            host = str(ep_p.get("hostName") or "").lower()
            if not host:
                continue
            enabled = _on(ep_p.get("enabledState"))
            self.cfg.names[host] = enabled
            owner = Owner("afd", prof.id, ep.id, host, str(pp.get("frontDoorId") or ""),
                          float(_int(pp.get("originResponseTimeoutSeconds"), 60)),
                          str((prof.body.get("sku") or {}).get("name") or ""), enabled)
            if not enabled:
                continue
            for route in self.of(ROUTE):
                if not route.id.lower().startswith(ep.id.lower() + "/"):
                    continue
                rp = _p(route.body)
                if not _on(rp.get("enabledState")):
                    continue
                spec = RouteSpec(route.id, route.body.get("name") or route.id.rsplit("/", 1)[-1], owner,
                                 _protocols(rp.get("supportedProtocols")), list(rp.get("patternsToMatch") or ["/*"]),
                                 _on(rp.get("httpsRedirect"), False), str(rp.get("forwardingProtocol") or
                                                                          "MatchRequest"),
                                 rp.get("originPath") or None, _ref(rp.get("originGroup")),
                                 cache=rp.get("cacheConfiguration"),
                                 rule_sets=[r for r in (_ref(s) for s in rp.get("ruleSets") or []) if r])
                if _on(rp.get("linkToDefaultDomain")):
                    self._serve(host, owner, ep.id, TlsSpec(), domain_waf.get(ep.id.lower()), None, spec)
                for d in rp.get("customDomains") or []:
                    did = _ref(d)
                    dom = self.get(did) if did else None
                    if dom is None or not self._validated(dom.body):
                        continue
                    dp = _p(dom.body)
                    self._serve(str(dp.get("hostName") or ""), owner, dom.id, self._afd_tls(dp),
                                domain_waf.get(dom.id.lower()), None, spec)

    def _afd_group(self, rec: Any) -> None:
        gp = _p(rec.body)
        lb = gp.get("loadBalancingSettings") or {}
        probe = gp.get("healthProbeSettings")
        origins = []
        for o in self.of(ORIGIN):
            if not o.id.lower().startswith(rec.id.lower() + "/"):
                continue
            op = _p(o.body)
            origins.append(OriginSpec(o.id, o.body.get("name") or o.id.rsplit("/", 1)[-1], str(op.get("hostName") or ""),
                                      _int(op.get("httpPort"), 80), _int(op.get("httpsPort"), 443),
                                      _int(op.get("priority"), 1), _int(op.get("weight"), 1000),
                                      _on(op.get("enabledState")), op.get("originHostHeader") or None,
                                      op.get("enforceCertificateNameCheck") is not False))
        spec = None
        if isinstance(probe, dict):
            spec = ProbeSpec(str(probe.get("probePath") or "/"),
                             "Https" if str(probe.get("probeProtocol")).lower() == "https" else "Http",
                             "GET" if str(probe.get("probeRequestType")).upper() == "GET" else "HEAD",
                             float(_int(probe.get("probeIntervalInSeconds"), 100)))
        self.cfg.groups[rec.id.lower()] = GroupSpec(
            rec.id, rec.body.get("name") or rec.id.rsplit("/", 1)[-1], origins, spec,
            _int(lb.get("sampleSize"), 4), _int(lb.get("successfulSamplesRequired"), 3),
            _int(lb.get("additionalLatencyInMilliseconds"), 50), _on(gp.get("sessionAffinityState"), False))

    def _security_policies(self) -> dict[str, str]:
        """Domain (custom domain or endpoint) id -> the WAF policy its security policy links."""
        out: dict[str, str] = {}
        for rec in self.of(SECURITY_POLICY):
            params = _p(rec.body).get("parameters") or {}
            waf = _ref(params.get("wafPolicy"))
            if not waf:
                continue
            for assoc in params.get("associations") or []:
                for d in (assoc or {}).get("domains") or []:
                    did = _ref(d)
                    if did:
                        out.setdefault(did, waf)
        return out

    def _afd_tls(self, dp: dict[str, Any]) -> TlsSpec:
        tls = dp.get("tlsSettings") or {}
        minimum = str(tls.get("minimumTlsVersion") or "TLS12").upper()
        if str(tls.get("certificateType") or "") != "CustomerCertificate":
            return TlsSpec("managed", None, minimum)
        secret = self.get(_ref(tls.get("secret")) or "")
        params = _p(secret.body if secret else None).get("parameters") or {}
        source = _ref(params.get("secretSource")) or ""
        if "/providers/microsoft.keyvault/vaults/" not in source:
            return TlsSpec("managed", None, minimum)
        vault, name = source.split("/vaults/", 1)[1].split("/secrets/", 1)
        uri = f"https://{vault}.vault.azure.net/secrets/{name.split('/')[0]}"
        version = params.get("secretVersion")
        if version and not params.get("useLatestVersion"):
            uri += f"/{version}"
        return TlsSpec("customer", uri, minimum)

    def _validated(self, body: dict[str, Any]) -> bool:
        dp = _p(body)
        if dp.get("preValidatedCustomDomainResourceId"):
            return True
        token = (dp.get("validationProperties") or {}).get("validationToken")
        return bool(token) and token in self.txt_values(f"_dnsauth.{dp.get('hostName', '')}")

    def txt_values(self, fqdn: str) -> list[str]:
        """TXT values of a name in aznet's public DNS zones (the most specific zone)."""
        name = fqdn.rstrip(".").lower()
        best = None
        for zone in self.of(DNS_ZONE):
            zname = zone.id.rsplit("/", 1)[1].lower()
            if (name == zname or name.endswith("." + zname)) and (best is None or len(zname) > len(best[0])):
                best = (zname, zone)
        if best is None:
            return []
        zname, zone = best
        relative = "@" if name == zname else name[: -(len(zname) + 1)]
        rec = self.get(f"{zone.id}/TXT/{relative}".lower())
        out = []
        for t in _p(rec.body if rec else None).get("TXTRecords") or []:
            out.append("".join(t.get("value") or []))
        return out

    # -- classic Front Door ------------------------------------------------------------------------------
    def _classic(self) -> None:
        for rec in self.of(FRONT_DOOR):
            props = _p(rec.body)
            enabled = _on(props.get("enabledState"))
            fdid = str(props.get("frontdoorId") or "")
            bps = props.get("backendPoolsSettings") or {}
            timeout = float(_int(bps.get("sendRecvTimeoutSeconds"), 30))
            check = _on(bps.get("enforceCertificateNameCheck"))
            items = {k: {str(i.get("id", "")).lower(): i for i in props.get(k) or [] if isinstance(i, dict)}
                     for k in ("frontendEndpoints", "backendPools", "healthProbeSettings", "loadBalancingSettings",
                               "routingRules")}
            default_host = f"{rec.body.get('name', '')}.azurefd.net".lower()
            self.cfg.names[default_host] = enabled
            for pid, pool in items["backendPools"].items():
                self._classic_pool(pid, pool, items)
            owners = {}
            for fid, fe in items["frontendEndpoints"].items():
                fp = _p(fe)
                owners[fid] = Owner("classic", rec.id, fe.get("id") or fid, default_host, fdid, timeout, "Classic",
                                    enabled, check)
            if not enabled:
                continue
            for fid, fe in items["frontendEndpoints"].items():
                fp = _p(fe)
                self._serve(str(fp.get("hostName") or ""), owners[fid], fe.get("id") or fid, TlsSpec(),
                            _ref(fp.get("webApplicationFirewallPolicyLink")),
                            _on(fp.get("sessionAffinityEnabledState"), False), None)
            for rule in items["routingRules"].values():
                rp = _p(rule)
                if not _on(rp.get("enabledState")):
                    continue
                conf = rp.get("routeConfiguration") or {}
                redirect = conf if "redirect" in str(conf.get("@odata.type", "")).lower() else None
                for f in rp.get("frontendEndpoints") or []:
                    fid = _ref(f)
                    if fid not in items["frontendEndpoints"]:
                        continue
                    owner = owners[fid]
                    spec = RouteSpec(rule.get("id") or "", rule.get("name") or "", owner,
                                     _protocols(rp.get("acceptedProtocols")), list(rp.get("patternsToMatch") or ["/*"]),
                                     False, str(conf.get("forwardingProtocol") or "MatchRequest"),
                                     conf.get("customForwardingPath") or None, _ref(conf.get("backendPool")),
                                     redirect, conf.get("cacheConfiguration"), [], _ref(rp.get("rulesEngine")),
                                     _ref(rp.get("webApplicationFirewallPolicyLink")))
                    host = str(_p(items["frontendEndpoints"][fid]).get("hostName") or "")
                    self._serve(host, owner, fid, TlsSpec(), None, None, spec)

    def _classic_pool(self, pid: str, pool: dict[str, Any], items: dict[str, dict[str, Any]]) -> None:
        pp = _p(pool)
        lb = _p(items["loadBalancingSettings"].get(_ref(pp.get("loadBalancingSettings")) or ""))
        hp = _p(items["healthProbeSettings"].get(_ref(pp.get("healthProbeSettings")) or ""))
        probe = None
        if hp and _on(hp.get("enabledState")):
            probe = ProbeSpec(str(hp.get("path") or "/"),
                              "Https" if str(hp.get("protocol")).lower() == "https" else "Http",
                              "GET" if str(hp.get("healthProbeMethod")).upper() == "GET" else "HEAD",
                              float(_int(hp.get("intervalInSeconds"), 30)))
        origins = []
        for i, b in enumerate(pp.get("backends") or []):
            if not isinstance(b, dict):
                continue
            addr = str(b.get("address") or "")
            origins.append(OriginSpec(f"{pid}/backends/{i}", addr, addr, _int(b.get("httpPort"), 80),
                                      _int(b.get("httpsPort"), 443), _int(b.get("priority"), 1),
                                      _int(b.get("weight"), 50), _on(b.get("enabledState")),
                                      b.get("backendHostHeader") or None))
        self.cfg.groups[pid] = GroupSpec(pool.get("id") or pid, pool.get("name") or "", origins, probe,
                                         _int(lb.get("sampleSize"), 4), _int(lb.get("successfulSamplesRequired"), 2),
                                         _int(lb.get("additionalLatencyMilliseconds"), 0), False)

    # -- classic CDN endpoints -----------------------------------------------------------------------------
    def _cdn(self) -> None:
        for ep in self.of(CDN_ENDPOINT):
            props = _p(ep.body)
            host = str(props.get("hostName") or "").lower()
            if not host:
                continue
            running = str(props.get("resourceState") or "Running") != "Stopped"
            self.cfg.names[host] = running
            if not running:
                continue
            gid = ep.id.lower()
            header = props.get("originHostHeader") or None
            origins = []
            for o in props.get("origins") or []:
                op = _p(o)
                oh = str(op.get("hostName") or "")
                origins.append(OriginSpec(f"{ep.id}/origins/{o.get('name')}", str(o.get("name") or oh), oh,
                                          _int(op.get("httpPort"), 80), _int(op.get("httpsPort"), 443),
                                          _int(op.get("priority"), 1), _int(op.get("weight"), 1000),
                                          op.get("enabled", True) is not False,
                                          op.get("originHostHeader") or header or oh))
            probe = None
            default = _ref(props.get("defaultOriginGroup"))
            for g in props.get("originGroups") or []:
                if default and str(g.get("name", "")).lower() == default.rsplit("/", 1)[-1]:
                    hp = _p(g).get("healthProbeSettings") or {}
                    if hp:
                        probe = ProbeSpec(str(hp.get("probePath") or "/"),
                                          "Https" if str(hp.get("probeProtocol")).lower() == "https" else "Http",
                                          "GET" if str(hp.get("probeRequestType")).upper() == "GET" else "HEAD",
                                          float(_int(hp.get("probeIntervalInSeconds"), 240)))
            self.cfg.groups[gid] = GroupSpec(ep.id, ep.body.get("name") or "", origins, probe, 4, 3, 0, False)
            protocols = frozenset(p for p, on in (("http", props.get("isHttpAllowed", True)),
                                                  ("https", props.get("isHttpsAllowed", True))) if on is not False)
            owner = Owner("cdn", ep.id.rsplit("/endpoints/", 1)[0], ep.id, host, "", 60.0, "", True)
            spec = RouteSpec(ep.id, ep.body.get("name") or "", owner, protocols or frozenset({"http"}), ["/*"],
                             False, "MatchRequest", props.get("originPath") or None, gid, cache=props,
                             delivery_policy=props.get("deliveryPolicy") or None)
            self._serve(host, owner, ep.id, TlsSpec(), None, None, spec)
            for cd in self.of(CDN_CUSTOM_DOMAIN):
                if cd.id.lower().startswith(ep.id.lower() + "/"):
                    self._serve(str(_p(cd.body).get("hostName") or ""), owner, cd.id, TlsSpec(), None, None, spec)
