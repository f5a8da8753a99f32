"""api-versions of Azure DNS, Private DNS and Traffic Manager (from Azure's REST API specs, plus the ones
the installed SDKs and the Azure CLI send)."""

from __future__ import annotations

DNS = ("2015-05-04-preview", "2016-04-01", "2017-09-01", "2017-09-15-preview", "2017-10-01",
       "2018-03-01-preview", "2018-05-01", "2023-07-01-preview")
PRIVATE_DNS = ("2018-09-01", "2020-01-01", "2020-06-01", "2024-06-01")
TRAFFIC_MANAGER = ("2015-11-01", "2017-03-01", "2017-05-01", "2017-09-01-preview", "2018-02-01", "2018-03-01",
                   "2018-04-01", "2018-08-01", "2022-04-01", "2022-04-01-preview", "2024-04-01-preview",
                   "2026-09-01")
