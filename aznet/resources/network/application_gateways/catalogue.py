"""The catalogue endpoints a gateway's clients read (subscription-wide GETs):
available WAF rule sets, SSL options and predefined policies, server
variables, request and response headers.

The OWASP CRS rule groups and rule ids are read at run time from the CRS rule
files of the Debian ``modsecurity-crs`` package (``AZNET_CRS_DIR``, default
/usr/share/modsecurity-crs/rules): the same files the WAF engine loads. Every
CRS-based set Azure offers (OWASP 3.2, 3.1, 3.0 and DRS 2.1) lists the rules of
the installed CRS version; Microsoft's own DRS groups (MS-ThreatIntel-*) carry
the rule ids Microsoft documents."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ....arm.errors import ArmError
from ....arm.provider_actions import provider_action
from ..ref_checks import API_VERSIONS

if TYPE_CHECKING:
    from ....arm.context import Ctx

PROTOCOLS = ("TLSv1_0", "TLSv1_1", "TLSv1_2", "TLSv1_3")
CIPHER_SUITES = (
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_CBC_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256",
    "TLS_DHE_DSS_WITH_AES_256_CBC_SHA", "TLS_DHE_DSS_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
)
_MODERN = ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
           "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]
_LEGACY = ["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
           "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
           "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
           "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
           "TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_AES_128_GCM_SHA256",
           "TLS_RSA_WITH_AES_256_CBC_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA256",
           "TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA",
           "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
           "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"]
# Azure's predefined policies (application-gateway-ssl-policy-overview): minimum protocol and suites.
PREDEFINED_POLICIES: dict[str, tuple[str, list[str]]] = {
    "AppGwSslPolicy20150501": ("TLSv1_0", _MODERN + _LEGACY + ["TLS_RSA_WITH_3DES_EDE_CBC_SHA",
                                                               "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256",
                                                               "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256",
                                                               "TLS_DHE_DSS_WITH_AES_256_CBC_SHA",
                                                               "TLS_DHE_DSS_WITH_AES_128_CBC_SHA",
                                                               "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"]),
    "AppGwSslPolicy20170401": ("TLSv1_1", _MODERN + _LEGACY),
    "AppGwSslPolicy20170401S": ("TLSv1_2", _MODERN + _LEGACY[:4] + _LEGACY[8:14] + _LEGACY[14:]),
    "AppGwSslPolicy20220101": ("TLSv1_2", _MODERN + ["TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
                                                     "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
                                                     "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
                                                     "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"]),
    "AppGwSslPolicy20220101S": ("TLSv1_2", _MODERN),
}
DEFAULT_POLICY = "AppGwSslPolicy20220101"

SERVER_VARIABLES = [
    "add_x_forwarded_for_proxy", "client_ip", "client_port", "client_tcp_rtt", "client_user", "host", "cookie_",
    "http_method", "http_status", "http_version", "query_string", "received_bytes", "request_query",
    "request_scheme", "request_uri", "sent_bytes", "server_port", "ssl_connection_protocol", "ssl_enabled",
    "uri_path", "client_certificate", "client_certificate_end_date", "client_certificate_fingerprint",
    "client_certificate_issuer", "client_certificate_serial", "client_certificate_start_date",
    "client_certificate_subject", "client_certificate_verification",
]
REQUEST_HEADERS = [
    "Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Authorization", "Cache-Control",
    "Connection", "Content-Length", "Content-Type", "Cookie", "Date", "Expect", "Forwarded", "From", "Host",
    "If-Match", "If-Modified-Since", "If-None-Match", "If-Range", "If-Unmodified-Since", "Max-Forwards", "Origin",
    "Pragma", "Proxy-Authorization", "Range", "Referer", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
    "User-Agent", "Via", "Warning", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
    "X-Original-Host", "X-Forwarded-Port",
]
RESPONSE_HEADERS = [
    "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Expose-Headers",
    "Access-Control-Max-Age", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Accept-Patch",
    "Accept-Ranges", "Age", "Allow", "Alt-Svc", "Cache-Control", "Connection", "Content-Disposition",
    "Content-Encoding", "Content-Language", "Content-Length", "Content-Location", "Content-Range",
    "Content-Type", "Date", "Delta-Base", "ETag", "Expires", "IM", "Last-Modified", "Link", "Location", "P3P",
    "Pragma", "Proxy-Authenticate", "Public-Key-Pins", "Retry-After", "Server", "Set-Cookie",
    "Strict-Transport-Security", "Trailer", "Transfer-Encoding", "Tk", "Upgrade", "Vary", "Via", "Warning",
    "WWW-Authenticate", "X-Frame-Options",
]

# Microsoft's own DRS 2.1 groups and the rule ids its documentation lists (waf-rules reference).
MS_GROUPS: dict[str, list[tuple[str, str]]] = {
    "General": [("200002", "Failed to parse request body."), ("200003", "Multipart request body failed strict validation"),
                ("200004", "Possible Multipart Unmatched Boundary.")],
    "MS-ThreatIntel-WebShells": [("99005002", "Web Shell Interaction Attempt (POST)"),
                                 ("99005003", "Web Shell Upload Attempt (POST) - CHOPPER PHP"),
                                 ("99005004", "Web Shell Upload Attempt (POST) - CHOPPER ASPX"),
                                 ("99005005", "Web Shell Interaction Attempt"),
                                 ("99005006", "Spring4Shell Interaction Attempt")],
    "MS-ThreatIntel-AppSec": [("99030001", "Path Traversal Evasion in Headers (/.././)"),
                              ("99030002", "Path Traversal Evasion in Request Body (/.././)")],
    "MS-ThreatIntel-SQLI": [("99031001", "SQL Injection Attack: Common Injection Testing Detected"),
                            ("99031002", "SQL Comment Sequence Detected"),
                            ("99031003", "SQL Injection Attack"),
                            ("99031004", "Detects basic SQL authentication bypass attempts 2/3")],
    "MS-ThreatIntel-CVEs": [("99001001", "Attempted F5 tmui (CVE-2020-5902) REST API Exploitation with known "
                                         "credentials"),
                            ("99001014", "Attempted Spring Cloud routing-expression injection (CVE-2022-22963)"),
                            ("99001015", "Attempted Spring Framework unsafe class object exploitation (CVE-2022-22965)"),
                            ("99001016", "Attempted Spring Cloud Gateway Actuator injection (CVE-2022-22947)"),
                            ("99001017", "Attempted Apache Struts file upload exploitation (CVE-2023-50164)")],
}
# The CRS files Azure's sets are built from: the request rule groups (not initialization or scoring files).
_GROUP_FILE = re.compile(r"^REQUEST-9(1[1-9]|[2-4]\d)-([A-Z0-9-]+)\.conf$")
_NOT_GROUPS = ("DOS-PROTECTION", "BLOCKING-EVALUATION")      # CRS machinery, not rule groups Azure lists
_RULE = re.compile(r"\bid:(\d+)[\s\S]*?msg:'([^']*)'")
# DRS 2.1's group names for the CRS files it is built from (Azure's DRS rule group table).
DRS_GROUP_NAMES = {"METHOD-ENFORCEMENT": "METHOD-ENFORCEMENT", "PROTOCOL-ENFORCEMENT": "PROTOCOL-ENFORCEMENT",
                   "PROTOCOL-ATTACK": "PROTOCOL-ATTACK", "APPLICATION-ATTACK-LFI": "LFI",
                   "APPLICATION-ATTACK-RFI": "RFI", "APPLICATION-ATTACK-RCE": "RCE", "APPLICATION-ATTACK-PHP": "PHP",
                   "APPLICATION-ATTACK-NODEJS": "NODEJS", "APPLICATION-ATTACK-XSS": "XSS",
                   "APPLICATION-ATTACK-SQLI": "SQLI", "APPLICATION-ATTACK-SESSION-FIXATION": "FIX",
                   "APPLICATION-ATTACK-JAVA": "JAVA"}
RULE_SETS = [("OWASP", "3.2"), ("OWASP", "3.1"), ("OWASP", "3.0"), ("OWASP", "2.2.9"),
             ("Microsoft_DefaultRuleSet", "2.1"), ("Microsoft_BotManagerRuleSet", "0.1"),
             ("Microsoft_BotManagerRuleSet", "1.0"), ("Microsoft_BotManagerRuleSet", "1.1")]
BOT_GROUPS = {"BadBots": [("Bot100100", "Malicious bots detected by threat intelligence"),
                          ("Bot100200", "Malicious bots that have falsified their identity")],
              "GoodBots": [("Bot200100", "Search engine crawlers"), ("Bot200200", "Unverified search engine crawlers")],
              "UnknownBots": [("Bot300100", "Unspecified identity"), ("Bot300200", "Tools and frameworks for web crawling"),
                              ("Bot300300", "General purpose HTTP clients and SDKs"),
                              ("Bot300400", "Service agents"), ("Bot300500", "Site health monitoring services"),
                              ("Bot300600", "Unknown bots detected by threat intelligence"),
                              ("Bot300700", "Other bots")]}


def crs_dir() -> Path:
    return Path(os.environ.get("AZNET_CRS_DIR", "/usr/share/modsecurity-crs/rules"))


@lru_cache(maxsize=1)
def crs_groups() -> dict[str, list[tuple[str, str]]]:
    """CRS rule group name (e.g. REQUEST-942-APPLICATION-ATTACK-SQLI) -> [(rule id, description)]."""
    out: dict[str, list[tuple[str, str]]] = {}
    try:
        files = sorted(crs_dir().iterdir())
    except OSError:
        return out
    for path in files:
        if not _GROUP_FILE.match(path.name) or any(x in path.name for x in _NOT_GROUPS):
            continue
        rules = []
        for chunk in path.read_text(errors="replace").split("SecRule ")[1:]:
            m = _RULE.search(chunk)
            if m and m.group(2):
                rules.append((m.group(1), m.group(2)))
        if rules:
            out[path.stem] = rules
    return out


def rule_groups(set_type: str, version: str) -> dict[str, list[tuple[str, str]]]:
    if set_type == "Microsoft_BotManagerRuleSet":
        return BOT_GROUPS
    crs = crs_groups()
    if set_type == "Microsoft_DefaultRuleSet":
        groups = {DRS_GROUP_NAMES[name.split("-", 2)[2].upper()]: rules for name, rules in crs.items()
                  if name.split("-", 2)[2].upper() in DRS_GROUP_NAMES}
        return {**groups, **MS_GROUPS}
    out = dict(crs)
    if version in ("3.2", "3.1", "3.0"):
        out.update({"General": MS_GROUPS["General"][:1]})
    return out


def known_rule_sets() -> dict[tuple[str, str], dict[str, set[str]]]:
    """(type lower, version) -> group name lower -> rule ids: for validating overrides and exclusions."""
    out = {}
    for t, v in RULE_SETS:
        out[(t.lower(), v)] = {g.lower(): {r for r, _ in rules} for g, rules in rule_groups(t, v).items()}
    return out


def waf_rule_sets(subscription: str) -> dict[str, Any]:
    values = []
    for t, v in RULE_SETS:
        name = f"{t}_{v}"
        groups = [{"ruleGroupName": g, "description": "", "rules": [{"ruleId": int(re.sub(r"\D", "", r) or 0),
                                                                      "ruleIdString": r, "description": d,
                                                                      "state": "Enabled", "action": "AnomalyScoring"}
                                                                     for r, d in rules]}
                  for g, rules in rule_groups(t, v).items()]
        values.append({"id": f"/subscriptions/{subscription}/providers/Microsoft.Network/"
                             f"applicationGatewayAvailableWafRuleSets/{name}",
                       "name": name, "type": "Microsoft.Network/applicationGatewayAvailableWafRuleSets",
                       "properties": {"provisioningState": "Succeeded", "ruleSetType": t, "ruleSetVersion": v,
                                      "ruleGroups": groups, "tiers": ["WAF_v2"] if t != "OWASP" or v != "2.2.9"
                                      else ["WAF"]}})
    return {"value": values}


def _policy(subscription: str, name: str) -> dict[str, Any]:
    minimum, suites = PREDEFINED_POLICIES[name]
    return {"id": f"/subscriptions/{subscription}/resourceGroups//providers/Microsoft.Network/"
                  f"ApplicationGatewayAvailableSslOptions/default/ApplicationGatewaySslPredefinedPolicy/{name}",
            "name": name, "properties": {"cipherSuites": suites, "minProtocolVersion": minimum}}


_P = "subscriptions/{sub}/providers/microsoft.network/"
_SSL = "applicationGatewayAvailableSslOptions"


@provider_action(_P + "applicationgatewayavailablessloptions/default", "GET", api_versions=API_VERSIONS, name=_SSL)
def _ssl_options(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    base = f"/subscriptions/{params['sub']}/resourceGroups//providers/Microsoft.Network/ApplicationGatewayAvailableSslOptions/default"
    return 200, {"id": base, "name": "default",
                 "type": "Microsoft.Network/ApplicationGatewayAvailableSslOptions",
                 "properties": {"predefinedPolicies": [{"id": f"{base}/ApplicationGatewaySslPredefinedPolicy/{n}"}
                                                       for n in PREDEFINED_POLICIES],
                                "defaultPolicy": DEFAULT_POLICY, "availableCipherSuites": list(CIPHER_SUITES),
                                "availableProtocols": list(PROTOCOLS)}}


@provider_action(_P + "applicationgatewayavailablessloptions/default/predefinedpolicies", "GET",
                 api_versions=API_VERSIONS, name=_SSL)
def _predefined(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    return 200, {"value": [_policy(params["sub"], n) for n in PREDEFINED_POLICIES]}


@provider_action(_P + "applicationgatewayavailablessloptions/default/predefinedpolicies/{name}", "GET",
                 api_versions=API_VERSIONS, name=_SSL)
def _predefined_one(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    name = next((n for n in PREDEFINED_POLICIES if n.lower() == params["name"].lower()), None)
    if name is None:
        raise ArmError(404, "ApplicationGatewaySslPredefinedPolicyNotFound",
                       f"Predefined SSL policy {params['name']} was not found.")
    return 200, _policy(params["sub"], name)


def _list(path: str, values: list[str], what: str) -> None:
    @provider_action(_P + path, "GET", api_versions=API_VERSIONS, name=what)
    def handler(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
        return 200, list(values)


_list("applicationgatewayavailableservervariables", SERVER_VARIABLES, "applicationGatewayAvailableServerVariables")
_list("applicationgatewayavailablerequestheaders", REQUEST_HEADERS, "applicationGatewayAvailableRequestHeaders")
_list("applicationgatewayavailableresponseheaders", RESPONSE_HEADERS, "applicationGatewayAvailableResponseHeaders")


@provider_action(_P + "applicationgatewayavailablewafrulesets", "GET", api_versions=API_VERSIONS,
                 name="applicationGatewayAvailableWafRuleSets")
def _waf(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    return 200, waf_rule_sets(params["sub"])
