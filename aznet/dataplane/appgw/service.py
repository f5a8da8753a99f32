"""The application gateway engine as an aznet service (``platform.services.get(AppGatewayService)``).

An engine on the reconcile seam (sync delivery, after the workload engine): every commit that touches a
gateway, a NIC, a VM or a public IP recompiles the plans (``model.compile_gateway``) and applies them at
once: a new frontend socket is bound before the PUT returns, a removed one stops listening (its established
connections finish what they carry), a socket that stays keeps its connections and answers the next request
with the new configuration. A stopped gateway (``operationalState`` Stopped) listens nowhere.

The request path (``proxy.Proxy``) and the probes (``probes.Prober``) live in modules of their own."""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import logging
import ssl
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from ... import services
from ...contracts.gateway_health import BackendHealthSource
from ...store.base import Change
from ..l7workers import L7Workers, start_workers
from ..ports import listen_port
from ..procpool import bind_listener
from ..reconcile import Snapshot
from ..workloads.service import WATCHED, WorkloadsService
from ..workloads.table import AddressPool, WorkloadTable
from . import tls
from .fastpath import FastPath, Lanes
from .frontend import ClientConn
from .health import MSG_UNKNOWN, MemberHealth
from .model import GatewayPlan, Listener, PoolMember, compile_gateway
from .probes import Prober
from .proxy import Proxy
from .telemetry import SETTINGS_TYPE, Telemetry
from .waf import POLICY_TYPE, WafGlue

if TYPE_CHECKING:
    from ...services import Host

log = logging.getLogger("aznet.appgw")
AG = "microsoft.network/applicationgateways"
PIP = "microsoft.network/publicipaddresses"
NIC = "microsoft.network/networkinterfaces"
KV_SECRET = "microsoft.keyvault/vaults/secrets"
DEFAULT_MAX_BODY = 100 * 1024 * 1024


class SocketState:
    """One listening socket (frontend address, port) of one gateway, and its open connections."""

    def __init__(self, svc: AppGatewayService, key: tuple[str, int], gw: str, tls_on: bool) -> None:
        self.svc, self.key, self.gw, self.tls = svc, key, gw, tls_on
        self.conns: set[ClientConn] = set()
        self.server: Any = None
        self.error = ""
        self.listen_port = key[1]
        self.max_body = svc.max_body
        self.contexts: dict[str, Any] = {}       # lower listener id -> server context
        self.base_ctx: Any = None
        self.alpn: tuple[str, ...] = ("http/1.1",)
        self.lanes: Lanes | None = None          # the hot path's routes under the current plan (fastpath.py)
        self.sni_cache: tuple[Any, Any, dict[str | None, Any]] = (None, None, {})
        # The clock and the hot path are called once per request or more: the instance holds the callables
        # themselves (the methods below say what they are), one Python frame less each.
        self.now: Callable[[], float] = time.perf_counter   # type: ignore[method-assign]
        fastpath = getattr(svc, "fastpath", None)
        if fastpath is not None:
            self.fast_handle: Callable[[ClientConn, Any], bool] = partial(fastpath.take, self)  # type: ignore[method-assign]

    def now(self) -> float:
        return time.perf_counter()

    def opened(self, conn: ClientConn) -> None:
        self.conns.add(conn)
        self.svc.telemetry.connection_opened(self.gw)

    def closed(self, conn: ClientConn) -> None:
        self.conns.discard(conn)
        self.svc.telemetry.connection_closed(self.gw)

    def refused(self, conn: ClientConn, status: int) -> None:
        self.svc.telemetry.refused(self, conn, status)

    async def gateway_handle(self, conn: ClientConn, req: Any) -> tuple[bytes, bool]:
        return await self.svc.proxy.handle(self, conn, req)

    def fast_handle(self, conn: ClientConn, req: Any) -> bool:
        """``owner.ConnOwner``'s optional hot path (``fastpath.FastPath.take``)."""
        return self.svc.fastpath.take(self, conn, req)

    def may_stream(self) -> bool:
        """Request bodies may pass on as they come: no WAF policy inspects this gateway's requests."""
        return self.gw not in self.svc.waf.gateways

    def log_exception(self) -> None:
        log.exception("appgw: request failed")

    def listeners(self) -> list[Listener]:
        plan = self.svc.plans.get(self.gw)
        return plan.sockets.get(self.key, []) if plan else []

    def sni(self, sslobj: Any, name: str | None, _ctx: Any) -> None:
        """Pick the certificate of the first listener (in Azure's order) whose host names match (remembered per
        name until the plan or the certificates change; bounded)."""
        plan = self.svc.plans.get(self.gw)
        cache = self.sni_cache
        if cache[0] is not plan or cache[1] is not self.contexts:
            cache = self.sni_cache = (plan, self.contexts, {})
        try:
            chosen = cache[2][name]
        except KeyError:
            chosen = self._choose_context(name)
            if len(cache[2]) >= 1024:
                cache[2].clear()
            cache[2][name] = chosen
        if chosen is not None and chosen is not sslobj.context:
            sslobj.context = chosen

    def _choose_context(self, name: str | None) -> Any:
        from .router import host_matches
        lsts = [lst for lst in self.listeners() if lst.id.lower() in self.contexts]
        chosen = None
        if name:
            low = name.lower()
            chosen = next((self.contexts[lst.id.lower()] for lst in lsts
                           if lst.host_names and any(host_matches(p, low) for p in lst.host_names)), None)
        if chosen is None:
            chosen = next((self.contexts[lst.id.lower()] for lst in lsts if not lst.host_names), None)
        if chosen is None and lsts:
            chosen = self.contexts[lsts[0].id.lower()]
        return chosen


