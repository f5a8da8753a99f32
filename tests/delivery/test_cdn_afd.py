"""Front Door Standard/Premium (Microsoft.Cdn) through azure-mgmt-cdn, following
"Quickstart: Create an Azure Front Door profile": profile, endpoint, origin
group and origins, route, rule set and rules, custom domain with validation,
secret and security policy; Azure's rules and errors, purge, name checks."""

from __future__ import annotations

import copy

from tests.network.nic_support import error_detail as fails
from tests.network.nic_support import retired_allowed

LOC = "global"


def W(props):  # type: ignore[no-untyped-def]
    return {"properties": props}


def P(**props):  # type: ignore[no-untyped-def]
    """A request body in the wire shape (the SDK sends a dict as it is)."""
    return {"properties": props}


def build(cdn, rg):  # type: ignore[no-untyped-def]
    cdn.profiles.begin_create(rg, "contoso-afd", {"location": LOC, "sku": {"name": "Premium_AzureFrontDoor"}}).result()
    ep = cdn.afd_endpoints.begin_create(rg, "contoso-afd", "contoso-frontend", {"location": LOC}).result()
    cdn.afd_origin_groups.begin_create(rg, "contoso-afd", "og", P(loadBalancingSettings={
        "sampleSize": 4, "successfulSamplesRequired": 3, "additionalLatencyInMilliseconds": 50},
        healthProbeSettings={"probePath": "/", "probeRequestType": "HEAD", "probeProtocol": "Http",
                             "probeIntervalInSeconds": 100})).result()
    cdn.afd_origins.begin_create(rg, "contoso-afd", "og", "web1", P(hostName="web1.contoso.com",
                                                                    priority=1, weight=1000)).result()
    return ep


def test_quickstart_profile_endpoint_route(cdn, rg):  # type: ignore[no-untyped-def]
    ep = build(cdn, rg)
    prof = cdn.profiles.get(rg, "contoso-afd")
    assert prof.sku.name == "Premium_AzureFrontDoor" and prof.front_door_id and prof.kind == "frontdoor"
    assert ep.host_name.startswith("contoso-frontend-") and ep.host_name.endswith(".z01.azurefd.net")
    assert len(ep.host_name.split(".")[0]) == len("contoso-frontend-") + 16
    og_id = cdn.afd_origin_groups.get(rg, "contoso-afd", "og").id
    route = cdn.routes.begin_create(rg, "contoso-afd", "contoso-frontend", "route1", W({
        "originGroup": {"id": og_id}, "supportedProtocols": ["Http", "Https"], "patternsToMatch": ["/*"],
        "forwardingProtocol": "MatchRequest", "linkToDefaultDomain": "Enabled", "httpsRedirect": "Enabled"})).result()
    assert route.https_redirect == "Enabled" and route.origin_group.id == og_id
    # a second route with the same pattern on the same domain conflicts
    status, code, msg = fails(cdn.routes.begin_create, rg, "contoso-afd", "contoso-frontend", "route2", W({
        "originGroup": {"id": og_id}, "patternsToMatch": ["/*"], "linkToDefaultDomain": "Enabled"}))
    assert (status, code) == (400, "BadRequest") and "conflicts" in msg
    # the origin group a route uses cannot be deleted; the last origin neither
    assert fails(cdn.afd_origin_groups.begin_delete, rg, "contoso-afd", "og")[0] == 400
    assert fails(cdn.afd_origins.begin_delete, rg, "contoso-afd", "og", "web1")[0] == 400
    # an empty origin group cannot be used by a route
    cdn.afd_origin_groups.begin_create(rg, "contoso-afd", "empty", W({"loadBalancingSettings": {}})).result()
    empty = cdn.afd_origin_groups.get(rg, "contoso-afd", "empty").id
    status, code, msg = fails(cdn.routes.begin_create, rg, "contoso-afd", "contoso-frontend", "route3", W({
        "originGroup": {"id": empty}, "patternsToMatch": ["/images/*"]}))
    assert "at least one enabled origin" in msg
    # purge
    cdn.afd_endpoints.begin_purge_content(rg, "contoso-afd", "contoso-frontend",
                                          {"contentPaths": ["/images/*", "/index.html"]}).result()
    assert fails(cdn.afd_endpoints.begin_purge_content, rg, "contoso-afd", "contoso-frontend",
                 {"contentPaths": ["images"]})[0] == 400
    usages = list(cdn.afd_endpoints.list_resource_usage(rg, "contoso-afd", "contoso-frontend"))
    assert usages[0].current_value == 1 and usages[0].limit == 100


