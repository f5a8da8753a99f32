"""ModSecurity transformation functions (``t:name``), on latin-1 strings (one char per byte).

Every request value the engine sees is a ``str`` holding bytes as latin-1 code points, so a
transformation here works byte for byte as libmodsecurity's does.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Callable

Transform = Callable[[str], str]

_HEX = "0123456789abcdefABCDEF"


def _is_hex(s: str) -> bool:
    return _HEXRE.fullmatch(s) is not None


_HEXRE = re.compile(r"[0-9A-Fa-f]+")
_PCT = re.compile(r"%([0-9A-Fa-f]{2})|\+")
_PCT_UNI = re.compile(r"%[uU]([0-9A-Fa-f]{4})|%([0-9A-Fa-f]{2})|\+")


def _pct(m: re.Match[str]) -> str:
    h = m.group(1)
    return chr(int(h, 16)) if h is not None else " "


def _pct_uni(m: re.Match[str]) -> str:
    u = m.group(1)
    if u is not None:
        code = int(u, 16)
        # libmodsecurity: the low byte; full-width ASCII (U+FF01..U+FF5E) maps to ASCII
        return chr(code - 0xFEE0) if 0xFF01 <= code <= 0xFF5E else chr(code & 0xFF)
    h = m.group(2)
    return chr(int(h, 16)) if h is not None else " "


def url_decode(s: str) -> str:
    if "%" not in s and "+" not in s:
        return s
    return _PCT.sub(_pct, s)


def url_decode_uni(s: str) -> str:
    if "%" not in s and "+" not in s:
        return s
    return _PCT_UNI.sub(_pct_uni, s)


def html_entity_decode(s: str) -> str:
    if "&" not in s:
        return s
    # html.unescape is broader than ModSecurity (named entities without ';' too); good for a WAF.
    out = html.unescape(s)
    try:
        out.encode("latin-1")              # the common case: every character is still one byte
        return out
    except UnicodeEncodeError:
        return "".join(ch if ord(ch) < 256 else chr(ord(ch) & 0xFF) for ch in out)


_JS_ESC = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def js_decode(s: str) -> str:
    if "\\" not in s:
        return s
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n:
            d = s[i + 1]
            if d in "uU" and i + 5 < n and _is_hex(s[i + 2:i + 6]):
                code = int(s[i + 2:i + 6], 16)
                out.append(chr(code - 0xFEE0) if 0xFF01 <= code <= 0xFF5E else chr(code & 0xFF))
                i += 6
                continue
            if d in "xX" and i + 3 < n and _is_hex(s[i + 2:i + 4]):
                out.append(chr(int(s[i + 2:i + 4], 16)))
                i += 4
                continue
            if d in "01234567":
                j = i + 1
                while j < n and j < i + 4 and s[j] in "01234567":
                    j += 1
                out.append(chr(int(s[i + 1:j], 8) & 0xFF))
                i = j
                continue
            out.append(_JS_ESC.get(d, d))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def css_decode(s: str) -> str:
    if "\\" not in s:
        return s
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n:
            j = i + 1
            while j < n and j < i + 7 and s[j] in _HEX:
                j += 1
            if j > i + 1:
                code = int(s[i + 1:j], 16)
                out.append(chr(code - 0xFEE0) if 0xFF01 <= code <= 0xFF5E else chr(code & 0xFF))
                if j < n and s[j] == " ":
                    j += 1
                i = j
                continue
            if s[i + 1] == "\n":
                i += 2
                continue
            out.append(s[i + 1])
            i += 2
            continue
        if c == "\\":
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


_WS = re.compile(r"[ \t\n\r\f\v\xa0]+")
_WS_ALL = re.compile(r"[ \t\n\r\f\v\xa0]")


def compress_whitespace(s: str) -> str:
    return _WS.sub(" ", s)


def remove_whitespace(s: str) -> str:
    return _WS_ALL.sub("", s)


_COMMENTS = re.compile(r"/\*.*?(?:\*/|$)|<!--.*?(?:-->|$)|--.*$|#.*$", re.S | re.M)


def replace_comments(s: str) -> str:
    if "/*" not in s:
        return s
    return re.sub(r"/\*.*?(?:\*/|$)", " ", s, flags=re.S)


def remove_comments(s: str) -> str:
    return _COMMENTS.sub("", s)


def remove_comments_char(s: str) -> str:
    for token in ("/*", "*/", "<!--", "-->", "--", "#"):
        s = s.replace(token, "")
    return s


_CMD_DROP = str.maketrans("", "", "\\\"'^")
_CMD_SPACE = re.compile(r"[ ,;\t\r\n]+")
_CMD_SLASH = re.compile(r" (?=[/(])")


def cmd_line(s: str) -> str:
    """ModSecurity's cmdLine: drop \\ " ' ^, lower-case, runs of space , ; tab CR LF -> one space,
    no space before / or (."""
    return _CMD_SLASH.sub("", _CMD_SPACE.sub(" ", s.translate(_CMD_DROP).lower()))


def _normalize(s: str, win: bool) -> str:
    if win:
        s = s.replace("\\", "/")
    if not s:
        return s
    absolute = s.startswith("/")
    trailing = s.endswith("/") or s.endswith("/.") or s.endswith("/..")
    parts: list[str] = []
    for seg in s.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not absolute:
                parts.append("..")
            continue
        parts.append(seg)
    out = ("/" if absolute else "") + "/".join(parts)
    if trailing and parts:
        out += "/"
    return out


def normalize_path(s: str) -> str:
    return _normalize(s, False) if ("/." in s or "//" in s or s.startswith(".")) else s


def normalize_path_win(s: str) -> str:
    return _normalize(s, True)


def utf8_to_unicode(s: str) -> str:
    if s.isascii():
        return s
    raw = s.encode("latin-1")
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        b = raw[i]
        if b < 0x80:
            out.append(chr(b))
            i += 1
            continue
        size = 2 if b & 0xE0 == 0xC0 else 3 if b & 0xF0 == 0xE0 else 4 if b & 0xF8 == 0xF0 else 0
        chunk = raw[i:i + size] if size else b""
        try:
            cp = ord(chunk.decode("utf-8")) if size and len(chunk) == size else None
        except UnicodeDecodeError:
            cp = None
        if cp is None:
            out.append(chr(b))
            i += 1
            continue
        out.append("%u" + format(cp, "04x"))
        i += size
    return "".join(out)


def base64_decode(s: str) -> str:
    data = re.sub(r"[^A-Za-z0-9+/=]", "", s).split("=")[0]
    data = data[: len(data) - len(data) % 4] if len(data) % 4 == 1 else data
    try:
        return base64.b64decode(data + "=" * (-len(data) % 4)).decode("latin-1")
    except ValueError:
        return s


def base64_decode_ext(s: str) -> str:
    return base64_decode(re.sub(r"[^A-Za-z0-9+/]", "", s))


def hex_decode(s: str) -> str:
    try:
        return bytes.fromhex(s).decode("latin-1")
    except ValueError:
        return s


def sql_hex_decode(s: str) -> str:
    return re.sub(r"0x((?:[0-9a-fA-F]{2})+)", lambda m: bytes.fromhex(m.group(1)).decode("latin-1"), s)


def escape_seq_decode(s: str) -> str:
    if "\\" not in s:
        return s
    return js_decode(s)


def _hash(name: str) -> Transform:
    return lambda s: hashlib.new(name, s.encode("latin-1")).digest().decode("latin-1")


TRANSFORMS: dict[str, Transform] = {
    "lowercase": str.lower,
    "uppercase": str.upper,
    "urldecode": url_decode,
    "urldecodeuni": url_decode_uni,
    "urlencode": lambda s: "".join(c if c.isalnum() or c in "-_.~" else f"%{ord(c):02x}" for c in s),
    "htmlentitydecode": html_entity_decode,
    "jsdecode": js_decode,
    "cssdecode": css_decode,
    "compresswhitespace": compress_whitespace,
    "removewhitespace": remove_whitespace,
    "removenulls": lambda s: s.replace("\x00", ""),
    "replacenulls": lambda s: s.replace("\x00", " "),
    "replacecomments": replace_comments,
    "removecomments": remove_comments,
    "removecommentschar": remove_comments_char,
    "cmdline": cmd_line,
    "normalizepath": normalize_path,
    "normalisepath": normalize_path,
    "normalizepathwin": normalize_path_win,
    "normalisepathwin": normalize_path_win,
    "utf8tounicode": utf8_to_unicode,
    "base64decode": base64_decode,
    "base64decodeext": base64_decode_ext,
    "base64encode": lambda s: base64.b64encode(s.encode("latin-1")).decode("ascii"),
    "hexencode": lambda s: s.encode("latin-1").hex(),
    "hexdecode": hex_decode,
    "sqlhexdecode": sql_hex_decode,
    "escapeseqdecode": escape_seq_decode,
    "length": lambda s: str(len(s)),
    "sha1": _hash("sha1"),
    "md5": _hash("md5"),
    "trim": lambda s: s.strip(" \t\n\r\f\v\x00"),
    "trimleft": lambda s: s.lstrip(" \t\n\r\f\v\x00"),
    "trimright": lambda s: s.rstrip(" \t\n\r\f\v\x00"),
    "parityeven7bit": lambda s: s,
    "paritystrip7bit": lambda s: "".join(chr(ord(c) & 0x7F) for c in s),
}


def lookup(name: str) -> Transform:
    try:
        return TRANSFORMS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown transformation t:{name}") from None
