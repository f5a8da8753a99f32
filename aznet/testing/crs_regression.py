"""The OWASP CRS regression suite (FTW YAML), read from ``../shared/crs-regression`` at run time.

Shared by the test suite (which replays it against aznet's WAF engine) and
``bench/crs_modsecurity.py`` (which replays the same bytes against nginx + ModSecurity v3), so
both engines see identical requests and are judged by the same rules:

- a stage's request is built as FTW builds it: default method GET, uri ``/``, HTTP/1.1; with a
  body and without ``stop_magic``, a Content-Length and (when absent) an
  ``application/x-www-form-urlencoded`` Content-Type are added; ``encoded_request`` /
  ``raw_request`` are sent as given;
- ``log_contains`` / ``no_log_contains`` are regexes over the engine's log lines, one per fired
  rule, written as ModSecurity writes them (``[id "942100"] [msg "..."]``);
- stages whose only expectation is an HTTP ``status`` or ``expect_error`` test the web server
  (Apache's request parser), not the rule engine: they are skipped, and named, with that reason.
"""

from __future__ import annotations

import base64
import glob
import os
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

SUITE_VERSION = "v3.3.4"


def suite_dir() -> str | None:
    env = os.environ.get("AZNET_CRS_REGRESSION")
    candidates = [env] if env else []
    here = os.path.dirname(os.path.abspath(__file__))
    candidates += [
        os.path.join(here, "..", "..", "..", "shared", "crs-regression"),
        "/work/shared/crs-regression",
    ]
    for c in candidates:
        if c and os.path.isdir(os.path.join(c, SUITE_VERSION, "tests")):
            return os.path.realpath(c)
    return None


@dataclass(slots=True)
class Stage:
    raw: bytes                       # the request bytes as sent on the wire
    log_contains: str | None = None
    no_log_contains: str | None = None
    status: list[int] | None = None
    expect_error: bool = False


@dataclass(slots=True)
class Case:
    rule_file: str                   # e.g. "REQUEST-942-APPLICATION-ATTACK-SQLI"
    rule_id: str                     # yaml file stem, e.g. "942100"
    title: str
    stages: list[Stage] = field(default_factory=list)
    skip_reason: str | None = None


def _to_bytes(s: Any) -> bytes:
    if s is None:
        return b""
    if isinstance(s, bytes):
        return s
    s = str(s)
    try:
        return s.encode("latin-1")
    except UnicodeEncodeError:
        return s.encode("utf-8")


def build_raw(inp: dict[str, Any]) -> bytes:
    if inp.get("encoded_request"):
        return base64.b64decode(inp["encoded_request"])
    if inp.get("raw_request"):
        # FTW sends a raw_request string UTF-8 encoded (so "\xac" in the YAML is two bytes):
        # 944200-0FP relies on it
        raw = inp["raw_request"]
        return (raw if isinstance(raw, str) else "".join(raw)).encode("utf-8")
    method = str(inp.get("method", "GET"))
    uri = inp.get("uri", "/")
    version = str(inp.get("version", "HTTP/1.1"))
    headers = dict(inp.get("headers") or {})
    data = inp.get("data")
    if isinstance(data, list):
        data = "\r\n".join(str(d) for d in data)
    body = _to_bytes(data) if data is not None else b""
    stop_magic = bool(inp.get("stop_magic"))
    lower = {str(k).lower() for k in headers}
    if body and not stop_magic:
        if "content-length" not in lower:
            headers["Content-Length"] = str(len(body))
        if "content-type" not in lower:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
    line = b" ".join(x for x in (_to_bytes(method), _to_bytes(uri), _to_bytes(version)) if x)
    head = line + b"\r\n" + b"".join(_to_bytes(k) + b": " + _to_bytes(v) + b"\r\n" for k, v in headers.items())
    return head + b"\r\n" + body


def load_cases() -> list[Case]:
    root = suite_dir()
    if root is None:
        return []
    cases: list[Case] = []
    for path in sorted(glob.glob(os.path.join(root, SUITE_VERSION, "tests", "*", "*.yaml"))):
        rule_file = os.path.basename(os.path.dirname(path))
        rule_id = os.path.basename(path).removesuffix(".yaml")
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
        enabled = (doc.get("meta") or {}).get("enabled", True)
        for test in doc.get("tests") or []:
            case = Case(rule_file, rule_id, str(test.get("test_title")))
            if not enabled:
                case.skip_reason = "disabled in the suite (meta.enabled: false)"
            for st in test.get("stages") or []:
                st = st.get("stage", st)
                inp, out = st.get("input") or {}, st.get("output") or {}
                status = out.get("status")
                if status is not None and not isinstance(status, list):
                    status = [status]
                case.stages.append(Stage(
                    raw=build_raw(inp), log_contains=out.get("log_contains"),
                    no_log_contains=out.get("no_log_contains"),
                    status=[int(s) for s in status] if status else None,
                    expect_error=bool(out.get("expect_error"))))
            if case.skip_reason is None and not any(s.log_contains or s.no_log_contains for s in case.stages):
                what = "an HTTP status" if any(s.status for s in case.stages) else "a client-side error"
                case.skip_reason = (f"expects only {what} from the web server (Apache's request parsing), "
                                    "not a rule-engine log entry")
            cases.append(case)
    return cases


def log_line(rule_id: int, msg: str = "", data: str = "") -> str:
    return f'[id "{rule_id}"] [msg "{msg}"] [data "{data}"]'


def judge(stage: Stage, log: str) -> bool:
    """Did the engine behave as the stage expects, given its log text for that request?"""
    if stage.log_contains and not re.search(stage.log_contains, log):
        return False
    if stage.no_log_contains and re.search(stage.no_log_contains, log):
        return False
    return True


def parse_raw(raw: bytes) -> tuple[str, str, str, list[tuple[str, str]], bytes]:
    """Split raw request bytes into method, target, version, headers and body (lenient)."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    lines = re.split(rb"\r?\n", head)
    parts = lines[0].decode("latin-1").split(" ")
    method = parts[0] if parts else "GET"
    version = parts[-1] if len(parts) >= 3 else ""
    target = " ".join(parts[1:-1]) if len(parts) >= 3 else (parts[1] if len(parts) > 1 else "/")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        k, _, v = line.decode("latin-1").partition(":")
        headers.append((k.strip(), v.strip()))
    te = next((v for k, v in headers if k.lower() == "transfer-encoding"), "")
    if "chunked" in te.lower():
        # the front end (Apache in the suite, the gateway here) de-chunks and, per RFC 9112
        # section 6.3, ignores a Content-Length sent beside Transfer-Encoding
        body = _dechunk(body)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
    else:
        cl = next((v for k, v in headers if k.lower() == "content-length"), None)
        if cl is not None and cl.strip().isdigit():
            body = body[: int(cl)]
    return method, target, version, headers, body


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        try:
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
        except ValueError:
            return out
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2:]
    return out
