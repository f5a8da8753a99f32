"""Every setting and environment variable aznet reads, in one place.

One more is read where it is used, to keep that import cheap: ``AZNET_CACHE_DIR`` (where the schema
cache compiled from the azure-mgmt-* models lives; default ``~/.cache/aznet``), in aznet/arm/schema/cache.py.
``AZNET_AZ`` (the az executable for ``aznet az``) is read in aznet/cli/azcli.py."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
DEFAULT_TENANT = "00000000-0000-0000-0000-0000000000aa"
DEFAULT_LOCATION = "westeurope"


def is_loopback_host(host: str) -> bool:
    """True for loopback addresses (127.0.0.0/8, ::1) and the name localhost."""
    import ipaddress

    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


@dataclass
class Settings:
    host: str = field(default_factory=lambda: _env("AZNET_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("AZNET_PORT", "8443")))
    data_dir: Path = field(default_factory=lambda: Path(_env("AZNET_DATA_DIR", str(Path.home() / ".aznet"))))
    dns_port: int = field(default_factory=lambda: int(_env("AZNET_DNS_PORT", "8053")))
    # Seconds a long-running operation stays InProgress, so clients' polling code runs.
    lro_delay: float = field(default_factory=lambda: float(_env("AZNET_LRO_DELAY", "0")))
    # Finished long-running operations are kept in memory up to this many bytes and for this many seconds.
    operations_max_bytes: int = field(
        default_factory=lambda: int(_env("AZNET_OPERATIONS_MAX_BYTES", str(4 * 1024 * 1024))))
    operations_ttl: float = field(default_factory=lambda: float(_env("AZNET_OPERATIONS_TTL", "3600")))
    # Largest request body ARM accepts (Azure's limit is 4 MiB).
    max_body: int = field(default_factory=lambda: int(_env("AZNET_MAX_BODY", str(4 * 1024 * 1024))))
    # Listening on anything but loopback exposes the emulator (and its admin routes) to the network:
    # refused unless this is set (or `aznet up --allow-remote`).
    allow_remote: bool = field(
        default_factory=lambda: _env("AZNET_ALLOW_REMOTE", "false").lower() in ("1", "true", "yes"))
    # Limits of the ARM HTTP server (aznet/arm/httplimits.py): request target, header count and bytes
    # (answered 414 / 431), deadlines for a request's headers and body, the keep-alive idle time (seconds),
    # and concurrent connections (kept below the open-file limit; the oldest idle one is closed at the cap).
    http_max_url: int = field(default_factory=lambda: int(_env("AZNET_HTTP_MAX_URL", str(16 * 1024))))
    http_max_headers: int = field(default_factory=lambda: int(_env("AZNET_HTTP_MAX_HEADERS", "100")))
    http_max_header_bytes: int = field(
        default_factory=lambda: int(_env("AZNET_HTTP_MAX_HEADER_BYTES", str(64 * 1024))))
    http_header_timeout: float = field(default_factory=lambda: float(_env("AZNET_HTTP_HEADER_TIMEOUT", "20")))
    http_body_timeout: float = field(default_factory=lambda: float(_env("AZNET_HTTP_BODY_TIMEOUT", "60")))
    http_idle_timeout: float = field(default_factory=lambda: float(_env("AZNET_HTTP_IDLE_TIMEOUT", "120")))
    http_max_connections: int = field(default_factory=lambda: int(_env("AZNET_HTTP_MAX_CONNECTIONS", "1000")))
    page_size: int = field(default_factory=lambda: int(_env("AZNET_PAGE_SIZE", "100")))
    token_lifetime: int = field(default_factory=lambda: int(_env("AZNET_TOKEN_LIFETIME", "3600")))
    default_subscription: str = field(default_factory=lambda: _env("AZNET_SUBSCRIPTION", DEFAULT_SUBSCRIPTION))
    # The region aznet names where a request has none (operation URLs, messages).
    default_location: str = field(default_factory=lambda: _env("AZNET_DEFAULT_LOCATION", DEFAULT_LOCATION))
    tenant: str = field(default_factory=lambda: _env("AZNET_TENANT", DEFAULT_TENANT))
    # Subscriptions a tenant may own (its own, plus ids it claims by writing to them first).
    max_subscriptions: int = field(default_factory=lambda: int(_env("AZNET_MAX_SUBSCRIPTIONS", "1000")))
    # Resource groups per subscription (Azure's limit is 980).
    max_resource_groups: int = field(default_factory=lambda: int(_env("AZNET_MAX_RESOURCE_GROUPS", "980")))
    # Tenants aznet creates on their first token (each with a subscription of its own).
    max_tenants: int = field(default_factory=lambda: int(_env("AZNET_MAX_TENANTS", "1000")))
    # First address of the pool that emulated public IPs are drawn from (all of 127/8 is loopback on Linux).
    public_ip_pool: str = field(default_factory=lambda: _env("AZNET_PUBLIC_IP_POOL", "127.64.0.0/16"))
    # Where VMs run: every NIC ip configuration (and internal LB frontend) gets a loopback address of its own
    # from this pool (aznet/dataplane/workloads); distinct from the public pool.
    private_ip_pool: str = field(default_factory=lambda: _env("AZNET_PRIVATE_IP_POOL", "127.128.0.0/16"))
    # A data plane that cannot bind a port below 1024 (not root, no CAP_NET_BIND_SERVICE, and
    # net.ipv4.ip_unprivileged_port_start above the port) listens on port + this offset instead (80 -> 8080).
    privileged_port_offset: int = field(
        default_factory=lambda: int(_env("AZNET_PRIVILEGED_PORT_OFFSET", "8000")))
    # Load balancer relay worker processes (SO_REUSEPORT) beside the aznet process; 0 relays in-process.
    lb_workers: int = field(default_factory=lambda: int(_env("AZNET_LB_WORKERS", "0")))
    # Application gateway and Front Door edge worker processes (aznet/dataplane/l7workers): with N > 0 the
    # frontends are served by N processes sharing them with SO_REUSEPORT while the aznet process compiles,
    # probes and answers ARM; 0 serves in the aznet process.
    appgw_workers: int = field(default_factory=lambda: int(_env("AZNET_APPGW_WORKERS", "0")))
    frontdoor_workers: int = field(default_factory=lambda: int(_env("AZNET_FRONTDOOR_WORKERS", "0")))
    # The Front Door / CDN edge: every endpoint host name and validated custom domain resolves to this loopback
    # address (one address for all, as Azure's anycast edge serves every endpoint), outside the public and private
    # pools; it listens on 80 and 443 there.
    frontdoor_edge_address: str = field(default_factory=lambda: _env("AZNET_FRONTDOOR_EDGE_ADDRESS", "127.62.0.1"))
    # the largest request body the edge buffers (bytes); larger ones get 413
    frontdoor_max_body: int = field(
        default_factory=lambda: int(_env("AZNET_FRONTDOOR_MAX_BODY", str(100 * 1024 * 1024))))
    # the largest request body an application gateway without WAF buffers (bytes); larger ones get 413
    appgw_max_body: int = field(default_factory=lambda: int(_env("AZNET_APPGW_MAX_BODY", str(100 * 1024 * 1024))))
    # Azure creates NetworkWatcher_<region> in NetworkWatcherRG with a region's first VNet.
    network_watcher_autocreate: bool = field(
        default_factory=lambda: _env("AZNET_NETWORK_WATCHER_AUTOCREATE", "true").lower() not in ("0", "false", "no"))
    log_level: str = field(default_factory=lambda: _env("AZNET_LOG_LEVEL", "warning"))
    # Linked templates (templateLink / parametersLink): aznet fetches http(s) URIs on loopback only, and
    # file:// URIs only inside these directories (AZNET_TEMPLATE_DIRS, separated by os.pathsep; none by default).
    template_dirs: list[Path] = field(default_factory=lambda: [
        Path(d).expanduser() for d in _env("AZNET_TEMPLATE_DIRS", "").split(os.pathsep) if d.strip()])
    # Azure Monitor metrics: days of 1-minute points kept (Azure keeps 93; at most 93) and the memory they may use.
    metrics_retention_days: int = field(
        default_factory=lambda: max(1, min(93, int(_env("AZNET_METRICS_RETENTION_DAYS", "93")))))
    metrics_max_bytes: int = field(default_factory=lambda: int(_env("AZNET_METRICS_MAX_BYTES", str(64 << 20))))
    # aznet up freezes the survivors of full collections (aznet/gcpolicy.py); garbage cycles among frozen objects
    # are reclaimed by a compaction when no request came for a while, at most once per this many seconds (0: never)
    gc_compact_seconds: float = field(default_factory=lambda: float(_env("AZNET_GC_COMPACT_SECONDS", "600")))

    def http_limits(self):  # type: ignore[no-untyped-def]
        from .arm.httplimits import HttpLimits

        return HttpLimits(max_body=self.max_body, max_url=self.http_max_url, max_headers=self.http_max_headers,
                          max_header_bytes=self.http_max_header_bytes, header_timeout=self.http_header_timeout,
                          body_timeout=self.http_body_timeout, idle_timeout=self.http_idle_timeout,
                          max_connections=self.http_max_connections)
    # Azure no longer lets anyone create retired SKUs and services (Basic public IPs and load balancers,
    # NSG flow logs, classic Front Door and CDN profiles); aznet refuses them the same way. 1 re-enables
    # creating them, for users who test an older estate. Existing (imported) ones keep working either way.
    allow_retired: bool = field(
        default_factory=lambda: _env("AZNET_ALLOW_RETIRED", "0").lower() in ("1", "true", "yes"))

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host)

    @property
    def endpoint(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"