class AppGatewayService(BackendHealthSource):
    name = "appgw"
    watches = WATCHED | {AG, PIP, SETTINGS_TYPE, KV_SECRET, POLICY_TYPE}
    delivery: Literal["sync", "queued"] = "sync"

    def __init__(self, platform: Host) -> None:
        self.platform = platform
        self.settings = platform.settings
        self.plans: dict[str, GatewayPlan] = {}
        self.sockets: dict[tuple[str, int], SocketState] = {}
        self.health_version = 0          # bumped when a member's state may have changed (fastpath caches on it)
        self.health: dict[tuple[str, str, str, str], MemberHealth] = {}
        # (gateway, pool, settings) -> address -> (member removed from the pool, end of its drain, monotonic)
        self.draining: dict[tuple[str, str, str], dict[str, tuple[PoolMember, float]]] = {}
        self.table = WorkloadTable(self.settings.private_ip_pool)
        self.workloads: WorkloadsService | None = None
        self.snapshot: Snapshot | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.max_body = int(self.settings.appgw_max_body or DEFAULT_MAX_BODY)
        self.certs = tls.CertStore(self.settings.data_dir / "appgw-certs")
        self.telemetry = Telemetry(self)
        self.proxy = Proxy(self)
        self.fastpath = FastPath(self)
        self.prober = Prober(self)
        self.error_pages: dict[str, bytes] = {}
        self.http2_available = True      # h2 is a dependency; ALPN offers it where enableHttp2 is set
        # The WAF (``waf.py``): the policy each gateway, listener and path rule runs, compiled off the loop;
        # the proxy asks it once per routed request, before a backend is chosen.
        self.waf = WafGlue()
        # Worker processes (``AZNET_APPGW_WORKERS``, ``dataplane/l7workers``): with workers, this process compiles,
        # probes and answers the control plane, and the workers (``reuse_port``) serve the frontends.
        self.workers: L7Workers | None = None
        self.reuse_port = False

    @property
    def health(self) -> dict[tuple[str, str, str, str], MemberHealth]:
        """(gateway, pool, settings, member address) -> probe state (a worker gets it whole from the aznet
        process: setting it counts as a change of state)."""
        return self._health

    @health.setter
    def health(self, value: dict[tuple[str, str, str, str], MemberHealth]) -> None:
        self._health = value
        self.health_version += 1

    # -- reconcile --------------------------------------------------------------------------------
    def resync(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        if self.workloads is not None:
            self.table = self.workloads.table
        pips = {r.id.lower(): r.body for r in snapshot.of_type(PIP)}
        nic_members: dict[str, list[PoolMember]] = {}
        for rec in snapshot.of_type(NIC):
            for cfg in ((rec.body.get("properties") or {}).get("ipConfigurations") or []):
                cp = cfg.get("properties") or {} if isinstance(cfg, dict) else {}
                for ref in cp.get("applicationGatewayBackendAddressPools") or []:
                    if isinstance(ref, dict) and isinstance(ref.get("id"), str):
                        nic_members.setdefault(ref["id"].lower(), []).append(
                            PoolMember(str(cp.get("privateIPAddress") or ""), ipconfig=cfg.get("id")))
        taken = AddressPool(self.settings.private_ip_pool)
        base = taken.base
        for c in self.table.ipconfigs.values():
            try:
                taken.used.add(int(ipaddress.IPv4Address(c.local)) - base - 1)
            except ValueError:
                pass

        def frontend_address(fe: dict[str, Any]) -> str | None:
            fp = fe.get("properties") or {}
            pip = (fp.get("publicIPAddress") or {}).get("id")
            if isinstance(pip, str):
                return (pips.get(pip.lower(), {}).get("properties") or {}).get("ipAddress")
            if fp.get("privateIPAddress") and isinstance(fe.get("id"), str):
                return taken.take(fe["id"])
            return None

        plans = {}
        for rec in sorted(snapshot.of_type(AG), key=lambda r: getattr(r, "seq", 0)):
            try:
                plan = compile_gateway(rec.body, frontend_address, nic_members)
            except Exception:        # one gateway's odd shape never stops the others
                log.exception("appgw: cannot compile %s", rec.id)
                continue
            self._vault_certificates(plan, snapshot)
            plans[rec.id.lower()] = plan
        self._drain_removed(self.plans, plans)
        self.plans = plans
        self.waf.resync(snapshot, plans)
        self.proxy.where.clear()
        self.telemetry.refresh_settings(snapshot.of_type(SETTINGS_TYPE))
        if self.loop is not None:
            self._apply()

    def _drain_removed(self, old: dict[str, GatewayPlan], new: dict[str, GatewayPlan]) -> None:
        """Connection draining: members removed from a pool whose settings drain stay reachable for requests
        their affinity cookie binds to them, for drainTimeoutInSec (Azure's docs: "requests bound for
        de-registering instances ... because of gateway-managed session affinity will continue to be proxied")."""
        now = time.monotonic()
        for key in list(self.draining):
            live = {a: v for a, v in self.draining[key].items() if v[1] > now}
            if live:
                self.draining[key] = live
            else:
                del self.draining[key]
        for gid, plan in old.items():
            fresh = new.get(gid)
            for pool, sid in plan.pairs():
                settings = plan.settings.get(sid)
                if settings is None or not settings.drain or not settings.affinity:
                    continue
                now_members = {m.address for m in (fresh.pools.get(pool, ()) if fresh else ())}
                for m in plan.pools.get(pool, ()):
                    if m.address not in now_members:
                        self.draining.setdefault((gid, pool, sid), {})[m.address] = (m, now + settings.drain_timeout)
        for key, gone in list(self.draining.items()):       # a member that came back is no longer draining
            fresh = new.get(key[0])
            back = {m.address for m in fresh.pools.get(key[1], ())} if fresh else set()
            for a in [a for a in gone if a in back]:
                del gone[a]
            if not gone:
                del self.draining[key]

    @staticmethod
    def _vault_certificates(plan: GatewayPlan, snapshot: Snapshot) -> None:
        """sslCertificates that name a Key Vault secret: the PFX the secret holds now (a versionless id follows
        the newest version; Azure polls the vault every 4 hours, aznet reads it on every commit to the vault)."""
        if not plan.vault_certificates:
            return
        from ...contracts.vault_secrets import resolve_secret_uri
        for cid, uri in plan.vault_certificates.items():
            try:
                raw = resolve_secret_uri(snapshot, uri)
            except Exception as exc:    # noqa: BLE001 - a missing or disabled secret leaves the listener without TLS
                plan.problems.append(f"certificate {cid.rsplit('/', 1)[-1]}: Key Vault secret {uri}: {exc}")
                continue
            plan.certificates[cid] = (base64.b64encode(raw).decode(), "")

    def apply(self, changes: Sequence[Change]) -> None:
        if self.snapshot is not None:
            self.resync(self.snapshot)

    def _apply(self) -> None:
        want: dict[tuple[str, int], tuple[str, bool]] = {}
        for gid, plan in self.plans.items():
            if not plan.running:
                continue
            for key, lsts in plan.sockets.items():
                if key in want and want[key][0] != gid:
                    log.warning("appgw: %s:%s is used by two gateways; %s keeps it", key[0], key[1], want[key][0])
                    continue
                want[key] = (gid, any(lst.protocol.lower() == "https" for lst in lsts))
        for key in [k for k, st in self.sockets.items() if k not in want or want[k] != (st.gw, st.tls)]:
            self._close(self.sockets.pop(key))
        for key, (gid, tls_on) in want.items():
            st = self.sockets.get(key)
            if st is None:
                st = self.sockets[key] = SocketState(self, key, gid, tls_on)
                self._load_certs(st)
                self._open(st)
            else:
                self._load_certs(st)
        self.prober.sync()
        self._fetch_error_pages()

    def _load_certs(self, st: SocketState) -> None:
        """A server context per listener (its certificate, its sslProfile's policy or the gateway's); the client
        CA chains of every mutual-TLS listener on the socket go into each (see ``mtls``)."""
        if not st.tls:
            return
        plan = self.plans[st.gw]
        lsts = st.listeners()
        cas: list[str] = []
        for lst in lsts:
            prof = plan.ssl_profiles.get(lst.ssl_profile or "")
            for d in prof.client_cas if prof else ():
                if d not in cas:
                    cas.append(d)
        alpn = ("h2", "http/1.1") if plan.http2 and self.http2_available else ("http/1.1",)
        contexts: dict[str, Any] = {}
        for lst in lsts:
            cid = lst.ssl_certificate
            if cid and cid in plan.certificates:
                data, password = plan.certificates[cid]
                prof = plan.ssl_profiles.get(lst.ssl_profile or "")
                policy = (prof.policy if prof and prof.policy else None) or plan.ssl_policy
                try:
                    contexts[lst.id.lower()] = self.certs.context(data, password, policy, alpn, tuple(cas))
                except Exception as exc:   # noqa: BLE001 - a bad certificate leaves that listener without TLS
                    st.error = f"certificate {cid.rsplit('/', 1)[-1]}: {exc}"
        st.contexts = contexts
        st.alpn = alpn
        if st.base_ctx is not None:            # a socket that stays: its listening context follows (in place)
            if not tls.mtls.load_client_cas(st.base_ctx, cas):
                st.base_ctx.verify_mode = ssl.CERT_NONE
            st.base_ctx.set_alpn_protocols(list(alpn))

    def _open(self, st: SocketState) -> None:
        host, port = st.key
        st.listen_port = listen_port(port, self.settings.privileged_port_offset)
        ssl_ctx = None
        if st.tls:
            if not st.contexts:
                st.error = st.error or "no usable certificate for the HTTPS listener"
                return
            first = next(iter(st.contexts.values()))
            ssl_ctx = tls._clone(first, st.alpn)
            ssl_ctx.sni_callback = st.sni  # type: ignore[assignment]
            st.base_ctx = ssl_ctx
        assert self.loop is not None
        if self.workers is not None:           # the worker processes listen
            return
        try:
            sock = bind_listener("tcp", host, st.listen_port, self.reuse_port, backlog=1024)
        except OSError as exc:
            st.error = f"cannot listen on {host}:{st.listen_port}: {exc.strerror or exc}"
            log.warning("appgw: %s", st.error)
            return
        self.loop.create_task(self._serve(st, sock, ssl_ctx))

    async def _serve(self, st: SocketState, sock: Any, ssl_ctx: Any) -> None:
        loop = asyncio.get_running_loop()
        try:
            st.server = await loop.create_server(lambda: ClientConn(st), sock=sock, ssl=ssl_ctx, backlog=1024)
        except OSError as exc:
            sock.close()
            st.error = str(exc)
            return
        if self.sockets.get(st.key) is not st:
            self._close(st)

    def _close(self, st: SocketState) -> None:
        if st.server is not None:
            st.server.close()
            st.server = None
        for conn in list(st.conns):
            conn.close_idle()

    def _fetch_error_pages(self) -> None:
        urls = {u for p in self.plans.values() for u in p.errors.values()}
        urls |= {u for p in self.plans.values() for lst in p.listeners.values() for _, u in lst.errors}
        for u in list(self.error_pages):
            if u not in urls:
                del self.error_pages[u]
        for u in urls - set(self.error_pages):
            assert self.loop is not None
            self.loop.create_task(self.proxy.fetch_error_page(u))

    # -- what the control plane asks ------------------------------------------------------------
    def server_health(self, gw_id: str, pool_id: str, settings_id: str, address: str) -> tuple[str, str]:
        st = self.health.get((gw_id.lower(), pool_id.lower(), settings_id.lower(), address))
        if st is None:
            return "Unknown", MSG_UNKNOWN
        plan = self.plans.get(gw_id.lower())
        return st.shown(plan.settings.get(settings_id.lower()) if plan else None), st.log

    def endpoints(self) -> list[dict[str, Any]]:
        out = []
        for (host, port), st in sorted(self.sockets.items()):
            plan = self.plans.get(st.gw)
            lsts = plan.sockets.get((host, port), []) if plan else []
            ep: dict[str, Any] = {"name": f"appgw:{plan.name if plan else st.gw}", "host": host, "port": port,
                                  "protocol": "tcp", "address": host, "resourceId": lsts[0].id if lsts else st.gw,
                                  "listeners": [lst.id for lst in lsts],
                                  "description": "application gateway " + ("HTTPS" if st.tls else "HTTP")}
            if st.listen_port != port:
                ep["listenPort"] = st.listen_port
                ep["description"] += f"; privileged port {port} mapped to {st.listen_port}"
            if self.workers is not None:
                ep["description"] += f"; served by {self.workers.count} worker processes"
            if st.error:
                ep["error"] = st.error
            out.append(ep)
        return out

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.workloads = self.platform.services.get(WorkloadsService)
        self.workers = start_workers(self, "appgw", self.settings.appgw_workers)
        self.platform.reconciler.register(self)
        if self.workers is not None:
            self.workers.start(self.loop)
        self.telemetry.start()

    async def stop(self) -> None:
        if self.workers is not None:
            self.workers.stop()
        self.platform.reconciler.unregister(self)
        self.prober.stop()
        self.telemetry.stop()
        for st in self.sockets.values():
            self._close(st)
        self.sockets.clear()
        self.proxy.close()
        self.waf.close()


@services.register
def _factory(platform: Host) -> AppGatewayService:
    return AppGatewayService(platform)
