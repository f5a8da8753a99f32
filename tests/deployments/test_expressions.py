"""The expression parser and evaluator core: literals, escaping, calls, property access."""

from __future__ import annotations

from typing import Any

import pytest

from aznet.deployments.errors import ExpressionError
from aznet.deployments.evaluate import BODY, Ctx, Deployment, evaluate, variable_table
from aznet.deployments.expressions import Call, Literal, Member, is_expression, literal_text, parse

from .fakes import SCOPE


def ev(value: Any, params: dict[str, Any] | None = None, variables: dict[str, Any] | None = None) -> Any:
    d = Deployment(SCOPE, {k.lower(): v for k, v in (params or {}).items()}, variable_table(variables or {}))
    return evaluate(value, Ctx(d, {}, BODY))


def test_parse_tree_shape():
    node = parse("concat('a', parameters('p').x[0], 12)")
    assert isinstance(node, Call) and node.name == "concat" and node.display == "concat"
    assert node.args[0] == Literal("a") and node.args[2] == Literal(12)
    member = node.args[1]
    assert isinstance(member, Member) and member.is_index and member.key == Literal(0)
    assert isinstance(member.target, Member) and member.target.key == "x" and not member.target.is_index


@pytest.mark.parametrize(("text", "value"), [
    ("'it''s'", "it's"),
    ("''''", "'"),
    ("''", ""),
    ("'a,b(c)[d]'", "a,b(c)[d]"),
    ("-5", -5),
    ("1.5", 1.5),
    ("  'padded'  ", "padded"),
    ("'[not nested]'", "[not nested]"),
])
def test_literals(text, value):
    assert parse(text) == Literal(value)


def test_function_names_are_case_insensitive():
    assert ev("[CONCAT('a', ToUpper('b'))]") == "aB"


@pytest.mark.parametrize(("raw", "want"), [
    ("[[literal]", "[literal]"),
    ("[[concat('a')]", "[concat('a')]"),
    ("plain [text]", "plain [text]"),
    ("[x", "[x"),
    ("x]", "x]"),
    ("", ""),
    ("[concat('[', ']')]", "[]"),
    ("[concat('a]', '[b')]", "a][b"),
])
def test_escaping_and_non_expressions(raw, want):
    assert ev(raw) == want


def test_is_expression_and_literal_text():
    assert is_expression("[a()]") and not is_expression("[[a()]") and not is_expression("a()")
    assert not is_expression("[") and literal_text("[[x]") == "[x]" and literal_text("x") == "x"


def test_nested_calls_and_member_chains():
    params = {"cfg": {"Subnets": [{"name": "a", "prefix": "10.0.0.0/24"}, {"name": "b"}]}}
    assert ev("[parameters('cfg').subnets[1].name]", params) == "b"          # properties are case-insensitive
    assert ev("[parameters('cfg')['Subnets'][0]['prefix']]", params) == "10.0.0.0/24"
    assert ev("[length(parameters('cfg').subnets)]", params) == 2
    assert ev("[createArray(1, createArray(2, 3))[1][0]]") == 2


def test_expressions_inside_json_values_and_keys():
    value = {"[concat('k', '1')]": ["[add(1, 2)]", {"x": "[[raw]"}], "n": 5, "b": True, "z": None}
    assert ev(value) == {"k1": [3, {"x": "[raw]"}], "n": 5, "b": True, "z": None}


def test_bare_true_false_null_literals_and_functions():
    assert ev("[true()]") is True and ev("[false()]") is False and ev("[null()]") is None
    assert ev("[if(true, 1, 2)]") == 1


def test_if_is_lazy():
    # the branch not taken would fail if it were evaluated
    assert ev("[if(equals(1, 1), 'ok', parameters('missing'))]") == "ok"
    assert ev("[if(equals(1, 2), variables('nope'), 'ok')]") == "ok"


@pytest.mark.parametrize(("expr", "fragment"), [
    ("[concat('a']", "expected ')'"),
    ("[concat('a' ]", "expected ')' but found the end"),
    ("['unterminated]", "not terminated"),
    ("[concat('a') extra()]", "is not expected"),
    ("[parameters]", "must be a function call"),
    ("[concat('a',)]", "is not expected"),
    ("[concat('a').]", "property name is expected"),
    ("[#]", "is not expected"),
    ("[]", "empty"),
])
def test_syntax_errors(expr, fragment):
    with pytest.raises(ExpressionError) as exc:
        ev(expr)
    assert fragment in exc.value.message


@pytest.mark.parametrize(("expr", "fragment"), [
    ("[nosuchfunction()]", "The template function 'nosuchfunction' is not valid"),
    ("[listKeys('x', '2020-01-01')]", "list* functions can be used only in resource properties and outputs"),
    ("[parameters('x')]", "The template parameter 'x' is not found"),
    ("[variables('x')]", "The template variable 'x' is not found"),
    ("[createObject('a', 1).b]", "doesn't exist, available properties are 'a'"),
    ("[createArray(1)[3]]", "out of bounds"),
    ("[createArray(1).x]", "an integer index is expected"),
    ("[string(1).x]", "can't be evaluated on a value of type 'String'"),
    ("[toLower(1)]", "expects its parameter to be of type 'String'"),
    ("[concat()] ", None),
])
def test_evaluation_errors(expr, fragment):
    if fragment is None:
        assert ev(expr) == "[concat()] "      # trailing blank: not an expression at all
        return
    with pytest.raises(ExpressionError) as exc:
        ev(expr)
    assert fragment in exc.value.message


def test_variables_are_lazy_cached_and_may_chain():
    variables = {"a": "[concat(variables('b'), '-a')]", "b": "[toUpper(parameters('p'))]",
                 "loopy": "[variables('loopy')]"}
    assert ev("[variables('A')]", {"p": "x"}, variables) == "X-a"
    with pytest.raises(ExpressionError) as exc:
        ev("[variables('loopy')]", {}, variables)
    assert "circular" in exc.value.message


def test_arity_is_checked():
    with pytest.raises(ExpressionError) as exc:
        ev("[toLower('a', 'b')]")
    assert "exactly 1 parameter(s)" in exc.value.message
    with pytest.raises(ExpressionError):
        ev("[substring('abc')]")


def test_parse_is_cached():
    assert parse("concat('x', 'y')") is parse("concat('x', 'y')")
