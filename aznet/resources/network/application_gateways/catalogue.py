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

import re
from typing import TYPE_CHECKING, Any

from ....arm.errors import ArmError
from ....arm.provider_actions import provider_action
from ....dataplane.waf.managed_groups import (  # noqa: F401 - the catalogue's rule set tables
    BOT_GROUPS,
    MS_GROUPS,
    RULE_SETS,
    crs_groups,
    known_rule_sets,
    rule_groups,
)
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
