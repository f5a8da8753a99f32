"""Rules-engine match conditions: every condition, operator, negation and transform (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from aznet.dataplane.frontdoor.rules import RuleEngine
from aznet.dataplane.frontdoor.rules.conditions import compile_delivery_condition
from aznet.dataplane.frontdoor.rules.request_values import RequestView

from .core_support import request


def cond(name: str, operator: str, values: list[str] | None = None, *, selector: str | None = None,
         negate: bool = False, transforms: list[str] | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"typeName": f"DeliveryRule{name}ConditionParameters", "operator": operator,
                              "negateCondition": negate, "matchValues": values or [],
                              "transforms": transforms or []}
    if selector is not None:
        params["selector"] = selector
    return {"name": name, "parameters": params}


def matches(condition: dict[str, Any], req, geo=None) -> bool:  # noqa: ANN001
    return compile_delivery_condition(condition, geo)(RequestView(req))


def test_url_path_has_no_leading_slash_and_is_case_sensitive() -> None:
    req = request("/files/secure/file1.pdf")
    assert matches(cond("UrlPath", "BeginsWith", ["files/secure/"]), req)
    assert not matches(cond("UrlPath", "BeginsWith", ["/files/secure/"]), req)
    assert not matches(cond("UrlPath", "BeginsWith", ["FILES/"]), req)
    assert matches(cond("UrlPath", "BeginsWith", ["FILES/"], transforms=["Uppercase"]), req)
    assert matches(cond("UrlPath", "Equal", ["files/secure/file1.pdf"]), req)


def test_url_path_wildcard() -> None:
    pattern = cond("UrlPath", "Wildcard", ["files/customer*/file.pdf"])
    assert matches(pattern, request("/files/customer1/file.pdf"))
    assert matches(pattern, request("/files/customer/file.pdf"))
    assert not matches(pattern, request("/files/customer2/anotherfile.pdf"))


def test_file_name_and_extension() -> None:
    req = request("/media/MEDIA.MP4")
    assert matches(cond("UrlFileName", "Equal", ["media.mp4"], transforms=["Lowercase"]), req)
    assert not matches(cond("UrlFileName", "Equal", ["media.mp4"]), req)
    assert matches(cond("UrlFileExtension", "Equal", ["pdf", "mp4"], transforms=["Lowercase"]), req)
    assert not matches(cond("UrlFileExtension", "Any"), request("/noext"))
    assert matches(cond("UrlFileExtension", "Any", negate=True), request("/dir/"))


def test_request_uri_is_the_whole_url_with_query() -> None:
    req = request("/Customers/123", "x=1", host="api.contoso.com")
    assert matches(cond("RequestUri", "BeginsWith", ["https://api.contoso.com/customers/123"],
                        transforms=["Lowercase"]), req)
    assert matches(cond("RequestUri", "EndsWith", ["?x=1"]), req)
    odd_port = request("/a", host="h.example", scheme="http", server_port=8080)
    assert matches(cond("RequestUri", "Equal", ["http://h.example:8080/a"]), odd_port)


def test_query_string_without_question_mark() -> None:
    req = request("/", "language=en-US&x=1")
    assert matches(cond("QueryString", "Contains", ["language=en-US"]), req)
    assert not matches(cond("QueryString", "Contains", ["language=EN-us"]), req)
    assert matches(cond("QueryString", "Any"), req)
    assert matches(cond("QueryString", "Any", negate=True), request("/"))


def test_length_operators_compare_the_length() -> None:
    req = request("/", "abcde")
    assert matches(cond("QueryString", "LessThan", ["6"]), req)
    assert not matches(cond("QueryString", "LessThan", ["5"]), req)
    assert matches(cond("QueryString", "LessThanOrEqual", ["5"]), req)
    assert matches(cond("QueryString", "GreaterThan", ["4"]), req)
    assert matches(cond("QueryString", "GreaterThanOrEqual", ["5"]), req)
    assert not matches(cond("QueryString", "GreaterThanOrEqual", ["5"], negate=True), req)


def test_regex_searches_and_survives_catastrophic_patterns() -> None:
    assert matches(cond("RequestHeader", "RegEx", [r"^Mozilla/\d"], selector="User-Agent"),
                   request(headers=[("user-agent", "Mozilla/5.0 (X11)")]))
    evil = cond("QueryString", "RegEx", [r"^(a+)+$"])
    assert not matches(evil, request("/", "a" * 40 + "!"))  # times out: no match, no hang


def test_request_header_selector_any_and_values_or() -> None:
    req = request(headers=[("MyCustomHeader", "v2")])
    assert matches(cond("RequestHeader", "Any", selector="mycustomheader"), req)
    assert not matches(cond("RequestHeader", "Any", selector="Other"), req)
    assert matches(cond("RequestHeader", "Any", selector="Other", negate=True), req)
    assert matches(cond("RequestHeader", "Equal", ["v1", "v2"], selector="MyCustomHeader"), req)
    assert matches(cond("RequestHeader", "Equal", ["v1"], selector="MyCustomHeader", negate=True), req)


def test_cookies_post_args_and_body() -> None:
    req = request(method="POST", headers=[("Cookie", "a=1; deploymentStampId=1"),
                                          ("Content-Type", "application/x-www-form-urlencoded")],
                  body=b"customerName=jane&x=ERROR%20here")
    assert matches(cond("Cookies", "Equal", ["1"], selector="deploymentStampId"), req)
    assert not matches(cond("Cookies", "Equal", ["1"], selector="missing"), req)
    assert matches(cond("PostArgs", "BeginsWith", ["J", "K"], selector="customerName", transforms=["Uppercase"]),
                   req)
    assert matches(cond("RequestBody", "Contains", ["ERROR"]), req)
    json_body = request(method="POST", headers=[("Content-Type", "application/json")], body=b'{"customerName":"j"}')
    assert not matches(cond("PostArgs", "Any", selector="customerName"), json_body)


def test_request_body_only_first_64_kb() -> None:
    req = request(method="POST", body=b"x" * (64 * 1024) + b"NEEDLE")
    assert not matches(cond("RequestBody", "Contains", ["NEEDLE"]), req)


def test_remote_and_socket_address() -> None:
    req = request(client_ip="5.5.5.70", socket_ip="10.0.0.1")
    assert matches(cond("RemoteAddress", "IPMatch", ["5.5.5.64/26"]), req)
    assert not matches(cond("RemoteAddress", "IPMatch", ["10.0.0.0/8"]), req)
    assert matches(cond("SocketAddr", "IPMatch", ["10.0.0.0/8"]), req)
    assert matches(cond("RemoteAddress", "IPMatch", ["2001:db8::/32"]), request(client_ip="2001:db8::5"))
    assert matches(cond("RemoteAddress", "IPMatch", ["5.5.5.64/26"], negate=True), request(client_ip="1.1.1.1"))


def test_geo_match_uses_the_lookup() -> None:
    geo = {"203.0.113.7": "US", "198.51.100.1": "FR"}.get
    assert matches(cond("RemoteAddress", "GeoMatch", ["US"]), request(client_ip="203.0.113.7"), geo)
    assert matches(cond("RemoteAddress", "GeoMatch", ["US"], negate=True), request(client_ip="198.51.100.1"), geo)
    assert not matches(cond("RemoteAddress", "GeoMatch", ["US"]), request(client_ip="192.0.2.1"), geo)


@pytest.mark.parametrize(("condition", "req", "expected"), [
    (cond("RequestMethod", "Equal", ["DELETE"]), request(method="DELETE"), True),
    (cond("RequestMethod", "Equal", ["GET", "HEAD"]), request(method="POST"), False),
    (cond("RequestScheme", "Equal", ["HTTP"]), request(scheme="http"), True),
    (cond("RequestScheme", "Equal", ["HTTP"]), request(scheme="https"), False),
    (cond("HttpVersion", "Equal", ["2.0"]), request(http_version="2.0"), True),
    (cond("HttpVersion", "Equal", ["2.0"]), request(http_version="1.1"), False),
    (cond("SslProtocol", "Equal", ["TLSv1.2"]), request(tls="TLSv1.2"), True),
    (cond("SslProtocol", "Equal", ["TLSv1.3"]), request(tls="TLSv1.2"), False),
    (cond("SslProtocol", "Equal", ["TLSv1.2"], negate=True), request(scheme="http"), True),
    (cond("ClientPort", "Equal", ["1111"]), request(client_port=1111), True),
    (cond("ServerPort", "Equal", ["443"]), request(scheme="https"), True),
    (cond("ServerPort", "Equal", ["443"]), request(scheme="http"), False),
    (cond("HostName", "EndsWith", ["contoso.com"]), request(host="www.contoso.com"), True),
    (cond("HostName", "Equal", ["contoso.com"]), request(host="www.contoso.com"), False),
    (cond("IsDevice", "Equal", ["Mobile"]),
     request(headers=[("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148")]), True),
    (cond("IsDevice", "Equal", ["Desktop"]),
     request(headers=[("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)")]), True),
])
def test_enumerated_and_port_conditions(condition: dict[str, Any], req, expected: bool) -> None:  # noqa: ANN001
    assert matches(condition, req) is expected


def test_transforms_trim_urldecode_urlencode_removenulls() -> None:
    assert matches(cond("RequestHeader", "Equal", ["v"], selector="X", transforms=["Trim"]),
                   request(headers=[("X", "  v  ")]))
    assert matches(cond("QueryString", "Contains", ["a b"], transforms=["UrlDecode"]), request("/", "q=a%20b"))
    assert matches(cond("RequestHeader", "Equal", ["a%2Fb"], selector="X", transforms=["UrlEncode"]),
                   request(headers=[("X", "a/b")]))
    assert matches(cond("RequestHeader", "Equal", ["ab"], selector="X", transforms=["RemoveNulls"]),
                   request(headers=[("X", "a\x00b")]))


def test_conditions_of_a_rule_are_and_ed() -> None:
    engine = RuleEngine.from_rule_sets([[{"name": "both", "properties": {
        "order": 1, "conditions": [cond("RequestMethod", "Equal", ["GET"]), cond("UrlPath", "BeginsWith", ["api/"])],
        "actions": [{"name": "ModifyRequestHeader", "parameters": {"headerAction": "Overwrite",
                                                                   "headerName": "X-Api", "value": "1"}}]}}]],
        geo=lambda ip: None)
    assert engine.evaluate(request("/api/x")).matched == ["both"]
    assert engine.evaluate(request("/api/x", method="POST")).matched == []
    assert engine.evaluate(request("/web/x")).matched == []


def test_conditions_the_edge_cannot_use_never_match_instead_of_failing() -> None:
    assert not matches({"name": "NoSuchCondition", "parameters": {"operator": "Any"}}, request())
    assert not matches(cond("QueryString", "Fuzzy", ["1.2.3.4"]), request("/", "1.2.3.4"))
    assert not matches(cond("QueryString", "RegEx", ["(unclosed"]), request("/", "(unclosed"))
    engine = RuleEngine.from_classic({"properties": {"rules": [{"name": "x", "priority": 1, "matchConditions": [
        {"rulesEngineMatchVariable": "Nope", "rulesEngineOperator": "Any"}], "action": {}}]}}, geo=lambda ip: None)
    assert engine.evaluate(request()).matched == []
