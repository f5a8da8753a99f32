"""aznet's Web Application Firewall: a pure core (no sockets) that HTTP data planes call.

How a data plane uses it (Application Gateway, Front Door)::

    from aznet.dataplane.waf import HttpRequest, compile_policy, country_lookup
    policy = compile_policy(policy_resource_json, kind="ApplicationGateway",   # or "FrontDoor"
                            policy_id=resource_id, geo=country_lookup())       # once per policy change
    verdict = policy.evaluate(HttpRequest(method, target, "HTTP/1.1", headers, body,
                                          client_addr=ip, client_port=port, socket_addr=peer),
                              scope="Listener", scope_name="listener-1")
    verdict.action            # "allow" | "block" | "redirect"  (verdict.detected: Detection mode hit)
    verdict.status, verdict.body, verdict.headers                  # the answer when not "allow"
    verdict.records           # ApplicationGatewayFirewallLog / FrontDoorWebApplicationFirewallLog
    aznet.dataplane.waf.metrics.report(gateway_id, policy, verdict, method,
                                       metrics=platform.metrics)         # Azure's WAF metrics

Modules: seclang (parser), rules (compiled rules), transforms, operators, pcre (PCRE -> re/regex),
bodies (urlencoded/multipart/JSON/XML), variables, transaction (evaluation), prefilter (Hyperscan),
crs (loading CRS 3.3.4 from Debian's modsecurity-crs), engine, ms_rules (Microsoft's DRS rules),
rule_sets (Azure's set names -> rules; the mapping table), bots, custom_rules, policy, firewall_log,
metrics.
"""

from .policy import Verdict, WafPolicy, compile_policy, country_lookup
from .request import HttpRequest, HttpResponse

__all__ = ["HttpRequest", "HttpResponse", "Verdict", "WafPolicy", "compile_policy", "country_lookup"]
