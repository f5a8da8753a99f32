"""Cache policies from the stored configuration and the cache keys they form (pure)."""

from __future__ import annotations

import pytest

from aznet.dataplane.frontdoor.cache import DEFAULT_COMPRESSIBLE, CachePolicy
from aznet.dataplane.frontdoor.cache.policy import DAY
from aznet.dataplane.frontdoor.rules import CacheOverride

from .core_support import HOST


def test_route_without_cache_configuration_does_not_cache() -> None:
    policy = CachePolicy.from_afd_route(None)
    assert not policy.enabled
    assert not policy.caches("GET", "")


@pytest.mark.parametrize(("behaviour", "params", "query", "expected"), [
    ("IgnoreQueryString", None, "b=2&a=1", ""),
    ("UseQueryString", None, "b=2&a=1", "a=1&b=2"),
    ("UseQueryString", None, "a=1&b=2", "a=1&b=2"),
    ("IgnoreSpecifiedQueryStrings", "userid, sessionid", "language=EN&userid=100&sessionid=200", "language=EN"),
    ("IncludeSpecifiedQueryStrings", "language", "language=EN&userid=100&sessionid=200", "language=EN"),
    ("IncludeSpecifiedQueryStrings", "language", "userid=100", ""),
])
def test_afd_query_string_behaviours_form_the_key(behaviour: str, params: str | None, query: str,
                                                   expected: str) -> None:
    conf = {"queryStringCachingBehavior": behaviour}
    if params:
        conf["queryParameters"] = params
    policy = CachePolicy.from_afd_route(conf)
    assert policy.enabled
    key = policy.cache_key(HOST, "/foo/image/asset.html", query)
    assert key == f"{HOST}/foo/image/asset.html" + (f"?{expected}" if expected else "")


def test_use_query_string_keys_distinguish_values_and_ignore_order() -> None:
    policy = CachePolicy.from_afd_route({"queryStringCachingBehavior": "UseQueryString"})
    assert policy.cache_key(HOST, "/x", "q=test1") != policy.cache_key(HOST, "/x", "q=test2")
    assert policy.cache_key(HOST, "/x", "q=test1&r=test2") == policy.cache_key(HOST, "/x", "r=test2&q=test1")


def test_key_is_per_host_and_path_case_is_kept() -> None:
    policy = CachePolicy.from_afd_route({})
    assert policy.cache_key("a.example", "/x", "") != policy.cache_key("b.example", "/x", "")
    assert policy.cache_key(HOST, "/X", "") != policy.cache_key(HOST, "/x", "")


def test_only_get_is_cacheable_on_front_door_and_head_too_on_cdn() -> None:
    afd = CachePolicy.from_afd_route({})
    assert afd.caches("GET", "") and not afd.caches("HEAD", "") and not afd.caches("POST", "")
    cdn = CachePolicy.from_cdn_endpoint({"queryStringCachingBehavior": "IgnoreQueryString"})
    assert cdn.caches("GET", "") and cdn.caches("HEAD", "") and not cdn.caches("POST", "")


def test_cdn_bypass_caching_skips_only_requests_with_a_query_string() -> None:
    policy = CachePolicy.from_cdn_endpoint({"queryStringCachingBehavior": "BypassCaching"})
    assert policy.caches("GET", "")
    assert not policy.caches("GET", "v=1")


def test_cdn_default_duration_is_two_days_and_front_door_one_to_three() -> None:
    assert CachePolicy.from_cdn_endpoint({}).default_ttl() == 2 * DAY
    afd = CachePolicy.from_afd_route({})
    samples = [afd.default_ttl() for _ in range(50)]
    assert all(DAY <= s <= 3 * DAY for s in samples)
    assert len(set(samples)) > 1  # randomly picked


@pytest.mark.parametrize(("directive", "params", "query", "expected"), [
    ("StripAll", None, "a=1", ""),
    ("StripNone", None, "b=1&a=2", "a=2&b=1"),
    ("StripOnly", "a", "a=1&b=2", "b=2"),
    ("StripAllExcept", "a", "a=1&b=2", "a=1"),
])
def test_classic_strip_directives(directive: str, params: str | None, query: str, expected: str) -> None:
    conf = {"queryParameterStripDirective": directive, "dynamicCompression": "Disabled"}
    if params:
        conf["queryParameters"] = params
    policy = CachePolicy.from_classic(conf)
    assert policy.enabled and policy.flavour == "classic" and not policy.compression
    assert policy.key_query(query) == expected


def test_classic_duration_is_iso8601() -> None:
    policy = CachePolicy.from_classic({"queryParameterStripDirective": "StripAll", "cacheDuration": "P1DT2H"})
    assert policy.duration == 26 * 3600
    assert policy.compression  # dynamicCompression defaults to Enabled


def test_compression_settings_of_a_route() -> None:
    policy = CachePolicy.from_afd_route({"compressionSettings": {"isCompressionEnabled": True,
                                                                 "contentTypesToCompress": ["text/html"]}})
    assert policy.compressible("text/html; charset=utf-8")
    assert not policy.compressible("text/css")
    off = CachePolicy.from_afd_route({"compressionSettings": {"isCompressionEnabled": False}})
    assert not off.compressible("text/html")
    default = CachePolicy.from_afd_route({"compressionSettings": {"isCompressionEnabled": True}})
    assert default.compress_types == DEFAULT_COMPRESSIBLE and default.compressible("application/json")


def test_rule_override_without_cache_configuration_turns_caching_off() -> None:
    route = CachePolicy.from_afd_route({"queryStringCachingBehavior": "UseQueryString"})
    off = route.with_rules(CacheOverride(replaced=True, configuration=None))
    assert not off.enabled


def test_rule_override_replaces_configuration_and_keeps_route_types() -> None:
    route = CachePolicy.from_afd_route({"compressionSettings": {"isCompressionEnabled": True,
                                                                "contentTypesToCompress": ["text/plain"]}})
    over = route.with_rules(CacheOverride(replaced=True, configuration={
        "queryStringCachingBehavior": "UseQueryString", "isCompressionEnabled": "Enabled",
        "cacheBehavior": "OverrideAlways", "cacheDuration": "0.00:05:00"}))
    assert over.enabled and over.query_mode == "use" and over.compressible("text/plain")
    assert over.behaviour == "OverrideAlways" and over.duration == 300


def test_cache_expiration_and_key_query_string_actions() -> None:
    route = CachePolicy.from_afd_route({})
    assert route.with_rules(CacheOverride(expiration=("BypassCache", None))).caches("GET", "") is False
    set_if_missing = route.with_rules(CacheOverride(expiration=("SetIfMissing", 21600)))
    assert set_if_missing.behaviour == "OverrideIfOriginMissing" and set_if_missing.duration == 21600
    exclude = route.with_rules(CacheOverride(key_query=("Exclude", ("userid",))))
    assert exclude.key_query("language=EN&userid=100&sessionid=200") == "language=EN&sessionid=200"
    include_all = route.with_rules(CacheOverride(key_query=("IncludeAll", ())))
    assert include_all.key_query("b=1&a=1") == "a=1&b=1"
    exclude_all = CachePolicy.from_afd_route({"queryStringCachingBehavior": "UseQueryString"}).with_rules(
        CacheOverride(key_query=("ExcludeAll", ())))
    assert exclude_all.key_query("a=1") == ""
