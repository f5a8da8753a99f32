"""api-versions of the Azure providers aznet implements (from Azure's REST API specs)."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar

from ..config import DEFAULT_LOCATION  # the region named in messages when a request has none
from .errors import ArmError

# Where the request being handled is, for the api-version error: the platform sets a resolver per request
# (the location in the path, else the body's, else the stored resource's or its resource group's).
REQUEST_LOCATION: ContextVar[Callable[[], str | None] | None] = ContextVar("aznet_request_location", default=None)

API_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview|-beta|-alpha|-privatepreview)?$")

NETWORK = (
    "2015-06-15 2016-03-30 2016-06-01 2016-09-01 2016-12-01 2017-03-01 2017-06-01 2017-08-01 2017-09-01 "
    "2017-10-01 2017-11-01 2018-01-01 2018-02-01 2018-04-01 2018-06-01 2018-07-01 2018-08-01 2018-10-01 "
    "2018-11-01 2018-12-01 2019-02-01 2019-04-01 2019-06-01 2019-07-01 2019-08-01 2019-09-01 2019-11-01 "
    "2019-12-01 2020-03-01 2020-04-01 2020-05-01 2020-06-01 2020-07-01 2020-08-01 2020-11-01 2021-02-01 "
    "2021-03-01 2021-05-01 2021-08-01 2022-01-01 2022-05-01 2022-07-01 2022-09-01 2022-11-01 2023-02-01 "
    "2023-04-01 2023-05-01 2023-06-01 2023-09-01 2023-11-01 2024-01-01 2024-03-01 2024-05-01 2024-07-01 "
    "2024-10-01 2025-01-01 2025-03-01 2025-04-01 2025-05-01 2025-07-01 2025-09-01 2025-11-01 2026-01-01 "
    "2026-03-01"
).split()

RESOURCES = (
    "2015-11-01 2016-02-01 2016-07-01 2016-09-01 2017-05-10 2018-02-01 2018-05-01 2019-03-01 2019-05-01 "
    "2019-05-10 2019-07-01 2019-08-01 2019-10-01 2020-06-01 2020-08-01 2020-10-01 2021-01-01 2021-04-01 "
    "2022-09-01 2023-07-01 2024-03-01 2024-07-01 2024-11-01 2025-03-01 2025-04-01 2026-06-01"
).split()

SUBSCRIPTIONS = (
    "2014-04-01 2015-01-01 2016-06-01 2018-06-01 2019-06-01 2019-11-01 2020-01-01 2021-01-01 2022-01-01 "
    "2022-09-01 2022-12-01 2023-07-01 2024-11-01"
).split()

COMPUTE = (
    "2015-06-15 2016-03-30 2016-04-30-preview 2017-03-30 2017-12-01 2018-04-01 2018-06-01 2018-10-01 "
    "2019-03-01 2019-07-01 2019-12-01 2020-06-01 2020-12-01 2021-03-01 2021-04-01 2021-07-01 2021-11-01 "
    "2019-04-01 2022-03-01 2022-08-01 2022-11-01 2023-03-01 2023-07-01 2023-09-01 2024-03-01 2024-03-03 "
    "2024-07-01 2024-11-01 2025-03-03 2025-04-01 2025-11-01 2025-12-03 2026-03-01 2026-03-02 2026-03-03 2026-04-01"
).split()


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
