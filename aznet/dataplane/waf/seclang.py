"""SecLang (ModSecurity's rule language) parser, for the subset the OWASP Core Rule Set 3.x uses.

Text in, plain data out: :func:`parse` turns rule-file text into :class:`Directive` values
(``SecRule``/``SecAction``/``SecMarker``/``SecDefaultAction``/others), each rule's variables,
operator and actions split but not yet compiled (``compile.py`` does that).

Lexing follows ModSecurity: a backslash at the end of a line continues it; arguments are
whitespace separated and may be double quoted, where ``\\"`` and ``\\\\`` are escapes (as Apache's
config reader has it; CRS writes its regexes for that); actions are comma separated ``name[:value]`` with single-quoted values.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class SecLangError(ValueError):
    """A rule file that cannot be parsed; names the file and line."""


@dataclass(frozen=True, slots=True)
class VariableRef:
    name: str                 # upper-case collection or variable name, e.g. "ARGS", "TX"
    selector: str | None = None   # "foo" or a regex when is_regex
    is_regex: bool = False
    count: bool = False       # &VAR
    exclude: bool = False     # !VAR:sel


@dataclass(frozen=True, slots=True)
class Action:
    name: str                 # lower-case action name
    value: str | None = None


@dataclass(slots=True)
class Directive:
    kind: str                 # "SecRule", "SecAction", "SecMarker", "SecDefaultAction", ...
    args: list[str]
    file: str = ""
    line: int = 0
    variables: list[VariableRef] = field(default_factory=list)
    operator: str = ""        # operator name without '@', e.g. "rx"
    operator_arg: str = ""
    negated: bool = False
    actions: list[Action] = field(default_factory=list)


def logical_lines(text: str) -> list[tuple[int, str]]:
    """Join continuation lines and drop comments; returns (first line number, text)."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not buf:
            stripped = line.lstrip()
            if not stripped or stripped.startswith("#"):
                continue
            start = number
        if line.endswith("\\"):
            buf.append(line[:-1])
            continue
        buf.append(line)
        out.append((start, " ".join(part.strip() for part in buf)))
        buf = []
    if buf:
        out.append((start, " ".join(part.strip() for part in buf)))
    return out


def split_args(line: str) -> list[str]:
    """Whitespace-separated arguments; double quotes group; inside them ``\\"`` and ``\\\\`` unescape."""
    args: list[str] = []
    i, n = 0, len(line)
    while i < n:
        while i < n and line[i] in " \t":
            i += 1
        if i >= n:
            break
        if line[i] == '"':
            i += 1
            cur: list[str] = []
            while i < n and line[i] != '"':
                if line[i] == "\\" and i + 1 < n and line[i + 1] in '"\\':
                    cur.append(line[i + 1])
                    i += 2
                    continue
                cur.append(line[i])
                i += 1
            i += 1
            args.append("".join(cur))
        else:
            j = i
            while j < n and line[j] not in " \t":
                j += 1
            args.append(line[i:j])
            i = j
    return args


def parse_variables(text: str) -> list[VariableRef]:
    refs: list[VariableRef] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t|":
            i += 1
        if i >= n:
            break
        exclude = count = False
        if text[i] == "!":
            exclude, i = True, i + 1
        if i < n and text[i] == "&":
            count, i = True, i + 1
        j = i
        while j < n and text[j] not in ":|":
            j += 1
        name = text[i:j].strip().upper()
        selector: str | None = None
        is_regex = False
        i = j
        if i < n and text[i] == ":":
            i += 1
            if i < n and text[i] == "/" and name != "XML":   # XML takes an XPath, not a regex
                j = i + 1
                while j < n and text[j] != "/":
                    j += 2 if text[j] == "\\" else 1
                selector, is_regex = text[i + 1:j], True
                i = j + 1
            elif i < n and text[i] == "'":
                j = text.find("'", i + 1)
                j = n if j < 0 else j
                selector = text[i + 1:j]
                i = j + 1
            else:
                j = i
                while j < n and text[j] != "|":
                    j += 1
                selector = text[i:j].strip()
                i = j
        refs.append(VariableRef(name, selector, is_regex, count, exclude))
    return refs


def parse_actions(text: str) -> list[Action]:
    actions: list[Action] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t,":
            i += 1
        if i >= n:
            break
        j = i
        while j < n and text[j] not in ":,":
            j += 1
        name = text[i:j].strip().lower()
        value: str | None = None
        i = j
        if i < n and text[i] == ":":
            i += 1
            while i < n and text[i] == " ":
                i += 1
            if i < n and text[i] == "'":
                cur: list[str] = []
                i += 1
                while i < n and text[i] != "'":
                    if text[i] == "\\" and i + 1 < n and text[i + 1] == "'":
                        cur.append("'")
                        i += 2
                        continue
                    cur.append(text[i])
                    i += 1
                i += 1
                value = "".join(cur)
            else:
                j = i
                while j < n and text[j] != ",":
                    j += 1
                value = text[i:j].strip()
                i = j
        if name:
            actions.append(Action(name, value))
    return actions


def parse_operator(text: str) -> tuple[str, str, bool]:
    negated = False
    s = text
    if s.startswith("!"):
        negated, s = True, s[1:]
    if not s.startswith("@"):
        return "rx", s, negated
    name, _, arg = s[1:].partition(" ")
    return name.lower(), arg, negated


def parse(text: str, file: str = "") -> list[Directive]:
    out: list[Directive] = []
    for number, line in logical_lines(text):
        args = split_args(line)
        if not args:
            continue
        kind = args[0]
        d = Directive(kind=kind, args=args[1:], file=file, line=number)
        try:
            if kind == "SecRule":
                if len(args) < 3:
                    raise SecLangError("SecRule needs variables and an operator")
                d.variables = parse_variables(args[1])
                d.operator, d.operator_arg, d.negated = parse_operator(args[2])
                d.actions = parse_actions(args[3]) if len(args) > 3 else []
            elif kind in ("SecAction", "SecDefaultAction"):
                d.actions = parse_actions(args[1]) if len(args) > 1 else []
        except SecLangError as exc:
            raise SecLangError(f"{file}:{number}: {exc}") from None
        out.append(d)
    return out
