"""The Front Door / CDN edge as an aznet service (``platform.services.get(FrontDoorService)``).

An engine on the reconcile seam (sync delivery): every commit that touches a Front Door Standard/Premium profile
or its children, a classic Front Door, a classic CDN endpoint, a TXT record (custom domain validation), a Key Vault
secret (customer certificates) or a public IP recompiles the edge configuration (``model.Compiler``) and swaps it
in at once: the next request on an open connection already sees it (no connection is dropped).

Where the edge listens: one loopback address for every endpoint (``AZNET_FRONTDOOR_EDGE_ADDRESS``, default
127.62.0.1, outside the public and private pools), ports 80 (HTTP) and 443 (HTTPS), mapped like every data plane
when privileged ports cannot be bound (``ports.listen_port``). Endpoint host names resolve to it through aznet's
DNS (``names.EdgeNames``); custom domains through their CNAME.

Origins: a host name resolves through aznet's public DNS zones (and public IPs' DNS labels), an address that is a
public IP of a VM's NIC goes to that VM's workload address (``dataplane/workloads``), any other loopback address
(a load balancer's or application gateway's frontend, a local service) is used as it is. Addresses off this
machine are unreachable (503)."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import ssl
import time
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from ... import services
from ...contracts.edge_content import EdgeContentSink
from ...store.base import Change
from ..appgw.frontend import ClientConn
from ..appgw.tls import SizedSSLObject
from ..l7workers import L7Workers, start_workers
from ..ports import listen_port
from ..procpool import bind_listener
from ..reconcile import Snapshot
from ..workloads.service import WATCHED as WORKLOAD_TYPES
from ..workloads.service import WorkloadsService
from ..workloads.table import WorkloadTable
from . import pages
from .balancer import Balancer, GroupSpec, Health, OriginSpec
from .certs import EdgeCerts
from .health import ProbeKey, Prober, ProbeResult
from .model import WATCHES, Compiler, EdgeConfig, HostSpec
from .names import EdgeNames
from .paths import host_lookup
from .proxy import EdgeProxy, new_ref
from .telemetry import SETTINGS_TYPE, Telemetry
from .waf import EdgeWaf

if TYPE_CHECKING:
    from ...services import Host

log = logging.getLogger("aznet.frontdoor")
PIP = "microsoft.network/publicipaddresses"
NIC = "microsoft.network/networkinterfaces"
KV_SECRET = "microsoft.keyvault/vaults/secrets"
KV_VAULT = "microsoft.keyvault/vaults"
TLS_ORDER = {"TLSv1": 10, "TLSv1.1": 11, "TLSv1.2": 12, "TLSv1.3": 13}
MIN_ORDER = {"TLS10": 10, "TLS12": 12, "TLS13": 13}


class EdgeConn(ClientConn):
    """The shared HTTP/1.1 client protocol, answering the requests it refuses (URL over 32 KB: 414, headers over
    32 KB or unparsable: 400, body over the limit: 413) with the edge's own page instead of the gateway's."""

    __slots__ = ()

    def _refuse(self, status: int) -> None:
        self.state.refused(self, status)
        self.queue.clear()
        ref = new_ref()
        self.write(pages.response(status, pages.error_page(status, ref), [("X-Azure-Ref", ref)], keep_alive=False),
                   False)


class EdgeSocket:
    """One listening socket of the edge (address, port, TLS or not) and its open connections; the object the
    shared HTTP/1.1 client protocol (``appgw.frontend.ClientConn``) talks to."""

    def __init__(self, svc: FrontDoorService, host: str, port: int, tls_on: bool) -> None:
        self.svc, self.host, self.port, self.tls = svc, host, port, tls_on
        self.conns: set[ClientConn] = set()
        self.server: Any = None
        self.error = ""
        self.listen_port = port
        self.max_body = svc.max_body
        self.now = time.perf_counter       # the clock itself, called once per request (``now`` below documents it)

    def now(self) -> float:
        return time.perf_counter()

    def may_stream(self) -> bool:
        """Request bodies are buffered (bounded by ``max_body``): the WAF, the rules engine and the cache read
        them before the origin is chosen."""
        return False

    def opened(self, conn: ClientConn) -> None:
        self.conns.add(conn)
        if self.tls and conn.transport is not None:
            obj = conn.transport.get_extra_info("ssl_object")
            conn.sni = getattr(obj, "_aznet_sni", None) or conn.sni
        if self.tls and not self.svc.tls_allowed(conn):
            conn.closing = True
            if conn.transport is not None:
                conn.transport.abort()

    def closed(self, conn: ClientConn) -> None:
        self.conns.discard(conn)

    def refused(self, conn: ClientConn, status: int) -> None:
        self.svc.telemetry.refused(status)

    async def gateway_handle(self, conn: ClientConn, req: Any) -> tuple[bytes, bool]:
        return await self.svc.proxy.handle(self, conn, req)

    def fast_handle(self, conn: ClientConn, req: Any) -> bool:
        """A cache hit answered at once or a plain pass-through sent at once, without a task (``fastpath``);
        False: ``gateway_handle`` answers."""
        return self.svc.proxy.fast.take(self, conn, req)

    def log_exception(self) -> None:
        log.exception("frontdoor: request failed")

    def tls_version(self, conn: ClientConn) -> str:
        if not self.tls or conn.transport is None:
            return ""
        obj = conn.transport.get_extra_info("ssl_object")
        return (obj.version() or "") if obj is not None else ""


class FrontDoorService(EdgeContentSink):
    name = "frontdoor"
    watches = WATCHES | {PIP, KV_SECRET, KV_VAULT, SETTINGS_TYPE} | WORKLOAD_TYPES
    delivery: Literal["sync", "queued"] = "sync"

    def __init__(self, platform: Host) -> None:
        self.platform = platform
        self.settings = platform.settings
        self.address = str(getattr(self.settings, "frontdoor_edge_address", "127.62.0.1"))
        self.max_body = int(getattr(self.settings, "frontdoor_max_body", 100 * 1024 * 1024))
        self.config = EdgeConfig()
        self.snapshot: Snapshot | None = None
        self.names = EdgeNames(self.address)
        self.names_in: Any = None          # the DNS service the names are added to
        self.certs = EdgeCerts(self.settings.data_dir)
        self.balancer = Balancer()
        self.proxy = EdgeProxy(self)
        self.telemetry = Telemetry(self)
        self.prober = Prober(self.resolve, self.proxy.origin_context, self._probed)
        self.waf = EdgeWaf(self)
        self.origin_probe: dict[tuple[str, str], ProbeKey] = {}
        # per group: (the group, its candidate origins) under (prober version, health table, probe map) ``_seen``
        self._candidates: dict[str, tuple[GroupSpec, list[OriginSpec]]] = {}
        self._seen: tuple[int, object, object] = (-1, None, None)
        self.sockets: list[EdgeSocket] = []
        self.table = WorkloadTable(self.settings.private_ip_pool)
        self.workloads: WorkloadsService | None = None
        self.pip_fqdns: dict[str, str] = {}
        self.where: dict[tuple[str, int], tuple[str, int] | str] = {}
        self.pip_nics: dict[str, str] = {}       # public IP address -> NIC ip configuration id
        self.secrets: dict[str, bytes] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.base_ctx: ssl.SSLContext | None = None
        # hooks other parts set (WAF): (exchange, host spec, route, request) -> None to pass, or the answer
        # (status, headers, body) to send instead
        self.waf_inspect: Callable[[Any, HostSpec, Any, Any],
                                   Awaitable[tuple[int, list[tuple[str, str]], bytes] | None]] | None = self.waf.inspect
        # Worker processes (``AZNET_FRONTDOOR_WORKERS``, ``dataplane/l7workers``): with workers, this process
        # compiles, probes and answers the control plane, and the workers (``reuse_port``) serve the edge, each
        # with a cache of its own (as each of Azure's POPs has); a purge reaches every worker before it completes.
        self.workers: L7Workers | None = None
        self.reuse_port = False

    # -- reconcile ---------------------------------------------------------------------------------
    def resync(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        if self.workloads is not None:
            self.table = self.workloads.table
        cfg = Compiler(snapshot.of_type, snapshot.get).compile()
        fqdns: dict[str, str] = {}
        nics: dict[str, str] = {}
        pip_ips: dict[str, str] = {}
        for rec in snapshot.of_type(PIP):
            p = rec.body.get("properties") or {}
            ip = p.get("ipAddress")
            if not isinstance(ip, str):
                continue
            pip_ips[rec.id.lower()] = ip
            fqdn = (p.get("dnsSettings") or {}).get("fqdn")
            if isinstance(fqdn, str):
                fqdns[fqdn.lower().rstrip(".")] = ip
        for rec in snapshot.of_type(NIC):               # a VM's public IP: its NIC ip configuration's workload
            for ipc in (rec.body.get("properties") or {}).get("ipConfigurations") or []:
                if not isinstance(ipc, dict):
                    continue
                pid = ((ipc.get("properties") or {}).get("publicIPAddress") or {}).get("id")
                if isinstance(pid, str) and pid.lower() in pip_ips and isinstance(ipc.get("id"), str):
                    nics[pip_ips[pid.lower()]] = ipc["id"]
        self.pip_fqdns, self.pip_nics = fqdns, nics
        self.where.clear()
        self.secrets = self._read_secrets(snapshot, cfg)
        self.config = cfg
        self.waf.refresh(cfg)
        self.names.names = dict(cfg.names)
        if self.loop is not None:
            self._attach_names()
        self.balancer.forget(set(cfg.groups))
        self.certs.contexts.clear()
        self._base_minimum()
        self.telemetry.refresh(snapshot)
        if self.loop is not None:
            self._sync_probes()

    def apply(self, changes: Sequence[Change]) -> None:
        if self.snapshot is not None:
            self.resync(self.snapshot)

    def _read_secrets(self, snapshot: Snapshot, cfg: EdgeConfig) -> dict[str, bytes]:
        uris = {h.tls.secret_uri for h in cfg.hosts.values() if h.tls.kind == "customer" and h.tls.secret_uri}
        out: dict[str, bytes] = {}
        if not uris:
            return out
        from ...contracts.vault_secrets import resolve_secret_uri
        for uri in uris:
            try:
                out[uri] = resolve_secret_uri(snapshot, uri)   # type: ignore[arg-type]
            except LookupError as exc:
                log.warning("frontdoor: certificate %s: %s", uri, exc)
        return out

    def _sync_probes(self) -> None:
        wanted: dict[ProbeKey, tuple[float, int, int]] = {}
        mapping: dict[tuple[str, str], ProbeKey] = {}
        for gid, g in self.config.groups.items():
            if g.probe is None:
                continue
            for o in g.origins:
                if not o.enabled:
                    continue
                https = g.probe.protocol.lower() == "https"
                key = ProbeKey(o.host, o.https_port if https else o.http_port, "https" if https else "http",
                               g.probe.path, g.probe.method, o.host_header or o.host, o.cert_name_check)
                mapping[(gid, o.id)] = key
                interval, sample, req = wanted.get(key, (g.probe.interval, g.sample_size, g.successful_required))
                wanted[key] = (min(interval, g.probe.interval), max(sample, g.sample_size),
                               max(req, g.successful_required) if key in wanted else g.successful_required)
        self.origin_probe = mapping
        self.prober.sync(wanted)

    # -- what the request path asks ----------------------------------------------------------------
    def health_of(self, group: GroupSpec, origin: OriginSpec) -> Health | None:
        key = self.origin_probe.get((group.id.lower(), origin.id))
        return self.prober.health.get(key) if key is not None else None

    def candidates(self, group: GroupSpec) -> list[OriginSpec]:
        """The origins a request may go to (``Balancer.candidates``), remembered per group until a probe result,
        the health table (a worker receives it whole) or the configuration changes."""
        prober = self.prober
        seen = self._seen
        if seen[0] != prober.version or seen[1] is not prober.health or seen[2] is not self.origin_probe:
            self._seen = (prober.version, prober.health, self.origin_probe)
            self._candidates = {}
        got = self._candidates.get(group.id)
        if got is not None and got[0] is group:
            return got[1]
        cands = self.balancer.candidates(group, [self.health_of(group, o) for o in group.origins])
        if len(self._candidates) < 4096:
            self._candidates[group.id] = (group, cands)
        return cands

    def resolve(self, host: str, port: int) -> tuple[str, int] | str:
        """Where an origin's ``host``:``port`` runs on this machine, or why it cannot be reached (an address
        origin's answer is kept until the next reconcile; a host name follows DNS on every request)."""
        key = (host, port)
        got = self.where.get(key)
        if got is not None:
            return got
        found = self._where(host, port)
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return found
        if len(self.where) >= 65536:
            self.where.clear()
        self.where[key] = found
        return found

    def _where(self, host: str, port: int) -> tuple[str, int] | str:
        name = host.lower().rstrip(".")
        ip: str | None
        try:
            ipaddress.ip_address(name)
            ip = name
        except ValueError:
            ip = "127.0.0.1" if name == "localhost" else self.pip_fqdns.get(name) or self._dns(name)
            if ip is None:
                return f"DNS resolution of {host} failed"
        cfg_id = self.pip_nics.get(ip)
        if cfg_id is not None:
            cfg = self.table.by_ipconfig(cfg_id)
            if cfg is not None:
                if not self.table.serving(cfg):
                    return f"{host} ({ip}): the virtual machine is not running"
                target, tport = self.table.target(cfg, port)
                if target == cfg.local:
                    tport = listen_port(tport, self.settings.privileged_port_offset)
                return target, tport
        try:
            if ipaddress.ip_address(ip).is_loopback:
                return ip, port
        except ValueError:
            pass
        return f"{host} ({ip}) is not reachable from this machine"

    def _dns(self, name: str) -> str | None:
        from ..dns.service import DnsService
        dns_svc = self.platform.services.get(DnsService)
        if dns_svc is None:
            return None
        seen = 0
        while seen < 8:
            ip = dns_svc.engine.address_of(name)
            if ip is not None:
                return ip
            target = self._cname(dns_svc, name)
            if target is None:
                return None
            name = target
            seen += 1
        return None

    @staticmethod
    def _cname(dns_svc: Any, name: str) -> str | None:
        import dns.name
        import dns.rdatatype
        try:
            found, _ = dns_svc.engine.public_view.resolve(dns.name.from_text(name + "."), dns.rdatatype.CNAME)
        except Exception:  # noqa: BLE001 - an odd name resolves to nothing
            return None
        for rrset in found.answer:
            if rrset.rdtype == dns.rdatatype.CNAME:
                return str(rrset[0].target).rstrip(".").lower()
        return None

    def _probed(self, key: ProbeKey, result: ProbeResult) -> None:
        self.telemetry.probe(key, result, [(gid, oid) for (gid, oid), k in self.origin_probe.items() if k == key])

    # -- TLS -------------------------------------------------------------------------------------
    def context_for(self, spec: HostSpec | None, name: str) -> ssl.SSLContext | None:
        if spec is None:
            return None
        if spec.tls.kind == "customer" and spec.tls.secret_uri:
            raw = self.secrets.get(spec.tls.secret_uri)
            if raw is None:
                return None
            try:
                return self.certs.context(self.certs.customer_pem(raw), spec.tls.minimum)
            except (ValueError, ssl.SSLError) as exc:
                log.warning("frontdoor: customer certificate of %s: %s", spec.host, exc)
                return None
        return self.certs.context(self.certs.managed_pem(spec.host), spec.tls.minimum)

    def _sni(self, sslobj: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> int | None:
        if not name:
            return None
        sslobj._aznet_sni = name.lower()  # type: ignore[attr-defined]  # the server side sees SNI only here
        ctx = self.context_for(host_lookup(self.config.hosts, name.lower()), name.lower())
        if ctx is None:
            return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        if ctx is not sslobj.context:
            sslobj.context = ctx
        return None

    def tls_allowed(self, conn: ClientConn) -> bool:
        """The domain's minimumTlsVersion, checked once the handshake chose a version."""
        t = conn.transport
        obj = t.get_extra_info("ssl_object") if t is not None else None
        if obj is None:
            return True
        spec = host_lookup(self.config.hosts, (conn.sni or "").lower())
        if spec is None:
            return True
        return TLS_ORDER.get(obj.version() or "", 0) >= MIN_ORDER.get(spec.tls.minimum, 12)

    def _base_minimum(self) -> None:
        """The handshake's floor: TLS 1.0 while some domain allows it (each domain's own minimum is checked after
        the handshake, ``tls_allowed``), else TLS 1.2."""
        ctx = self.base_ctx
        if ctx is None:
            return
        low = any(h.tls.minimum == "TLS10" for h in self.config.hosts.values())
        if low:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        else:
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2

    def _base_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.sslobject_class = SizedSSLObject   # reads sized to what is buffered (appgw/tls.py), as on App Gateway
        self.base_ctx = ctx
        self._base_minimum()
        ctx.load_cert_chain(*self.certs.managed_pem("azurefd.net"))
        ctx.set_alpn_protocols(["h2", "http/1.1"])    # "HTTP/2 support in Azure Front Door": all configurations
        ctx.sni_callback = self._sni  # type: ignore[assignment]
        return ctx

    # -- sockets ---------------------------------------------------------------------------------
    async def _open(self, port: int, tls_on: bool) -> None:
        st = EdgeSocket(self, self.address, port, tls_on)
        st.listen_port = listen_port(port, self.settings.privileged_port_offset)
        self.sockets.append(st)
        assert self.loop is not None
        if self.workers is not None:           # the worker processes listen
            return
        try:
            sock = bind_listener("tcp", self.address, st.listen_port, self.reuse_port, backlog=1024)
            st.server = await self.loop.create_server(lambda: EdgeConn(st), sock=sock,
                                                      ssl=self._base_context() if tls_on else None, backlog=1024)
        except (OSError, ssl.SSLError) as exc:
            st.error = f"cannot listen on {self.address}:{st.listen_port}: {getattr(exc, 'strerror', None) or exc}"
            log.warning("frontdoor: %s", st.error)

    def port_of(self, port: int) -> int:
        """The port the edge really listens on for ``port`` (80 / 443 unless mapped)."""
        return listen_port(port, self.settings.privileged_port_offset)

    def endpoints(self) -> list[dict[str, Any]]:
        out = []
        for st in self.sockets:
            ep: dict[str, Any] = {"name": "frontdoor:" + ("https" if st.tls else "http"), "host": st.host,
                                  "port": st.port, "protocol": "tcp", "address": st.host,
                                  "description": "Front Door / CDN edge " + ("HTTPS" if st.tls else "HTTP")}
            if st.listen_port != st.port:
                ep["listenPort"] = st.listen_port
                ep["description"] += f"; privileged port {st.port} mapped to {st.listen_port}"
            if self.workers is not None:
                ep["description"] += f"; served by {self.workers.count} worker processes"
            if st.error:
                ep["error"] = st.error
            out.append(ep)
        return out

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.workloads = self.platform.services.get(WorkloadsService)
        self._attach_names()
        self.workers = start_workers(self, "frontdoor", self.settings.frontdoor_workers)
        self.platform.reconciler.register(self)
        await self._open(80, False)
        await self._open(443, True)
        if self.workers is not None:
            self.workers.start(self.loop)
        self.telemetry.start()

    def _attach_names(self) -> None:
        """The edge's names into aznet's DNS, once it runs (services may start in either order: checked again on
        each reconcile)."""
        if self.names_in is not None:
            return
        from ..dns.service import DnsService
        dns_svc = self.platform.services.get(DnsService)
        if dns_svc is not None and getattr(dns_svc, "engine", None) is not None:
            dns_svc.engine.add_names(self.names)
            self.names_in = dns_svc

    async def stop(self) -> None:
        if self.workers is not None:
            self.workers.stop()
        self.platform.reconciler.unregister(self)
        if self.names_in is not None:
            self.names_in.engine.remove_names(self.names)
            self.names_in = None
        self.prober.stop()
        self.telemetry.stop()
        for st in self.sockets:
            if st.server is not None:
                st.server.close()
            for conn in list(st.conns):
                conn.close_idle()
        self.sockets.clear()
        self.proxy.close()
        self.waf.close()

    # -- purge (the cache plugs in here) ------------------------------------------------------------
    def purge_content(self, endpoint_id: str, paths: list[str], domains: list[str]) -> None:
        """Purge: with worker processes, every worker's cache has purged before this returns (so before the
        operation reports success)."""
        cache = getattr(self.proxy, "cache", None)
        if cache is not None:
            cache.purge_hosts([d.lower() for d in domains], paths)
        if self.workers is not None and not self.workers.broadcast("purge", (endpoint_id, list(paths),
                                                                             list(domains)), wait=True):
            log.warning("frontdoor: a worker did not confirm the purge of %s", endpoint_id)

    def load_content(self, endpoint_id: str, paths: list[str], domains: list[str]) -> None:
        """CDN ``load``: the paths are fetched through the edge (from the origin into the cache), starting now
        (with worker processes, into each worker's cache)."""
        if self.workers is not None:
            self.workers.broadcast("load", (endpoint_id, list(paths), list(domains)))
        elif self.loop is not None:
            for host in domains[:1]:
                self.loop.create_task(self.proxy.prefetch(host.lower(), list(paths)))

    def purge_front_door(self, front_door_id: str, paths: list[str]) -> None:
        hosts = [h for h, s in self.config.hosts.items() if s.owner.resource_id.lower() == front_door_id.lower()]
        self.purge_content(front_door_id, paths, hosts)


@services.register
def _factory(platform: Host) -> FrontDoorService:
    return FrontDoorService(platform)
