"""Request/response variables and collections, built lazily from an :class:`HttpRequest`.

Collections are lists of (key, value) pairs (keys keep their case; selectors compare case-
insensitively, as ModSecurity does). Scalars are single values. Everything is latin-1 ``str``.
"""

from __future__ import annotations

import re
from typing import Any

from . import bodies
from .memo import MEMO, Table
from .request import HttpRequest, HttpResponse, as_text

Pairs = list[tuple[str, str]]

# the collections RequestView.collection builds from the request
REQUEST_COLLECTIONS = frozenset({
    "ARGS", "ARGS_GET", "ARGS_POST", "ARGS_NAMES", "ARGS_GET_NAMES", "ARGS_POST_NAMES",
    "REQUEST_HEADERS", "REQUEST_HEADERS_NAMES", "REQUEST_COOKIES", "REQUEST_COOKIES_NAMES",
    "FILES", "FILES_NAMES", "FILES_SIZES", "MULTIPART_PART_HEADERS", "XML",
})
COLLECTIONS = frozenset({
    "ARGS", "ARGS_GET", "ARGS_POST", "ARGS_NAMES", "ARGS_GET_NAMES", "ARGS_POST_NAMES",
    "REQUEST_HEADERS", "REQUEST_HEADERS_NAMES", "REQUEST_COOKIES", "REQUEST_COOKIES_NAMES",
    "FILES", "FILES_NAMES", "FILES_SIZES", "FILES_TMPNAMES", "FILES_TMP_CONTENT", "MULTIPART_PART_HEADERS",
    "XML", "TX", "IP", "GEO", "MATCHED_VARS", "MATCHED_VARS_NAMES", "RESPONSE_HEADERS",
    "RESPONSE_HEADERS_NAMES", "ENV", "RULE", "SESSION", "USER", "GLOBAL", "RESOURCE",
})


def url_decode_path(path: str) -> str:
    """%XX decoding of a path (no '+' to space), as REQUEST_FILENAME holds it."""
    if "%" not in path:
        return path
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), path)


# collections only a request body fills (ARGS_POST and the scalars still ask the body processor)
_BODY_COLLECTIONS = frozenset({"FILES", "FILES_NAMES", "FILES_SIZES", "MULTIPART_PART_HEADERS", "XML"})


# header list -> its REQUEST_HEADERS index (lower-cased name -> pairs) / its parsed cookies: what a header list
# seen before (the same client's next request) costs one lookup for, from its second time; read only, bounded
_HEADER_INDEXES: Table = MEMO.table()
_COOKIE_LISTS: Table = MEMO.table()
MAX_HEADER_CHARS = 16 * 1024
# (body, Content-Type, forced processor) -> what the body processor made of it: a body seen before (an API client's
# repeated call) is parsed once; read only, bounded like every memo
_PARSED_BODIES: Table = MEMO.table()
MAX_BODY_CHARS = 64 * 1024


def _index(pairs: Pairs) -> dict[str, Pairs]:
    idx: dict[str, Pairs] = {}
    for k, v in pairs:
        idx.setdefault(k.lower(), []).append((k, v))
    return idx


def _remember(table: Table, hkey: tuple[tuple[str, str], ...], value: Any) -> None:
    if not MEMO.seen_before(table, hkey):
        return                                       # kept from its second time (a one-time list is not)
    chars = sum(len(k) + len(v) for k, v in hkey)
    if chars <= MAX_HEADER_CHARS:
        MEMO.put_weighed(table, hkey, 2 * chars + 96 * len(hkey), value)


