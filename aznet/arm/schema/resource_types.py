"""Which model an ARM resource type takes as its PUT (and PATCH) body, read from the SDK's
operations source: each ``build_*_request`` function holds the URL template and HTTP method,
and the operation method that calls it names the body model (``parameters: _models.X`` in the
rest_field style, ``self._serialize.body(parameters, "X")`` in the msrest style)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

_CHUNK = re.compile(r"\n(?=def |class |    def )")
_BUILD_NAME = re.compile(r"def (build_\w+_request)\(")
_URL = re.compile(r'_url\s*(?::\s*str\s*)?=\s*(?:kwargs\.pop\(\s*"template_url",\s*)?"([^"]+)"')
_METHOD = re.compile(r'HttpRequest\(\s*method="(\w+)"')
_CALL = re.compile(r"= (build_\w+_request)\(")
_API_VERSION = re.compile(r"""["']api[-_]version["'],\s*["'](\d{4}-\d{2}-\d{2}(?:-[a-z]+)?)["']""")
_MSREST_BODY = re.compile(r'self\._serialize\.body\(\s*(\w+),\s*"(\w+)"')
_REST_BODY = re.compile(r"json\.dumps\(\s*(\w+),\s*cls=SdkJSONEncoder")


def type_from_url(url: str) -> str | None:
    """``/subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Network/virtualNetworks/{n}/subnets/{m}``
    -> ``Microsoft.Network/virtualNetworks/subnets``. A type segment that is itself a URL parameter
    (DNS record types) becomes ``*``."""
    if "/providers/" not in url:
        return None
    tail = url.rsplit("/providers/", 1)[1].strip("/").split("/")
    namespace, rest = tail[0], tail[1:]
    if not rest or len(rest) % 2 or namespace.startswith("{"):
        return None
    segments = ["*" if seg.startswith("{") else seg for seg in rest[0::2]]
    return "/".join([namespace, *segments])


def _body_model(chunk: str) -> str | None:
    found = _MSREST_BODY.search(chunk)
    if found:
        return found.group(2)
    found = _REST_BODY.search(chunk)
    if not found:
        return None
    param = re.search(rf"\b{found.group(1)}: (?:Union\[)?\s*_models\.(\w+)", chunk)
    return param.group(1) if param else None


def api_versions_in(text: str) -> set[str]:
    """The api-versions a client source names as its default (``_params.pop("api-version", "2026-03-01")``,
    a configuration's ``kwargs.pop("api_version", "2018-05-01")``)."""
    return set(_API_VERSION.findall(text))


def scan(sources: Iterable[str]) -> dict[str, dict[str, str]]:
    """Resource type -> {"type": canonical casing, "put": model, "patch": model, "api_version": the one the
    SDK's PUT sends} from operations source text."""
    out: dict[str, dict[str, str]] = {}
    for text in sources:  # build function names are per module: scan each file apart
        _scan_module(text, out)
    return out


def _scan_module(text: str, out: dict[str, dict[str, str]]) -> None:
    builds: dict[str, tuple[str, str, str | None]] = {}
    bodies: dict[str, str] = {}
    for chunk in _CHUNK.split(text):
        if chunk.startswith("def build_"):
            name, url, method = _BUILD_NAME.match(chunk), _URL.search(chunk), _METHOD.search(chunk)
            if name and url and method and method.group(1) in ("PUT", "PATCH"):
                version = _API_VERSION.search(chunk)
                builds[name.group(1)] = (method.group(1), url.group(1), version.group(1) if version else None)
        elif chunk.startswith("    def "):
            call = _CALL.search(chunk)
            model = _body_model(chunk) if call else None
            if call and model:
                bodies.setdefault(call.group(1), model)
    for build, (method, url, version) in builds.items():
        rtype, model = type_from_url(url), bodies.get(build)
        if rtype is None or model is None:
            continue
        entry = out.setdefault(rtype.lower(), {"type": rtype})
        entry.setdefault(method.lower(), model)
        if method == "PUT" and version:
            entry.setdefault("api_version", version)


def scan_package(operations_dir: Path) -> dict[str, dict[str, str]]:
    files = sorted(p for p in operations_dir.glob("*.py") if p.name != "__init__.py")
    return scan(p.read_text(encoding="utf-8") for p in files)
