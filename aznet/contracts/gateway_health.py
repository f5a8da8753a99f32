"""What an application gateway data plane implements so that its platform's ``backendhealth`` and
``getBackendHealthOnDemand`` actions report the real probe states."""

from __future__ import annotations

UNKNOWN = ("Unknown", "The application gateway's data plane has not probed this server yet.")


class BackendHealthSource:
    """What a gateway data plane implements to answer the backend health actions of its platform."""

    def server_health(self, gw_id: str, pool_id: str, settings_id: str, address: str) -> tuple[str, str]:
        return UNKNOWN
