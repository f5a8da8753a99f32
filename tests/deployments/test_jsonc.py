"""Lenient template text: comments, trailing commas, control characters, bare keys."""

from __future__ import annotations

import pytest

from aznet.deployments.engine import TemplateError, parse_template_text


def test_comments_are_removed_outside_strings_only():
    text = '{\n // line comment\n "a": "http://x//y", /* block\n comment */ "b": "/* kept */",\n "c": 1 // end\n}'
    assert parse_template_text(text) == {"a": "http://x//y", "b": "/* kept */", "c": 1}


def test_trailing_commas_are_tolerated_but_not_inside_strings():
    text = '{"a": [1, 2, ], "b": {"x": ", }", }, }'
    assert parse_template_text(text) == {"a": [1, 2], "b": {"x": ", }"}}


def test_trailing_comma_before_comment():
    assert parse_template_text('{"a": [1, // c\n], }') == {"a": [1]}


def test_escaped_quotes_and_backslashes_in_strings():
    text = r'{"a": "say \"hi\" // not a comment", "b": "c:\\dir\\", "c": 1}'
    assert parse_template_text(text) == {"a": 'say "hi" // not a comment', "b": "c:\\dir\\", "c": 1}


def test_control_characters_in_strings_and_bom():
    text = '\ufeff{"script": "line1\nline2\tend"}'
    assert parse_template_text(text) == {"script": "line1\nline2\tend"}


def test_bare_keys_as_az_sends_them():
    text = '{"properties": {template: {"a": 1, b: [true, null]}, "mode": "Incremental"}}'
    assert parse_template_text(text) == {"properties": {"template": {"a": 1, "b": [True, None]},
                                                        "mode": "Incremental"}}


@pytest.mark.parametrize("bad", ['{"a": }', "[1, 2]", '{"a": 1', "/* open", ""])
def test_errors(bad):
    with pytest.raises(TemplateError) as exc:
        parse_template_text(bad)
    assert exc.value.code == "InvalidTemplate"
