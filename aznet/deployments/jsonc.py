"""Lenient JSON as Azure and the az CLI accept templates: ``//`` and ``/* */``
comments, trailing commas, raw control characters inside strings and bare
object keys (az embeds the template text in its body as ``template: {...}``)."""

from __future__ import annotations

import json
from typing import Any

from .errors import TemplateError

_WS = " \t\r\n"


def strip_jsonc(text: str) -> str:
    """Remove comments and trailing commas outside strings; string contents are kept byte for byte."""
    out: list[str] = []
    i, n = 0, len(text)
    pending_comma = -1          # index in ``out`` of a comma that may turn out to be trailing
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n:
                if text[j] == "\\":
                    j += 2
                    continue
                if text[j] == '"':
                    break
                j += 1
            out.append(text[i:j + 1])
            pending_comma = -1
            i = j + 1
        elif c == "/" and text.startswith("//", i):
            while i < n and text[i] not in "\r\n":
                i += 1
        elif c == "/" and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise TemplateError("Deployment template parse failed: 'Unterminated comment.'.")
            i = end + 2
            out.append(" ")
        elif c == ",":
            pending_comma = len(out)
            out.append(c)
            i += 1
        elif c in "}]" and pending_comma >= 0:
            out[pending_comma] = ""
            pending_comma = -1
            out.append(c)
            i += 1
        elif (c.isalpha() or c in "_$") and _last_significant(out) in "{,":
            # a bare key, as az sends ``template: {...}`` inside a deployment body: quote it
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            k = j
            while k < n and text[k] in _WS:
                k += 1
            out.append(f'"{text[i:j]}"' if k < n and text[k] == ":" else text[i:j])
            pending_comma = -1
            i = j
        else:
            if c not in _WS:
                pending_comma = -1
            out.append(c)
            i += 1
    return "".join(out)


def _last_significant(out: list[str]) -> str:
    for chunk in reversed(out):
        stripped = chunk.strip(_WS)
        if stripped:
            return stripped[-1]
    return ""


def parse_template_text(text: str) -> dict[str, Any]:
    """A template (or a deployment body) from lenient JSON text; raises TemplateError on bad input."""
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        value = json.loads(strip_jsonc(text), strict=False)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"Deployment template parse failed: 'Unexpected character or end of input at line "
                            f"'{exc.lineno}' and column '{exc.colno}': {exc.msg}.'.") from None
    if not isinstance(value, dict):
        raise TemplateError("Deployment template parse failed: 'The template must be a JSON object.'.")
    return value
