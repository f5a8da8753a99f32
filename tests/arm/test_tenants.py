"""Token claims and tenants (issue 8, item 7): ARM checks a token's audience
and issuer, a new tenant gets a subscription of its own on its first token,
and no token reads or writes another tenant's subscription."""

from __future__ import annotations

import shutil
import time
import uuid

import jwt
import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.identity import ClientSecretCredential
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.subscriptions import SubscriptionClient

from aznet.arm.tenants import derived_subscription

from .helpers import http, token

RG_API = {"api-version": "2021-04-01"}


def cred(aznet, tenant: str) -> ClientSecretCredential:  # type: ignore[no-untyped-def]
    return ClientSecretCredential(tenant, "tenant-test", "secret", authority=aznet.endpoint,
                                  disable_instance_discovery=True, connection_verify=str(aznet.ca_bundle))


def rm(aznet, tenant: str, sub: str) -> ResourceManagementClient:  # type: ignore[no-untyped-def]
    return ResourceManagementClient(cred(aznet, tenant), sub, base_url=aznet.endpoint,
                                    credential_scopes=[f"{aznet.endpoint}/.default"],
                                    connection_verify=str(aznet.ca_bundle))


def subs_client(aznet, tenant: str) -> SubscriptionClient:  # type: ignore[no-untyped-def]
    return SubscriptionClient(cred(aznet, tenant), base_url=aznet.endpoint,
                              credential_scopes=[f"{aznet.endpoint}/.default"], connection_verify=str(aznet.ca_bundle))


def new_tenant() -> str:
    return str(uuid.uuid4())


def get_groups(aznet, tok: str, sub: str | None = None):  # type: ignore[no-untyped-def]
    with http(aznet) as c:
        return c.get(f"/subscriptions/{sub or aznet.subscription_id}/resourcegroups", params=RG_API,
                     headers={"Authorization": f"Bearer {tok}"})


# -- audience ------------------------------------------------------------------------------------

@pytest.mark.parametrize("scope", ["https://graph.microsoft.com/.default", "https://evil.example/.default",
                                   "https://vault.azure.net/.default"])
def test_wrong_audience_is_refused(aznet, scope):
    r = get_groups(aznet, token(aznet, scope=scope))
    assert r.status_code == 401
    err = r.json()["error"]
    assert err["code"] == "InvalidAuthenticationTokenAudience"
    assert "wrong audience or resource" in err["message"] and "https://management.azure.com/" in err["message"]


@pytest.mark.parametrize("resource", ["{ep}/", "{ep}", "https://management.azure.com/",
                                      "https://management.core.windows.net/", "https://management.azure.com"])
def test_arm_audiences_are_accepted(aznet, resource):
    audience = resource.format(ep=aznet.endpoint)
    tok = token(aznet, scope=f"{audience}/.default")      # as az asks: the resource id, then "/.default"
    assert jwt.decode(tok, options={"verify_signature": False})["aud"] == audience
    assert get_groups(aznet, tok).status_code == 200


def test_sdk_default_scope_is_accepted(aznet):
    """azure-mgmt-* clients without credential_scopes ask for https://management.azure.com/.default."""
    client = ResourceManagementClient(aznet.credential(), aznet.subscription_id, base_url=aznet.endpoint,
                                      connection_verify=str(aznet.ca_bundle))
    assert isinstance([g.name for g in client.resource_groups.list()], list)


# -- issuer --------------------------------------------------------------------------------------

def _signed(aznet, **claims) -> str:  # type: ignore[no-untyped-def]
    now = int(time.time())
    body = {"aud": f"{aznet.endpoint}/", "tid": aznet.tenant_id, "iat": now, "nbf": now, "exp": now + 600,
            "oid": "o", "sub": "o", **claims}
    return jwt.encode(body, aznet.platform.issuer._key, algorithm="RS256", headers={"kid": "aznet-signing-key"})


def test_wrong_issuer_is_refused(aznet):
    for iss in ("https://sts.windows.net/evil/", f"{aznet.endpoint}/{new_tenant()}/", None):
        claims = {"iss": iss} if iss else {}
        r = get_groups(aznet, _signed(aznet, **claims))
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "InvalidAuthenticationTokenTenant"


def test_v1_and_v2_issuers_are_accepted(aznet):
    for iss in (f"{aznet.endpoint}/{aznet.tenant_id}/", f"{aznet.endpoint}/{aznet.tenant_id}/v2.0"):
        assert get_groups(aznet, _signed(aznet, iss=iss)).status_code == 200


# -- tenants and subscriptions --------------------------------------------------------------------

def test_new_tenant_gets_its_own_subscription(aznet):
    tenant = new_tenant()
    subs = list(subs_client(aznet, tenant).subscriptions.list())
    assert [(s.subscription_id, s.tenant_id) for s in subs] == [(derived_subscription(tenant), tenant)]
    assert [t.tenant_id for t in subs_client(aznet, tenant).tenants.list()] == [tenant]
    own = rm(aznet, tenant, derived_subscription(tenant))
    own.resource_groups.create_or_update("tenant-b-rg", {"location": "westeurope"})
    assert [g.name for g in own.resource_groups.list()] == ["tenant-b-rg"]
    # the default tenant neither lists nor reaches it
    default_subs = [s.subscription_id for s in subs_client(aznet, aznet.tenant_id).subscriptions.list()]
    assert aznet.subscription_id in default_subs and derived_subscription(tenant) not in default_subs
    with pytest.raises(ClientAuthenticationError) as exc:
        list(rm(aznet, aznet.tenant_id, derived_subscription(tenant)).resource_groups.list())
    assert "InvalidAuthenticationTokenTenant" in str(exc.value)


