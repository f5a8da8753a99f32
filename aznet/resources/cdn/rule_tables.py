"""Azure's delivery rule conditions and actions (rules engine of Front Door
Standard/Premium and CDN): each condition's parameters type name, operators,
selector and allowed values; each action's parameters type name."""

from __future__ import annotations

STRINGS = ("Any", "Equal", "Contains", "BeginsWith", "EndsWith", "LessThan", "LessThanOrEqual", "GreaterThan",
           "GreaterThanOrEqual", "RegEx")
# name -> (parameters typeName, operators, needs a selector, allowed match values or None)
CONDITIONS: dict[str, tuple[str, tuple[str, ...], bool, tuple[str, ...] | None]] = {
    "RemoteAddress": ("DeliveryRuleRemoteAddressConditionParameters", ("Any", "IPMatch", "GeoMatch"), False, None),
    "RequestMethod": ("DeliveryRuleRequestMethodConditionParameters", ("Equal",), False,
                      ("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "TRACE")),
    "QueryString": ("DeliveryRuleQueryStringConditionParameters", STRINGS, False, None),
    "PostArgs": ("DeliveryRulePostArgsConditionParameters", STRINGS, True, None),
    "RequestUri": ("DeliveryRuleRequestUriConditionParameters", STRINGS, False, None),
    "RequestHeader": ("DeliveryRuleRequestHeaderConditionParameters", STRINGS, True, None),
    "RequestBody": ("DeliveryRuleRequestBodyConditionParameters", STRINGS, False, None),
    "RequestScheme": ("DeliveryRuleRequestSchemeConditionParameters", ("Equal",), False, ("HTTP", "HTTPS")),
    "UrlPath": ("DeliveryRuleUrlPathMatchConditionParameters", (*STRINGS, "Wildcard"), False, None),
    "UrlFileExtension": ("DeliveryRuleUrlFileExtensionMatchConditionParameters", STRINGS, False, None),
    "UrlFileName": ("DeliveryRuleUrlFilenameConditionParameters", STRINGS, False, None),
    "HttpVersion": ("DeliveryRuleHttpVersionConditionParameters", ("Equal",), False, ("2.0", "1.1", "1.0", "0.9")),
    "Cookies": ("DeliveryRuleCookiesConditionParameters", STRINGS, True, None),
    "IsDevice": ("DeliveryRuleIsDeviceConditionParameters", ("Equal",), False, ("Mobile", "Desktop")),
    "SocketAddr": ("DeliveryRuleSocketAddrConditionParameters", ("Any", "IPMatch"), False, None),
    "ClientPort": ("DeliveryRuleClientPortConditionParameters", STRINGS, False, None),
    "ServerPort": ("DeliveryRuleServerPortConditionParameters", STRINGS, False, ("80", "443")),
    "HostName": ("DeliveryRuleHostNameConditionParameters", STRINGS, False, None),
    "SslProtocol": ("DeliveryRuleSslProtocolConditionParameters", ("Equal",), False,
                    ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")),
}
AFD_ONLY_CONDITIONS = {"SocketAddr", "ClientPort", "ServerPort", "HostName", "SslProtocol"}
TRANSFORMS = ("Lowercase", "Uppercase", "Trim", "UrlDecode", "UrlEncode", "RemoveNulls")

ACTIONS: dict[str, str] = {
    "CacheExpiration": "DeliveryRuleCacheExpirationActionParameters",
    "CacheKeyQueryString": "DeliveryRuleCacheKeyQueryStringBehaviorActionParameters",
    "ModifyRequestHeader": "DeliveryRuleHeaderActionParameters",
    "ModifyResponseHeader": "DeliveryRuleHeaderActionParameters",
    "UrlRedirect": "DeliveryRuleUrlRedirectActionParameters",
    "UrlRewrite": "DeliveryRuleUrlRewriteActionParameters",
    "UrlSigning": "DeliveryRuleUrlSigningActionParameters",
    "OriginGroupOverride": "DeliveryRuleOriginGroupOverrideActionParameters",
    "RouteConfigurationOverride": "DeliveryRuleRouteConfigurationOverrideActionParameters",
}
AFD_ACTIONS = {"CacheExpiration", "CacheKeyQueryString", "ModifyRequestHeader", "ModifyResponseHeader", "UrlRedirect",
               "UrlRewrite", "RouteConfigurationOverride"}
CDN_ACTIONS = set(ACTIONS) - {"RouteConfigurationOverride"}
