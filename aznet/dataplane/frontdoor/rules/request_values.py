"""What each rules-engine match condition and server variable reads from a request.

Azure's definitions (rules-match-conditions, rule set server variables):
- Request path (``UrlPath``) is the path after the host name *and its slash*: ``files/secure/a.pdf``.
- Request URL (``RequestUri``) is the whole URL with protocol and query string, without fragment.
- Query string is matched as one string without the leading ``?``.
- Request body: only the first 64 KB are considered.
- Post args: the ``application/x-www-form-urlencoded`` body's arguments.
- Remote address is the client address (socket, or X-Forwarded-For when configured); socket address is the
  TCP peer.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote

from ..exchange import EdgeRequest

BODY_LIMIT = 64 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}
# User-Agent tokens of phones and tablets: what "Mobile" of the IsDevice condition means here (inferred; Azure
# does not publish its device database).
_MOBILE = re.compile(r"Mobi|Android|iPhone|iPad|iPod|Windows Phone|BlackBerry|BB10|Opera Mini|IEMobile|Kindle|Silk|"
                     r"webOS|Mobile Safari|Tablet", re.I)


class RequestView:
    """Lazily computed request values, shared by every condition of one evaluation."""

    __slots__ = ("req", "_cookies", "_post", "_path")

    def __init__(self, req: EdgeRequest) -> None:
        self.req = req
        self._cookies: dict[str, list[str]] | None = None
        self._post: dict[str, list[str]] | None = None
        self._path: str | None = None

    @property
    def path(self) -> str:
        """URL path, percent-decoded, with its leading slash."""
        if self._path is None:
            self._path = unquote(self.req.path, errors="replace")
        return self._path

    def url_path(self) -> str:
        return self.path[1:] if self.path.startswith("/") else self.path

    def file_name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def file_extension(self) -> str:
        name = self.file_name()
        return name.rsplit(".", 1)[1] if "." in name else ""

    def authority(self) -> str:
        port = self.req.server_port
        if port and port != DEFAULT_PORTS.get(self.req.scheme):
            return f"{self.req.host}:{port}"
        return self.req.host

    def request_uri(self) -> str:
        """Server variable ``request_uri``: path and query as received."""
        return self.req.path + (f"?{self.req.query}" if self.req.query else "")

    def full_url(self) -> str:
        return f"{self.req.scheme}://{self.authority()}{self.request_uri()}"

    def body_text(self) -> str:
        return self.req.body[:BODY_LIMIT].decode("utf-8", errors="replace")

    def cookies(self) -> dict[str, list[str]]:
        if self._cookies is None:
            out: dict[str, list[str]] = {}
            for line in self.req.header_all("cookie"):
                for part in line.split(";"):
                    name, sep, value = part.strip().partition("=")
                    if sep and name:
                        out.setdefault(name, []).append(value)
            self._cookies = out
        return self._cookies

    def post_args(self) -> dict[str, list[str]]:
        if self._post is None:
            out: dict[str, list[str]] = {}
            ctype = (self.req.header("content-type") or "").split(";", 1)[0].strip().lower()
            if ctype == "application/x-www-form-urlencoded" and self.req.body:
                text = self.req.body[:BODY_LIMIT].decode("utf-8", errors="replace")
                for k, v in parse_qsl(text, keep_blank_values=True):
                    out.setdefault(k, []).append(v)
            self._post = out
        return self._post

    def is_mobile(self) -> bool:
        return bool(_MOBILE.search(self.req.header("user-agent") or ""))

    def http_version(self) -> str:
        return self.req.http_version

    def variable(self, name: str, geo: object = None) -> str | None:
        """Azure's rule-set server variables by name (``client_ip``, ``url_path``, ...)."""
        r = self.req
        if name == "socket_ip":
            return r.socket_ip
        if name == "client_ip":
            return r.client_ip
        if name == "client_port":
            return str(r.client_port)
        if name == "hostname":
            return r.host
        if name == "geo_country":
            return (geo(r.client_ip) if callable(geo) else None) or ""
        if name == "http_method":
            return r.method
        if name == "http_version":
            return f"HTTP/{r.http_version}"
        if name == "query_string":
            return r.query
        if name == "request_scheme":
            return r.scheme
        if name == "request_uri":
            return self.request_uri()
        if name == "ssl_protocol":
            return r.tls_protocol
        if name == "server_port":
            return str(r.server_port)
        if name == "url_path":
            return r.path
        return None


_VAR = re.compile(r"\{([a-z_]+)(?::(\d+))?(?::(\d+))?\}")


def expand(template: str, view: RequestView, geo: object = None) -> str:
    """Substitute ``{variable}``, ``{variable:offset}`` and ``{variable:offset:length}`` (zero-based offset);
    an unknown variable name is left as written."""
    if "{" not in template:
        return template

    def sub(m: re.Match[str]) -> str:
        value = view.variable(m.group(1), geo)
        if value is None:
            return m.group(0)
        if m.group(2) is not None:
            start = int(m.group(2))
            value = value[start:start + int(m.group(3))] if m.group(3) is not None else value[start:]
        return value

    return _VAR.sub(sub, template)