def test_bad_input_leaves_state(cdn, rg):  # type: ignore[no-untyped-def]
    build(cdn, rg)
    before = cdn.afd_origins.get(rg, "contoso-afd", "og", "web1").as_dict()
    for bad in ({"hostName": "web1.contoso.com", "priority": 6}, {"hostName": "web1.contoso.com", "weight": 0},
                {"hostName": "not a host"}, {"hostName": "web1.contoso.com", "httpPort": 70000},
                {"hostName": "web1.contoso.com", "enabledState": "Maybe"}):
        assert fails(cdn.afd_origins.begin_create, rg, "contoso-afd", "og", "web1", W(bad))[:2] == (400, "BadRequest"), bad
    assert cdn.afd_origins.get(rg, "contoso-afd", "og", "web1").as_dict() == before
    assert fails(cdn.afd_origin_groups.begin_create, rg, "contoso-afd", "og2", W({"loadBalancingSettings": {
        "sampleSize": 2, "successfulSamplesRequired": 3}}))[0] == 400
    assert fails(cdn.afd_origin_groups.begin_create, rg, "contoso-afd", "og2", W({"healthProbeSettings": {
        "probePath": "health", "probeIntervalInSeconds": 30}}))[0] == 400
    assert fails(cdn.profiles.begin_create, rg, "p2", {"location": LOC, "sku": {"name": "Gold"}})[0] == 400


def test_rules_engine(cdn, rg):  # type: ignore[no-untyped-def]
    build(cdn, rg)
    cdn.rule_sets.begin_create(rg, "contoso-afd", "ruleSet1").result()
    og = cdn.afd_origin_groups.get(rg, "contoso-afd", "og").id
    rule = {"order": 1, "matchProcessingBehavior": "Stop",
            "conditions": [{"name": "UrlPath", "parameters": {
                "typeName": "DeliveryRuleUrlPathMatchConditionParameters", "operator": "BeginsWith",
                "matchValues": ["/old/"], "transforms": ["Lowercase"]}},
                {"name": "RemoteAddress", "parameters": {"typeName": "DeliveryRuleRemoteAddressConditionParameters",
                                                         "operator": "GeoMatch", "matchValues": ["US", "DE"]}}],
            "actions": [{"name": "UrlRedirect", "parameters": {
                "typeName": "DeliveryRuleUrlRedirectActionParameters", "redirectType": "PermanentRedirect",
                "destinationProtocol": "Https", "customPath": "/new/"}},
                {"name": "ModifyResponseHeader", "parameters": {"typeName": "DeliveryRuleHeaderActionParameters",
                                                                "headerAction": "Overwrite", "headerName": "X-Rule",
                                                                "value": "1"}},
                {"name": "RouteConfigurationOverride", "parameters": {
                    "typeName": "DeliveryRuleRouteConfigurationOverrideActionParameters",
                    "originGroupOverride": {"originGroup": {"id": og}, "forwardingProtocol": "HttpsOnly"},
                    "cacheConfiguration": {"queryStringCachingBehavior": "IgnoreSpecifiedQueryStrings",
                                           "queryParameters": "utm_source", "cacheBehavior": "OverrideAlways",
                                           "cacheDuration": "1.00:00:00", "isCompressionEnabled": "Enabled"}}}]}
    made = cdn.rules.begin_create(rg, "contoso-afd", "ruleSet1", "redirectOld", W(rule)).result()
    assert made.match_processing_behavior == "Stop" and len(made.actions) == 3
    before = cdn.rules.get(rg, "contoso-afd", "ruleSet1", "redirectOld").as_dict()
    cases = []

    def case(mutate, code="BadRequest"):  # type: ignore[no-untyped-def]
        r = copy.deepcopy(rule)
        mutate(r)
        cases.append((r, code))

    case(lambda r: r["conditions"][0]["parameters"].update({"operator": "IPMatch"}))
    # parameters of another condition's shape: refused when the body is read (InvalidRequestFormat)
    case(lambda r: r["conditions"][0]["parameters"].update({"typeName": "DeliveryRuleCookiesConditionParameters"}),
         "InvalidRequestFormat")
    case(lambda r: r["conditions"][1]["parameters"].update({"matchValues": ["USA"]}))
    case(lambda r: r["conditions"][0]["parameters"].update({"transforms": ["Rot13"]}))
    case(lambda r: r["conditions"].append({"name": "RequestMethod", "parameters": {
        "typeName": "DeliveryRuleRequestMethodConditionParameters", "operator": "Equal", "matchValues": ["FETCH"]}}))
    case(lambda r: r["conditions"].append({"name": "RequestHeader", "parameters": {
        "typeName": "DeliveryRuleRequestHeaderConditionParameters", "operator": "Equal", "matchValues": ["x"]}}))
    case(lambda r: r["actions"][0]["parameters"].update({"customPath": "new"}))
    case(lambda r: r["actions"][1]["parameters"].pop("value"))
    case(lambda r: r["actions"].append({"name": "UrlSigning", "parameters": {
        "typeName": "DeliveryRuleUrlSigningActionParameters"}}))
    case(lambda r: r["actions"][2]["parameters"]["cacheConfiguration"].update({"cacheDuration": "forever"}))
    case(lambda r: r.update({"actions": []}))
    for i, (r, code) in enumerate(cases):
        assert fails(cdn.rules.begin_create, rg, "contoso-afd", "ruleSet1", "redirectOld", W(r))[:2] == (400, code), i
    assert cdn.rules.get(rg, "contoso-afd", "ruleSet1", "redirectOld").as_dict() == before
    dup = copy.deepcopy(rule)
    assert "order" in fails(cdn.rules.begin_create, rg, "contoso-afd", "ruleSet1", "other", W(dup))[2]
    # a route uses the rule set; then the rule set cannot be deleted
    cdn.routes.begin_create(rg, "contoso-afd", "contoso-frontend", "route1", W({
        "originGroup": {"id": og}, "ruleSets": [{"id": cdn.rule_sets.get(rg, "contoso-afd", "ruleSet1").id}]})).result()
    assert fails(cdn.rule_sets.begin_delete, rg, "contoso-afd", "ruleSet1")[0] == 400


