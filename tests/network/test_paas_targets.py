"""Supporting types through the real SDKs: storage accounts, key vaults and
secrets, user-assigned identities; the service endpoint rules they enforce and
private endpoints to them with the approval flow (the "Connect privately to a
storage account" and "service endpoints" tutorials)."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from .nic_support import LOC, error_of, make_vnet, subnet_id


@pytest.fixture(scope="module")
def storage(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.storage import StorageManagementClient

    return aznet.client(StorageManagementClient)


@pytest.fixture(scope="module")
def keyvault(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.keyvault import KeyVaultManagementClient

    return aznet.client(KeyVaultManagementClient)


def unique(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:10]


def account(storage: Any, rg: str, name: str, **props: Any) -> Any:
    return storage.storage_accounts.begin_create(rg, name, {
        "location": LOC, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2", "properties": props}).result()


def test_storage_account_crud_keys_and_names(aznet, storage, rg):
    name = unique("st")
    acct = account(storage, rg, name)
    assert acct.primary_endpoints.blob == f"https://{name}.blob.core.windows.net/"
    assert acct.primary_endpoints.dfs == f"https://{name}.dfs.core.windows.net/"
    assert acct.status_of_primary == "available" and acct.minimum_tls_version == "TLS1_2"
    keys = storage.storage_accounts.list_keys(rg, name)["keys"]     # (.keys is the Mapping method)
    assert [k["keyName"] for k in keys] == ["key1", "key2"] and len(base64.b64decode(keys[0]["value"])) == 64
    again = storage.storage_accounts.list_keys(rg, name)["keys"]
    assert again[0]["value"] == keys[0]["value"]
    regen = storage.storage_accounts.regenerate_key(rg, name, {"keyName": "key1"})["keys"]
    assert regen[0]["value"] != keys[0]["value"] and regen[1]["value"] == keys[1]["value"]
    taken = storage.storage_accounts.check_name_availability({"name": name, "type": "Microsoft.Storage/storageAccounts"})
    assert not taken.name_available and taken.reason == "AlreadyExists"
    bad = storage.storage_accounts.check_name_availability({"name": "Bad_Name", "type": "Microsoft.Storage/storageAccounts"})
    assert not bad.name_available and bad.reason == "AccountNameInvalid"
    # names are global: another group cannot take it
    assert error_of(storage.storage_accounts.begin_create, rg + "x", name, {
        "location": LOC, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"})[0] in (404, 409)


@pytest.mark.parametrize("body,code", [
    ({"sku": {"name": "Standard_LRS"}, "kind": "StorageV2", "name": "UPPER"}, "AccountNameInvalid"),
    ({"sku": {"name": "Gold_LRS"}, "kind": "StorageV2"}, "InvalidValuesForRequestParameters"),
    ({"sku": {"name": "Standard_LRS"}, "kind": "Tape"}, "InvalidValuesForRequestParameters"),
    ({"sku": {"name": "Standard_LRS"}, "kind": "StorageV2",
      "properties": {"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "10.0.0.1"}]}}},
     "NetworkAclsValidationFailure"),
    ({"sku": {"name": "Standard_LRS"}, "kind": "StorageV2", "properties": {"minimumTlsVersion": "TLS0_9"}},
     "InvalidValuesForRequestParameters"),
])
def test_bad_storage_accounts_refused(storage, rg, body, code):
    name = body.pop("name", None) or unique("st")
    status, got = error_of(storage.storage_accounts.begin_create, rg, name, {"location": LOC, **body})
    assert (status, got) == (400, code)
    assert list(storage.storage_accounts.list_by_resource_group(rg)) == []


def test_service_endpoint_tutorial(aznet, network_client, storage, rg):
    """Restrict network access to a storage account with a service endpoint."""
    make_vnet(network_client, rg, subnets={"Public": "10.0.0.0/24", "Private": {
        "addressPrefix": "10.0.1.0/24", "serviceEndpoints": [{"service": "Microsoft.Storage"}]}})
    name = unique("st")
    account(storage, rg, name)
    no_endpoint = {"properties": {"networkAcls": {"defaultAction": "Deny", "virtualNetworkRules": [
        {"id": subnet_id(aznet, rg, "vnet", "Public")}]}}}
    assert error_of(storage.storage_accounts.update, rg, name, no_endpoint) == (400, "NetworkAclsValidationFailure")
    assert storage.storage_accounts.get_properties(rg, name).network_rule_set.default_action == "Allow"
    ok = storage.storage_accounts.update(rg, name, {"properties": {"networkAcls": {"defaultAction": "Deny",
                                                                        "virtualNetworkRules": [
        {"id": subnet_id(aznet, rg, "vnet", "Private")}],
        "ipRules": [{"value": "203.0.113.0/24"}]}}})
    rules = ok.network_rule_set
    assert rules.default_action == "Deny" and rules.virtual_network_rules[0].virtual_network_resource_id.endswith(
        "/subnets/Private")
    assert rules.ip_rules[0].ip_address_or_range == "203.0.113.0/24"


def test_private_endpoint_to_blob_with_manual_approval(aznet, network_client, storage, rg):
    make_vnet(network_client, rg, subnets={"default": "10.0.0.0/24"})
    name = unique("st")
    acct = account(storage, rg, name)
    groups = sorted(r.group_id for r in storage.private_link_resources.list_by_storage_account(rg, name).value)
    assert "blob" in groups and "dfs" in groups and "blob_secondary" in groups

    def pe(pe_name: str, kind: str, group: str) -> Any:
        return network_client.private_endpoints.begin_create_or_update(rg, pe_name, {
            "location": LOC, "properties": {"subnet": {"id": subnet_id(aznet, rg)}, kind: [{
                "name": "conn", "properties": {"privateLinkServiceId": acct.id, "groupIds": [group]}}]}}).result()

    assert error_of(pe, "pe-bad", "privateLinkServiceConnections", "vault") == (400, "PrivateEndpointInvalidGroupId")
    auto = pe("pe-auto", "privateLinkServiceConnections", "blob")
    assert auto.private_link_service_connections[0].private_link_service_connection_state.status == "Approved"
    assert auto.custom_dns_configs[0].fqdn == f"{name}.blob.core.windows.net"
    manual = pe("pe-manual", "manualPrivateLinkServiceConnections", "file")
    assert manual.manual_private_link_service_connections[0].private_link_service_connection_state.status == \
        "Pending"
    conns = {c.private_endpoint.id.rsplit("/", 1)[-1]: c
             for c in storage.private_endpoint_connections.list(rg, name)}
    assert set(conns) == {"pe-auto", "pe-manual"}
    pending = conns["pe-manual"]
    storage.private_endpoint_connections.put(rg, name, pending.name, {
        "properties": {"privateLinkServiceConnectionState": {"status": "Approved", "description": "ok"}}})
    shown = network_client.private_endpoints.get(rg, "pe-manual")
    assert shown.manual_private_link_service_connections[0].private_link_service_connection_state.status == \
        "Approved"
    got = storage.storage_accounts.get_properties(rg, name)
    assert len(got.private_endpoint_connections) == 2
    network_client.private_endpoints.begin_delete(rg, "pe-manual").result()
    assert [c.private_endpoint.id.rsplit("/", 1)[-1] for c in storage.private_endpoint_connections.list(rg, name)] \
        == ["pe-auto"]


def pfx_bytes() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.contoso.com")])
    import datetime

    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(b"contoso", key, cert, None, serialization.NoEncryption())


def test_key_vault_secrets_resolve_to_pfx(aznet, keyvault, rg):
    from aznet.contracts.vault_secrets import SecretNotFound, resolve_secret_uri

    name = unique("kv")
    vault = keyvault.vaults.begin_create_or_update(rg, name, {"location": LOC, "properties": {
        "tenantId": aznet.tenant_id, "sku": {"family": "A", "name": "standard"},
        "enableRbacAuthorization": True}}).result()
    assert vault.properties.vault_uri == f"https://{name}.vault.azure.net/"
    assert vault.properties.enable_soft_delete is True and vault.properties.soft_delete_retention_in_days == 90
    pfx = pfx_bytes()
    secret = keyvault.secrets.create_or_update(rg, name, "contoso-cert", {"properties": {
        "value": base64.b64encode(pfx).decode(), "contentType": "application/x-pkcs12"}})
    assert secret.properties.secret_uri == f"https://{name}.vault.azure.net/secrets/contoso-cert"
    assert secret.properties.value is None                       # never returned
    store = aznet.platform.store if hasattr(aznet, "platform") else None
    if store is None:
        pytest.skip("the harness does not expose the platform")
    assert resolve_secret_uri(store, secret.properties.secret_uri) == pfx
    assert resolve_secret_uri(store, secret.properties.secret_uri_with_version) == pfx
    keyvault.secrets.create_or_update(rg, name, "contoso-cert", {"properties": {"value": "plain"}})
    assert resolve_secret_uri(store, secret.properties.secret_uri) == b"plain"
    assert resolve_secret_uri(store, secret.properties.secret_uri_with_version) == pfx   # the old version
    with pytest.raises(SecretNotFound):
        resolve_secret_uri(store, f"https://{name}.vault.azure.net/secrets/missing")
    with pytest.raises(SecretNotFound):
        resolve_secret_uri(store, "https://example.com/secrets/x")


@pytest.mark.parametrize("name,props,code", [
    ("1bad", {}, "VaultNameNotValid"),
    ("ok-name", {"tenantId": "not-a-guid"}, "BadRequest"),
    ("ok-name", {"sku": {"family": "A", "name": "gold"}}, "BadRequest"),
    ("ok-name", {"softDeleteRetentionInDays": 120}, "BadRequest"),
    ("ok-name", {"accessPolicies": [{"tenantId": "00000000-0000-0000-0000-000000000001", "objectId": "x",
                                      "permissions": {"secrets": ["fly"]}}]}, "BadRequest"),
])
def test_bad_vaults_refused(aznet, keyvault, rg, name, props, code):
    body = {"tenantId": aznet.tenant_id, "sku": {"family": "A", "name": "standard"}, **props}
    vname = name if name != "ok-name" else unique("kv")
    assert error_of(keyvault.vaults.begin_create_or_update, rg, vname, {"location": LOC, "properties": body}) == \
        (400, code)
    assert list(keyvault.vaults.list_by_resource_group(rg)) == []


def test_user_assigned_identity(aznet, rg):
    from azure.mgmt.msi import ManagedServiceIdentityClient

    msi = aznet.client(ManagedServiceIdentityClient)
    ident = msi.user_assigned_identities.create_or_update(rg, "appgw-identity", {"location": LOC})
    assert ident.tenant_id == aznet.tenant_id and uuid.UUID(ident.principal_id) and uuid.UUID(ident.client_id)
    again = msi.user_assigned_identities.create_or_update(rg, "appgw-identity", {"location": LOC, "tags": {"a": "b"}})
    assert again.client_id == ident.client_id and again.tags == {"a": "b"}
    assert error_of(msi.user_assigned_identities.create_or_update, rg, "-bad", {"location": LOC})[0] == 400


def test_key_vault_soft_delete_recover_and_purge(aznet, keyvault, rg):
    name = unique("kv")
    body = {"location": LOC, "properties": {"tenantId": aznet.tenant_id, "sku": {"family": "A", "name": "standard"},
                                            "enableRbacAuthorization": True, "softDeleteRetentionInDays": 7}}
    keyvault.vaults.begin_create_or_update(rg, name, body).result()
    keyvault.vaults.delete(rg, name)
    gone = keyvault.vaults.get_deleted(name, LOC)
    assert gone.properties.vault_id.endswith(f"/vaults/{name}")
    assert name in [v.name for v in keyvault.vaults.list_deleted()]
    assert error_of(keyvault.vaults.begin_create_or_update, rg, name, body) == (409, "ConflictError")
    back = keyvault.vaults.begin_create_or_update(rg, name, {"location": LOC, "properties": {
        "tenantId": aznet.tenant_id, "sku": {"family": "A", "name": "standard"}, "createMode": "recover"}}).result()
    assert back.properties.soft_delete_retention_in_days == 7
    assert name not in [v.name for v in keyvault.vaults.list_deleted()]
    keyvault.vaults.delete(rg, name)
    keyvault.vaults.begin_purge_deleted(name, LOC).result()
    assert name not in [v.name for v in keyvault.vaults.list_deleted()]
    keyvault.vaults.begin_create_or_update(rg, name, body).result()
