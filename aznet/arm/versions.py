"""api-versions of the Azure providers aznet implements: one source, one accessor.

- ``LISTED``: the one table of literal api-versions, per provider key: the versions Azure's REST API specs
  give for the provider (what ARM accepts) and the ones the Azure CLI sends (its SDKs are not installed
  beside aznet's). A literal api-version list anywhere else in ``aznet/`` fails
  ``tests/arm/test_api_versions.py``.
- What the installed ``azure-mgmt-*`` SDKs send is read from the schema cache
  (``aznet.arm.schema.cache.sdk_api_versions``: compiled from the SDK's operations) and accepted too: a
  newer SDK needs no edit here.
- ``supported(key)``: the versions a provider accepts (``LISTED[key]`` then the SDK's, once each).
- ``DEFAULTS``: the api-version aznet's own clients use when none is given (the in-process test client,
  the verifier's ARM reader): pinned, so their answers do not move with the SDK.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar

from ..config import DEFAULT_LOCATION  # the region named in messages when a request has none
from .errors import ArmError
from .schema.cache import sdk_api_versions

# Where the request being handled is, for the api-version error: the platform sets a resolver per request
# (the location in the path, else the body's, else the stored resource's or its resource group's).
REQUEST_LOCATION: ContextVar[Callable[[], str | None] | None] = ContextVar("aznet_request_location", default=None)

API_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview|-beta|-alpha|-privatepreview)?$")


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


LISTED: dict[str, tuple[str, ...]] = {
    "network": _split(
        "2015-06-15 2016-03-30 2016-06-01 2016-09-01 2016-12-01 2017-03-01 2017-06-01 2017-08-01 2017-09-01 "
        "2017-10-01 2017-11-01 2018-01-01 2018-02-01 2018-04-01 2018-06-01 2018-07-01 2018-08-01 2018-10-01 "
        "2018-11-01 2018-12-01 2019-02-01 2019-04-01 2019-06-01 2019-07-01 2019-08-01 2019-09-01 2019-11-01 "
        "2019-12-01 2020-03-01 2020-04-01 2020-05-01 2020-06-01 2020-07-01 2020-08-01 2020-11-01 2021-02-01 "
        "2021-03-01 2021-05-01 2021-08-01 2022-01-01 2022-05-01 2022-07-01 2022-09-01 2022-11-01 2023-02-01 "
        "2023-04-01 2023-05-01 2023-06-01 2023-09-01 2023-11-01 2024-01-01 2024-03-01 2024-05-01 2024-07-01 "
        "2024-10-01 2025-01-01 2025-03-01 2025-04-01 2025-05-01 2025-07-01 2025-09-01 2025-11-01 2026-01-01 "
        "2026-03-01"
    ),
    "resources": _split(
        "2015-11-01 2016-02-01 2016-07-01 2016-09-01 2017-05-10 2018-02-01 2018-05-01 2019-03-01 2019-05-01 "
        "2019-05-10 2019-07-01 2019-08-01 2019-10-01 2020-06-01 2020-08-01 2020-10-01 2021-01-01 2021-04-01 "
        "2022-09-01 2023-07-01 2024-03-01 2024-07-01 2024-11-01 2025-03-01 2025-04-01 2026-06-01"
    ),
    "subscriptions": _split(
        "2014-04-01 2015-01-01 2016-06-01 2018-06-01 2019-06-01 2019-11-01 2020-01-01 2021-01-01 2022-01-01 "
        "2022-09-01 2022-12-01 2023-07-01 2024-11-01"
    ),
    "compute": _split(
        "2015-06-15 2016-03-30 2016-04-30-preview 2017-03-30 2017-12-01 2018-04-01 2018-06-01 2018-10-01 "
        "2019-03-01 2019-07-01 2019-12-01 2020-06-01 2020-12-01 2021-03-01 2021-04-01 2021-07-01 2021-11-01 "
        "2019-04-01 2022-03-01 2022-08-01 2022-11-01 2023-03-01 2023-07-01 2023-09-01 2024-03-01 2024-03-03 "
        "2024-07-01 2024-11-01 2025-03-03 2025-04-01 2025-11-01 2025-12-03 2026-03-01 2026-03-02 2026-03-03 "
        "2026-04-01"
    ),
    "dns": _split(
        "2015-05-04-preview 2016-04-01 2017-09-01 2017-09-15-preview 2017-10-01 2018-03-01-preview 2018-05-01 "
        "2023-07-01-preview"
    ),
    "privatedns": _split(
        "2018-09-01 2020-01-01 2020-06-01 2024-06-01"
    ),
    "trafficmanager": _split(
        "2015-11-01 2017-03-01 2017-05-01 2017-09-01-preview 2018-02-01 2018-03-01 2018-04-01 2018-08-01 "
        "2022-04-01 2022-04-01-preview 2024-04-01-preview 2026-09-01"
    ),
    "dnsresolver": _split(
        "2020-04-01-preview 2022-07-01 2023-07-01-preview 2025-05-01 2025-10-01-preview"
    ),
    "edgezones": _split(
        "2024-04-01-preview 2025-05-01 2026-10-01"
    ),
    "frontdoor": _split(
        "2018-08-01 2019-04-01 2019-05-01 2020-01-01 2020-04-01 2020-05-01 2021-06-01 2024-02-01 2025-03-01 2025-10-01"
    ),
    "frontdoorwaf": _split(
        "2018-08-01 2019-03-01 2019-10-01 2020-04-01 2020-11-01 2021-06-01 2022-05-01 2024-02-01 2025-03-01 2025-10-01"
    ),
    "cdn": _split(
        "2015-06-01 2016-04-02 2016-10-02 2017-04-02 2017-10-12 2019-04-15 2019-06-15-preview 2019-06-15 "
        "2019-12-31 2020-03-31 2020-04-15 2020-09-01 2021-06-01 2022-05-01-preview 2022-11-01-preview 2023-05-01 "
        "2023-07-01-preview 2024-02-01 2024-05-01-preview 2024-06-01-preview 2024-09-01 2025-01-01-preview "
        "2025-04-15 2025-06-01 2025-09-01-preview 2026-10-01"
    ),
    "keyvault": _split(
        "2015-06-01 2016-10-01 2018-02-14 2018-02-14-preview 2019-09-01 2020-04-01-preview 2021-04-01-preview "
        "2021-06-01-preview 2021-10-01 2021-11-01-preview 2022-02-01-preview 2022-07-01 2022-11-01 2023-02-01 "
        "2023-07-01 2023-08-01-preview 2024-04-01-preview 2024-11-01 2024-12-01-preview 2025-05-01 2026-02-01 "
        "2026-05-15"
    ),
    "storage": _split(
        "2015-06-15 2016-01-01 2016-05-01 2016-12-01 2017-06-01 2017-10-01 2018-02-01 2018-03-01-preview "
        "2018-07-01 2018-11-01 2019-04-01 2019-06-01 2020-08-01-preview 2021-01-01 2021-02-01 2021-04-01 "
        "2021-06-01 2021-08-01 2021-09-01 2022-05-01 2022-09-01 2023-01-01 2023-04-01 2023-05-01 2024-01-01 "
        "2025-01-01 2025-06-01 2025-08-01 2026-09-01"
    ),
    "sql": _split(
        "2014-04-01 2015-05-01-preview 2017-03-01-preview 2017-10-01-preview 2018-06-01-preview "
        "2019-06-01-preview 2020-02-02-preview 2020-08-01-preview 2020-11-01-preview 2021-02-01-preview "
        "2021-05-01-preview 2021-08-01-preview 2021-11-01 2022-02-01-preview 2022-05-01-preview "
        "2022-08-01-preview 2022-11-01-preview 2023-02-01-preview 2023-05-01-preview 2023-08-01 "
        "2023-08-01-preview 2024-05-01-preview 2024-11-01-preview 2025-01-01 2025-02-01-preview"
    ),
    "web": _split(
        "2015-08-01 2016-03-01 2016-08-01 2016-09-01 2018-02-01 2018-11-01 2019-08-01 2020-06-01 2020-09-01 "
        "2020-10-01 2020-12-01 2021-01-01 2021-01-15 2021-02-01 2021-03-01 2022-03-01 2022-09-01 2023-01-01 "
        "2023-12-01 2024-04-01 2024-11-01 2025-03-01 2025-05-01"
    ),
    "cosmosdb": _split(
        "2014-04-01 2015-04-08 2015-11-06 2016-03-19 2016-03-31 2019-08-01 2019-12-12 2020-03-01 2020-04-01 "
        "2020-06-01-preview 2020-09-01 2021-01-15 2021-03-15 2021-04-15 2021-05-15 2021-06-15 2021-10-15 "
        "2022-05-15 2022-08-15 2022-11-15 2023-03-15 2023-04-15 2023-09-15 2023-11-15 2024-05-15 2024-08-15 "
        "2024-11-15 2025-04-15 2025-10-15 2026-03-15"
    ),
    "containerinstance": _split(
        "2017-08-01-preview 2017-10-01-preview 2017-12-01-preview 2018-02-01-preview 2018-04-01 2018-06-01 "
        "2018-09-01 2018-10-01 2019-12-01 2020-11-01 2021-03-01 2021-07-01 2021-09-01 2021-10-01 2022-09-01 "
        "2022-10-01-preview 2023-02-01-preview 2023-05-01 2024-05-01-preview 2024-10-01-preview 2025-09-01"
    ),
    "msi": _split(
        "2015-08-31-preview 2018-11-30 2021-09-30-preview 2022-01-31-preview 2023-01-31 2023-07-31-preview "
        "2024-11-30 2025-01-31-preview 2025-05-31-preview"
    ),
    "orbital": _split(
        "2022-03-01 2022-11-01"
    ),
    "peering": _split(
        "2020-10-01 2021-01-01 2021-06-01 2022-01-01 2022-06-01 2022-10-01 2025-05-01"
    ),
    "locks": _split(
        "2015-01-01 2016-09-01 2017-04-01 2020-05-01"
    ),
    "diagnosticsettings": _split(
        "2015-07-01 2016-09-01 2017-05-01-preview 2021-05-01-preview"
    ),
    "monitor": _split(
        "2016-03-01 2017-05-01-preview 2017-12-01-preview 2018-01-01 2019-07-01 2021-05-01 2023-10-01 2024-02-01"
    ),
}

# The provider keys whose azure-mgmt-* SDK speaks one api-version (the one it sends is accepted too). Not
# monitor (its SDK sends a different version per operation group) nor the Microsoft.Resources family.
SDK_PACKAGES = {key: key for key in (
    "network", "compute", "dns", "privatedns", "trafficmanager", "dnsresolver", "edgezones", "cdn", "keyvault",
    "storage", "sql", "web", "cosmosdb", "containerinstance", "msi", "orbital", "peering", "frontdoor")}
SDK_PACKAGES["frontdoorwaf"] = "frontdoor"    # azure-mgmt-frontdoor holds the WAF policies too

DEFAULTS = {"network": "2024-05-01", "compute": "2024-07-01", "resources": "2021-04-01", "subscriptions": "2022-12-01"}

_supported: dict[str, tuple[str, ...]] = {}


def supported(key: str) -> tuple[str, ...]:
    """The api-versions provider ``key`` accepts: ``LISTED[key]``, then those its installed SDK sends."""
    found = _supported.get(key)
    if found is None:
        listed = LISTED[key]
        package = SDK_PACKAGES.get(key)
        extra = [v for v in sdk_api_versions(package) if v not in listed] if package else []
        found = _supported[key] = (*listed, *extra)
    return found


def default(key: str) -> str:
    """The api-version aznet's own clients send to provider ``key``."""
    return DEFAULTS[key]


NETWORK = supported("network")
RESOURCES = supported("resources")
SUBSCRIPTIONS = supported("subscriptions")
COMPUTE = supported("compute")


def check_api_version(api_version: str | None, supported: list[str] | tuple[str, ...], type_name: str,
                      location: str | None = None) -> str:
    if not api_version:
        raise ArmError(400, "MissingApiVersionParameter",
                       "The api-version query parameter (?api-version=) is required for all requests.")
    if not API_VERSION_RE.match(api_version):
        raise ArmError(400, "InvalidApiVersionParameter",
                       f"The api-version '{api_version}' is invalid. The supported versions are "
                       f"'{','.join(reversed(supported))}'.")
    if api_version not in supported:
        if location is None:
            resolver = REQUEST_LOCATION.get()
            try:
                location = resolver() if resolver is not None else None
            except Exception:  # the location is only for the message: never fail it
                location = None
        location = (location or DEFAULT_LOCATION).replace(" ", "").lower()
        raise ArmError(400, "NoRegisteredProviderFound",
                       f"No registered resource provider found for location '{location}' and API version "
                       f"'{api_version}' for type '{type_name}'. The supported api-versions are "
                       f"'{', '.join(supported)}'.")
    return api_version
