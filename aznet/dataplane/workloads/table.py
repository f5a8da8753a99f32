"""The local address table: where every VM's NIC ip configuration runs on this machine.

Pure data, no sockets. Built from the stored VMs, NICs and load balancers:

- every NIC ip configuration, and every internal load balancer frontend, gets a loopback address of
  its own from ``AZNET_PRIVATE_IP_POOL`` (default 127.128.0.0/16). The address is a hash of the
  ip configuration's id (lower case) into the pool; on a collision the next free address is taken,
  in creation order of the owning resources (their store sequence numbers), so the same
  resources always get the same addresses, across restarts too;
- ``local_address_for_private_ip(vnet_or_subnet_id, ip)`` answers which local address serves a
  private IP of a VNet; ``by_ipconfig(id)`` the entry of one ip configuration;
- each VM's state (power, port mappings from ``aznet vm expose``, demo workloads from
  ``aznet vm serve`` or the ``aznet-serve`` tag) and ``target(ipconfig, port)``: where a
  connection to that VM port goes (the mapping, else the local address).
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ... import typenames

VM = typenames.VM.lower()
VMSS = typenames.VMSS.lower()
NIC = typenames.NIC.lower()
LB = typenames.LOAD_BALANCER.lower()
GW = "microsoft.network/virtualnetworkgateways"
LNG = "microsoft.network/localnetworkgateways"
HUB = "microsoft.network/virtualhubs"
HUB_IPCONFIG = "microsoft.network/virtualhubs/ipconfigurations"
CIRCUIT_PEERING = "microsoft.network/expressroutecircuits/peerings"
ER_LINKS = ("primary", "secondary")
SERVE_TAG = "aznet-serve"
KINDS = ("http", "tcp-echo", "udp-echo")


@dataclass(frozen=True)
class IpConfig:
    id: str                      # ip configuration (or LB frontend) id, as stored
    owner: str                   # NIC or load balancer id
    private_ip: str | None
    subnet: str | None           # lower case
    local: str                   # the loopback address it runs on
    vm: str | None = None        # lower-case VM id (NIC ip configurations of a VM)
    primary: bool = False
    pools: tuple[str, ...] = ()        # lower-case backend pool ids it belongs to
    nat_rules: tuple[str, ...] = ()    # lower-case inbound NAT rule ids
    public_ip: str | None = None       # instance-level public IP id

    @property
    def vnet(self) -> str | None:
        return self.subnet.split("/subnets/")[0] if self.subnet else None


@dataclass(frozen=True)
class Workload:
    kind: str        # http | tcp-echo | udp-echo
    port: int
    source: str      # "aznet vm serve" or "tag aznet-serve"


@dataclass
class VmState:
    id: str
    name: str
    power: str                                    # running | stopped | deallocated | ...
    nics: list[str] = field(default_factory=list)  # NIC ids in networkProfile order
    ports: dict[int, tuple[str, int]] = field(default_factory=dict)
    workloads: list[Workload] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.power == "running"


class ServeSpecError(ValueError):
    pass


def parse_serve(spec: str) -> list[tuple[str, int]]:
    """``"http:80 tcp-echo:7,udp-echo:9"`` -> [("http", 80), ("tcp-echo", 7), ("udp-echo", 9)]."""
    out: list[tuple[str, int]] = []
    for part in spec.replace(",", " ").replace(";", " ").split():
        kind, _, port = part.partition(":")
        kind = kind.strip().lower()
        if kind not in KINDS or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ServeSpecError(f"bad aznet-serve entry {part!r}: use http:PORT, tcp-echo:PORT or udp-echo:PORT")
        out.append((kind, int(port)))
    return out


def _props(body: dict[str, Any] | None) -> dict[str, Any]:
    p = (body or {}).get("properties")
    return p if isinstance(p, dict) else {}


def _ref(node: Any) -> str | None:
    rid = node.get("id") if isinstance(node, dict) else None
    return rid if isinstance(rid, str) else None


def _refs(items: Any) -> tuple[str, ...]:
    return tuple(r.lower() for r in (_ref(i) for i in items or []) if r) if isinstance(items, list) else ()


class AddressPool:
    """Deterministic hashing of keys into the loopback pool, with linear probing on collisions."""

    def __init__(self, cidr: str) -> None:
        net = ipaddress.ip_network(cidr, strict=False)
        if net.version != 4 or not net.subnet_of(ipaddress.ip_network("127.0.0.0/8")):  # type: ignore[arg-type]
            raise ValueError(f"AZNET_PRIVATE_IP_POOL {cidr} must be an IPv4 range inside 127.0.0.0/8")
        self.base = int(net.network_address)
        self.size = max(net.num_addresses - 2, 1)
        self.used: set[int] = set()

    def take(self, key: str) -> str:
        if len(self.used) >= self.size:
            raise ValueError("AZNET_PRIVATE_IP_POOL is exhausted: enlarge it")
        h = int.from_bytes(hashlib.blake2b(key.lower().encode(), digest_size=8).digest(), "big")
        slot = h % self.size
        while slot in self.used:
            slot = (slot + 1) % self.size
        self.used.add(slot)
        return str(ipaddress.IPv4Address(self.base + 1 + slot))


class WorkloadTable:
    def __init__(self, cidr: str = "127.128.0.0/16") -> None:
        self.cidr = cidr
        self.ipconfigs: dict[str, IpConfig] = {}            # lower-case id -> entry
        self.by_private: dict[tuple[str, str], str] = {}    # (lower vnet id, ip) -> ipconfig key
        self.vms: dict[str, VmState] = {}                   # lower-case VM id -> state
        self.errors: list[str] = []

    # -- building -------------------------------------------------------------------
    @classmethod
    def build(cls, records: Iterable[Any], cidr: str = "127.128.0.0/16") -> WorkloadTable:
        """From store records (objects with ``id``, ``type``, ``body``, ``seq``) of VMs, NICs and LBs."""
        table = cls(cidr)
        pool = AddressPool(cidr)
        recs = sorted(records, key=lambda r: r.seq)
        nic_vm: dict[str, str] = {}
        for rec in recs:
            if rec.type.lower() == VM:
                vm = table._vm(rec.id, rec.body)
                table.vms[rec.id.lower()] = vm
                for nic in vm.nics:
                    nic_vm[nic.lower()] = rec.id.lower()
        for rec in recs:
            t = rec.type.lower()
            if t == VMSS:
                table._scale_set(rec, pool)
            elif t == NIC:
                for cfg in _props(rec.body).get("ipConfigurations") or []:
                    if not isinstance(cfg, dict) or not isinstance(cfg.get("id"), str):
                        continue
                    cp = _props(cfg)
                    table._add(IpConfig(
                        id=cfg["id"], owner=rec.id, private_ip=cp.get("privateIPAddress"),
                        subnet=(_ref(cp.get("subnet")) or "").lower() or None, local=pool.take(cfg["id"]),
                        vm=nic_vm.get(rec.id.lower()), primary=bool(cp.get("primary")),
                        pools=_refs(cp.get("loadBalancerBackendAddressPools")),
                        nat_rules=_refs(cp.get("loadBalancerInboundNatRules")),
                        public_ip=_ref(cp.get("publicIPAddress"))))
            elif t == GW:
                table._gateway(rec, pool)
            elif t == LNG:
                table._onprem_peer(rec, pool)
            elif t == CIRCUIT_PEERING:
                table._circuit_links(rec, pool)
            elif t == HUB:
                table._router(rec, [r for r in recs if r.type.lower() == HUB_IPCONFIG
                                    and r.id.lower().startswith(rec.id.lower() + "/")], pool)
            elif t == LB:
                for fe in _props(rec.body).get("frontendIPConfigurations") or []:
                    fp = _props(fe)
                    subnet = _ref(fp.get("subnet"))
                    if subnet and isinstance(fe.get("id"), str):
                        table._add(IpConfig(id=fe["id"], owner=rec.id, private_ip=fp.get("privateIPAddress"),
                                            subnet=subnet.lower(), local=pool.take(fe["id"])))
        return table

    def _scale_set(self, rec: Any, pool: AddressPool) -> None:
        """Scale set instances run like VMs: ``{vmss}/virtualMachines/{n}``, named ``{vmss}_{n}``, their ip
        configurations in the pools of the scale set's network profile, the ``aznet-serve`` tag of the scale set."""
        body = rec.body
        private = body.get("_aznet") or {}
        profile = ((_props(body).get("virtualMachineProfile") or {}).get("networkProfile") or {})
        pools_by_cfg: dict[tuple[str, str], tuple[str, ...]] = {}
        for nc in profile.get("networkInterfaceConfigurations") or []:
            for ipc in _props(nc).get("ipConfigurations") or []:
                pools_by_cfg[(str(nc.get("name")), str(ipc.get("name")))] = _refs(
                    _props(ipc).get("loadBalancerBackendAddressPools"))
        for inst in private.get("instances") or []:
            vm_id = f"{rec.id}/virtualMachines/{inst.get('instanceId')}"
            nic_ids = [f"{vm_id}/networkInterfaces/{n.get('name')}" for n in inst.get("nics") or []]
            vm = self._vm(vm_id, {"name": f"{body.get('name')}_{inst.get('instanceId')}", "tags": body.get("tags"),
                                  "_aznet": {"power": private.get("power", "running")},
                                  "properties": {"networkProfile": {"networkInterfaces": [
                                      {"id": n} for n in nic_ids]}}})
            self.vms[vm_id.lower()] = vm
            for nic, nic_id in zip(inst.get("nics") or [], nic_ids, strict=True):
                for c in nic.get("ipConfigurations") or []:
                    cid = f"{nic_id}/ipConfigurations/{c.get('name')}"
                    self._add(IpConfig(id=cid, owner=nic_id, private_ip=c.get("ip"),
                                       subnet=str(c.get("subnet") or "").lower() or None, local=pool.take(cid),
                                       vm=vm_id.lower(), primary=bool(c.get("primary")),
                                       pools=pools_by_cfg.get((str(nic.get("name")), str(c.get("name"))), ())))

    def _gateway(self, rec: Any, pool: AddressPool) -> None:
        """A BGP-speaking gateway instance runs on a loopback address of its own, found like a NIC's: by
        the private address Azure reports for it (``bgpSettings.bgpPeeringAddresses[i].defaultBgpIpAddresses``)
        in the GatewaySubnet of its ip configuration (``by_ipconfig(gateway ip configuration id)``)."""
        props = _props(rec.body)
        subnets = {str(c.get("id", "")).lower(): (_ref(_props(c).get("subnet")) or "").lower()
                   for c in props.get("ipConfigurations") or [] if isinstance(c, dict)}
        for entry in (props.get("bgpSettings") or {}).get("bgpPeeringAddresses") or []:
            if not isinstance(entry, dict):
                continue
            cfg_id = entry.get("ipconfigurationId")
            ips = entry.get("defaultBgpIpAddresses") or []
            if isinstance(cfg_id, str) and ips and isinstance(ips[0], str):
                self._add(IpConfig(id=cfg_id, owner=rec.id, private_ip=ips[0],
                                   subnet=subnets.get(cfg_id.lower()) or None, local=pool.take(cfg_id)))

    def _router(self, rec: Any, ipconfigs: list[Any], pool: AddressPool) -> None:
        """Each Route Server instance (``virtualRouterIps[i]`` in the RouteServerSubnet of the hub's ip
        configuration) runs on a loopback address of its own: ``by_ipconfig(f"{hub id}/virtualRouterIps/{i}")``.
        So does each router instance of a Virtual WAN hub (its ``virtualRouterIps`` lie in the hub's own address
        prefix, in no VNet: no subnet)."""
        subnet = next((_ref(_props(c.body).get("subnet")) for c in ipconfigs if _ref(_props(c.body).get("subnet"))),
                      None)
        wan_hub = _ref(_props(rec.body).get("virtualWan")) is not None
        for i, ip in enumerate(_props(rec.body).get("virtualRouterIps") or []):
            if isinstance(ip, str) and (subnet or wan_hub):
                key = f"{rec.id}/virtualRouterIps/{i}"
                self._add(IpConfig(id=key, owner=rec.id, private_ip=ip, subnet=subnet.lower() if subnet else None,
                                   local=pool.take(key)))

    def _onprem_peer(self, rec: Any, pool: AddressPool) -> None:
        """An on-premises BGP peer (a local network gateway's ``bgpPeeringAddress``) connects from a loopback
        address: the address itself when it is one (127.0.0.0/8), else one from the pool
        (``onprem_source(lng id)``)."""
        addr = ((_props(rec.body).get("bgpSettings") or {}).get("bgpPeeringAddress"))
        if not isinstance(addr, str) or not addr:
            return
        try:
            literal = ipaddress.ip_address(addr.strip()).is_loopback
        except ValueError:
            return
        key = f"{rec.id}/bgpPeeringAddress"
        local = addr.strip() if literal else pool.take(key)
        self.ipconfigs[key.lower()] = IpConfig(id=key, owner=rec.id, private_ip=addr.strip(), subnet=None,
                                               local=local)

    def _circuit_links(self, rec: Any, pool: AddressPool) -> None:
        """Each link (primary, secondary) of an ExpressRoute circuit peering has two routers on its /30: the
        customer's (first usable address) and Microsoft's (the MSEE, second), each on a loopback address of its
        own: ``by_ipconfig(f"{peering id}/{link}")`` (Microsoft's) and ``f"{peering id}/{link}/customer"``."""
        props = _props(rec.body)
        for link in ER_LINKS:
            prefix = props.get(f"{link}PeerAddressPrefix")
            try:
                net = ipaddress.ip_network(prefix.strip(), strict=False) if isinstance(prefix, str) else None
            except ValueError:
                net = None
            if net is None or net.version != 4 or net.num_addresses < 4:
                continue
            for suffix, offset in (("", 2), ("/customer", 1)):
                key = f"{rec.id}/{link}{suffix}"
                self.ipconfigs[key.lower()] = IpConfig(id=key, owner=rec.id, private_ip=str(net.network_address + offset),
                                                       subnet=None, local=pool.take(key))

    def onprem_source(self, lng_id: str) -> str | None:
        cfg = self.ipconfigs.get(f"{lng_id}/bgpPeeringAddress".lower())
        return cfg.local if cfg else None

    def _add(self, cfg: IpConfig) -> None:
        self.ipconfigs[cfg.id.lower()] = cfg
        if cfg.private_ip and cfg.vnet:
            self.by_private.setdefault((cfg.vnet, _canon_ip(cfg.private_ip)), cfg.id.lower())

    def _vm(self, rid: str, body: dict[str, Any]) -> VmState:
        private = body.get("_aznet") or {}
        props = _props(body)
        nics = [r for r in (_ref(n) for n in (props.get("networkProfile") or {}).get("networkInterfaces") or [])
                if r]
        vm = VmState(id=rid, name=body.get("name") or rid.rsplit("/", 1)[-1],
                     power=str(private.get("power", "running")), nics=nics)
        for port, target in (private.get("ports") or {}).items():
            try:
                host, tport = target
                vm.ports[int(port)] = (str(host), int(tport))
            except (TypeError, ValueError):
                self.errors.append(f"{rid}: bad port mapping {port} -> {target}")
        seen: set[tuple[str, int]] = set()
        for kind, port in private.get("serve") or []:
            if (kind, port) not in seen:
                seen.add((kind, port))
                vm.workloads.append(Workload(kind, int(port), "aznet vm serve"))
        tags = body.get("tags") or {}
        spec = next((v for k, v in tags.items() if k.lower() == SERVE_TAG), None) if isinstance(tags, dict) else None
        if isinstance(spec, str):
            try:
                for kind, port in parse_serve(spec):
                    if (kind, port) not in seen:
                        seen.add((kind, port))
                        vm.workloads.append(Workload(kind, port, f"tag {SERVE_TAG}"))
            except ServeSpecError as exc:
                self.errors.append(f"{rid}: {exc}")
        return vm

    # -- questions ------------------------------------------------------------------
    def by_ipconfig(self, ipconfig_id: str) -> IpConfig | None:
        return self.ipconfigs.get(ipconfig_id.lower())

    def local_address_for_private_ip(self, vnet_or_subnet: str, ip: str) -> str | None:
        vnet = vnet_or_subnet.lower().split("/subnets/")[0]
        key = self.by_private.get((vnet, _canon_ip(ip)))
        return self.ipconfigs[key].local if key else None

    def ipconfig_for_private_ip(self, vnet_or_subnet: str, ip: str) -> IpConfig | None:
        key = self.by_private.get((vnet_or_subnet.lower().split("/subnets/")[0], _canon_ip(ip)))
        return self.ipconfigs.get(key) if key else None

    def vm_of(self, cfg: IpConfig) -> VmState | None:
        return self.vms.get(cfg.vm) if cfg.vm else None

    def serving(self, cfg: IpConfig) -> bool:
        """A NIC of a stopped or deallocated VM serves nothing; a NIC without a VM serves as it is."""
        vm = self.vm_of(cfg)
        return vm is None or vm.running

    def target(self, cfg: IpConfig, port: int) -> tuple[str, int]:
        """Where a connection to ``port`` of this ip configuration goes: its port mapping, else its address."""
        vm = self.vm_of(cfg)
        if vm is not None and port in vm.ports:
            return vm.ports[port]
        return cfg.local, port

    def members(self, pool_id: str) -> list[IpConfig]:
        """NIC ip configurations in a backend pool, in creation order."""
        key = pool_id.lower()
        return [c for c in self.ipconfigs.values() if key in c.pools]

    def nat_members(self, rule_id: str) -> list[IpConfig]:
        key = rule_id.lower()
        return [c for c in self.ipconfigs.values() if key in c.nat_rules]

    def vm_ipconfigs(self, vm_id: str) -> list[IpConfig]:
        vm = self.vms.get(vm_id.lower())
        if vm is None:
            return []
        nics = [n.lower() for n in vm.nics]
        cfgs = [c for c in self.ipconfigs.values() if c.owner.lower() in nics]
        return sorted(cfgs, key=lambda c: (nics.index(c.owner.lower()), not c.primary))

    def primary_address(self, vm_id: str) -> str | None:
        cfgs = self.vm_ipconfigs(vm_id)
        return cfgs[0].local if cfgs else None


def _canon_ip(ip: str) -> str:
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return ip
