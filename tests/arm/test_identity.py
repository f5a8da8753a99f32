"""Identity endpoints: metadata, OpenID configuration, tokens, and ARM's
401 answers for missing, bad and expired tokens."""

from __future__ import annotations

import time

import jwt
from azure.mgmt.resource.resources import ResourceManagementClient

from .helpers import http, token


def list_groups(aznet, bearer: str | None):  # type: ignore[no-untyped-def]
    """GET the subscription's resource groups with ``Authorization: Bearer <bearer>`` (no header for None)."""
    headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
    with http(aznet) as c:
        return c.get(f"/subscriptions/{aznet.subscription_id}/resourcegroups", params={"api-version": "2021-04-01"},
                     headers=headers)


def test_cloud_metadata_old_and_new_formats(aznet):
    with http(aznet) as c:
        old = c.get("/metadata/endpoints", params={"api-version": "2015-01-01"}).json()
        listed = c.get(f"{aznet.endpoint}//metadata/endpoints", params={"api-version": "2019-05-01"}).json()
        single = c.get(f"{aznet.endpoint}//metadata/endpoints", params={"api-version": "2022-09-01"}).json()
    assert old["authentication"]["loginEndpoint"] == aznet.endpoint
    assert isinstance(listed, list) and listed[0]["resourceManager"].rstrip("/") == aznet.endpoint
    assert single["resourceManager"].rstrip("/") == aznet.endpoint
    assert single["authentication"]["audiences"]


def test_openid_configuration_points_at_token_endpoint(aznet):
    with http(aznet) as c:
        conf = c.get(f"/{aznet.tenant_id}/v2.0/.well-known/openid-configuration").json()
        keys = c.get(f"/{aznet.tenant_id}/discovery/v2.0/keys").json()
    assert conf["token_endpoint"] == f"{aznet.endpoint}/{aznet.tenant_id}/oauth2/v2.0/token"
    assert keys["keys"][0]["kty"] == "RSA"


def test_token_is_a_signed_jwt_with_azure_claims(aznet):
    tok = token(aznet)
    with http(aznet) as c:
        keys = c.get(f"/{aznet.tenant_id}/discovery/v2.0/keys").json()["keys"]
    key = jwt.PyJWK(keys[0]).key
    claims = jwt.decode(tok, key, algorithms=["RS256"], options={"verify_aud": False})
    for claim in ("tid", "oid", "aud", "iat", "exp"):
        assert claim in claims
    assert claims["tid"] == aznet.tenant_id
    assert claims["exp"] > time.time()


def test_password_grant_and_v1_endpoint(aznet):
    with http(aznet) as c:
        r = c.post(f"/{aznet.tenant_id}/oauth2/token", data={
            "grant_type": "password", "client_id": "app", "username": "dev@aznet.localhost", "password": "pw",
            "scope": "openid profile offline_access https://x/.default"})
    assert r.status_code == 200
    body = r.json()
    assert body["id_token"] and body["access_token"]


def test_unsupported_grant_is_rejected(aznet):
    with http(aznet) as c:
        r = c.post(f"/{aznet.tenant_id}/oauth2/v2.0/token", data={"grant_type": "magic"})
    assert r.status_code == 400
    assert r.json()["error"] == "unsupported_grant_type"


def test_missing_token_gets_401_with_challenge(aznet):
    r = list_groups(aznet, None)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "AuthenticationFailed"
    assert r.headers["www-authenticate"].startswith("Bearer authorization_uri=")


def test_bad_token_gets_401(aznet):
    r = list_groups(aznet, "not.a.jwt")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_token_signed_by_another_key_gets_401(aznet):
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode({"tid": aznet.tenant_id, "exp": time.time() + 600}, other, algorithm="RS256")
    r = list_groups(aznet, forged)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_expired_token_gets_401(aznet):
    issuer = aznet.platform.issuer
    old = issuer.lifetime
    issuer.lifetime = -10
    try:
        expired = token(aznet)
    finally:
        issuer.lifetime = old
    r = list_groups(aznet, expired)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "ExpiredAuthenticationToken"


def test_sdk_client_secret_credential_path(aznet):
    """The exact construction the issue names: authority + base_url + credential_scopes."""
    from azure.identity import ClientSecretCredential

    cred = ClientSecretCredential(aznet.tenant_id, "any-id", "any-secret", authority=aznet.endpoint,
                                  disable_instance_discovery=True)
    client = ResourceManagementClient(cred, aznet.subscription_id, base_url=aznet.endpoint,
                                      credential_scopes=[f"{aznet.endpoint}/.default"])
    names = [g.name for g in client.resource_groups.list()]
    assert isinstance(names, list)
