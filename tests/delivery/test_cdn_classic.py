"""Classic CDN endpoints (Microsoft.Cdn/profiles/endpoints) on a classic profile
made under the retired-SKU setting, as an older estate has them: the
"Create an Azure CDN profile and endpoint" quickstart through azure-mgmt-cdn,
origins and origin groups as child resources, custom domains that need a
CNAME in aznet's DNS, start/stop/purge/load/validateCustomDomain."""

from __future__ import annotations

from tests.network.nic_support import error_detail as fails
from tests.network.nic_support import retired_allowed


def test_classic_endpoint(cdn, aznet, rg):  # type: ignore[no-untyped-def]
    from azure.mgmt.dns import DnsManagementClient

    with retired_allowed(aznet):
        cdn.profiles.begin_create(rg, "cdnprofile", {"location": "global", "sku": {"name": "Standard_Microsoft"}}).result()
    ep_name = f"contoso-{rg[-8:]}"
    ep = cdn.endpoints.begin_create(rg, "cdnprofile", ep_name, {"location": "global", "properties": {
        "origins": [{"name": "origin1", "properties": {"hostName": "www.contoso.com"}}],
        "isHttpAllowed": True, "isHttpsAllowed": True, "queryStringCachingBehavior": "IgnoreQueryString"}}).result()
    assert ep.host_name == f"{ep_name}.azureedge.net" and ep.resource_state == "Running"
    origins = list(cdn.origins.list_by_endpoint(rg, "cdnprofile", ep_name))
    assert [o.host_name for o in origins] == ["www.contoso.com"]
    cdn.origins.begin_create(rg, "cdnprofile", ep_name, "origin2", {"properties": {
        "hostName": "www2.contoso.com", "priority": 2}}).result()
    assert {o.name for o in cdn.origins.list_by_endpoint(rg, "cdnprofile", ep_name)} == {"origin1", "origin2"}
    assert fails(cdn.origins.begin_create, rg, "cdnprofile", ep_name, "origin3",
                 {"properties": {"hostName": "bad host"}})[0] == 400
    cdn.endpoints.begin_stop(rg, "cdnprofile", ep_name).result()
    assert cdn.endpoints.get(rg, "cdnprofile", ep_name).resource_state == "Stopped"
    cdn.endpoints.begin_start(rg, "cdnprofile", ep_name).result()
    cdn.endpoints.begin_purge_content(rg, "cdnprofile", ep_name, {"contentPaths": ["/images/*"]}).result()
    from aznet.contracts.edge_content import EdgeContentSink

    heard: list[tuple[str, list[str], list[str]]] = []

    class Listening(EdgeContentSink):   # a sink among the platform's services, as the edge data plane is
        name = "test-load-sink"

        def load_content(self, endpoint_id: str, paths: list[str], domains: list[str]) -> None:
            heard.append((endpoint_id, paths, domains))

    services = aznet.platform.services
    services.add(Listening())
    try:
        cdn.endpoints.begin_load_content(rg, "cdnprofile", ep_name, {"contentPaths": ["/index.html"]}).result()
    finally:
        services._by_name.pop("test-load-sink")
    assert [(i.rsplit("/", 1)[1], p, d) for i, p, d in heard] == [(ep_name, ["/index.html"],
                                                                 [f"{ep_name}.azureedge.net"])]
    assert fails(cdn.endpoints.begin_load_content, rg, "cdnprofile", ep_name, {"contentPaths": ["/img/*"]})[0] == 400
    # custom domain: refused until the CNAME exists in aznet's DNS, then accepted
    status, code, msg = fails(cdn.custom_domains.begin_create, rg, "cdnprofile", ep_name, "www",
                              {"properties": {"hostName": "cdn.contoso.com"}})
    assert status == 400 and "CNAME" in msg
    assert not cdn.endpoints.validate_custom_domain(rg, "cdnprofile", ep_name,
                                                    {"hostName": "cdn.contoso.com"}).custom_domain_validated
    dns = aznet.client(DnsManagementClient)
    dns.zones.create_or_update(rg, "contoso.com", {"location": "global"})
    dns.record_sets.create_or_update(rg, "contoso.com", "cdn", "CNAME",
                                     {"ttl": 300, "cnameRecord": {"cname": f"{ep_name}.azureedge.net"}})
    assert cdn.endpoints.validate_custom_domain(rg, "cdnprofile", ep_name,
                                                {"hostName": "cdn.contoso.com"}).custom_domain_validated
    dom = cdn.custom_domains.begin_create(rg, "cdnprofile", ep_name, "www",
                                          {"properties": {"hostName": "cdn.contoso.com"}}).result()
    assert dom.host_name == "cdn.contoso.com" and dom.custom_https_provisioning_state == "Disabled"
    # a classic endpoint cannot live in a Front Door profile, and endpoint names are unique
    cdn.profiles.begin_create(rg, "afd", {"location": "global", "sku": {"name": "Standard_AzureFrontDoor"}}).result()
    assert fails(cdn.endpoints.begin_create, rg, "afd", "x-endpoint", {"location": "global", "properties": {
        "origins": [{"name": "o", "properties": {"hostName": "a.contoso.com"}}]}})[0] == 400