def test_custom_domain_validation_and_security_policy(cdn, network_client, aznet, rg):  # type: ignore[no-untyped-def]
    from azure.mgmt.dns import DnsManagementClient

    dns = aznet.client(DnsManagementClient)
    build(cdn, rg)
    zone = dns.zones.create_or_update(rg, "contoso.com", {"location": "global"})
    dom = cdn.afd_custom_domains.begin_create(rg, "contoso-afd", "www-contoso", W({
        "hostName": "www.contoso.com", "tlsSettings": {"certificateType": "ManagedCertificate",
                                                       "minimumTlsVersion": "TLS12"},
        "azureDnsZone": {"id": zone.id}})).result()
    assert dom.domain_validation_state == "Pending"
    token = dom.validation_properties.validation_token
    dns.record_sets.create_or_update(rg, "contoso.com", "_dnsauth.www", "TXT",
                                     {"ttl": 3600, "txtRecords": [{"value": [token]}]})
    assert cdn.afd_custom_domains.get(rg, "contoso-afd", "www-contoso").domain_validation_state == "Approved"
    cdn.afd_custom_domains.begin_refresh_validation_token(rg, "contoso-afd", "www-contoso").result()
    refreshed = cdn.afd_custom_domains.get(rg, "contoso-afd", "www-contoso")
    assert refreshed.validation_properties.validation_token != token and refreshed.domain_validation_state == "Pending"
    assert fails(cdn.afd_custom_domains.begin_create, rg, "contoso-afd", "dup", W({"hostName": "www.contoso.com"}))[0] == 400
    # route on the custom domain; the domain is then in use
    og = cdn.afd_origin_groups.get(rg, "contoso-afd", "og").id
    cdn.routes.begin_create(rg, "contoso-afd", "contoso-frontend", "route1", W({
        "originGroup": {"id": og}, "customDomains": [{"id": dom.id}], "linkToDefaultDomain": "Disabled"})).result()
    assert fails(cdn.afd_custom_domains.begin_delete, rg, "contoso-afd", "www-contoso")[0] == 400
    # security policy with a Front Door WAF policy
    from azure.mgmt.frontdoor import FrontDoorManagementClient

    fd = aznet.client(FrontDoorManagementClient)
    waf = fd.policies.begin_create_or_update(rg, "contosoWaf", {
        "location": "Global", "sku": {"name": "Premium_AzureFrontDoor"},
        "policySettings": {"enabledState": "Enabled", "mode": "Prevention"}}).result()
    ep = cdn.afd_endpoints.get(rg, "contoso-afd", "contoso-frontend")
    sp = cdn.security_policies.begin_create(rg, "contoso-afd", "waf", W({"parameters": {
        "type": "WebApplicationFirewall", "wafPolicy": {"id": waf.id},
        "associations": [{"domains": [{"id": ep.id}, {"id": dom.id}], "patternsToMatch": ["/*"]}]}})).result()
    assert sp.parameters.waf_policy.id == waf.id
    status, code, msg = fails(cdn.security_policies.begin_create, rg, "contoso-afd", "waf2", W({"parameters": {
        "type": "WebApplicationFirewall", "wafPolicy": {"id": waf.id},
        "associations": [{"domains": [{"id": dom.id}], "patternsToMatch": ["/*"]}]}}))
    assert status == 400 and "one security policy" in msg


