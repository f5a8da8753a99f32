"""Linked templates: fetching ``templateLink`` / ``parametersLink`` content.

aznet never sends traffic off the machine, so a link is fetched only when it points here:
- ``http(s)://`` with a loopback host (127.0.0.0/8, ::1, or ``localhost`` when every address it resolves
  to is loopback); no redirects are followed; the certificate of a loopback https server is not checked;
- ``file://`` paths inside a directory the user allowed (``AZNET_TEMPLATE_DIRS``, see aznet/config.py).
Anything else gets ARM's InvalidContentLink error, naming the link and the reason."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import TemplateError
from .jsonc import parse_template_text

MAX_BYTES = 4 * 1024 * 1024      # ARM's template size limit
TIMEOUT = 10.0


def link_error(uri: str, reason: str) -> TemplateError:
    return TemplateError(f"Unable to download deployment content from '{uri}': {reason}. Please see "
                         "https://aka.ms/arm-deploy for usage details.", "InvalidContentLink")


def resolve_link(link: Any, base_uri: str | None) -> str:
    """The absolute URI of a ``templateLink`` / ``parametersLink`` object (``uri``, or ``relativePath`` against
    the linking template's own URI)."""
    if not isinstance(link, dict):
        raise TemplateError("The 'templateLink' property must be a JSON object with a 'uri' or a 'relativePath'.",
                            "InvalidContentLink")
    uri = link.get("uri")
    rel = link.get("relativePath")
    query = link.get("queryString")
    if isinstance(uri, str) and uri:
        return _with_query(uri, query)
    if isinstance(rel, str) and rel:
        if base_uri is None:
            raise TemplateError(f"The template link's relativePath '{rel}' can only be used in a template that "
                                "was itself deployed from a link (templateLink.uri).", "InvalidContentLink")
        base = urllib.parse.urlsplit(base_uri)
        joined = urllib.parse.urljoin(urllib.parse.urlunsplit(base._replace(query="")), rel)
        # a relative link carries the parent's query string (a SAS token), unless it sets its own
        return _with_query(joined, query if query else base.query or None)
    if link.get("id"):
        raise TemplateError("Template specs (templateLink.id) are not available in aznet; use templateLink.uri "
                            "or an inline template.", "InvalidContentLink")
    raise TemplateError("The template link needs a 'uri' or a 'relativePath'.", "InvalidContentLink")


def _with_query(uri: str, query: Any) -> str:
    if not isinstance(query, str) or not query:
        return uri
    parts = urllib.parse.urlsplit(uri)
    merged = f"{parts.query}&{query.lstrip('?')}" if parts.query else query.lstrip("?")
    return urllib.parse.urlunsplit(parts._replace(query=merged))


def _loopback_host(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    if host.lower() != "localhost":
        return False
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0].split("%")[0]).is_loopback for i in infos)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kw: Any) -> None:
        return None


def _read_http(uri: str) -> bytes:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE            # loopback only: nothing leaves the machine
    opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=ctx),
                                         urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(uri, headers={"Accept": "application/json"}),
                         timeout=TIMEOUT) as resp:
            data = resp.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise link_error(uri, f"the server answered {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise link_error(uri, f"{getattr(exc, 'reason', exc)}") from None
    return data


def _read_file(uri: str, parsed: urllib.parse.ParseResult, allowed: Sequence[Path]) -> bytes:
    if parsed.netloc not in ("", "localhost"):
        raise link_error(uri, "a file URI must name a local path")
    path = Path(urllib.parse.unquote(parsed.path)).resolve()
    roots = [Path(d).resolve() for d in allowed]
    if not any(path == r or r in path.parents for r in roots):
        where = ", ".join(str(r) for r in roots) if roots else "none is set"
        raise link_error(uri, f"aznet reads file links only inside the directories in AZNET_TEMPLATE_DIRS "
                              f"({where})")
    try:
        with path.open("rb") as f:
            return f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise link_error(uri, exc.strerror or str(exc)) from None


def fetch(uri: str, allowed_dirs: Sequence[Path]) -> dict[str, Any]:
    """The JSON object a link points to, or TemplateError (InvalidContentLink)."""
    if not isinstance(uri, str) or len(uri) > 2048:
        raise link_error(str(uri)[:100], "the link is not a valid URI")
    parsed = urllib.parse.urlparse(uri)
    scheme = parsed.scheme.lower()
    if scheme in ("http", "https"):
        if not parsed.hostname or not _loopback_host(parsed.hostname):
            raise link_error(uri, "aznet fetches links only from this machine (loopback http(s) addresses) and "
                                  "never sends traffic elsewhere")
        data = _read_http(uri)
    elif scheme == "file":
        data = _read_file(uri, parsed, allowed_dirs)
    else:
        raise link_error(uri, f"the scheme '{parsed.scheme}' is not supported (use http(s) on loopback, or file)")
    if len(data) > MAX_BYTES:
        raise link_error(uri, f"the content is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        value = parse_template_text(data.decode("utf-8-sig"))
    except (TemplateError, UnicodeDecodeError):
        raise link_error(uri, "the content is not valid JSON") from None
    if not isinstance(value, dict):
        raise link_error(uri, "the content is not a JSON object")
    return value
