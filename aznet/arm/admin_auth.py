"""Who may call aznet's admin routes (``/_aznet/reset``, ``import``, ``export``,
``status``): a caller holding the local admin key (a random secret in the
data dir, readable only by its owner, which the ``aznet`` CLI sends), or a
token of the default tenant. ``/_aznet/health`` stays open."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any

from .errors import ArmError

KEY_FILE = "admin-key"
HEADER = "x-aznet-admin-key"


def ensure_admin_key(data_dir: Path) -> str:
    path = data_dir / KEY_FILE
    if path.exists():
        key = path.read_text().strip()
        if key:
            return key
    key = secrets.token_urlsafe(32)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(key + "\n")
    tmp.chmod(0o600)
    tmp.replace(path)
    return key


def read_admin_key(data_dir: Path) -> str | None:
    try:
        return (data_dir / KEY_FILE).read_text().strip() or None
    except OSError:
        return None


def check_admin(platform: Any, req: Any, action: str) -> dict[str, Any]:
    """Pass an admin request or raise 401/403; returns the token's claims (empty for the key)."""
    headers = req.headers
    key = headers.get(HEADER)
    if key is not None:
        if hmac.compare_digest(key.encode(), platform.admin_key.encode()):
            return {}
        raise ArmError(401, "AuthenticationFailed",
                       f"Authentication failed. The '{HEADER}' header does not hold this server's admin key.")
    if not headers.get("authorization"):
        raise ArmError(401, "AuthenticationFailed",
                       "Authentication failed. The 'Authorization' header is missing: aznet's admin routes need a "
                       f"token of the default tenant, or the '{HEADER}' header with the key in the data dir's "
                       f"'{KEY_FILE}' file (the aznet CLI sends it).")
    claims = platform.issuer.check(headers.get("authorization"))
    platform.tenants.check_claims(claims, req.base_url)
    tenant = platform.settings.tenant
    if str(claims.get("tid", "")).lower() != tenant.lower():
        oid = claims.get("oid", "")
        raise ArmError(403, "AuthorizationFailed",
                       f"The client '{oid}' with object id '{oid}' does not have authorization to perform action "
                       f"'{action}' over scope '/_aznet' or the scope is invalid. Only the default tenant "
                       f"'{tenant}' administers aznet.")
    return claims