def test_classic_cdn_profile_refused_unless_allowed(cdn, aznet, rg):  # type: ignore[no-untyped-def]
    status, code, msg = fails(cdn.profiles.begin_create, rg, "classic", {"location": LOC,
                                                                         "sku": {"name": "Standard_Microsoft"}})
    assert (status, code) == (400, "BadRequest")
    assert msg == "Azure CDN from Microsoft (classic) no longer support new profile creation."
    with retired_allowed(aznet):
        prof = cdn.profiles.begin_create(rg, "classic", {"location": LOC, "sku": {"name": "Standard_Microsoft"}}).result()
    assert prof.sku.name == "Standard_Microsoft" and prof.kind == "cdn"
    # an existing classic profile keeps working
    cdn.profiles.begin_update(rg, "classic", {"tags": {"env": "old"}}).result()
    assert cdn.profiles.get(rg, "classic").tags == {"env": "old"}


def test_name_availability(cdn, rg):  # type: ignore[no-untyped-def]
    ep = build(cdn, rg)
    free = cdn.check_name_availability({"name": "brand-new-endpoint", "type": "Microsoft.Cdn/Profiles/AfdEndpoints"})
    assert free.name_available
    bad = cdn.check_name_availability({"name": "-bad-", "type": "Microsoft.Cdn/Profiles/AfdEndpoints"})
    assert not bad.name_available and bad.reason == "Invalid"
    taken = cdn.check_endpoint_name_availability(rg, {"name": "contoso-frontend",
                                                      "type": "Microsoft.Cdn/Profiles/AfdEndpoints"})
    assert not taken.name_available and ep.host_name in taken.message
    probe = cdn.validate_probe({"probeURL": "https://www.contoso.com/health"})
    assert probe.is_valid
    assert not cdn.validate_probe({"probeURL": "ftp://x"}).is_valid


def test_customer_certificate_secret(cdn, aznet, rg):  # type: ignore[no-untyped-def]
    """A customer certificate in Key Vault becomes a profile secret (subject, SANs and expiry read from it) that a
    custom domain's TLS settings use; a missing secret is refused."""
    from tests.arm.helpers import authed

    from .appgw_support import pfx_b64

    build(cdn, rg)
    base = f"/subscriptions/{aznet.subscription_id}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/afdkv{rg[-6:]}"
    with authed(aznet) as c:
        assert c.put(f"{base}?api-version=2023-07-01", json={"location": "westeurope", "properties": {
            "tenantId": aznet.tenant_id, "sku": {"family": "A", "name": "standard"}, "accessPolicies": [],
            "enableRbacAuthorization": True}}).status_code in (200, 201)
        r = c.put(f"{base}/secrets/wwwcert?api-version=2023-07-01", json={"properties": {
            "value": pfx_b64("", "www.contoso.com"), "contentType": "application/x-pkcs12"}})
        assert r.status_code in (200, 201), r.text
    secret = cdn.secrets.begin_create(rg, "contoso-afd", "wwwcert", W({"parameters": {
        "type": "CustomerCertificate", "secretSource": {"id": f"{base}/secrets/wwwcert"},
        "useLatestVersion": True}})).result()
    assert secret.parameters.subject == "www.contoso.com" and secret.parameters.expiration_date
    dom = cdn.afd_custom_domains.begin_create(rg, "contoso-afd", "www", W({
        "hostName": "www.contoso.com", "tlsSettings": {"certificateType": "CustomerCertificate",
                                                       "minimumTlsVersion": "TLS12", "secret": {"id": secret.id}}})).result()
    assert dom.tls_settings.secret.id == secret.id
    status, code, msg = fails(cdn.secrets.begin_create, rg, "contoso-afd", "missing", W({"parameters": {
        "type": "CustomerCertificate", "secretSource": {"id": f"{base}/secrets/nothere"}, "useLatestVersion": True}}))
    assert (status, code) == (400, "BadRequest") and "nothere" in msg
    assert fails(cdn.afd_custom_domains.begin_create, rg, "contoso-afd", "api", W({
        "hostName": "api.contoso.com", "tlsSettings": {"certificateType": "CustomerCertificate"}}))[0] == 400
