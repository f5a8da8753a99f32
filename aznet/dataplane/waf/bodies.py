"""Request body processors: URL-encoded, multipart/form-data, JSON and XML, as ModSecurity exposes them.

All values are latin-1 ``str`` (byte-preserving). Processors never raise on bad input: they set
``error``/``error_msg`` (REQBODY_ERROR, REQBODY_ERROR_MSG) and the multipart strictness flags.
"""

from __future__ import annotations

import json
import re
import xml.parsers.expat
from dataclasses import dataclass, field

from .transforms import url_decode

MAX_JSON_DEPTH = 64
MAX_ARGS = 4096


@dataclass(slots=True)
class ParsedBody:
    processor: str = ""                              # "URLENCODED", "MULTIPART", "JSON", "XML", ""
    args: list[tuple[str, str]] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)       # (field name, file name)
    file_sizes: list[tuple[str, str]] = field(default_factory=list)
    part_headers: list[tuple[str, str]] = field(default_factory=list)  # (part name, header line)
    xml_text: list[str] = field(default_factory=list)
    xml_attrs: list[str] = field(default_factory=list)
    error: int = 0
    error_msg: str = ""
    multipart_strict_error: int = 0
    multipart_unmatched_boundary: int = 0
    files_combined_size: int = 0


def parse_urlencoded(text: str, limit: int = MAX_ARGS) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if not text:
        return out
    for piece in text.split("&"):
        if not piece:
            continue
        name, eq, value = piece.partition("=")
        out.append((url_decode(name), url_decode(value) if eq else ""))
        if len(out) >= limit:
            break
    return out


def parse_cookies(header_values: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for header in header_values:
        for piece in header.split(";"):
            piece = piece.strip(" \t")
            if not piece:
                continue
            name, eq, value = piece.partition("=")
            out.append((name.strip(), value.strip() if eq else ""))
    return out


def _header_param(value: str, param: str) -> str | None:
    m = re.search(r'(?i)(?:^|;)\s*' + param + r'\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))', value)
    if not m:
        return None
    return m.group(1) if m.group(1) is not None else m.group(2).strip()


def parse_multipart(text: str, content_type: str, out: ParsedBody) -> None:
    boundary = _header_param(content_type, "boundary")
    if not boundary:
        out.error, out.error_msg = 1, "Multipart: boundary not found in Content-Type"
        out.multipart_strict_error = 1
        return
    delim = "--" + boundary
    if delim not in text:
        out.error, out.error_msg = 1, "Multipart: final boundary missing"
        out.multipart_strict_error = 1
        return
    chunks = text.split(delim)
    if not chunks[-1].startswith("--"):
        out.multipart_strict_error = 1
        out.multipart_unmatched_boundary = 1
    for chunk in chunks[1:]:
        if chunk.startswith("--"):
            break
        chunk = chunk[2:] if chunk.startswith("\r\n") else chunk.lstrip("\n")
        head, sep, content = chunk.partition("\r\n\r\n")
        if not sep:
            head, sep, content = chunk.partition("\n\n")
        if not sep:
            out.multipart_strict_error = 1
            continue
        if content.endswith("\r\n"):
            content = content[:-2]
        elif content.endswith("\n"):
            content = content[:-1]
        name: str | None = None
        filename: str | None = None
        lines = [h for h in re.split(r"\r?\n", head) if h]
        for line in lines:
            hname, _, hvalue = line.partition(":")
            if hname.strip().lower() == "content-disposition":
                name = _header_param(hvalue, "name")
                filename = _header_param(hvalue, "filename")
                if filename is None:
                    star = _header_param(hvalue, "filename\\*")
                    filename = star.split("''", 1)[-1] if star else None
        if name is None:
            out.multipart_strict_error = 1
            name = ""
        for line in lines:
            out.part_headers.append((name, line))
        if filename is not None:
            out.files.append((name, filename))
            out.file_sizes.append((name, str(len(content))))
            out.files_combined_size += len(content)
        else:
            out.args.append((name, content))


def _flatten_json(value: object, prefix: str, out: list[tuple[str, str]], depth: int) -> None:
    if len(out) >= MAX_ARGS:
        return
    if depth > MAX_JSON_DEPTH:
        raise ValueError("JSON nesting too deep")
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten_json(v, f"{prefix}.{k}" if prefix else str(k), out, depth + 1)
    elif isinstance(value, list):
        for idx, v in enumerate(value):
            _flatten_json(v, f"{prefix}.array_{idx}" if prefix else f"array_{idx}", out, depth + 1)
    elif value is None:
        out.append((prefix, ""))
    elif isinstance(value, bool):
        out.append((prefix, "true" if value else "false"))
    else:
        out.append((prefix, str(value)))


def parse_json(text: str, out: ParsedBody) -> None:
    try:
        data = json.loads(text.encode("latin-1").decode("utf-8", "surrogateescape"))
        _flatten_json(data, "json", out.args, 0)
        out.args = [(k.encode("utf-8", "surrogateescape").decode("latin-1"),
                     v.encode("utf-8", "surrogateescape").decode("latin-1")) for k, v in out.args]
    except (ValueError, RecursionError) as exc:
        out.error, out.error_msg = 1, f"JSON parsing error: {exc}"[:200]


def parse_xml(text: str, out: ParsedBody) -> None:
    parser = xml.parsers.expat.ParserCreate()
    texts: list[str] = []
    attrs: list[str] = []
    parser.CharacterDataHandler = lambda data: texts.append(data)

    def start(_name: str, attributes: dict[str, str]) -> None:
        attrs.extend(attributes.values())

    parser.StartElementHandler = start
    parser.EntityDeclHandler = None
    # refuse DTD entity expansion attacks: any entity declaration ends the parse with an error
    def _entity(*_args: object) -> None:
        raise ValueError("XML entity declarations are not processed")

    parser.EntityDeclHandler = _entity
    try:
        parser.Parse(text.encode("latin-1"), True)
    except (xml.parsers.expat.ExpatError, ValueError) as exc:
        out.error, out.error_msg = 1, f"XML parsing error: {exc}"[:200]
    enc = [t.encode("utf-8", "replace").decode("latin-1") for t in texts]
    out.xml_text = ["".join(enc)] if enc else []
    out.xml_attrs = [a.encode("utf-8", "replace").decode("latin-1") for a in attrs]


def process(body: str, content_type: str, forced: str | None = None) -> ParsedBody:
    out = ParsedBody()
    ctype = content_type.split(";")[0].strip().lower()
    proc = forced
    if proc is None:
        if ctype == "application/x-www-form-urlencoded":
            proc = "URLENCODED"
        elif ctype.startswith("multipart/form-data"):
            proc = "MULTIPART"
        elif ctype in ("text/xml", "application/xml", "application/soap+xml") or ctype.endswith("+xml"):
            proc = "XML"
        elif ctype == "application/json" or ctype.endswith("+json"):
            proc = "JSON"
    if proc is None:
        return out
    out.processor = proc
    if proc == "URLENCODED":
        out.args = parse_urlencoded(body)
    elif proc == "MULTIPART":
        parse_multipart(body, content_type, out)
    elif proc == "JSON":
        if body:
            parse_json(body, out)
    elif proc == "XML":
        if body:
            parse_xml(body, out)
    return out
