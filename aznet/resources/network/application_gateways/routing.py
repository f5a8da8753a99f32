"""Application gateway rules for backends (pools, HTTP and TCP settings,
probes), routing (request routing rules with v2 priorities, TCP routing rules,
URL path maps, redirects, rewrites, custom errors) and private link."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ....arm.errors import ArmError
from ..ref_checks import boolean, cannot_parse, enum, integer, objects, ref_id
from .catalogue import SERVER_VARIABLES
from .model import PRIORITY_API, Gateway, bounded, text

STATUS_CODES = ("HttpStatus400", "HttpStatus403", "HttpStatus404", "HttpStatus405", "HttpStatus408",
                "HttpStatus500", "HttpStatus502", "HttpStatus503", "HttpStatus504")
_STATUS_RANGE = re.compile(r"^(\d{3})(-(\d{3}))?$")
_PATH = re.compile(r"^/[^*?#]*(\*)?$")


SETTINGS_EXTRA = ("sniName", "validateSNI", "validateCertChainAndExpiry")


def passthrough(node: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """Members newer api-versions added that no rule here reads: kept as sent (the schema checked their type)."""
    return {k: node[k] for k in keys if node.get(k) is not None}


def check_pools(gw: Gateway) -> None:
    for j, item in enumerate(gw.items("backendAddressPools")):
        path = f"properties.backendAddressPools[{j}].properties"
        bp = item["properties"]
        clean = []
        addrs = objects(bp.get("backendAddresses"), f"{path}.backendAddresses", "ApplicationGatewayBackendAddress")
        for i, (apath, a) in enumerate(addrs):
            fqdn = text(a.get("fqdn"), f"{apath}.fqdn", 255)
            ip = text(a.get("ipAddress"), f"{apath}.ipAddress", 64)
            if bool(fqdn) == bool(ip):
                raise ArmError(400, "ApplicationGatewayBackendAddressInvalid",
                               f"Backend address {i} of pool {gw.item_id('backendAddressPools', item['name'])} "
                               "must have exactly one of fqdn and ipAddress.", target=apath)
            if ip:
                import ipaddress

                try:
                    ipaddress.ip_address(ip)
                except ValueError:
                    raise ArmError(400, "ApplicationGatewayBackendAddressInvalidIpAddress",
                                   f"Backend address {ip} is not a valid IP address.",
                                   target=f"{apath}.ipAddress") from None
            clean.append({"fqdn": fqdn} if fqdn else {"ipAddress": ip})
        item["properties"] = {"backendAddresses": clean}


def _probe_ref(gw: Gateway, sp: dict[str, Any], path: str, owner: str) -> dict[str, str] | None:
    pid = gw.own(sp.get("probe"), f"{path}.probe", "probes", owner)
    return {"id": pid} if pid else None


def check_settings(gw: Gateway) -> None:
    probes = {gw.item_id("probes", p["name"]).lower(): p for p in gw.items("probes")}
    for j, item in enumerate(gw.items("backendHttpSettingsCollection")):
        sid = gw.item_id("backendHttpSettingsCollection", item["name"])
        path = f"properties.backendHttpSettingsCollection[{j}].properties"
        sp = item["properties"]
        port = integer(sp.get("port"), f"{path}.port")
        if port is None or not 1 <= port <= 65535:
            raise ArmError(400, "ApplicationGatewayBackendHttpSettingsPortIsInvalid",
                           f"Port specified for BackendHttpSettings {sid} is not valid. Supported range is [1, 65535].",
                           target=f"{path}.port")
        clean: dict[str, Any] = {
            **passthrough(sp, SETTINGS_EXTRA),
            "port": port,
            "protocol": enum(sp.get("protocol"), ("Http", "Https"), f"{path}.protocol", "ApplicationGatewayProtocol",
                             "Http"),
            "cookieBasedAffinity": enum(sp.get("cookieBasedAffinity"), ("Enabled", "Disabled"),
                                        f"{path}.cookieBasedAffinity", "ApplicationGatewayCookieBasedAffinity",
                                        "Disabled"),
            "requestTimeout": bounded(sp.get("requestTimeout"), f"{path}.requestTimeout", 1, 86400,
                                      "ApplicationGatewayBackendHttpSettingsRequestTimeoutInvalid",
                                      f"Request timeout of BackendHttpSettings {sid} is invalid. The current value is "
                                      "{value}. Supported range is [{low}, {high}].", 20),
            "pickHostNameFromBackendAddress": boolean(sp.get("pickHostNameFromBackendAddress"),
                                                      f"{path}.pickHostNameFromBackendAddress", False),
        }
        for key in ("hostName", "path", "affinityCookieName"):
            value = text(sp.get(key), f"{path}.{key}", 255)
            if value is not None:
                clean[key] = value
        if clean.get("path") and not clean["path"].startswith("/"):
            raise ArmError(400, "ApplicationGatewayBackendHttpSettingsPathInvalid",
                           f"Path {clean['path']} of BackendHttpSettings {sid} must start with '/'.",
                           target=f"{path}.path")
        if clean["pickHostNameFromBackendAddress"] and clean.get("hostName"):
            raise ArmError(400, "ApplicationGatewayBackendHttpSettingsHostNameAndPickHostNameBothSpecified",
                           f"BackendHttpSettings {sid} cannot both set a host name and pick the host name from the "
                           "backend address.")
        drain = sp.get("connectionDraining")
        if drain is not None:
            if not isinstance(drain, dict):
                raise cannot_parse(f"{path}.connectionDraining", drain, "ApplicationGatewayConnectionDraining")
            enabled = boolean(drain.get("enabled"), f"{path}.connectionDraining.enabled", False)
            timeout = integer(drain.get("drainTimeoutInSec"), f"{path}.connectionDraining.drainTimeoutInSec", 0)
            if timeout is None or not 1 <= timeout <= 3600:
                raise ArmError(400, "ApplicationGatewayConnectionDrainingTimeoutInvalid",
                               f"Backend Http Settings {sid} connection draining timeout is invalid. The current value "
                               f"is {timeout}. Supported range is [1, 3600].")
            clean["connectionDraining"] = {"enabled": enabled, "drainTimeoutInSec": timeout}
        probe = _probe_ref(gw, sp, path, sid)
        if probe:
            clean["probe"] = probe
            if probes[probe["id"].lower()]["properties"].get("protocol") not in (clean["protocol"], None):
                raise ArmError(400, "ApplicationGatewayBackendHttpSettingsProbeProtocolMismatch",
                               f"Probe {probe['id']} uses a different protocol from BackendHttpSettings {sid}.")
        if sp.get("probeEnabled") is not None:
            clean["probeEnabled"] = boolean(sp.get("probeEnabled"), f"{path}.probeEnabled")
        roots = gw.own_list(sp.get("trustedRootCertificates"), f"{path}.trustedRootCertificates",
                            "trustedRootCertificates", sid)
        if roots:
            if not gw.v2:
                raise ArmError(400, "ApplicationGatewayTrustedRootCertificateNotSupportedForSku",
                               f"BackendHttpSettings {sid}: trusted root certificates need a v2 SKU; v1 uses "
                               "authentication certificates.")
            clean["trustedRootCertificates"] = roots
        auth = gw.own_list(sp.get("authenticationCertificates"), f"{path}.authenticationCertificates",
                           "authenticationCertificates", sid)
        if auth:
            clean["authenticationCertificates"] = auth
        if sp.get("dedicatedBackendConnection") is not None:
            clean["dedicatedBackendConnection"] = boolean(sp.get("dedicatedBackendConnection"),
                                                          f"{path}.dedicatedBackendConnection")
        item["properties"] = clean
    for j, item in enumerate(gw.items("backendSettingsCollection")):
        sid = gw.item_id("backendSettingsCollection", item["name"])
        path = f"properties.backendSettingsCollection[{j}].properties"
        sp = item["properties"]
        if not gw.v2:
            raise ArmError(400, "ApplicationGatewayTcpTlsProxyNotSupportedForSku",
                           f"Backend settings {sid}: TCP/TLS proxy needs a v2 SKU.")
        port = integer(sp.get("port"), f"{path}.port")
        if port is None or not 1 <= port <= 65535:
            raise ArmError(400, "ApplicationGatewayBackendSettingsPortIsInvalid",
                           f"Port specified for BackendSettings {sid} is not valid. Supported range is [1, 65535].",
                           target=f"{path}.port")
        clean = {**passthrough(sp, ("enableL4ClientIpPreservation",)), "port": port,
                 "protocol": enum(sp.get("protocol"), ("Tcp", "Tls"), f"{path}.protocol",
                                  "ApplicationGatewayProtocol", "Tcp"),
                 "timeout": bounded(sp.get("timeout"), f"{path}.timeout", 1, 86400,
                                    "ApplicationGatewayBackendSettingsTimeoutInvalid",
                                    "Timeout {value} is invalid. Supported range is [{low}, {high}].", 60)}
        probe = _probe_ref(gw, sp, path, sid)
        if probe:
            clean["probe"] = probe
        roots = gw.own_list(sp.get("trustedRootCertificates"), f"{path}.trustedRootCertificates",
                            "trustedRootCertificates", sid)
        if roots:
            clean["trustedRootCertificates"] = roots
        for key in ("hostName",):
            if sp.get(key) is not None:
                clean[key] = text(sp.get(key), f"{path}.{key}", 255)
        if sp.get("pickHostNameFromBackendAddress") is not None:
            clean["pickHostNameFromBackendAddress"] = boolean(sp.get("pickHostNameFromBackendAddress"),
                                                              f"{path}.pickHostNameFromBackendAddress")
        item["properties"] = clean


def check_probes(gw: Gateway) -> None:
    for j, item in enumerate(gw.items("probes")):
        pid = gw.item_id("probes", item["name"])
        path = f"properties.probes[{j}].properties"
        pp = item["properties"]
        proto = enum(pp.get("protocol"), ("Http", "Https", "Tcp", "Tls"), f"{path}.protocol",
                     "ApplicationGatewayProtocol")
        if proto is None:
            raise ArmError(400, "ApplicationGatewayProbeProtocolMustBeSpecified",
                           f"Probe {pid} must specify a protocol.", target=f"{path}.protocol")
        pick = boolean(pp.get("pickHostNameFromBackendHttpSettings"), f"{path}.pickHostNameFromBackendHttpSettings",
                       False)
        host = text(pp.get("host"), f"{path}.host", 255)
        http = proto in ("Http", "Https")
        if http and not host and not pick:
            raise ArmError(400, "ApplicationGatewayProbeHostNameMustBeSpecified",
                           f"Probe {pid} must specify a host name or pick it from the backend http settings.",
                           target=f"{path}.host")
        if host and pick:
            raise ArmError(400, "ApplicationGatewayProbeHostNameAndPickHostNameBothSpecified",
                           f"Probe {pid} cannot both specify a host name and pick it from the backend http settings.")
        clean: dict[str, Any] = {**passthrough(pp, ("enableProbeProxyProtocolHeader", "pickHostNameFromBackendSettings")),
                                 "protocol": proto}
        if http:
            ppath = text(pp.get("path"), f"{path}.path", 2048)
            if not ppath or not ppath.startswith("/"):
                raise ArmError(400, "ApplicationGatewayProbePathIsInvalid",
                               f"Path {ppath!r} of probe {pid} is invalid: it must start with '/'.",
                               target=f"{path}.path")
            clean["path"] = ppath
            clean["pickHostNameFromBackendHttpSettings"] = pick
            if host:
                clean["host"] = host
        for key, low, high, default in (("interval", 1, 86400, 30), ("timeout", 1, 86400, 30),
                                        ("unhealthyThreshold", 1, 20, 3)):
            clean[key] = bounded(pp.get(key), f"{path}.{key}", low, high, f"ApplicationGatewayProbeInvalid{key[0].upper()}{key[1:]}",
                                 f"Probe {pid} {key} {{value}} is invalid. Supported range is [{{low}}, {{high}}].",
                                 default)
        clean["minServers"] = bounded(pp.get("minServers"), f"{path}.minServers", 0, 100,
                                      "ApplicationGatewayProbeInvalidMinServers",
                                      f"Probe {pid} minServers {{value}} is invalid.", 0)
        if pp.get("port") is not None:
            clean["port"] = bounded(pp.get("port"), f"{path}.port", 1, 65535, "ApplicationGatewayProbeInvalidPort",
                                    f"Probe {pid} port {{value}} is invalid. Supported range is [{{low}}, {{high}}].")
        match = pp.get("match")
        if match is not None:
            if not isinstance(match, dict):
                raise cannot_parse(f"{path}.match", match, "ApplicationGatewayProbeHealthResponseMatch")
            codes = match.get("statusCodes") or []
            if not isinstance(codes, list):
                raise cannot_parse(f"{path}.match.statusCodes", codes, "System.String[]")
            for c in codes:
                m = _STATUS_RANGE.match(c) if isinstance(c, str) else None
                if m is None or not 100 <= int(m.group(1)) <= int(m.group(3) or m.group(1)) <= 599:
                    raise ArmError(400, "ApplicationGatewayProbeInvalidStatusCodeRange",
                                   f"Status code {c!r} of probe {pid} is invalid: use a code or a range such as "
                                   "200-399, between 100 and 599.", target=f"{path}.match.statusCodes")
            clean["match"] = {"statusCodes": codes}
            if match.get("body") is not None:
                clean["match"]["body"] = text(match.get("body"), f"{path}.match.body", 4096)
        item["properties"] = clean


def _target(gw: Gateway, rp: dict[str, Any], path: str, rid: str, what: str, need_backend: bool = True,
            pool_key: str = "backendAddressPool", settings_key: str = "backendHttpSettings",
            settings_kind: str = "backendHttpSettingsCollection") -> dict[str, Any]:
    """A rule's (or path rule's) destination: pool + settings, or a redirect."""
    out: dict[str, Any] = {}
    pool = gw.own(rp.get(pool_key), f"{path}.{pool_key}", "backendAddressPools", rid)
    settings = gw.own(rp.get(settings_key), f"{path}.{settings_key}", settings_kind, rid)
    redirect = gw.own(rp.get("redirectConfiguration"), f"{path}.redirectConfiguration", "redirectConfigurations", rid)
    if redirect and (pool or settings):
        raise ArmError(400, f"ApplicationGateway{what}CannotHaveBackendAndRedirect",
                       f"{rid} cannot reference both a redirect configuration and a backend.")
    if need_backend and not redirect:
        if pool is None:
            raise ArmError(400, f"ApplicationGateway{what}MustReference", f"{_label(what)} {rid} must reference a "
                                                                          "BackendAddressPool.")
        if settings is None:
            raise ArmError(400, f"ApplicationGateway{what}MustReference", f"{_label(what)} {rid} must reference a "
                                                                          "BackendHttpSettings.")
    if pool:
        out[pool_key] = {"id": pool}
    if settings:
        out[settings_key] = {"id": settings}
    if redirect:
        out["redirectConfiguration"] = {"id": redirect}
    rewrite = gw.own(rp.get("rewriteRuleSet"), f"{path}.rewriteRuleSet", "rewriteRuleSets", rid)
    if rewrite:
        out["rewriteRuleSet"] = {"id": rewrite}
    return out


def _label(what: str) -> str:
    return {"RequestRoutingRule": "Request Routing Rule", "PathRule": "Path Rule", "UrlPathMap": "Url Path Map"}.get(
        what, what)


def _priority(gw: Gateway, rp: dict[str, Any], path: str, rid: str, seen: dict[int, str], required: bool) -> int | None:
    prio = integer(rp.get("priority"), f"{path}.priority")
    if prio is None:
        if required:
            raise ArmError(400, "ApplicationGatewayRequestRoutingRulePriorityCannotBeEmpty",
                           f"Priority for the request routing rule {rid} cannot be empty. All request routing rules "
                           f"should have a priority defined starting from api-version {PRIORITY_API}")
        return None
    if not 1 <= prio <= 20000:
        raise ArmError(400, "ApplicationGatewayRequestRoutingRuleInvalidPriority",
                       f"Priority {prio} of rule {rid} is invalid. Supported range is [1, 20000].",
                       target=f"{path}.priority")
    if prio in seen:
        raise ArmError(400, "ApplicationGatewayRequestRoutingRulesWithSamePriority",
                       f"Rules {seen[prio]} and {rid} of application gateway {gw.id} have the same priority {prio}. "
                       "Rule priorities must be unique.")
    seen[prio] = rid
    return prio


def check_rules(gw: Gateway, api_version: str | None) -> None:
    required = gw.v2 and (api_version or "9999") >= PRIORITY_API
    seen: dict[int, str] = {}
    listeners: dict[str, str] = {}
    rules = gw.items("requestRoutingRules")
    with_prio = sum(1 for r in rules if r["properties"].get("priority") is not None)
    if 0 < with_prio < len(rules):
        required = True       # Azure: either every rule has a priority or none does
    for j, item in enumerate(rules):
        rid = gw.item_id("requestRoutingRules", item["name"])
        path = f"properties.requestRoutingRules[{j}].properties"
        rp = item["properties"]
        kind = enum(rp.get("ruleType"), ("Basic", "PathBasedRouting"), f"{path}.ruleType",
                    "ApplicationGatewayRequestRoutingRuleType", "Basic")
        listener = gw.own(rp.get("httpListener"), f"{path}.httpListener", "httpListeners", rid)
        if listener is None:
            raise ArmError(400, "ApplicationGatewayRequestRoutingRuleMustReference",
                           f"Request Routing Rule {rid} must reference a HttpListener.")
        if listener.lower() in listeners:
            raise ArmError(400, "ApplicationGatewayHttpListenerUsedByMultipleRequestRoutingRules",
                           f"Http Listener {listener} is referenced by request routing rules {listeners[listener.lower()]} "
                           f"and {rid}. A listener can be used by one rule only.")
        listeners[listener.lower()] = rid
        clean: dict[str, Any] = {"ruleType": kind, "httpListener": {"id": listener}}
        prio = _priority(gw, rp, path, rid, seen, required)
        if prio is not None:
            clean["priority"] = prio
        if kind == "PathBasedRouting":
            upm = gw.own(rp.get("urlPathMap"), f"{path}.urlPathMap", "urlPathMaps", rid)
            if upm is None:
                raise ArmError(400, "ApplicationGatewayRequestRoutingRuleMustReference",
                               f"Request Routing Rule {rid} must reference a UrlPathMap.")
            clean["urlPathMap"] = {"id": upm}
            rewrite = gw.own(rp.get("rewriteRuleSet"), f"{path}.rewriteRuleSet", "rewriteRuleSets", rid)
            if rewrite:
                clean["rewriteRuleSet"] = {"id": rewrite}
        else:
            if rp.get("urlPathMap") is not None:
                raise ArmError(400, "ApplicationGatewayBasicRuleCannotReferenceUrlPathMap",
                               f"Request Routing Rule {rid} of type Basic cannot reference a UrlPathMap.")
            clean.update(_target(gw, rp, path, rid, "RequestRoutingRule"))
        if rp.get("loadDistributionPolicy") is not None:
            clean["loadDistributionPolicy"] = rp["loadDistributionPolicy"]
        item["properties"] = clean
    tcp_seen: dict[int, str] = {}
    used: dict[str, str] = {}
    for j, item in enumerate(gw.items("routingRules")):
        rid = gw.item_id("routingRules", item["name"])
        path = f"properties.routingRules[{j}].properties"
        rp = item["properties"]
        listener = gw.own(rp.get("listener"), f"{path}.listener", "listeners", rid)
        pool = gw.own(rp.get("backendAddressPool"), f"{path}.backendAddressPool", "backendAddressPools", rid)
        settings = gw.own(rp.get("backendSettings"), f"{path}.backendSettings", "backendSettingsCollection", rid)
        if listener is None or pool is None or settings is None:
            raise ArmError(400, "ApplicationGatewayRoutingRuleMustReference",
                           f"Routing Rule {rid} must reference a Listener, a BackendAddressPool and BackendSettings.")
        if listener.lower() in used:
            raise ArmError(400, "ApplicationGatewayListenerUsedByMultipleRoutingRules",
                           f"Listener {listener} is referenced by routing rules {used[listener.lower()]} and {rid}.")
        used[listener.lower()] = rid
        prio = _priority(gw, rp, path, rid, tcp_seen, True)
        item["properties"] = {"ruleType": "Basic", "priority": prio, "listener": {"id": listener},
                              "backendAddressPool": {"id": pool}, "backendSettings": {"id": settings}}


def check_path_maps(gw: Gateway) -> None:
    for j, item in enumerate(gw.items("urlPathMaps")):
        mid = gw.item_id("urlPathMaps", item["name"])
        path = f"properties.urlPathMaps[{j}].properties"
        mp = item["properties"]
        clean = _target(gw, mp, path, mid, "UrlPathMap", pool_key="defaultBackendAddressPool",
                        settings_key="defaultBackendHttpSettings")
        if mp.get("defaultRedirectConfiguration") is not None:
            red = gw.own(mp.get("defaultRedirectConfiguration"), f"{path}.defaultRedirectConfiguration",
                         "redirectConfigurations", mid)
            if red and ("defaultBackendAddressPool" in clean or "defaultBackendHttpSettings" in clean):
                raise ArmError(400, "ApplicationGatewayUrlPathMapCannotHaveBackendAndRedirect",
                               f"{mid} cannot reference both a default redirect configuration and a default backend.")
            clean["defaultRedirectConfiguration"] = {"id": red}
        elif "defaultBackendAddressPool" not in clean or "defaultBackendHttpSettings" not in clean:
            raise ArmError(400, "ApplicationGatewayUrlPathMapMustSpecifyDefaultBackendOrRedirect",
                           f"Url Path Map {mid} must reference a default BackendAddressPool and BackendHttpSettings, "
                           "or a default RedirectConfiguration.")
        if mp.get("defaultRewriteRuleSet") is not None:
            rw = gw.own(mp.get("defaultRewriteRuleSet"), f"{path}.defaultRewriteRuleSet", "rewriteRuleSets", mid)
            clean["defaultRewriteRuleSet"] = {"id": rw}
        rules = mp.get("pathRules")
        if not isinstance(rules, list) or not rules:
            raise ArmError(400, "ApplicationGatewayUrlPathMapMustHavePathRules",
                           f"Url Path Map {mid} must have at least one path rule.", target=f"{path}.pathRules")
        seen_names: set[str] = set()
        seen_paths: dict[str, str] = {}
        out = []
        for k, rule in enumerate(rules):
            rpath = f"{path}.pathRules[{k}]"
            if not isinstance(rule, dict) or not isinstance(rule.get("name"), str) or not rule["name"]:
                raise cannot_parse(rpath, rule, "ApplicationGatewayPathRule")
            if rule["name"].lower() in seen_names:
                raise ArmError(400, "DuplicateResourceName", f"Url Path Map {mid} has two path rules named "
                                                             f"{rule['name']}.", target=f"{path}.pathRules")
            seen_names.add(rule["name"].lower())
            prid = f"{mid}/pathRules/{rule['name']}"
            rp = rule.get("properties") or {}
            if not isinstance(rp, dict):
                raise cannot_parse(f"{rpath}.properties", rp, "ApplicationGatewayPathRulePropertiesFormat")
            paths = rp.get("paths")
            if not isinstance(paths, list) or not paths:
                raise ArmError(400, "ApplicationGatewayPathRuleMustHavePaths",
                               f"Path Rule {prid} must have at least one path.", target=f"{rpath}.properties.paths")
            for p in paths:
                if not isinstance(p, str) or not _PATH.match(p) or len(p) > 2048:
                    raise ArmError(400, "ApplicationGatewayPathRuleInvalidPath",
                                   f"Path {p!r} of Path Rule {prid} is invalid. A path starts with '/' and may end "
                                   "with '*' only.", target=f"{rpath}.properties.paths")
                if p.lower() in seen_paths:
                    raise ArmError(400, "ApplicationGatewayUrlPathMapDuplicatePaths",
                                   f"Path {p} is used by path rules {seen_paths[p.lower()]} and {prid} of Url Path Map "
                                   f"{mid}.")
                seen_paths[p.lower()] = prid
            rclean: dict[str, Any] = {"paths": list(paths)}
            rclean.update(_target(gw, rp, f"{rpath}.properties", prid, "PathRule"))
            if rp.get("firewallPolicy") is not None:
                rclean["firewallPolicy"] = rp["firewallPolicy"]
            out.append({"name": rule["name"], "id": prid, "type": "Microsoft.Network/applicationGateways/urlPathMaps/pathRules",
                        "properties": rclean})
        clean["pathRules"] = out
        item["properties"] = clean


def check_redirects(gw: Gateway) -> None:
    for j, item in enumerate(gw.items("redirectConfigurations")):
        rid = gw.item_id("redirectConfigurations", item["name"])
        path = f"properties.redirectConfigurations[{j}].properties"
        rp = item["properties"]
        kind = enum(rp.get("redirectType"), ("Permanent", "Found", "SeeOther", "Temporary"), f"{path}.redirectType",
                    "ApplicationGatewayRedirectType")
        if kind is None:
            raise ArmError(400, "ApplicationGatewayRedirectConfigurationMustSpecifyRedirectType",
                           f"Redirect configuration {rid} must specify a redirect type.", target=f"{path}.redirectType")
        listener = gw.own(rp.get("targetListener"), f"{path}.targetListener", "httpListeners", rid)
        url = text(rp.get("targetUrl"), f"{path}.targetUrl", 2048)
        if bool(listener) == bool(url):
            raise ArmError(400, "ApplicationGatewayRedirectConfigurationMustHaveOneTarget",
                           f"Redirect configuration {rid} must have exactly one of targetListener and targetUrl.")
        clean: dict[str, Any] = {"redirectType": kind}
        if url:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ArmError(400, "ApplicationGatewayRedirectConfigurationInvalidTargetUrl",
                               f"Target URL {url} of redirect configuration {rid} must be an absolute http or https URL.",
                               target=f"{path}.targetUrl")
            clean["targetUrl"] = url
        else:
            clean["targetListener"] = {"id": listener}
        for flag in ("includePath", "includeQueryString"):
            if rp.get(flag) is not None:
                clean[flag] = boolean(rp.get(flag), f"{path}.{flag}")
        item["properties"] = clean


_VAR = re.compile(r"^(http_req_[A-Za-z0-9_-]+|http_resp_[A-Za-z0-9_-]+|var_[a-z_]+)$")


def check_rewrites(gw: Gateway) -> None:
    if gw.items("rewriteRuleSets") and not gw.v2:
        raise ArmError(400, "ApplicationGatewayRewriteNotSupportedForSku",
                       f"Header and URL rewrite need a v2 SKU; application gateway {gw.id} has {gw.sku_name}.")
    known_vars = {f"var_{v}" for v in SERVER_VARIABLES}
    for j, item in enumerate(gw.items("rewriteRuleSets")):
        sid = gw.item_id("rewriteRuleSets", item["name"])
        path = f"properties.rewriteRuleSets[{j}].properties"
        out = []
        rules = objects(item["properties"].get("rewriteRules") or [], f"{path}.rewriteRules",
                        "ApplicationGatewayRewriteRule")
        for rpath, rule in rules:
            if not isinstance(rule.get("name"), str):
                raise cannot_parse(rpath, rule, "ApplicationGatewayRewriteRule")
            seq = bounded(rule.get("ruleSequence"), f"{rpath}.ruleSequence", 1, 1000,
                          "ApplicationGatewayRewriteRuleInvalidSequence",
                          f"Rule sequence {{value}} of rewrite rule {rule['name']} in {sid} is invalid. Supported "
                          "range is [{low}, {high}].", 100)
            cclean = []
            for cpath, c in objects(rule.get("conditions") or [], f"{rpath}.conditions",
                                    "ApplicationGatewayRewriteRuleCondition"):
                var = text(c.get("variable"), f"{cpath}.variable", 256)
                if not var or not _VAR.match(var) or (var.startswith("var_") and var not in known_vars):
                    raise ArmError(400, "ApplicationGatewayRewriteRuleConditionInvalidVariable",
                                   f"Variable {var!r} of a condition of rewrite rule {rule['name']} in {sid} is not "
                                   "a server variable (var_*), request header (http_req_*) or response header "
                                   "(http_resp_*).", target=f"{cpath}.variable")
                pattern = text(c.get("pattern"), f"{cpath}.pattern", 4096) or ""
                try:
                    re.compile(pattern)
                except re.error:
                    raise ArmError(400, "ApplicationGatewayRewriteRuleConditionInvalidPattern",
                                   f"Pattern {pattern!r} of a condition of rewrite rule {rule['name']} is not a valid "
                                   "regular expression.", target=f"{cpath}.pattern") from None
                cclean.append({"variable": var, "pattern": pattern,
                               "ignoreCase": boolean(c.get("ignoreCase"), f"{cpath}.ignoreCase", True),
                               "negate": boolean(c.get("negate"), f"{cpath}.negate", False)})
            actions = rule.get("actionSet") or {}
            if not isinstance(actions, dict):
                raise cannot_parse(f"{rpath}.actionSet", actions, "ApplicationGatewayRewriteRuleActionSet")
            aclean: dict[str, Any] = {}
            for key in ("requestHeaderConfigurations", "responseHeaderConfigurations"):
                hl = []
                for hpath, h in objects(actions.get(key) or [], f"{rpath}.actionSet.{key}",
                                        "ApplicationGatewayHeaderConfiguration"):
                    name = text(h.get("headerName"), f"{hpath}.headerName", 256)
                    if not name or not re.match(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", name):
                        raise ArmError(400, "ApplicationGatewayRewriteRuleInvalidHeaderName",
                                       f"Header name {name!r} in rewrite rule {rule['name']} of {sid} is invalid.",
                                       target=f"{hpath}.headerName")
                    value = text(h.get("headerValue"), f"{hpath}.headerValue", 4096)
                    entry = {"headerName": name}
                    if value is not None:
                        entry["headerValue"] = value
                    hl.append(entry)
                aclean[key] = hl
            url = actions.get("urlConfiguration")
            if url is not None:
                if not isinstance(url, dict):
                    raise cannot_parse(f"{rpath}.actionSet.urlConfiguration", url, "ApplicationGatewayUrlConfiguration")
                uclean: dict[str, Any] = {"reroute": boolean(url.get("reroute"),
                                                             f"{rpath}.actionSet.urlConfiguration.reroute", False)}
                for key in ("modifiedPath", "modifiedQueryString"):
                    if url.get(key) is not None:
                        uclean[key] = text(url.get(key), f"{rpath}.actionSet.urlConfiguration.{key}", 2048)
                aclean["urlConfiguration"] = uclean
            out.append({"name": rule["name"], "ruleSequence": seq, "conditions": cclean, "actionSet": aclean})
        item["properties"] = {"rewriteRules": out}


def check_custom_errors(gw: Gateway, nodes: Any, path: str) -> list[dict[str, str]]:
    if nodes is None:
        return []
    if not isinstance(nodes, list):
        raise cannot_parse(path, nodes, "ApplicationGatewayCustomError[]")
    if nodes and not gw.v2:
        raise ArmError(400, "ApplicationGatewayCustomErrorNotSupportedForSku",
                       f"Custom error pages need a v2 SKU; application gateway {gw.id} has {gw.sku_name}.")
    out = []
    seen: set[str] = set()
    for i, n in enumerate(nodes):
        if not isinstance(n, dict):
            raise cannot_parse(f"{path}[{i}]", n, "ApplicationGatewayCustomError")
        code = enum(n.get("statusCode"), STATUS_CODES, f"{path}[{i}].statusCode",
                    "ApplicationGatewayCustomErrorStatusCode")
        url = text(n.get("customErrorPageUrl"), f"{path}[{i}].customErrorPageUrl", 2048)
        parts = urlsplit(url or "")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ArmError(400, "ApplicationGatewayCustomErrorPageUrlInvalid",
                           f"Custom error page URL {url!r} must be an absolute http or https URL.",
                           target=f"{path}[{i}].customErrorPageUrl")
        if code in seen:
            raise ArmError(400, "ApplicationGatewayCustomErrorDuplicateStatusCode",
                           f"Status code {code} has two custom error pages at {path}.")
        seen.add(code or "")
        out.append({"statusCode": code, "customErrorPageUrl": url})  # type: ignore[dict-item]
    return out


def check_private_link(gw: Gateway, gateway_subnet: str) -> None:
    from ....arm.ids import normalize

    for j, item in enumerate(gw.items("privateLinkConfigurations")):
        lid = gw.item_id("privateLinkConfigurations", item["name"])
        path = f"properties.privateLinkConfigurations[{j}].properties"
        cfgs = item["properties"].get("ipConfigurations")
        if not isinstance(cfgs, list) or not cfgs:
            raise ArmError(400, "ApplicationGatewayPrivateLinkConfigurationMustHaveIpConfigurations",
                           f"Private link configuration {lid} must have at least one IP configuration.",
                           target=f"{path}.ipConfigurations")
        out = []
        for k, cfg in enumerate(cfgs):
            cpath = f"{path}.ipConfigurations[{k}]"
            if not isinstance(cfg, dict) or not isinstance(cfg.get("name"), str):
                raise cannot_parse(cpath, cfg, "ApplicationGatewayPrivateLinkIpConfiguration")
            cp = cfg.get("properties") or {}
            sub = ref_id(cp.get("subnet"), f"{cpath}.properties.subnet")
            if sub is None:
                raise ArmError(400, "ApplicationGatewayPrivateLinkIpConfigurationMustReferenceSubnet",
                               f"IP configuration {cfg['name']} of {lid} must reference a subnet.")
            if normalize(sub) == normalize(gateway_subnet):
                raise ArmError(400, "ApplicationGatewayPrivateLinkSubnetCannotBeGatewaySubnet",
                               f"Private link configuration {lid} must use a subnet other than the gateway's subnet.")
            from ..ref_checks import resolve

            resolve(gw.ctx, sub, gw.id, "Microsoft.Network/virtualNetworks/subnets", gw.location)
            out.append({"name": cfg["name"], "id": f"{lid}/ipConfigurations/{cfg['name']}",
                        "type": "Microsoft.Network/applicationGateways/privateLinkConfigurations/ipConfigurations",
                        "properties": {"subnet": {"id": sub},
                                       "privateIPAllocationMethod": enum(cp.get("privateIPAllocationMethod"),
                                                                         ("Static", "Dynamic"),
                                                                         f"{cpath}.properties.privateIPAllocationMethod",
                                                                         "IPAllocationMethod", "Dynamic"),
                                       "primary": boolean(cp.get("primary"), f"{cpath}.properties.primary", k == 0),
                                       "provisioningState": "Succeeded"}})
        item["properties"] = {"ipConfigurations": out}
