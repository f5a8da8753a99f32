"""Probe state and Azure's health-probe messages (pure).

A member is probed per (pool, backend settings) pair with the settings' custom probe or the default probe
(HTTP(S) GET / to 127.0.0.1 on the settings' port, every 30 s, timeout 30 s, 3 failures, 200-399). It goes
Down after ``unhealthyThreshold`` consecutive failures and Up again after one success (Azure's docs: "when
server A responds successfully to one request from a default health probe, it is added back"). A member that
has not answered yet is Unknown and takes traffic (inferred). The messages follow Azure's backend health
troubleshooting page."""

from __future__ import annotations

import time
from dataclasses import dataclass

from .model import Probe, Settings

DEFAULT_INTERVAL = 30
DEFAULT_TIMEOUT = 30
DEFAULT_THRESHOLD = 3

MSG_OK = "Success. Received {status} status code"
MSG_STATUS = ("Received invalid status code: {status} in the backend server's HTTP response. As per the health "
              "probe configuration, {codes} is the acceptable status code. Either modify probe configuration or "
              "resolve backend issues.")
MSG_BODY = ("Body of the backend's HTTP response did not match the probe configuration. Received response body "
            "does not contain {body}. Either modify probe configuration or resolve backend issues.")
MSG_CONNECT = ("Cannot connect to backend server. Check whether any NSG/UDR/Firewall is blocking access to the "
               "server. Check if application is running on correct port.")
MSG_TIMEOUT = ("Time taken by the backend to respond to application gateway's health probe is more than the "
               "time-out threshold in the probe configuration. Either increase the time-out threshold in the "
               "probe configuration or resolve the backend issues.")
MSG_DNS = ("Cannot resolve backend hostname. Application Gateway could not resolve the backend server's "
           "FQDN {fqdn}. Check the DNS configuration of the virtual network.")
MSG_TLS = ("The root certificate of the server certificate used by the backend does not match the trusted root "
           "certificate added to the application gateway. Ensure that you add the correct root certificate to "
           "allowlist the backend.")
MSG_STOPPED = MSG_CONNECT
MSG_UNKNOWN = "The application gateway has not probed this server yet."


@dataclass(frozen=True)
class ProbeSpec:
    protocol: str           # Http | Https
    host: str               # Host header ("" = the backend's address)
    path: str
    port: int
    interval: int
    timeout: int
    threshold: int
    codes: tuple[tuple[int, int], ...]
    body: str | None


def spec_for(settings: Settings, probe: Probe | None) -> ProbeSpec:
    if probe is None:
        return ProbeSpec(settings.protocol, settings.host_name or "127.0.0.1", "/", settings.port,
                         DEFAULT_INTERVAL, DEFAULT_TIMEOUT, DEFAULT_THRESHOLD, ((200, 399),), None)
    host = probe.host or (settings.host_name if probe.pick_host else None) or ""
    return ProbeSpec(probe.protocol if probe.protocol in ("Http", "Https") else settings.protocol, host,
                     probe.path or "/", int(probe.port or settings.port), max(int(probe.interval), 1),
                     max(int(probe.timeout), 1), max(int(probe.threshold), 1), probe.codes, probe.body)


def codes_text(codes: tuple[tuple[int, int], ...]) -> str:
    return ",".join(f"{lo}-{hi}" if lo != hi else str(lo) for lo, hi in codes)


def judge(spec: ProbeSpec, status: int, body: bytes) -> tuple[bool, str]:
    if not any(lo <= status <= hi for lo, hi in spec.codes):
        return False, MSG_STATUS.format(status=status, codes=codes_text(spec.codes))
    if spec.body and spec.body.encode() not in body:
        return False, MSG_BODY.format(body=spec.body)
    return True, MSG_OK.format(status=status)


class MemberHealth:
    __slots__ = ("state", "fails", "log", "down_since")

    def __init__(self) -> None:
        self.state = "Unknown"
        self.fails = 0
        self.log = MSG_UNKNOWN
        self.down_since = 0.0          # time.monotonic() when it went Down (connection draining counts from it)

    def observe(self, ok: bool, log: str, threshold: int) -> bool:
        """Record one probe result; True when the state changed."""
        before = self.state
        self.log = log
        if ok:
            self.fails = 0
            self.state = "Up"
        else:
            self.fails += 1
            if self.fails >= threshold or self.state == "Unknown" and self.fails >= threshold:
                self.state = "Down"
        if self.state == "Down" and before != "Down":
            self.down_since = time.monotonic()
        return before != self.state

    def shown(self, settings: Settings | None) -> str:
        """The state backendHealth reports: a member that went Down is Draining while the settings' connection
        draining lasts (inferred from Azure's docs: draining applies to members the probes find unhealthy)."""
        if self.state == "Down" and settings is not None and settings.drain \
                and time.monotonic() - self.down_since < settings.drain_timeout:
            return "Draining"
        return self.state

    @property
    def usable(self) -> bool:
        return self.state != "Down"
