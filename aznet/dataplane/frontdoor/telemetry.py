"""Front Door / CDN metrics (Azure Monitor) and diagnostic logs.

Metrics, as "Monitor metrics and logs in Azure Front Door" lists them:
- Standard/Premium (``Microsoft.Cdn/profiles``): RequestCount, RequestSize, ResponseSize, TotalLatency (Endpoint,
  ClientCountry, ClientRegion, HttpStatus, HttpStatusGroup), ByteHitRatio (Endpoint), OriginRequestCount
  (Endpoint, Origin, HttpStatus, HttpStatusGroup), OriginLatency (Endpoint, Origin), OriginHealthPercentage
  (Origin, OriginGroup), Percentage4XX / Percentage5XX (Endpoint, ClientCountry, ClientRegion),
  WebApplicationFirewallRequestCount (PolicyName, RuleName, Action). A request whose origin timed out has
  HttpStatus ``0``. Classic CDN endpoints report the same names on their profile.
- classic (``Microsoft.Network/frontDoors``): RequestCount, RequestSize, ResponseSize, TotalLatency,
  BackendRequestCount (Backend), BackendRequestLatency (Backend), BackendHealthPercentage (Backend, BackendPool),
  WebApplicationFirewallRequestCount.

Percentages are averages of per-event 0/100 samples (a minute's average is the minute's percentage);
ByteHitRatio is the minute's (bytes served from cache) / (bytes served), set as a level.
ClientCountry comes from the offline IP-to-country table (loopback clients: ``Unknown``); ClientRegion is
``Unknown`` (inferred: aznet has no client geography beyond the country).

Logs (diagnostic settings of the profile / Front Door): ``FrontDoorAccessLog`` (operationName
``Microsoft.Cdn/Profiles/AccessLog/Write``) and ``FrontDoorHealthProbeLog`` (``Microsoft.Cdn/Profiles/
FrontDoorHealthProbeLog/Write``; Azure logs failed probes only) for Standard/Premium; ``FrontdoorAccessLog`` for
classic; the schemas of the "Access log" and "Health probe log" sections."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import TYPE_CHECKING, Any

from ...monitor.catalog import Metric, define
from ...monitor.diaglogs import SETTINGS_TYPE, DiagnosticLogs

if TYPE_CHECKING:
    from ..reconcile import Snapshot
    from .health import ProbeKey, ProbeResult
    from .proxy import Exchange
    from .service import FrontDoorService

__all__ = ["SETTINGS_TYPE", "Telemetry"]
CDN_PROFILE = "microsoft.cdn/profiles"
CLASSIC = "microsoft.network/frontdoors"
_CLIENT = (("Endpoint", "Endpoint"), ("ClientCountry", "Client Country"), ("ClientRegion", "Client Region"),
           ("HttpStatus", "HTTP Status"), ("HttpStatusGroup", "HTTP Status Group"))
_GEO = (("Endpoint", "Endpoint"), ("ClientCountry", "Client Country"), ("ClientRegion", "Client Region"))
_WAF = (("PolicyName", "Policy Name"), ("RuleName", "Rule Name"), ("Action", "Action"))
define(CDN_PROFILE,
       Metric("RequestCount", "Request Count", "The number of client requests served by the HTTP/S proxy",
              "Count", "Total", _CLIENT),
       Metric("RequestSize", "Request Size", "The number of bytes sent as requests from clients to AFDX",
              "Bytes", "Total", _CLIENT),
       Metric("ResponseSize", "Response Size", "The number of bytes sent as responses from HTTP/S proxy to clients",
              "Bytes", "Total", _CLIENT),
       Metric("TotalLatency", "Total Latency", "The time calculated from when the client request was received by the "
              "HTTP/S proxy until the client acknowledged the last response byte from the HTTP/S proxy",
              "MilliSeconds", "Average", _CLIENT),
       Metric("ByteHitRatio", "Byte Hit Ratio", "This is the ratio of the total bytes served from the cache compared "
              "to the total response bytes", "Percent", "Average", (("Endpoint", "Endpoint"),), kind="gauge"),
       Metric("OriginRequestCount", "Origin Request Count", "The number of requests sent from AFDX to origin.",
              "Count", "Total", (("Endpoint", "Endpoint"), ("Origin", "Origin"), ("HttpStatus", "HTTP Status"),
                                 ("HttpStatusGroup", "HTTP Status Group"))),
       Metric("OriginLatency", "Origin Latency", "The time calculated from when the request was sent by AFDX edge to "
              "the backend until AFDX received the last response byte from the backend.", "MilliSeconds",
              "Average", (("Endpoint", "Endpoint"), ("Origin", "Origin"))),
       Metric("OriginHealthPercentage", "Origin Health Percentage", "The percentage of successful health probes "
              "from AFDX to backends.", "Percent", "Average", (("Origin", "Origin"), ("OriginGroup", "Origin Group"))),
       Metric("Percentage4XX", "Percentage of 4XX", "The percentage of all the client requests for which the response "
              "status code is 4XX", "Percent", "Average", _GEO),
       Metric("Percentage5XX", "Percentage of 5XX", "The percentage of all the client requests for which the response "
              "status code is 5XX", "Percent", "Average", _GEO),
       Metric("WebApplicationFirewallRequestCount", "Web Application Firewall Request Count", "The number of client "
              "requests processed by the Web Application Firewall", "Count", "Total", _WAF))
_CLASSIC_CLIENT = _CLIENT[1:]
define(CLASSIC,
       Metric("RequestCount", "Request Count", "The number of client requests served by the HTTP/S proxy", "Count",
              "Total", _CLASSIC_CLIENT),
       Metric("RequestSize", "Request Size", "The number of bytes sent as requests from clients to the HTTP/S proxy",
              "Bytes", "Total", _CLASSIC_CLIENT),
       Metric("ResponseSize", "Response Size", "The number of bytes sent as responses from HTTP/S proxy to clients",
              "Bytes", "Total", _CLASSIC_CLIENT),
       Metric("TotalLatency", "Total Latency", "The time calculated from when the client request was received by the "
              "HTTP/S proxy until the client acknowledged the last response byte from the HTTP/S proxy",
              "MilliSeconds", "Average", _CLASSIC_CLIENT),
       Metric("BackendRequestCount", "Backend Request Count", "The number of requests sent from the HTTP/S proxy to "
              "backends", "Count", "Total", (("HttpStatus", "HTTP Status"), ("HttpStatusGroup", "HTTP Status Group"),
                                              ("Backend", "Backend"))),
       Metric("BackendRequestLatency", "Backend Request Latency", "The time calculated from when the request was sent "
              "by the HTTP/S proxy to the backend until the HTTP/S proxy received the last response byte from the "
              "backend", "MilliSeconds", "Average", (("Backend", "Backend"),)),
       Metric("BackendHealthPercentage", "Backend Health Percentage", "The percentage of successful health probes "
              "from the HTTP/S proxy to backends", "Percent", "Average",
              (("Backend", "Backend"), ("BackendPool", "Backend Pool"))),
       Metric("WebApplicationFirewallRequestCount", "Web Application Firewall Request Count", "The number of client "
              "requests processed by the Web Application Firewall", "Count", "Total", _WAF))


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_COUNTRIES: dict[str, str] = {}


def _country(ip: str) -> str:
    got = _COUNTRIES.get(ip)
    if got is not None:
        return got
    if ip.startswith("127.") or ip == "::1":
        got = "Unknown"
    else:
        try:
            from ..trafficmanager.geo import country_of
            got = country_of(ip) or "Unknown"
        except Exception:  # noqa: BLE001 - no table: unknown
            got = "Unknown"
    if len(_COUNTRIES) >= 65536:
        _COUNTRIES.clear()
    _COUNTRIES[ip] = got
    return got


class Telemetry:
    def __init__(self, svc: FrontDoorService) -> None:
        self.svc = svc
        self.metrics = svc.platform.metrics
        self.logs = DiagnosticLogs(svc.settings.data_dir)
        self.byte_hits: dict[tuple[str, str], list[int]] = {}     # (profile, endpoint) -> [cache bytes, all bytes]
        self.refusals = 0
        # the dimension tuples of a request's metrics, built once per (kind, endpoint, country, status) and
        # per (kind, endpoint, origin, origin status): the request path only looks them up (bounded)
        self._dims: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._odims: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def start(self) -> None:
        pass

    def stop(self) -> None:
        self.logs.close()

    def refresh(self, snapshot: Snapshot) -> None:
        self.logs.refresh(snapshot.of_type(SETTINGS_TYPE))

    def refused(self, status: int) -> None:
        self.refusals += 1

    # -- one request -------------------------------------------------------------------------------
    def record(self, ex: Exchange) -> None:
        spec = ex.spec
        if spec is None:
            return
        owner = spec.owner
        rid = owner.resource_id
        status = 0 if ex.error == "OriginTimeout" else ex.status
        country = _country(ex.client_ip)
        took = (time.perf_counter() - ex.started) * 1000
        add = self.metrics.add
        dkey = (owner.kind, owner.endpoint_host, country, status)
        memo = self._dims.get(dkey)
        if memo is None:
            group = f"{status // 100}XX" if status else "0"
            if owner.kind == "classic":
                dims = (("ClientCountry", country), ("ClientRegion", "Unknown"), ("HttpStatus", str(status)),
                        ("HttpStatusGroup", group))
            else:
                dims = (("Endpoint", owner.endpoint_host), ("ClientCountry", country), ("ClientRegion", "Unknown"),
                        ("HttpStatus", str(status)), ("HttpStatusGroup", group))
            geo = (("Endpoint", owner.endpoint_host), ("ClientCountry", country), ("ClientRegion", "Unknown"))
            if len(self._dims) >= 4096:
                self._dims.clear()
            memo = self._dims[dkey] = (dims, geo)
        dims, geo = memo
        add(rid, "RequestCount", 1.0, dims)
        add(rid, "RequestSize", float(ex.request_bytes), dims)
        add(rid, "ResponseSize", float(ex.sent), dims)
        add(rid, "TotalLatency", took, dims)
        if ex.origin is not None and ex.origin_done:
            olat = (ex.origin_done - ex.origin_started) * 1000
            okey = (owner.kind, owner.endpoint_host, ex.origin.host, ex.origin_status)
            omemo = self._odims.get(okey)
            if omemo is None:
                ostatus = str(ex.origin_status) if ex.origin_status else "0"
                ogroup = f"{ex.origin_status // 100}XX" if ex.origin_status else "0"
                if owner.kind == "classic":
                    omemo = ((("HttpStatus", ostatus), ("HttpStatusGroup", ogroup), ("Backend", ex.origin.host)),
                             (("Backend", ex.origin.host),))
                else:
                    omemo = ((("Endpoint", owner.endpoint_host), ("Origin", ex.origin.host), ("HttpStatus", ostatus),
                              ("HttpStatusGroup", ogroup)),
                             (("Endpoint", owner.endpoint_host), ("Origin", ex.origin.host)))
                if len(self._odims) >= 4096:
                    self._odims.clear()
                self._odims[okey] = omemo
            if owner.kind == "classic":
                add(rid, "BackendRequestCount", 1.0, omemo[0])
                add(rid, "BackendRequestLatency", olat, omemo[1])
            else:
                add(rid, "OriginRequestCount", 1.0, omemo[0])
                add(rid, "OriginLatency", olat, omemo[1])
        if owner.kind != "classic":
            add(rid, "Percentage4XX", 100.0 if 400 <= status < 500 else 0.0, geo)
            add(rid, "Percentage5XX", 100.0 if 500 <= status < 600 else 0.0, geo)
            hits = self.byte_hits.setdefault((rid, owner.endpoint_host), [0, 0])
            if ex.cache in ("TCP_HIT", "TCP_REMOTE_HIT"):
                hits[0] += ex.sent
            hits[1] += ex.sent
            if len(self.byte_hits) > 4096:
                self.byte_hits.clear()
            self.metrics.set_gauge(rid, "ByteHitRatio", 100.0 * hits[0] / hits[1] if hits[1] else 0.0,
                                   (("Endpoint", owner.endpoint_host),))
        category = "FrontdoorAccessLog" if owner.kind == "classic" else "FrontDoorAccessLog"
        if self.logs.wants(rid, category):
            self.logs.emit(rid, category, self.access_record(ex, status, took, category))

    def access_record(self, ex: Exchange, status: int, took: float, category: str) -> dict[str, Any]:
        spec = ex.spec
        assert spec is not None
        owner = spec.owner
        port = f":{ex.port}" if ex.port not in (80, 443) else ""
        uri = f"{ex.scheme}://{ex.host}{port}{ex.path}" + (f"?{ex.query}" if ex.query else "")
        props = {
            "trackingReference": ex.ref, "httpMethod": ex.method, "httpVersion": ex.version, "requestUri": uri,
            "hostName": ex.host, "requestBytes": str(ex.request_bytes), "responseBytes": str(ex.sent),
            "userAgent": ex.user_agent, "clientIp": ex.client_ip, "clientPort": str(ex.client_port),
            "socketIp": ex.socket_ip, "timeToFirstByte": f"{took / 1000:.3f}", "timeTaken": f"{took / 1000:.3f}",
            "requestProtocol": ex.scheme.upper(), "securityProtocol": ex.tls or "N/A", "securityCipher": "",
            "endpoint": owner.endpoint_host, "httpStatusCode": str(status), "httpStatusDetails": str(status),
            "pop": "LOCAL", "cacheStatus": ex.cache, "errorInfo": ex.error,
            "matchedRulesSetName": ",".join(ex.rules),
            "routeName": ex.route.name if ex.route else "", "referer": ex.referer,
            "originUrl": ex.origin_url or "N/A", "originIp": ex.origin_ip or "N/A",
            "originName": ex.origin.host if ex.origin else "N/A", "clientCountry": _country(ex.client_ip),
            "domain": f"{ex.host}:{443 if ex.scheme == 'https' else 80}", "sni": ex.sni,
        }
        op = "Microsoft.Network/FrontDoor/AccessLog/Write" if owner.kind == "classic" else \
            "Microsoft.Cdn/Profiles/AccessLog/Write"
        return {"time": _now(), "resourceId": owner.resource_id.upper(), "category": category,
                "operationName": op, "properties": props}

    # -- probes -----------------------------------------------------------------------------------
    def probe(self, key: ProbeKey, result: ProbeResult, users: list[tuple[str, str]]) -> None:
        cfg = self.svc.config
        for gid, _oid in users:
            group = cfg.groups.get(gid)
            if group is None:
                continue
            rid, classic = self._owner_of_group(gid)
            if rid is None:
                continue
            value = 100.0 if result.ok else 0.0
            if classic:
                self.metrics.add(rid, "BackendHealthPercentage", value, (("Backend", key.host),
                                                                        ("BackendPool", group.name)))
            else:
                self.metrics.add(rid, "OriginHealthPercentage", value, (("Origin", key.host),
                                                                       ("OriginGroup", group.name)))
                if not result.ok and self.logs.wants(rid, "FrontDoorHealthProbeLog"):
                    self.logs.emit(rid, "FrontDoorHealthProbeLog", {
                        "time": _now(), "resourceId": rid.upper(), "category": "FrontDoorHealthProbeLog",
                        "operationName": "Microsoft.Cdn/Profiles/FrontDoorHealthProbeLog/Write",
                        "properties": {
                            "healthProbeId": uuid.uuid4().hex.upper(), "POP": "LOCAL", "httpVerb": key.method,
                            "result": result.error or "OriginError", "httpStatusCode": str(result.status),
                            "probeURL": f"{key.protocol}://{key.host_header}:{key.port}{key.path}",
                            "originName": key.host, "originIP": result.address or "N/A",
                            "totalLatencyMilliseconds": str(int(result.latency_ms)),
                            "connectionLatencyMilliseconds": "N/A", "DNSLatencyMicroseconds": "N/A"}})

    def _owner_of_group(self, gid: str) -> tuple[str | None, bool]:
        if "/providers/microsoft.network/frontdoors/" in gid:
            return gid.split("/backendpools/", 1)[0], True
        if "/origingroups/" in gid:
            return gid.rsplit("/origingroups/", 1)[0], False
        if "/endpoints/" in gid:
            return gid.rsplit("/endpoints/", 1)[0], False
        return None, False
