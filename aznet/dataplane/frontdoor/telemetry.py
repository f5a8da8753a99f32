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
from .tally import MAX_SAMPLES, ClientTally, Dims, OriginTally, Tallies

if TYPE_CHECKING:
    from ..reconcile import Snapshot
    from .health import ProbeKey, ProbeResult
    from .model import Owner
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
MAX_LANES = 4096            # (owner, client address, status, origin) series remembered by ``passed`` per flush
Lane = tuple[int, ClientTally, OriginTally, "list[int] | None"]    # (the tallies' generation, client, origin, hits)


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
        self.tallies = Tallies(self.metrics, self._byte_hit_gauges)
        self._touched: set[tuple[str, str]] = set()       # endpoints whose ByteHitRatio changed since the flush
        self._logging: dict[str, bool] = {}               # resource id -> an access log is wanted (per refresh)
        self._lanes: dict[tuple[Any, ...], Lane] = {}     # ``passed``: a series' tallies, until the next flush
        self._lanes_gen = 0
        self.metrics.add_collector(self.flush)            # every read of the metrics sees every request

    def start(self) -> None:
        self.tallies.loop = self.svc.loop

    def stop(self) -> None:
        self.metrics.remove_collector(self.flush)
        self.tallies.cancel()
        self.flush()
        self.logs.close()

    def flush(self) -> None:
        """The requests' metrics gathered since the last flush, into the registry (``tally``)."""
        self.tallies.flush()

    def refresh(self, snapshot: Snapshot) -> None:
        self.logs.refresh(snapshot.of_type(SETTINGS_TYPE))
        self._logging = {}

    def refused(self, status: int) -> None:
        self.refusals += 1

    def logging(self, owner: Owner) -> bool:
        """Whether the owner's diagnostic settings want its access log (cached until the next reconcile)."""
        got = self._logging.get(owner.resource_id)
        if got is None:
            category = "FrontdoorAccessLog" if owner.kind == "classic" else "FrontDoorAccessLog"
            got = self._logging[owner.resource_id] = self.logs.wants(owner.resource_id, category)
        return got

    # -- one request -------------------------------------------------------------------------------
    def record(self, ex: Exchange) -> None:
        spec = ex.spec
        if spec is None:
            return
        owner = spec.owner
        status = 0 if ex.error == "OriginTimeout" else ex.status
        took = (time.perf_counter() - ex.started) * 1000
        self.count(owner, ex.client_ip, status, ex.request_bytes, ex.sent, took, ex.cache)
        if ex.origin is not None and ex.origin_done:
            self.count_origin(owner, ex.origin.host, ex.origin_status, (ex.origin_done - ex.origin_started) * 1000)
        if self.logging(owner):
            category = "FrontdoorAccessLog" if owner.kind == "classic" else "FrontDoorAccessLog"
            self.logs.emit(owner.resource_id, category, self.access_record(ex, status, took, category))

    def count(self, owner: Owner, client_ip: str, status: int, request_bytes: int, sent: int, took: float,
              cache: str) -> None:
        """One client request's metrics: RequestCount, RequestSize, ResponseSize, TotalLatency (and for
        Standard/Premium and CDN: Percentage4XX / 5XX and the endpoint's ByteHitRatio)."""
        country = _country(client_ip)
        key = (owner.resource_id, owner.endpoint_host, owner.kind, country, status)
        t = self.tallies.client(key, lambda: self._client_tally(owner, country, status))
        t.req.append(request_bytes)
        t.sent.append(sent)
        t.took.append(took)
        if owner.kind != "classic":
            key = (owner.resource_id, owner.endpoint_host)
            hits = self.byte_hits.get(key)
            if hits is None:
                if len(self.byte_hits) >= 4096:
                    self._forget_byte_hits()
                hits = self.byte_hits[key] = [0, 0]
            if cache == "TCP_HIT" or cache == "TCP_REMOTE_HIT":
                hits[0] += sent
            hits[1] += sent
            self._touched.add(key)

    def passed(self, owner: Owner, client_ip: str, status: int, request_bytes: int, sent: int, took: float,
               origin: str, origin_took: float) -> None:
        """A request the pass-through fast path answered with the origin's status (not logged): what ``record``
        counts for it (``count`` and ``count_origin``). The series' tallies of a (owner, client address, status,
        origin) are remembered until the next flush (``_lane``): one lookup per request."""
        lane = self._lanes.get((owner.resource_id, owner.endpoint_host, owner.kind, client_ip, status, origin))
        if lane is None or lane[0] != self.tallies.gen:
            lane = self._lane(owner, client_ip, status, origin)
        t, o, hits = lane[1], lane[2], lane[3]
        t.req.append(request_bytes)
        t.sent.append(sent)
        t.took.append(took)
        o.took.append(origin_took)
        if hits is not None:
            hits[1] += sent
        if len(t.req) >= MAX_SAMPLES or len(o.took) >= MAX_SAMPLES:
            self.tallies.flush()            # bounded memory: a full tally is flushed at once (``tally``)

    def _lane(self, owner: Owner, client_ip: str, status: int, origin: str) -> Lane:
        """The tallies (and the endpoint's ByteHitRatio counters) a passed request adds to, as ``count`` and
        ``count_origin`` find them; remembered until the tallies' next flush."""
        tallies = self.tallies
        if self._lanes_gen != tallies.gen or len(self._lanes) >= MAX_LANES:
            self._lanes = {}
            self._lanes_gen = tallies.gen
        country = _country(client_ip)
        rid, host, kind = owner.resource_id, owner.endpoint_host, owner.kind
        while True:                         # (a full tally flushes all of them: then both are looked up again)
            gen = tallies.gen
            t = tallies.client((rid, host, kind, country, status), lambda: self._client_tally(owner, country, status))
            o = tallies.origin((rid, host, kind, origin, status), lambda: self._origin_tally(owner, origin, status))
            if tallies.gen == gen:
                break
        hits = None
        if kind != "classic":
            key = (rid, host)
            hits = self.byte_hits.get(key)
            if hits is None:
                if len(self.byte_hits) >= 4096:
                    self._forget_byte_hits()
                hits = self.byte_hits[key] = [0, 0]
            self._touched.add(key)          # (cleared by the flush, which also ends the lane)
        if self._lanes_gen != tallies.gen:
            self._lanes = {}
            self._lanes_gen = tallies.gen
        lane = self._lanes[(rid, host, kind, client_ip, status, origin)] = (tallies.gen, t, o, hits)
        return lane

    def _forget_byte_hits(self) -> None:
        self.byte_hits.clear()
        self._lanes = {}                    # they hold counters of the table just cleared

    def count_origin(self, owner: Owner, origin: str, origin_status: int, took: float) -> None:
        key = (owner.resource_id, owner.endpoint_host, owner.kind, origin, origin_status)
        t = self.tallies.origin(key, lambda: self._origin_tally(owner, origin, origin_status))
        t.took.append(took)

    @staticmethod
    def _client_tally(owner: Owner, country: str, status: int) -> ClientTally:
        group = f"{status // 100}XX" if status else "0"
        if owner.kind == "classic":
            dims: Dims = (("ClientCountry", country), ("ClientRegion", "Unknown"), ("HttpStatus", str(status)),
                          ("HttpStatusGroup", group))
            return ClientTally(owner.resource_id, dims, None, status)
        dims = (("Endpoint", owner.endpoint_host), ("ClientCountry", country), ("ClientRegion", "Unknown"),
                ("HttpStatus", str(status)), ("HttpStatusGroup", group))
        geo = (("Endpoint", owner.endpoint_host), ("ClientCountry", country), ("ClientRegion", "Unknown"))
        return ClientTally(owner.resource_id, dims, geo, status)

    @staticmethod
    def _origin_tally(owner: Owner, origin: str, origin_status: int) -> OriginTally:
        ostatus = str(origin_status) if origin_status else "0"
        ogroup = f"{origin_status // 100}XX" if origin_status else "0"
        if owner.kind == "classic":
            return OriginTally(owner.resource_id, (("HttpStatus", ostatus), ("HttpStatusGroup", ogroup),
                                                   ("Backend", origin)), (("Backend", origin),), True)
        return OriginTally(owner.resource_id, (("Endpoint", owner.endpoint_host), ("Origin", origin),
                                               ("HttpStatus", ostatus), ("HttpStatusGroup", ogroup)),
                           (("Endpoint", owner.endpoint_host), ("Origin", origin)), False)

    def _byte_hit_gauges(self) -> None:
        self._lanes = {}                    # (the flushed tallies' samples are not held past the flush)
        touched, self._touched = self._touched, set()
        for key in touched:
            hits = self.byte_hits.get(key)
            if hits is not None:
                self.metrics.set_gauge(key[0], "ByteHitRatio", 100.0 * hits[0] / hits[1] if hits[1] else 0.0,
                                       (("Endpoint", key[1]),))

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
