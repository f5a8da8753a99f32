"""The template expression language: ``"[concat('a', parameters('p')).x[0]]"``
tokenized and parsed into a small immutable tree. Pure and cached: a template
repeats the same expressions in every copy, so each text is parsed once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .errors import ExpressionError


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any


@dataclass(frozen=True, slots=True)
class Call:
    name: str              # lower-cased; user functions as "namespace.member"
    args: tuple[Any, ...]
    display: str           # the name as written, for messages


@dataclass(frozen=True, slots=True)
class Member:
    target: Any
    key: Any               # a property name (str) or, when is_index, a node
    is_index: bool


Node = Literal | Call | Member

_PUNCT = "(),.[]"


def _tokenize(text: str) -> list[tuple[str, Any, int]]:
    """(kind, value, position) tokens: str, num, id, punct."""
    out: list[tuple[str, Any, int]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c == "'":
            j = i + 1
            parts: list[str] = []
            while True:
                k = text.find("'", j)
                if k < 0:
                    raise _bad(text, f"the string literal starting at position '{i}' is not terminated")
                parts.append(text[j:k])
                if k + 1 < n and text[k + 1] == "'":
                    parts.append("'")
                    j = k + 2
                    continue
                break
            out.append(("str", "".join(parts), i))
            i = k + 1
        elif c.isdigit() or (c in "-+" and i + 1 < n and text[i + 1].isdigit()):
            j = i + 1
            while j < n and text[j].isdigit():
                j += 1
            if j + 1 < n and text[j] == "." and text[j + 1].isdigit():
                j += 1
                while j < n and text[j].isdigit():
                    j += 1
                out.append(("num", float(text[i:j]), i))
            else:
                out.append(("num", int(text[i:j]), i))
            i = j
        elif c.isalpha() or c in "_$":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            out.append(("id", text[i:j], i))
            i = j
        elif c in _PUNCT:
            out.append(("punct", c, i))
            i += 1
        else:
            raise _bad(text, f"the character '{c}' at position '{i}' is not expected")
    return out


def _bad(text: str, why: str) -> ExpressionError:
    return ExpressionError(f"The template language expression '{text}' is not valid: {why}. Please see "
                           "https://aka.ms/arm-template-expressions for usage details.")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0

    def _peek(self, value: str) -> bool:
        return self.i < len(self.toks) and self.toks[self.i][0] == "punct" and self.toks[self.i][1] == value

    def _expect(self, value: str) -> None:
        if not self._peek(value):
            got = f"'{self.toks[self.i][1]}'" if self.i < len(self.toks) else "the end of the expression"
            raise _bad(self.text, f"expected '{value}' but found {got}")
        self.i += 1

    def parse(self) -> Node:
        if not self.toks:
            raise _bad(self.text, "the expression is empty")
        node = self._expr()
        if self.i < len(self.toks):
            raise _bad(self.text, f"the token '{self.toks[self.i][1]}' at position '{self.toks[self.i][2]}' is "
                       "not expected")
        return node

    def _expr(self) -> Node:
        if self.i >= len(self.toks):
            raise _bad(self.text, "the expression ends unexpectedly")
        kind, value, pos = self.toks[self.i]
        self.i += 1
        node: Node
        if kind in ("str", "num"):
            node = Literal(value)
        elif kind == "id":
            name = value
            if self._peek(".") and self.i + 2 < len(self.toks) and self.toks[self.i + 1][0] == "id" \
                    and self.toks[self.i + 2][1] == "(":
                name = f"{value}.{self.toks[self.i + 1][1]}"   # a user-defined function: namespace.member
                self.i += 2
            if self._peek("("):
                self.i += 1
                args: list[Node] = []
                if not self._peek(")"):
                    args.append(self._expr())
                    while self._peek(","):
                        self.i += 1
                        args.append(self._expr())
                self._expect(")")
                node = Call(name.lower(), tuple(args), name)
            elif value.lower() in ("true", "false", "null"):
                node = Literal({"true": True, "false": False, "null": None}[value.lower()])
            else:
                raise _bad(self.text, f"the identifier '{value}' at position '{pos}' must be a function call")
        else:
            raise _bad(self.text, f"the token '{value}' at position '{pos}' is not expected")
        while True:
            if self._peek("."):
                self.i += 1
                if self.i >= len(self.toks) or self.toks[self.i][0] != "id":
                    raise _bad(self.text, "a property name is expected after '.'")
                node = Member(node, self.toks[self.i][1], False)
                self.i += 1
            elif self._peek("["):
                self.i += 1
                key = self._expr()
                self._expect("]")
                node = Member(node, key, True)
            else:
                return node


@lru_cache(maxsize=8192)
def parse(text: str) -> Node:
    """Parse the inside of a ``[...]`` template expression."""
    return _Parser(text).parse()


def is_expression(value: Any) -> bool:
    """A JSON string that is an expression: ``[...]``, but not the ``[[`` escape."""
    return isinstance(value, str) and len(value) >= 2 and value[0] == "[" and value[-1] == "]" \
        and value[1] != "["


def literal_text(value: str) -> str:
    """A non-expression string as it is used: ``[[x]`` stands for ``[x]``."""
    return value[1:] if value.startswith("[[") else value


def calls_in(node: Node) -> list[Call]:
    """Every function call in a tree (for static dependency discovery)."""
    out: list[Call] = []
    stack: list[Any] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Call):
            out.append(n)
            stack.extend(n.args)
        elif isinstance(n, Member):
            stack.append(n.target)
            if n.is_index:
                stack.append(n.key)
    return out
