"""The identity endpoints clients authenticate against offline: cloud
metadata, OpenID configuration, token issuing, and token checking for ARM.

Any client id and secret (and any user name and password) is accepted; the
tokens are JWTs signed with the emulator's own RSA key."""

from __future__ import annotations

import base64
import json
import time
import uuid
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..lru import ByteLRU
from .errors import ArmError

KEY_ID = "aznet-signing-key"


class TokenIssuer:
    def __init__(self, data_dir: Path, endpoint: str, tenant: str, lifetime: int = 3600) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.tenant = tenant
        self.lifetime = lifetime
        key_path = data_dir / "token-signing-key.pem"
        if key_path.exists():
            key = serialization.load_pem_private_key(key_path.read_bytes(), None)
            assert isinstance(key, rsa.RSAPrivateKey)
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            tmp = key_path.with_suffix(".tmp")
            tmp.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
            tmp.chmod(0o600)
            tmp.replace(key_path)
        self._key = key
        self._public = key.public_key()
        # verified tokens' claims, by token: an LRU bounded by bytes (tokens are ~1 KB; anyone may mint many)
        self._verified: ByteLRU[str, dict[str, Any]] = ByteLRU(8 * 1024 * 1024)

    # -- discovery documents -------------------------------------------------
    def openid_configuration(self, tenant: str, v2: bool) -> dict[str, Any]:
        base = f"{self.endpoint}/{tenant}"
        suffix = "/v2.0" if v2 else ""
        return {
            "token_endpoint": f"{base}/oauth2{suffix}/token",
            "authorization_endpoint": f"{base}/oauth2{suffix}/authorize",
            "device_authorization_endpoint": f"{base}/oauth2{suffix}/devicecode",
            "end_session_endpoint": f"{base}/oauth2{suffix}/logout",
            "issuer": f"{base}{suffix}" if v2 else f"{self.endpoint}/{tenant}/",
            "jwks_uri": f"{base}/discovery{suffix}/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "tid", "oid", "name", "preferred_username"],
            "tenant_region_scope": "WW",
            "cloud_instance_name": "aznet.localhost",
        }

    def jwks(self) -> dict[str, Any]:
        import jwt  # imported on first use: it costs a noticeable part of start-up

        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._public))
        jwk.update({"kid": KEY_ID, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def instance_discovery(self) -> dict[str, Any]:
        host = self.endpoint.split("://", 1)[1]
        return {
            "tenant_discovery_endpoint": f"{self.endpoint}/{self.tenant}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        }

    # -- tokens ---------------------------------------------------------------
    def issue(self, tenant: str, form: dict[str, str]) -> dict[str, Any]:
        grant = form.get("grant_type", "")
        if grant not in ("client_credentials", "password", "refresh_token"):
            raise ArmError(400, "unsupported_grant_type",
                           f"AADSTS70003: The app requested an unsupported grant type '{grant}'.")
        client_id = form.get("client_id") or "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
        if grant == "refresh_token":
            try:
                ref = json.loads(base64.urlsafe_b64decode(form.get("refresh_token", "") + "=="))
                user = ref.get("user")
            except (ValueError, json.JSONDecodeError):
                raise ArmError(400, "invalid_grant", "AADSTS9002313: Invalid refresh token.") from None
        else:
            user = form.get("username") if grant == "password" else None
        scope = form.get("scope") or form.get("resource") or f"{self.endpoint}/.default"
        resource = next((s for s in scope.split() if s not in ("openid", "profile", "offline_access")),
                        f"{self.endpoint}/.default")
        audience = resource.removesuffix("/.default").removesuffix(".default") or self.endpoint
        if tenant.lower() in ("common", "organizations", "consumers"):
            tenant = self.tenant
        principal = user or client_id
        oid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"aznet:{principal}"))
        now = int(time.time())
        claims: dict[str, Any] = {
            "aud": audience, "iss": f"{self.endpoint}/{tenant}/", "iat": now, "nbf": now - 5,
            "exp": now + self.lifetime, "tid": tenant, "oid": oid, "sub": oid, "appid": client_id,
            "ver": "1.0", "idtyp": "user" if user else "app",
        }
        if user:
            claims.update({"upn": user, "unique_name": user, "name": user})
        import jwt

        token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": KEY_ID})
        out: dict[str, Any] = {
            "token_type": "Bearer", "expires_in": self.lifetime, "ext_expires_in": self.lifetime,
            "access_token": token, "resource": audience, "expires_on": str(now + self.lifetime),
            "not_before": str(now), "scope": scope,
        }
        if user:
            id_claims = {
                "aud": client_id, "iss": f"{self.endpoint}/{tenant}/v2.0", "iat": now, "nbf": now,
                "exp": now + self.lifetime, "tid": tenant, "oid": oid, "sub": oid,
                "preferred_username": user, "name": user, "ver": "2.0",
            }
            out["id_token"] = jwt.encode(id_claims, self._key, algorithm="RS256", headers={"kid": KEY_ID})
            out["client_info"] = base64.urlsafe_b64encode(
                json.dumps({"uid": oid, "utid": tenant}).encode()).decode().rstrip("=")
            out["refresh_token"] = base64.urlsafe_b64encode(json.dumps({"user": user}).encode()).decode()
        return out

    def check(self, authorization: str | None, challenge_tenant: str | None = None) -> dict[str, Any]:
        """Verify an ``Authorization: Bearer`` header; raise a 401 ArmError otherwise."""
        if not authorization:
            raise self._unauthorized("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
                                     "The authentication failed because of missing 'Authorization' header.")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise self._unauthorized("AuthenticationFailed",
                                     "Authentication failed. The 'Authorization' header is provided in an invalid format.",
                                     "The authentication failed because of invalid 'Authorization' header format.")
        claims = self._verified.get(token)
        now = time.time()
        if claims is None:
            import jwt

            try:
                claims = jwt.decode(token, self._public, algorithms=["RS256"],
                                    options={"verify_aud": False, "verify_exp": False})
            except jwt.PyJWTError:
                raise self._unauthorized("InvalidAuthenticationToken", "The access token is invalid.",
                                         "The access token is invalid.") from None
            self._verified.put(token, claims, 2 * len(token) + 1024)
        exp = claims.get("exp", 0)
        if exp <= now:
            fmt = "%m/%d/%Y %H:%M:%S"
            raise self._unauthorized(
                "ExpiredAuthenticationToken",
                f"The access token expiry UTC time '{time.strftime(fmt, time.gmtime(exp))}' is earlier than "
                f"current UTC time '{time.strftime(fmt, time.gmtime(now))}'.",
                "The access token has expired.")
        return claims

    def _unauthorized(self, code: str, message: str, description: str) -> ArmError:
        header = (f'Bearer authorization_uri="{self.endpoint}/{self.tenant}", error="invalid_token", '
                  f'error_description="{description}"')
        return ArmError(401, code, message, headers={"WWW-Authenticate": header})


def cloud_metadata(endpoint: str, api_version: str | None) -> Any:
    """``GET /metadata/endpoints``: the document ``az cloud register`` reads."""
    ep = endpoint.rstrip("/")
    suffixes = {
        "acrLoginServer": "azurecr.io", "keyVaultDns": "vault.azure.net", "storage": "core.windows.net",
        "sqlServerHostname": "database.windows.net", "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
        "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
        "mhsmDns": "managedhsm.azure.net", "azureFrontDoorEndpointSuffix": "azurefd.net",
        "storageSyncEndpointSuffix": "afs.azure.net", "synapseAnalytics": "dev.azuresynapse.net",
        "attestationEndpoint": "attest.azure.net",
    }
    new = {
        "name": "aznet", "portal": ep, "resourceManager": f"{ep}/", "gallery": f"{ep}/gallery/",
        "graph": f"{ep}/graph/", "graphAudience": f"{ep}/graph/", "batch": f"{ep}/batch/",
        "media": f"{ep}/media/", "sqlManagement": f"{ep}/sql/", "vmImageAliasDoc": f"{ep}/vmimagealiases",
        "microsoftGraphResourceId": f"{ep}/graph/",
        "activeDirectoryDataLake": f"{ep}/datalake/", "appInsightsResourceId": f"{ep}/appinsights/",
        "appInsightsTelemetryChannelResourceId": f"{ep}/appinsights/", "logAnalyticsResourceId": f"{ep}/loganalytics/",
        "ossrDbmsResourceId": f"{ep}/ossrdbms/",
        "authentication": {"loginEndpoint": ep, "audiences": [f"{ep}/", ep], "tenant": "common",
                           "identityProvider": "AAD"},
        "suffixes": suffixes,
    }
    if api_version and api_version >= "2022-09-01":
        return new                      # this cloud only
    if api_version and api_version >= "2019-05-01":
        return [new]                    # the list-of-clouds format
    return {
        "galleryEndpoint": new["gallery"], "graphEndpoint": new["graph"], "portalEndpoint": ep,
        "authentication": {"loginEndpoint": ep, "audiences": [f"{ep}/", ep]},
    }