def test_another_tenant_cannot_read_or_write_the_default_subscription(aznet, resource_client):
    resource_client.resource_groups.create_or_update("tenant-a-only", {"location": "westeurope"})
    intruder = rm(aznet, new_tenant(), aznet.subscription_id)
    with pytest.raises(ClientAuthenticationError) as exc:
        list(intruder.resource_groups.list())
    assert "InvalidAuthenticationTokenTenant" in str(exc.value)
    with pytest.raises(ClientAuthenticationError):
        intruder.resource_groups.get("tenant-a-only")
    with pytest.raises(ClientAuthenticationError):
        intruder.resource_groups.create_or_update("planted", {"location": "westeurope"})
    with pytest.raises(ClientAuthenticationError):
        intruder.resource_groups.begin_delete("tenant-a-only")
    assert resource_client.resource_groups.check_existence("tenant-a-only")
    assert not resource_client.resource_groups.check_existence("planted")


def test_unowned_subscription_belongs_to_its_first_writer(aznet):
    tenant, sub = new_tenant(), str(uuid.uuid4())
    mine = rm(aznet, tenant, sub)
    mine.resource_groups.create_or_update("claimed", {"location": "westeurope"})
    assert sub in [s.subscription_id for s in subs_client(aznet, tenant).subscriptions.list()]
    with pytest.raises(ClientAuthenticationError):
        list(rm(aznet, aznet.tenant_id, sub).resource_groups.list())


def test_malformed_tenant_is_refused_at_the_token_endpoint(aznet):
    with http(aznet) as c:
        r = c.post("/bad%20tenant!/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": "x", "client_secret": "y",
            "scope": f"{aznet.endpoint}/.default"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_tenant"


def test_az_account_list_for_a_new_tenant(aznet, az, tmp_path):
    """`az login --tenant NEW` finds the tenant's own subscription; the default login sees the default one."""
    from aznet.cli.azcli import ensure_login
    from tests.e2e.azcli import AzCli

    tenant = new_tenant()
    shutil.copy(aznet.data_dir / "ca.pem", tmp_path / "ca.pem")
    ensure_login(az.az, tmp_path, aznet.endpoint, tenant, derived_subscription(tenant))
    other = AzCli(az.az, tmp_path)
    accounts = other.json("account", "list")
    assert [(a["id"], a["tenantId"]) for a in accounts] == [(derived_subscription(tenant), tenant)]
    other.run("group", "create", "-n", "from-az", "-l", "westeurope")
    assert [g["name"] for g in other.json("group", "list")] == ["from-az"]
    mine = az.json("account", "list")
    assert (aznet.subscription_id, aznet.tenant_id) in [(a["id"], a["tenantId"]) for a in mine]
    assert derived_subscription(tenant) not in [a["id"] for a in mine]


def test_template_cannot_reach_another_tenants_subscription(aznet, resource_client):
    """A deployment in tenant B's subscription that targets the default subscription fails with
    AuthorizationFailed and creates nothing there."""
    from azure.mgmt.resource.deployments import DeploymentsMgmtClient

    tenant = new_tenant()
    sub = derived_subscription(tenant)
    rm(aznet, tenant, sub).resource_groups.create_or_update("deploy-b", {"location": "westeurope"})
    resource_client.resource_groups.create_or_update("victim-rg", {"location": "westeurope"})
    deployments = DeploymentsMgmtClient(cred(aznet, tenant), sub, base_url=aznet.endpoint,
                                        credential_scopes=[f"{aznet.endpoint}/.default"],
                                        connection_verify=str(aznet.ca_bundle))
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0", "resources": [{
                    "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "cross",
                    "subscriptionId": aznet.subscription_id, "resourceGroup": "victim-rg",
                    "properties": {"mode": "Incremental", "template": {
                        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                        "contentVersion": "1.0.0.0", "resources": [{
                            "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01",
                            "name": "planted", "location": "westeurope"}]}}}]}
    with pytest.raises(HttpResponseError) as exc:
        deployments.deployments.begin_create_or_update("deploy-b", "reach", {"properties": {
            "mode": "Incremental", "template": template}}).result()
    assert "AuthorizationFailed" in str(exc.value)
    from azure.mgmt.network import NetworkManagementClient

    net = aznet.client(NetworkManagementClient)
    assert "planted" not in [n.name for n in net.network_security_groups.list("victim-rg")]
    resource_client.resource_groups.begin_delete("victim-rg").result()


def test_subscriptions_a_tenant_claims_are_limited(aznet):
    tenant = new_tenant()
    settings = aznet.platform.settings
    old, settings.max_subscriptions = settings.max_subscriptions, 2     # its own one, plus one claim
    try:
        rm(aznet, tenant, str(uuid.uuid4())).resource_groups.create_or_update("one", {"location": "westeurope"})
        with pytest.raises(HttpResponseError) as exc:
            rm(aznet, tenant, str(uuid.uuid4())).resource_groups.create_or_update("two", {"location": "westeurope"})
        assert exc.value.status_code == 404 and exc.value.error.code == "SubscriptionNotFound"
    finally:
        settings.max_subscriptions = old
    assert len(list(subs_client(aznet, tenant).subscriptions.list())) == 2
