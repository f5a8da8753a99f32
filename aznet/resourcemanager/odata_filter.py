"""ARM's ``$filter`` for resource lists, parsed into a predicate over stored resource bodies.

What ``GET /subscriptions/{s}[/resourceGroups/{g}]/resources`` accepts (Resources - List,
api-version 2021-04-01, documented in azure-rest-api-specs and the SDKs):
- ``field eq 'v'`` and ``field ne 'v'`` on location, resourceType, name, resourceGroup, identity,
  identity/principalId, plan, plan/publisher, plan/product, plan/name, plan/version, plan/promotionCode;
- ``substringof('v', name)`` and ``substringof('v', resourceGroup)``;
- ``tagName eq 'k'``, ``tagName eq 'k' and tagValue eq 'v'``, ``startswith(tagName, 'k')`` (what
  ``az resource list --tag 'k*'`` sends). A tag filter stands alone: ARM refuses it combined with
  other conditions (Azure/azure-sdk-for-net#2757, Azure/azure-sdk-for-python#27064; the az CLI
  refuses ``--tag`` with every other flag for that reason). With tagName and tagValue the results
  carry no tags;
- conditions joined by ``and`` / ``or`` (``and`` binds tighter), grouped with parentheses.
Anything else is 400 InvalidFilterInQueryString, "Invalid $filter '<text>' specified in the query
string." (the code and wording ARM answers, Azure/azure-sdk-for-go#2480, azure-sdk-for-net#18748).
Resource group lists accept only the tag forms (``name eq 'x'`` there is the same error, #2480).

Comparisons ignore case except tag values (Azure: tag names are case-insensitive, values are not).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..arm.errors import ArmError

Predicate = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<punct>[(),])|(?P<word>[A-Za-z_][\w/.]*))")
_EQ_FIELDS = {"location", "resourcetype", "name", "resourcegroup", "identity", "identity/principalid", "plan",
              "plan/publisher", "plan/product", "plan/name", "plan/version", "plan/promotioncode"}
_SUBSTRING_FIELDS = {"name", "resourcegroup"}


@dataclass(frozen=True)
class ResourceFilter:
    test: Predicate
    hides_tags: bool = False       # tagName + tagValue: ARM returns the resources without their tags

    def __call__(self, body: dict[str, Any]) -> bool:
        return self.test(body)


def invalid(text: str) -> ArmError:
    return ArmError(400, "InvalidFilterInQueryString", f"Invalid $filter '{text}' specified in the query string.")


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if not text[pos:].strip():
            break
        m = _TOKEN.match(text, pos)
        if m is None:
            raise invalid(text)
        pos = m.end()
        if m.group("str") is not None:
            out.append(("str", m.group("str")[1:-1].replace("''", "'")))
        elif m.group("punct") is not None:
            out.append((m.group("punct"), m.group("punct")))
        else:
            out.append(("word", m.group("word")))
    return out


# An expression tree: ("or", [..]) | ("and", [..]) | ("cmp", field, op, value) | ("substringof", field, value)
# | ("startswith", field, value)
Node = tuple[Any, ...]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def fail(self) -> ArmError:
        return invalid(self.text)

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, kind: str, word: str | None = None) -> str:
        tok = self.peek()
        if tok is None or tok[0] != kind or (word is not None and tok[1].lower() != word):
            raise self.fail()
        self.i += 1
        return tok[1]

    def at_word(self, word: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[0] == "word" and tok[1].lower() == word

    def parse(self) -> Node:
        node = self.expr(0)
        if self.peek() is not None:
            raise self.fail()
        return node

    def expr(self, depth: int) -> Node:
        if depth > 32:
            raise self.fail()
        parts = [self.conj(depth)]
        while self.at_word("or"):
            self.i += 1
            parts.append(self.conj(depth))
        return parts[0] if len(parts) == 1 else ("or", parts)

    def conj(self, depth: int) -> Node:
        parts = [self.primary(depth)]
        while self.at_word("and"):
            self.i += 1
            parts.append(self.primary(depth))
        return parts[0] if len(parts) == 1 else ("and", parts)

    def primary(self, depth: int) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.fail()
        if tok[0] == "(":
            self.i += 1
            node = self.expr(depth + 1)
            self.take(")")
            return node
        word = self.take("word").lower()
        if word == "substringof" and self.peek() and self.peek()[0] == "(":  # type: ignore[index]
            self.take("(")
            value = self.take("str")
            self.take(",")
            field = self.take("word").lower()
            self.take(")")
            return ("substringof", field, value)
        if word == "startswith" and self.peek() and self.peek()[0] == "(":  # type: ignore[index]
            self.take("(")
            field = self.take("word").lower()
            self.take(",")
            value = self.take("str")
            self.take(")")
            return ("startswith", field, value)
        op = self.take("word").lower()
        if op not in ("eq", "ne"):
            raise self.fail()
        return ("cmp", word, op, self.take("str"))


def _leaves(node: Node) -> list[Node]:
    if node[0] in ("and", "or"):
        return [leaf for child in node[1] for leaf in _leaves(child)]
    return [node]


def _is_tag(leaf: Node) -> bool:
    return leaf[1] in ("tagname", "tagvalue")


def _resource_group(body: dict[str, Any]) -> str:
    parts = str(body.get("id", "")).split("/")
    return parts[4] if len(parts) > 4 and parts[3].lower() == "resourcegroups" else ""


def _field(body: dict[str, Any], field: str) -> str:
    if field == "resourcegroup":
        return _resource_group(body)
    if field == "resourcetype":
        return str(body.get("type", ""))
    if field == "location":
        return str(body.get("location", "")).replace(" ", "")
    if field.startswith("identity") or field.startswith("plan"):
        head, _, sub = field.partition("/")
        obj = body.get(head)
        if not isinstance(obj, dict):
            return ""
        key = sub or ("type" if head == "identity" else "name")
        found = next((v for k, v in obj.items() if k.lower() == key), "")
        return str(found) if found is not None else ""
    return str(body.get(field, ""))


def _compile(node: Node) -> Predicate:
    kind = node[0]
    if kind == "or":
        tests = [_compile(c) for c in node[1]]
        return lambda b: any(t(b) for t in tests)
    if kind == "and":
        tests = [_compile(c) for c in node[1]]
        return lambda b: all(t(b) for t in tests)
    if kind == "substringof":
        field, needle = node[1], node[2].lower()
        return lambda b: needle in _field(b, field).lower()
    field, op, value = node[1], node[2], node[3]
    want = value.replace(" ", "").lower() if field == "location" else value.lower()
    if op == "eq":
        return lambda b: _field(b, field).lower() == want
    return lambda b: _field(b, field).lower() != want


def _tag_filter(text: str, leaves: list[Node], node: Node) -> ResourceFilter:
    """tagName eq 'k' [and tagValue eq 'v'], or startswith(tagName, 'k'), standing alone."""
    if node[0] == "or" or len(leaves) > 2 or not all(_is_tag(leaf) for leaf in leaves):
        raise invalid(text)
    names = [leaf for leaf in leaves if leaf[1] == "tagname"]
    values = [leaf for leaf in leaves if leaf[1] == "tagvalue"]
    if len(names) != 1 or len(values) > 1:
        raise invalid(text)
    name = names[0]
    if name[0] == "substringof" or (name[0] == "cmp" and name[2] != "eq"):
        raise invalid(text)
    if values and (values[0][0] != "cmp" or values[0][2] != "eq" or name[0] != "cmp"):
        raise invalid(text)
    prefix = name[0] == "startswith"
    key = name[-1].lower()
    value = values[0][3] if values else None

    def test(body: dict[str, Any]) -> bool:
        tags = body.get("tags")
        if not isinstance(tags, dict):
            return False
        for k, v in tags.items():
            low = str(k).lower()
            if (low.startswith(key) if prefix else low == key) and (value is None or v == value):
                return True
        return False
    return ResourceFilter(test, hides_tags=value is not None)


def parse_filter(text: str | None, *, tags_only: bool = False) -> ResourceFilter:
    """The predicate for a ``$filter``; ``tags_only`` for resource group lists."""
    if text is None or not text.strip():
        return ResourceFilter(lambda body: True)
    node = _Parser(text).parse()
    leaves = _leaves(node)
    if any(_is_tag(leaf) for leaf in leaves):
        return _tag_filter(text, leaves, node)
    if tags_only:
        raise invalid(text)
    for leaf in leaves:
        if leaf[0] == "startswith":                 # only startswith(tagName, …) is ARM's
            raise invalid(text)
        if leaf[0] == "substringof" and leaf[1] not in _SUBSTRING_FIELDS:
            raise invalid(text)
        if leaf[0] == "cmp" and leaf[1] not in _EQ_FIELDS:
            raise invalid(text)
    return ResourceFilter(_compile(node))
