"""ARM template expressions: ``"[concat('a', parameters('p'))]"`` parsed to a
small tree and evaluated against a context. Pure: no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class ExpressionError(Exception):
    """A template expression that cannot be parsed or evaluated."""


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Member:
    target: Any
    key: Any          # a str (property) or a node (index)
    is_index: bool


@dataclass(frozen=True)
class Literal:
    value: Any


_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<id>[A-Za-z_][\w]*)|(?P<op>[(),.\[\]]))")


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"The template language expression '{text}' is not valid: unexpected "
                                  f"character at position {pos}.")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise ExpressionError(f"The template language expression '{self.text}' is not valid: expected "
                                  f"'{value or 'a value'}'.")
        self.i += 1
        return tok

    def parse(self) -> Any:
        node = self.expr()
        if self.peek() is not None:
            raise ExpressionError(f"The template language expression '{self.text}' is not valid: "
                                  f"unexpected '{self.peek()[1]}'.")  # type: ignore[index]
        return node

    def expr(self) -> Any:
        kind, value = self.take()
        if kind == "str":
            node: Any = Literal(value[1:-1].replace("''", "'"))
        elif kind == "num":
            node = Literal(float(value) if "." in value else int(value))
        elif kind == "id":
            self.take("(")
            args: list[Any] = []
            if self.peek() and self.peek()[1] != ")":  # type: ignore[index]
                args.append(self.expr())
                while self.peek() and self.peek()[1] == ",":  # type: ignore[index]
                    self.take(",")
                    args.append(self.expr())
            self.take(")")
            node = Call(value.lower(), tuple(args))
        else:
            raise ExpressionError(f"The template language expression '{self.text}' is not valid: "
                                  f"unexpected '{value}'.")
        while self.peek() and self.peek()[1] in (".", "["):  # type: ignore[index]
            if self.take()[1] == ".":
                node = Member(node, self.take()[1], False)
            else:
                key = self.expr()
                self.take("]")
                node = Member(node, key, True)
        return node


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and len(value) >= 2 and value[0] == "[" and value[-1] == "]" \
        and not value.startswith("[[")


def parse(text: str) -> Any:
    """Parse the inside of ``[...]``."""
    return _Parser(text).parse()


def unescape(value: str) -> str:
    """``[[literal]`` stands for the literal ``[literal]``."""
    return value[1:] if value.startswith("[[") else value
