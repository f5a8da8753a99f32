from __future__ import annotations

from aznet.dataplane.waf import transforms as t
from aznet.dataplane.waf.pcre import compile_pcre
from aznet.dataplane.waf.request import HttpRequest
from aznet.dataplane.waf.rules import RuleCompiler
from aznet.dataplane.waf.seclang import parse, parse_actions, parse_variables
from aznet.dataplane.waf.transaction import Settings, Transaction


def test_parse_rule_with_continuations_and_escapes() -> None:
    text = 'SecRule ARGS|!ARGS:foo|&REQUEST_HEADERS:Host|REQUEST_COOKIES:/^x|y$/ "@rx a\\"b\\\\\\\\c" \\\n' \
           '    "id:1,phase:2,t:none,t:lowercase,msg:\'it\\\'s, here\',setvar:\'tx.a=+%{tx.b}\'"\n'
    (d,) = parse(text, "f.conf")
    assert [(v.name, v.selector, v.exclude, v.count, v.is_regex) for v in d.variables] == [
        ("ARGS", None, False, False, False), ("ARGS", "foo", True, False, False),
        ("REQUEST_HEADERS", "Host", False, True, False), ("REQUEST_COOKIES", "^x|y$", False, False, True)]
    assert (d.operator, d.operator_arg, d.negated) == ("rx", 'a"b\\\\c', False)
    assert ("msg", "it's, here") in [(a.name, a.value) for a in d.actions]
    assert ("setvar", "tx.a=+%{tx.b}") in [(a.name, a.value) for a in d.actions]


def test_xml_selector_is_an_xpath() -> None:
    refs = parse_variables("XML:/*|XML://@*")
    assert [(r.selector, r.is_regex) for r in refs] == [("/*", False), ("//@*", False)]


def test_actions_without_values() -> None:
    assert [a.name for a in parse_actions("pass,nolog,chain")] == ["pass", "nolog", "chain"]


def test_transforms() -> None:
    assert t.url_decode_uni("a%u0041%41+%zz") == "aAA %zz"
    assert t.url_decode_uni("%uff1c") == "<"
    assert t.html_entity_decode("&lt;&#x41;&#66;") == "<AB"
    assert t.js_decode("\\x41\\u0042\\n") == "AB\n"
    assert t.cmd_line("C^A\"T /ETC/PASSWD") == "cat/etc/passwd"
    assert t.normalize_path("/a/./b/../c//d") == "/a/c/d"
    assert t.utf8_to_unicode("\xc3\xa9") == "%u00e9"
    assert t.compress_whitespace("a \t\n b") == "a b"
    assert t.base64_decode("aGVsbG8=") == "hello"
    assert t.css_decode("\\6a avascript") == "javascript"


def test_pcre_translation() -> None:
    assert compile_pcre(r"\x{41}[[:digit:]]+\z").search("A12") is not None
    assert compile_pcre(r"\x{41}[[:digit:]]+\z").search("A12\n") is None
    # variable-width look-behind goes to the regex module
    p = compile_pcre(r"(?<!&(?:amp)|&(?:quot));")
    assert p.engine == "regex" and p.search("a;") is not None and p.search("&amp;") is None


def _run(rules: str, req: HttpRequest, engine: str = "On") -> Transaction:
    comp = RuleCompiler()
    comp.add_text(rules, "t.conf")
    tx = Transaction(comp.finish(), req, Settings(engine=engine))
    tx.process_request()
    return tx


def test_chain_capture_setvar_macro_and_skipafter() -> None:
    rules = "\n".join([
        'SecRule ARGS:q "@rx (\\d+)-(\\d+)" "id:1,phase:1,pass,capture,setvar:tx.lo=%{tx.1},chain"',
        '  SecRule TX:2 "@lt %{tx.lo}" "setvar:tx.score=+5"',
        'SecRule TX:score "@ge 5" "id:2,phase:1,pass,skipAfter:END"',
        'SecRule ARGS "@rx ." "id:3,phase:1,deny,status:418"',
        'SecMarker END',
        'SecRule TX:score "@ge 5" "id:4,phase:2,deny,status:403,msg:\'score %{tx.score}\'"',
    ])
    tx = _run(rules, HttpRequest("GET", "/?q=9-3"))
    assert [m.rule_id for m in tx.matches] == [1, 2, 4]
    assert tx.matches[-1].msg == "score 5"
    assert tx.disruption is not None and tx.disruption.status == 403
    tx = _run(rules, HttpRequest("GET", "/?q=3-9"))
    assert [m.rule_id for m in tx.matches] == [3]
    assert tx.disruption is not None and tx.disruption.status == 418


def test_detection_only_never_disrupts_and_ctl_removes() -> None:
    rules = "\n".join([
        'SecRule REQUEST_URI "@beginsWith /admin" "id:10,phase:1,pass,nolog,ctl:ruleRemoveTargetById=12;ARGS:x"',
        'SecRule ARGS "@contains evil" "id:12,phase:2,deny"',
    ])
    assert _run(rules, HttpRequest("GET", "/admin?x=evil")).disruption is None
    assert _run(rules, HttpRequest("GET", "/admin?y=evil")).disruption is not None
    tx = _run(rules, HttpRequest("GET", "/?x=evil"), engine="DetectionOnly")
    assert tx.disruption is None and tx.detected_disruption is not None
    assert [m.rule_id for m in tx.matches] == [12]


def test_request_bodies() -> None:
    rules = 'SecRule ARGS|FILES|XML:/*|XML://@* "@contains evil" "id:20,phase:2,deny"'
    json_req = HttpRequest("POST", "/", headers=[("Content-Type", "application/json")],
                           body=b'{"a": {"b": ["ok", "evil"]}}')
    tx = _run(rules, json_req)
    assert tx.disruption is not None and tx.matches[0].var_name == "ARGS:json.a.b.array_1"
    mp = (b"--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"evil.txt\"\r\n"
          b"Content-Type: text/plain\r\n\r\nhello\r\n--XX--\r\n")
    tx = _run(rules, HttpRequest("POST", "/", headers=[("Content-Type", "multipart/form-data; boundary=XX")],
                                 body=mp))
    assert tx.matches[0].var_name == "FILES:f"
    xml = b'<a x="evil"><b>fine</b></a>'
    tx = _run(rules, HttpRequest("POST", "/", headers=[("Content-Type", "text/xml")], body=xml))
    assert tx.matches[0].var_name == "XML://@*"
