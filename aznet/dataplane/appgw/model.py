"""An application gateway's configuration as the data plane uses it, compiled from the stored body (pure).

``compile_gateway(body, frontend_address)`` turns the ARM shape (the control plane already checked every
reference) into plain values: listeners grouped by the socket they share, rules, path maps, backend
settings, probes, redirects and rewrite rule sets, each addressed by lower-case id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def _p(node: Any) -> dict[str, Any]:
    p = node.get("properties") if isinstance(node, dict) else None
    return p if isinstance(p, dict) else {}


def _ref(node: Any) -> str | None:
    rid = node.get("id") if isinstance(node, dict) else None
    return rid.lower() if isinstance(rid, str) else None


@dataclass(frozen=True)
class Condition:
    variable: str            # var_uri_path | http_req_Host | http_resp_Location ...
    pattern: str
    ignore_case: bool = True
    negate: bool = False


@dataclass(frozen=True)
class RewriteRule:
    name: str
    sequence: int
    conditions: tuple[Condition, ...]
    request_headers: tuple[tuple[str, str], ...] = ()
    response_headers: tuple[tuple[str, str], ...] = ()
    modified_path: str | None = None
    modified_query: str | None = None
    reroute: bool = False


@dataclass(frozen=True)
class Redirect:
    id: str
    status: int              # 301 Permanent, 302 Found, 303 SeeOther, 307 Temporary
    target_listener: str | None
    target_url: str | None
    include_path: bool
    include_query: bool


@dataclass(frozen=True)
class Target:
    """What a rule or path rule sends a request to: a backend or a redirect, with an optional rewrite set."""
    pool: str | None = None
    settings: str | None = None
    redirect: str | None = None
    rewrite: str | None = None
    path_rule: str | None = None       # id of the path rule that matched (None: a basic rule or the default)


@dataclass(frozen=True)
class PathRule:
    id: str
    paths: tuple[str, ...]
    target: Target


@dataclass(frozen=True)
class PathMap:
    id: str
    default: Target
    rules: tuple[PathRule, ...]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    kind: str                # Basic | PathBasedRouting
    priority: int | None
    target: Target
    path_map: str | None = None


@dataclass(frozen=True)
class Listener:
    id: str
    name: str
    protocol: str            # Http | Https
    address: str             # the local address it listens on
    port: int
    host_names: tuple[str, ...]
    ssl_certificate: str | None
    rule: Rule | None
    order: int               # position in httpListeners (v1 rule order falls back on it)
    errors: tuple[tuple[int, str], ...] = ()   # (status, custom error page URL)
    firewall_policy: str | None = None
    ssl_profile: str | None = None

    @property
    def multi_site(self) -> bool:
        return bool(self.host_names)


@dataclass(frozen=True)
class SslProfile:
    """A listener's TLS profile: mutual authentication against trusted client CA chains (each the base64 of
    a .cer file, DER or PEM, possibly a chain), the issuer-DN check, revocation mode and an own sslPolicy."""
    id: str
    client_cas: tuple[str, ...]
    verify_issuer_dn: bool = False
    revocation: str = "None"
    policy: dict[str, Any] | None = None


@dataclass(frozen=True)
class Settings:
    id: str
    name: str
    port: int
    protocol: str            # Http | Https
    affinity: bool
    cookie_name: str
    timeout: float
    host_name: str | None
    pick_host_from_backend: bool
    path: str | None
    drain: bool
    drain_timeout: int
    probe: str | None
    trusted_roots: tuple[str, ...] = ()


@dataclass(frozen=True)
class Probe:
    id: str
    protocol: str
    host: str | None
    path: str
    interval: int
    timeout: int
    threshold: int
    pick_host: bool
    codes: tuple[tuple[int, int], ...]
    body: str | None
    port: int | None


@dataclass(frozen=True)
class PoolMember:
    address: str             # as backendhealth shows it: ipAddress, fqdn or the NIC's private IP
    ipconfig: str | None = None
    fqdn: bool = False


@dataclass
class GatewayPlan:
    id: str
    name: str
    v2: bool
    running: bool
    waf: bool
    http2: bool
    sockets: dict[tuple[str, int], list[Listener]] = field(default_factory=dict)   # sorted in match order
    listeners: dict[str, Listener] = field(default_factory=dict)
    path_maps: dict[str, PathMap] = field(default_factory=dict)
    settings: dict[str, Settings] = field(default_factory=dict)
    probes: dict[str, Probe] = field(default_factory=dict)
    pools: dict[str, tuple[PoolMember, ...]] = field(default_factory=dict)
    pool_names: dict[str, str] = field(default_factory=dict)                     # lower id -> name as written
    redirects: dict[str, Redirect] = field(default_factory=dict)
    rewrites: dict[str, tuple[RewriteRule, ...]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)             # gateway-level custom error pages
    certificates: dict[str, tuple[str, str]] = field(default_factory=dict)   # cert id -> (pfx b64, password)
    vault_certificates: dict[str, str] = field(default_factory=dict)  # cert id -> Key Vault secret id (to resolve)
    trusted_roots: dict[str, str] = field(default_factory=dict)      # id -> base64 DER
    ssl_policy: dict[str, Any] = field(default_factory=dict)
    ssl_profiles: dict[str, SslProfile] = field(default_factory=dict)
    vnet: str | None = None
    subnet: str | None = None
    problems: list[str] = field(default_factory=list)

    def pairs(self) -> list[tuple[str, str]]:
        """(pool, settings) pairs the rules and path maps use: what probes watch."""
        out: list[tuple[str, str]] = []
        targets: list[Target] = [lst.rule.target for lst in self.listeners.values() if lst.rule]
        for pm in self.path_maps.values():
            targets.append(pm.default)
            targets.extend(r.target for r in pm.rules)
        for t in targets:
            if t.pool and t.settings and (t.pool, t.settings) not in out:
                out.append((t.pool, t.settings))
        return out


REDIRECT_STATUS = {"permanent": 301, "found": 302, "seeother": 303, "temporary": 307}
ERROR_CODES = {"httpstatus403": 403, "httpstatus502": 502, "httpstatus400": 400, "httpstatus404": 404,
               "httpstatus405": 405, "httpstatus408": 408, "httpstatus499": 499, "httpstatus500": 500,
               "httpstatus503": 503, "httpstatus504": 504}


def _target(props: dict[str, Any], prefix: str = "") -> Target:
    def key(name: str) -> str:
        return prefix + (name[0].upper() + name[1:] if prefix else name)
    return Target(pool=_ref(props.get(key("backendAddressPool"))),
                  settings=_ref(props.get(key("backendHttpSettings"))),
                  redirect=_ref(props.get(key("redirectConfiguration"))),
                  rewrite=_ref(props.get(key("rewriteRuleSet"))))


def _errors(items: Any) -> tuple[tuple[int, str], ...]:
    out = []
    for e in items or []:
        if isinstance(e, dict):
            code = ERROR_CODES.get(str(e.get("statusCode", "")).lower())
            url = e.get("customErrorPageUrl")
            if code and isinstance(url, str):
                out.append((code, url))
    return tuple(out)


def _codes(ranges: Any) -> tuple[tuple[int, int], ...]:
    out = []
    for r in ranges or []:
        lo, _, hi = str(r).partition("-")
        try:
            out.append((int(lo), int(hi or lo)))
        except ValueError:
            continue
    return tuple(out) or ((200, 399),)


def _rewrite_rules(rs: dict[str, Any]) -> tuple[RewriteRule, ...]:
    out = []
    for r in _p(rs).get("rewriteRules") or []:
        if not isinstance(r, dict):
            continue
        conds = tuple(Condition(str(c.get("variable", "")), str(c.get("pattern", "")),
                                c.get("ignoreCase", True) is not False, bool(c.get("negate")))
                      for c in r.get("conditions") or [] if isinstance(c, dict))
        acts = r.get("actionSet") or {}
        url = acts.get("urlConfiguration") or {}
        out.append(RewriteRule(
            name=str(r.get("name", "")), sequence=int(r.get("ruleSequence") or 100), conditions=conds,
            request_headers=tuple((str(h.get("headerName", "")), str(h.get("headerValue") or ""))
                                  for h in acts.get("requestHeaderConfigurations") or [] if isinstance(h, dict)),
            response_headers=tuple((str(h.get("headerName", "")), str(h.get("headerValue") or ""))
                                   for h in acts.get("responseHeaderConfigurations") or [] if isinstance(h, dict)),
            modified_path=url.get("modifiedPath"), modified_query=url.get("modifiedQueryString"),
            reroute=bool(url.get("reroute"))))
    return tuple(sorted(out, key=lambda r: r.sequence))


def compile_gateway(body: dict[str, Any], frontend_address: Callable[[dict[str, Any]], str | None],
                    nic_members: dict[str, list[PoolMember]] | None = None) -> GatewayPlan:
    """``frontend_address(frontendIPConfiguration)`` gives where a frontend listens (None: nowhere);
    ``nic_members``: lower pool id -> NIC ip configurations that joined the pool."""
    props = _p(body)
    sku = props.get("sku") or {}
    sku_name = str(sku.get("name") or "Standard_v2")
    gid = str(body.get("id", ""))
    plan = GatewayPlan(id=gid, name=str(body.get("name", "")), v2=sku_name.endswith("v2") or sku_name == "Basic",
                       running=props.get("operationalState", "Running") != "Stopped",
                       waf=sku_name.startswith("WAF") or "WAF" in sku_name, http2=bool(props.get("enableHttp2")))
    for g in props.get("gatewayIPConfigurations") or []:
        subnet = _ref(_p(g).get("subnet"))
        if subnet:
            plan.subnet, plan.vnet = subnet, subnet.split("/subnets/")[0]
    private = body.get("_aznet") or {}
    for c in props.get("sslCertificates") or []:
        pfx = (private.get("pfx") or {}).get(c.get("name"))
        if isinstance(pfx, dict) and c.get("id"):
            plan.certificates[c["id"].lower()] = (str(pfx.get("data", "")), str(pfx.get("password", "")))
        elif c.get("id") and isinstance(_p(c).get("keyVaultSecretId"), str):
            plan.vault_certificates[c["id"].lower()] = _p(c)["keyVaultSecretId"]
    for c in props.get("trustedRootCertificates") or []:
        data = _p(c).get("data")
        if isinstance(data, str) and c.get("id"):
            plan.trusted_roots[c["id"].lower()] = data
    plan.ssl_policy = props.get("sslPolicy") or {}
    client_cas = {str(c.get("id", "")).lower(): _p(c).get("data") for c in props.get("trustedClientCertificates") or []
                  if isinstance(c, dict)}
    for sp in props.get("sslProfiles") or []:
        if not isinstance(sp, dict) or not sp.get("id"):
            continue
        spp = _p(sp)
        auth = spp.get("clientAuthConfiguration") or {}
        cas = tuple(d for d in (client_cas.get(r or "") for r in (_ref(x) for x in spp.get("trustedClientCertificates")
                                                                   or [])) if isinstance(d, str) and d)
        plan.ssl_profiles[sp["id"].lower()] = SslProfile(
            sp["id"], cas, bool(auth.get("verifyClientCertIssuerDN")), str(auth.get("verifyClientRevocation") or "None"),
            spp.get("sslPolicy") or None)
    plan.errors = dict(_errors(props.get("customErrorConfigurations")))
    fe_addr = {str(fe.get("id", "")).lower(): frontend_address(fe) for fe in props.get("frontendIPConfigurations") or []}
    ports = {str(p.get("id", "")).lower(): _p(p).get("port") for p in props.get("frontendPorts") or []}
    for pr in props.get("probes") or []:
        pp = _p(pr)
        match = pp.get("match") or {}
        plan.probes[pr["id"].lower()] = Probe(
            id=pr["id"], protocol=str(pp.get("protocol") or "Http"), host=pp.get("host") or None,
            path=str(pp.get("path") or "/"), interval=int(pp.get("interval") or 30), timeout=int(pp.get("timeout") or 30),
            threshold=int(pp.get("unhealthyThreshold") or 3), pick_host=bool(pp.get("pickHostNameFromBackendHttpSettings")),
            codes=_codes(match.get("statusCodes")), body=match.get("body") or None, port=pp.get("port"))
    for s in (props.get("backendHttpSettingsCollection") or []):
        sp = _p(s)
        drain = sp.get("connectionDraining") or {}
        affinity = str(sp.get("cookieBasedAffinity") or "Disabled") == "Enabled"
        proto = str(sp.get("protocol") or "Http")
        plan.settings[s["id"].lower()] = Settings(
            id=s["id"], name=s.get("name", ""), port=int(sp.get("port") or (443 if proto == "Https" else 80)),
            protocol=proto, affinity=affinity, cookie_name=str(sp.get("affinityCookieName") or "ApplicationGatewayAffinity"),
            timeout=float(sp.get("requestTimeout") or 20), host_name=sp.get("hostName") or None,
            pick_host_from_backend=bool(sp.get("pickHostNameFromBackendAddress")), path=sp.get("path") or None,
            drain=bool(drain.get("enabled")), drain_timeout=int(drain.get("drainTimeoutInSec") or 1),
            probe=_ref(sp.get("probe")), trusted_roots=tuple(r for r in (_ref(x) for x in sp.get("trustedRootCertificates")
                                                                          or []) if r))
    for pool in props.get("backendAddressPools") or []:
        members = []
        for a in _p(pool).get("backendAddresses") or []:
            if isinstance(a, dict) and a.get("ipAddress"):
                members.append(PoolMember(str(a["ipAddress"])))
            elif isinstance(a, dict) and a.get("fqdn"):
                members.append(PoolMember(str(a["fqdn"]), fqdn=True))
        members.extend((nic_members or {}).get(pool["id"].lower(), []))
        plan.pools[pool["id"].lower()] = tuple(members)
        plan.pool_names[pool["id"].lower()] = str(pool.get("name", ""))
    for r in props.get("redirectConfigurations") or []:
        rp = _p(r)
        plan.redirects[r["id"].lower()] = Redirect(
            id=r["id"], status=REDIRECT_STATUS.get(str(rp.get("redirectType") or "Permanent").lower(), 301),
            target_listener=_ref(rp.get("targetListener")), target_url=rp.get("targetUrl") or None,
            include_path=bool(rp.get("includePath")), include_query=bool(rp.get("includeQueryString")))
    for rs in props.get("rewriteRuleSets") or []:
        plan.rewrites[rs["id"].lower()] = _rewrite_rules(rs)
    for m in props.get("urlPathMaps") or []:
        mp = _p(m)
        rules = tuple(PathRule(pr["id"], tuple(str(x) for x in _p(pr).get("paths") or []),
                               _with_rule(_target(_p(pr)), pr["id"])) for pr in mp.get("pathRules") or [])
        plan.path_maps[m["id"].lower()] = PathMap(m["id"], _target(mp, "default"), rules)
    rules: dict[str, Rule] = {}
    for r in props.get("requestRoutingRules") or []:
        rp = _p(r)
        lst = _ref(rp.get("httpListener"))
        if lst:
            prio = rp.get("priority")
            rules[lst] = Rule(r["id"], r.get("name", ""), str(rp.get("ruleType") or "Basic"),
                              int(prio) if isinstance(prio, int) else None, _target(rp), _ref(rp.get("urlPathMap")))
    for i, ls in enumerate(props.get("httpListeners") or []):
        lp = _p(ls)
        addr = fe_addr.get(_ref(lp.get("frontendIPConfiguration")) or "")
        port = ports.get(_ref(lp.get("frontendPort")) or "")
        hosts = tuple(h.lower() for h in (lp.get("hostNames") or ([lp["hostName"]] if lp.get("hostName") else [])))
        lst_obj = Listener(ls["id"], ls.get("name", ""), str(lp.get("protocol") or "Http"), addr or "",
                           int(port or 0), hosts, _ref(lp.get("sslCertificate")), rules.get(ls["id"].lower()), i,
                           _errors(lp.get("customErrorConfigurations")), _ref(lp.get("firewallPolicy")),
                           _ref(lp.get("sslProfile")))
        plan.listeners[ls["id"].lower()] = lst_obj
        if addr and port:
            plan.sockets.setdefault((addr, int(port)), []).append(lst_obj)
        elif not addr:
            plan.problems.append(f"listener {ls.get('name')}: its frontend IP has no local address")
    for key, lst in plan.sockets.items():
        plan.sockets[key] = order_listeners(lst, plan.v2)
    return plan


def _with_rule(t: Target, rule_id: str) -> Target:
    return Target(t.pool, t.settings, t.redirect, t.rewrite, rule_id)


def order_listeners(listeners: list[Listener], v2: bool) -> list[Listener]:
    """Azure's listener order: with rule priorities, by priority (lowest first); otherwise v2 puts multi-site
    listeners before basic ones, v1 keeps the rules' order."""
    if any(lst.rule is not None and lst.rule.priority is not None for lst in listeners):
        return sorted(listeners, key=lambda lst: (lst.rule.priority if lst.rule and lst.rule.priority is not None
                                                  else 1 << 20, lst.order))
    if v2:
        return sorted(listeners, key=lambda lst: (not lst.multi_site, lst.order))
    return sorted(listeners, key=lambda lst: lst.order)
