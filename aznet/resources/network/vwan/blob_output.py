"""Where the Virtual WAN actions that "upload to a storage blob" write (``virtualWans/{wan}/vpnConfiguration``,
``p2sVpnGateways/{gw}/getP2sVpnConnectionHealthDetailed``): Azure writes to the blob a SAS URL names
(``outputBlobSasUrl``). aznet has no blob service, so it writes the same content to a file under its data dir:
``<data dir>/blobs/<account>/<container>/<blob path>`` (account = the first label of the URL's host), replacing it
whole. The URL is checked as a blob URL (https, a host, a container and a blob name); the blob path cannot leave
that directory."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from ....arm.errors import ArmError

if TYPE_CHECKING:
    from ....arm.context import Ctx

MAX_URL = 2048
MAX_BYTES = 16 * 1024 * 1024
SEGMENT = re.compile(r"^[A-Za-z0-9._=+@,;() -]{1,255}$")
ACCOUNT = re.compile(r"^[a-z0-9-]{1,63}$")


def bad_url(url: object, why: str) -> ArmError:
    return ArmError(400, "InvalidOutputBlobSasUrl", f"outputBlobSasUrl {str(url)[:200]!r} is not a blob SAS URL: {why}.")


def target(ctx: Ctx, url: object) -> Path:
    """The file a blob SAS URL maps to under the data dir (checked, not created)."""
    if not isinstance(url, str) or not url:
        raise ArmError(400, "OutputBlobSasUrlRequired", "outputBlobSasUrl is required: the SAS URL of the blob to "
                       "write.")
    if len(url) > MAX_URL:
        raise bad_url(url, f"longer than {MAX_URL} characters")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("https", "http") or not parts.hostname:
        raise bad_url(url, "it needs an https URL with a host")
    account = parts.hostname.split(".", 1)[0].lower()
    if not ACCOUNT.match(account):
        raise bad_url(url, "the host does not start with a storage account name")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if len(segments) < 2:
        raise bad_url(url, "it names no container and blob")
    if any(s in (".", "..") or not SEGMENT.match(s) for s in segments):
        raise bad_url(url, "a path segment is not a plain blob or container name")
    root = Path(ctx.settings.data_dir) / "blobs"
    return root.joinpath(account, *segments)


def write(ctx: Ctx, url: object, data: bytes) -> Path:
    """Write ``data`` as the blob ``url`` names (the whole file, replaced atomically); returns the file."""
    path = target(ctx, url)
    if len(data) > MAX_BYTES:
        raise ArmError(400, "OutputTooLarge", f"The output ({len(data)} bytes) is over {MAX_BYTES} bytes.")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