class RequestView:
    """The request side of a transaction: parses lazily and caches each variable."""

    def __init__(self, req: HttpRequest, body_limit: int | None = None) -> None:
        self.req = req
        self.method = req.method
        self.uri = as_text(req.uri)
        self.version = req.version
        self.headers: Pairs = [(as_text(k), as_text(v)) for k, v in req.headers]
        body = req.body if body_limit is None else req.body[:body_limit]
        self.body = as_text(body)
        self.forced_processor: str | None = None
        self.force_body_variable = False
        self._cache: dict[str, Any] = {}
        self.resolved: dict[tuple[Any, ...], list[tuple[str, str]]] = {}   # Transaction.resolve's cache
        path, _, query = self.uri.partition("?")
        if re.match(r"(?i)^[a-z][a-z0-9+.-]*://", path):
            rest = path.split("://", 1)[1]
            slash = rest.find("/")
            path = rest[slash:] if slash >= 0 else "/"
        self.path = path.split("#", 1)[0]
        self.query = query.split("#", 1)[0] if "?" in self.uri else ""
        self.has_query = "?" in self.uri
        self.decoded_path = url_decode_path(self.path)

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for k, v in self.headers:
            if k.lower() == lname:
                return v
        return None

    @property
    def parsed_body(self) -> bodies.ParsedBody:
        pb = self._cache.get("_body")
        if pb is None:
            ct = self.keyed("REQUEST_HEADERS").get("content-type")
            key = (self.body, ct[0][1] if ct else "", self.forced_processor)
            pb = _PARSED_BODIES.get(key)
            if pb is None:
                pb = bodies.process(*key)
                if len(self.body) <= MAX_BODY_CHARS:
                    MEMO.put_repeated(_PARSED_BODIES, key, 4 * len(self.body) + len(key[1]) + 256, pb)
            self._cache["_body"] = pb
        return pb

    def reset_body(self) -> None:
        self.resolved.clear()
        self._cache.pop("_body", None)
        for k in ("ARGS", "ARGS_POST", "ARGS_NAMES", "ARGS_POST_NAMES"):
            self._cache.pop(k, None)
            self._cache.pop("#" + k, None)

    @property
    def headers_key(self) -> tuple[tuple[str, str], ...]:
        """The header list as a tuple: what everything derived from the headers alone is remembered by."""
        key = self._cache.get("_hkey")
        if key is None:
            key = self._cache["_hkey"] = tuple(self.headers)
        return key

    def keyed(self, name: str) -> dict[str, Pairs]:
        """A request collection by lower-cased key (what a non-regex selector such as
        REQUEST_HEADERS:User-Agent picks), built once per request and collection (the headers' once per header
        list: ``_HEADER_INDEXES``)."""
        idx = self._cache.get("#" + name)
        if idx is None:
            if name == "REQUEST_HEADERS":
                hkey = self.headers_key
                idx = _HEADER_INDEXES.get(hkey)
                if idx is None:
                    idx = _index(self.headers)
                    _remember(_HEADER_INDEXES, hkey, idx)
            else:
                idx = _index(self.collection(name))
            self._cache["#" + name] = idx
        return idx

    @property
    def args_get(self) -> Pairs:
        v = self._cache.get("ARGS_GET")
        if v is None:
            v = self._cache["ARGS_GET"] = bodies.parse_urlencoded(self.query)
        return v

    @property
    def cookies(self) -> Pairs:
        v = self._cache.get("COOKIES")
        if v is None:
            hkey = self.headers_key
            v = _COOKIE_LISTS.get(hkey)
            if v is None:
                v = bodies.parse_cookies([val for k, val in self.headers if k.lower() == "cookie"])
                _remember(_COOKIE_LISTS, hkey, v)
            self._cache["COOKIES"] = v
        return v

    def collection(self, name: str) -> Pairs:
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        out: Pairs
        if not self.body and name in _BODY_COLLECTIONS:
            # no body: no parts, files or XML whatever the processor (an empty multipart body has no boundary,
            # JSON and XML parse only a body), without running it (CRS counts &MULTIPART_PART_HEADERS each request)
            out = []
        elif name == "ARGS_GET":
            out = self.args_get
        elif name == "ARGS_POST":
            out = self.parsed_body.args
        elif name == "ARGS":
            # no body: no post arguments whatever the processor (each parses an empty body to none), without it
            out = self.args_get + self.parsed_body.args if self.body else list(self.args_get)
        elif name == "ARGS_NAMES":
            out = [(k, k) for k, _ in self.collection("ARGS")]
        elif name == "ARGS_GET_NAMES":
            out = [(k, k) for k, _ in self.args_get]
        elif name == "ARGS_POST_NAMES":
            out = [(k, k) for k, _ in self.parsed_body.args]
        elif name == "REQUEST_HEADERS":
            out = self.headers
        elif name == "REQUEST_HEADERS_NAMES":
            out = [(k, k) for k, _ in self.headers]
        elif name == "REQUEST_COOKIES":
            out = self.cookies
        elif name == "REQUEST_COOKIES_NAMES":
            out = [(k, k) for k, _ in self.cookies]
        elif name == "FILES":
            out = self.parsed_body.files
        elif name == "FILES_NAMES":
            out = [(k, k) for k, _ in self.parsed_body.files]
        elif name == "FILES_SIZES":
            out = self.parsed_body.file_sizes
        elif name == "MULTIPART_PART_HEADERS":
            out = self.parsed_body.part_headers
        elif name == "XML":
            pb = self.parsed_body
            out = [("/*", t) for t in pb.xml_text] + [("//@*", a) for a in pb.xml_attrs]
        else:
            out = []
        self._cache[name] = out
        return out

    def scalar(self, name: str) -> str | None:
        """A single-valued variable; None when it does not exist for this request."""
        if name == "REQUEST_URI":
            return self.uri
        if name == "REQUEST_URI_RAW":
            return self.uri
        if name == "REQUEST_FILENAME":
            return self.decoded_path
        if name == "REQUEST_BASENAME":
            p = self.decoded_path
            return p[max(p.rfind("/"), p.rfind("\\")) + 1:]
        if name == "QUERY_STRING":
            return self.query
        if name == "REQUEST_METHOD":
            return self.method
        if name == "REQUEST_PROTOCOL":
            return self.version
        if name == "REQUEST_LINE":
            return f"{self.method} {self.uri} {self.version}"
        if name == "REQUEST_BODY":
            # as ModSecurity 2 (which the CRS suite assumes): only for URL-encoded bodies, or
            # when forced (CRS 901340 forces it when no body processor applies)
            if not self.body:
                return None
            if self.parsed_body.processor == "URLENCODED" or (
                    self.force_body_variable and not self.parsed_body.processor):
                return self.body
            return None
        if name == "REQUEST_BODY_LENGTH":
            return str(len(self.body))
        if name == "FULL_REQUEST":
            head = f"{self.method} {self.uri} {self.version}\r\n" + "".join(
                f"{k}: {v}\r\n" for k, v in self.headers)
            return head + "\r\n" + self.body
        if name == "FULL_REQUEST_LENGTH":
            return str(len(self.scalar("FULL_REQUEST") or ""))
        if name == "REMOTE_ADDR":
            return self.req.client_addr
        if name == "REMOTE_PORT":
            return str(self.req.client_port)
        if name == "SERVER_ADDR":
            return self.req.server_addr
        if name == "SERVER_PORT":
            return str(self.req.server_port)
        if name == "SERVER_NAME":
            host = self.header("host") or self.req.host or ""
            return host.rsplit(":", 1)[0] if not host.startswith("[") else host
        if name == "REQBODY_PROCESSOR":
            return self.parsed_body.processor if self.body else (self.forced_processor or "")
        if name in ("REQBODY_ERROR", "REQBODY_PROCESSOR_ERROR"):
            return str(self.parsed_body.error)
        if name in ("REQBODY_ERROR_MSG", "REQBODY_PROCESSOR_ERROR_MSG"):
            return self.parsed_body.error_msg
        if name == "MULTIPART_STRICT_ERROR":
            return str(self.parsed_body.multipart_strict_error)
        if name == "MULTIPART_UNMATCHED_BOUNDARY":
            return str(self.parsed_body.multipart_unmatched_boundary)
        if name == "FILES_COMBINED_SIZE":
            return str(self.parsed_body.files_combined_size)
        if name == "ARGS_COMBINED_SIZE":
            return str(sum(len(k) + len(v) for k, v in self.collection("ARGS")))
        if name == "AUTH_TYPE":
            auth = self.header("authorization")
            return auth.split(" ", 1)[0] if auth else None
        if name == "PATH_INFO":
            return ""
        if name in ("URLENCODED_ERROR", "INBOUND_DATA_ERROR", "OUTBOUND_DATA_ERROR"):
            return "0"
        return None


class ResponseView:
    def __init__(self, resp: HttpResponse) -> None:
        self.resp = resp
        self.headers: Pairs = [(as_text(k), as_text(v)) for k, v in resp.headers]
        self.body = as_text(resp.body)

    def collection(self, name: str) -> Pairs:
        if name == "RESPONSE_HEADERS":
            return self.headers
        if name == "RESPONSE_HEADERS_NAMES":
            return [(k, k) for k, _ in self.headers]
        return []

    def scalar(self, name: str) -> str | None:
        if name == "RESPONSE_STATUS":
            return str(self.resp.status)
        if name == "RESPONSE_PROTOCOL":
            return self.resp.version
        if name == "RESPONSE_BODY":
            return self.body
        if name == "RESPONSE_CONTENT_TYPE":
            for k, v in self.headers:
                if k.lower() == "content-type":
                    return v
            return None
        if name == "RESPONSE_CONTENT_LENGTH":
            return str(len(self.body))
        if name == "STATUS_LINE":
            return f"{self.resp.version} {self.resp.status}"
        return None
