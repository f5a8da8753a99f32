"""Microsoft.Network/virtualNetworkGateways: VPN and ExpressRoute gateways.

Rules (Azure's VPN Gateway and ExpressRoute docs; codes: see docs/hybrid.md for confirmed vs
best reading):
- ``gatewayType`` Vpn | ExpressRoute; ``vpnType`` RouteBased | PolicyBased (PolicyBased needs Basic).
- ``sku.name`` must be a SKU of the gateway type (skus.py); ``sku.tier`` follows the name.
  ``vpnGatewayGeneration`` must be one the SKU comes in (VpnGw1 Gen1 only, VpnGw4/5 Gen2 only).
- IP configurations: all in the VNet's ``GatewaySubnet``; one (two when active-active), each with a
  public IP of its own; AZ SKUs need Standard SKU public IPs; a Vpn gateway other than Basic needs
  Standard SKU public IPs. One gateway of each type per VNet.
- BGP: not on Basic (BasicSkuVirtualNetworkGatewayDoesNotSupportBgp) nor PolicyBased; ASN rules in
  bgp.py; custom APIPA addresses in 169.254.21.0-169.254.22.255.
- Active-active: not on Basic or ExpressRoute legacy SKUs.
- Point-to-site (vpnClientConfiguration): RouteBased Vpn only; Basic takes SSTP with certificates
  only; address pools must not overlap the VNet; root certificates must be X.509 (base64 DER).
- The LRO is real (``--lro-delay`` applies); the gateway is ready when it completes."""

from __future__ import annotations

import base64
import ipaddress
import uuid
from typing import TYPE_CHECKING, Any

from cryptography import x509

from .... import typenames
from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from .. import public_ip_addresses as pips
from ..ip_allocation import subnet_prefixes
from ..ref_checks import boolean, cannot_parse, enum, ref_id, resolve, since
from . import bgp, custom_bgp, skus

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/virtualNetworkGateways"
CONN_TYPE = "Microsoft.Network/connections"
SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets"
VNET_TYPE = "Microsoft.Network/virtualNetworks"
GATEWAY_SUBNET = "GatewaySubnet"
TUNNEL_TYPES = ("SSTP", "IkeV2", "OpenVPN")
AUTH_TYPES = ("Certificate", "Radius", "AAD")
MAX_ROOT_CERTS = 20


def vnet_of(subnet_id: str) -> str:
    return subnet_id[: subnet_id.lower().rfind("/subnets/")]


class VirtualNetworkGatewayHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        gid = new["id"]
        gtype = enum(props.get("gatewayType"), ("Vpn", "ExpressRoute", "LocalGateway"), "properties.gatewayType",
                     "VirtualNetworkGatewayType", "Vpn")
        if gtype == "LocalGateway":
            raise bad("InvalidGatewayType", f"Gateway type LocalGateway is not supported for virtual network gateway "
                      f"{gid}: use Vpn or ExpressRoute.")
        assert gtype is not None
        props["gatewayType"] = gtype
        old_props = (old or {}).get("properties") or {}
        if old is not None and old_props.get("gatewayType") not in (None, gtype):
            raise bad("VirtualNetworkGatewayTypeCannotBeChanged",
                      f"The gateway type of virtual network gateway {gid} cannot be changed from "
                      f"{old_props.get('gatewayType')} to {gtype}.")
        sku = self._sku(props, gid, gtype)
        vpn_type = enum(props.get("vpnType"), ("RouteBased", "PolicyBased"), "properties.vpnType", "VpnType",
                        "RouteBased")
        if gtype == "Vpn":
            props["vpnType"] = vpn_type
            if vpn_type == "PolicyBased" and sku.name != "Basic":
                raise bad("PolicyBasedGatewayRequiresBasicSku",
                          f"Policy-based virtual network gateway {gid} must use the Basic SKU; SKU {sku.name} is "
                          "route-based only.")
            if old is not None and old_props.get("vpnType") not in (None, vpn_type):
                raise bad("VpnTypeCannotBeChanged",
                          f"The VPN type of virtual network gateway {gid} cannot be changed; delete and recreate it.")
        else:
            props.pop("vpnType", None)
        self._generation(props, gid, sku)
        active = boolean(props.get("activeActive"), "properties.activeActive", False)
        props["activeActive"] = active
        if active and not sku.active_active:
            raise bad("ActiveActiveNotSupportedOnSku",
                      f"Active-active mode is not supported on SKU {sku.name} of virtual network gateway {gid}.")
        enable_bgp = boolean(props.get("enableBgp"), "properties.enableBgp", False)
        props["enableBgp"] = enable_bgp
        if enable_bgp and sku.name == "Basic":
            raise bad("BasicSkuVirtualNetworkGatewayDoesNotSupportBgp",
                      "A virtual network gateway SKU of Standard or higher is required for BGP support on virtual "
                      f"network gateway {gid}")
        if enable_bgp and vpn_type == "PolicyBased" and gtype == "Vpn":
            raise bad("PolicyBasedGatewayDoesNotSupportBgp",
                      f"Policy-based virtual network gateway {gid} does not support BGP.")
        translate = boolean(props.get("enableBgpRouteTranslationForNat"), "properties.enableBgpRouteTranslationForNat",
                            False)
        if gtype == "Vpn":
            props["enableBgpRouteTranslationForNat"] = translate
        else:
            props.pop("enableBgpRouteTranslationForNat", None)
        subnet = self._ip_configurations(ctx, new, sku, active)
        self._one_per_vnet(ctx, new, subnet, gtype)
        self._bgp_settings(ctx, new, sku, subnet)
        self._vpn_client(ctx, new, sku, vpn_type, subnet)

    def _sku(self, props: dict[str, Any], gid: str, gtype: str, new: dict[str, Any] | None = None) -> skus.Sku:
        raw = props.get("sku")
        if not isinstance(raw, dict) or not raw.get("name"):
            if raw is not None and not isinstance(raw, dict):
                raise cannot_parse("properties.sku", raw, "VirtualNetworkGatewaySku")
            raise bad("VirtualNetworkGatewaySkuRequired", f"Virtual network gateway {gid} needs properties.sku.name.")
        name = raw.get("name")
        sku = skus.SKUS.get(str(name).lower()) if isinstance(name, str) else None
        if sku is None or sku.gateway_type != gtype:
            raise bad("InvalidGatewaySku",
                      f"Virtual network gateway Sku specified is not valid for gateway {gid} with gateway type "
                      f"{gtype}. The allowed Skus are {','.join(skus.allowed(gtype))}.")
        tier = raw.get("tier")
        if tier is not None and (not isinstance(tier, str) or tier.lower() != sku.name.lower()):
            raise bad("InvalidGatewaySkuTier",
                      f"The SKU tier {tier} of virtual network gateway {gid} must match the SKU name {sku.name}.")
        props["sku"] = {"name": sku.name, "tier": sku.name, "capacity": 2}
        return sku

    def _generation(self, props: dict[str, Any], gid: str, sku: skus.Sku) -> None:
        gen = enum(props.get("vpnGatewayGeneration"), ("None", "Generation1", "Generation2"),
                   "properties.vpnGatewayGeneration", "VpnGatewayGeneration")
        if sku.gateway_type == "ExpressRoute":
            props["vpnGatewayGeneration"] = "None"
            return
        if gen in (None, "None"):
            gen = skus.default_generation(sku)
        if gen not in sku.generations:
            raise bad("InvalidGatewaySkuForGeneration",
                      f"SKU {sku.name} of virtual network gateway {gid} is not available in {gen}; it comes in "
                      f"{', '.join(sku.generations)}.")
        props["vpnGatewayGeneration"] = gen

    def _ip_configurations(self, ctx: Ctx, new: dict[str, Any], sku: skus.Sku, active: bool) -> dict[str, Any]:
        props = new["properties"]
        gid = new["id"]
        items = props.get("ipConfigurations")
        if items is not None and not isinstance(items, list):
            raise cannot_parse("properties.ipConfigurations", items, "VirtualNetworkGatewayIPConfiguration[]")
        items = items or []
        want = 2 if active else 1
        has_p2s = bool(props.get("vpnClientConfiguration"))
        allowed = (2, 3) if active and has_p2s else (want,)
        if len(items) not in allowed:
            if active:
                raise bad("ActiveActiveGatewayRequiresTwoIpConfigurations",
                          f"Active-active virtual network gateway {gid} needs two IP configurations, each with its "
                          f"own public IP address; it has {len(items)}.")
            raise bad("VirtualNetworkGatewayMustHaveOneIpConfiguration",
                      f"Virtual network gateway {gid} needs exactly one IP configuration (two for active-active); "
                      f"it has {len(items)}.")
        subnet_id: str | None = None
        subnet_body: dict[str, Any] = {}
        seen_pips: set[str] = set()
        names: set[str] = set()
        out = []
        for i, item in enumerate(items):
            path = f"properties.ipConfigurations[{i}]"
            if not isinstance(item, dict):
                raise cannot_parse(path, item, "VirtualNetworkGatewayIPConfiguration")
            cname = item.get("name") or f"ipconfig{i + 1}"
            if not isinstance(cname, str) or cname.lower() in names:
                raise bad("DuplicateResourceName", f"Virtual network gateway {gid} has two IP configurations named "
                          f"{cname}.")
            names.add(cname.lower())
            p = item.get("properties") or {}
            if not isinstance(p, dict):
                raise cannot_parse(f"{path}.properties", p, "VirtualNetworkGatewayIPConfigurationPropertiesFormat")
            sub = ref_id(p.get("subnet"), f"{path}.properties.subnet")
            if sub is None:
                raise bad("SubnetReferenceRequiredForGatewayIpConfiguration",
                          f"Subnet reference is required for ipconfiguration {cname} of virtual network gateway {gid}.")
            sbody = resolve(ctx, sub, gid, SUBNET_TYPE, new["location"])
            if sub.rstrip("/").rsplit("/", 1)[-1].lower() != GATEWAY_SUBNET.lower():
                raise bad("GatewayIpConfigurationSubnetMustBeGatewaySubnet",
                          f"IP configuration {cname} of virtual network gateway {gid} references subnet {sub}; a "
                          "virtual network gateway must be deployed in the subnet named GatewaySubnet.")
            srec = ctx.record(sub)
            sid = srec.id if srec else sub
            if subnet_id is not None and normalize(sid) != normalize(subnet_id):
                raise bad("GatewayIpConfigurationsMustShareGatewaySubnet",
                          f"All IP configurations of virtual network gateway {gid} must be in the same GatewaySubnet.")
            subnet_id, subnet_body = sid, sbody
            pip = ref_id(p.get("publicIPAddress"), f"{path}.properties.publicIPAddress")
            cfg: dict[str, Any] = {"privateIPAllocationMethod": "Dynamic", "subnet": {"id": sid},
                                   "provisioningState": "Succeeded"}
            if pip is None:
                raise bad("PublicIpAddressRequiredForGatewayIpConfiguration",
                          f"IP configuration {cname} of virtual network gateway {gid} needs a public IP address.")
            if normalize(pip) in seen_pips:
                raise bad("PublicIPAddressInUse", f"Virtual network gateway {gid} uses public IP address {pip} in two "
                          "IP configurations: each IP configuration needs its own public IP address.")
            seen_pips.add(normalize(pip))
            pbody = pips.check_usable(ctx, pip, gid, new["location"], f"{gid}/ipConfigurations/{cname}")
            psku = (pbody.get("sku") or {}).get("name") or "Basic"
            pp = pbody.get("properties") or {}
            if pp.get("publicIPAddressVersion", "IPv4") != "IPv4":
                raise bad("VirtualNetworkGatewayPublicIpMustBeIPv4",
                          f"Public IP address {pip} of virtual network gateway {gid} must be an IPv4 address.")
            if sku.zone_redundant and (psku != "Standard" or pp.get("publicIPAllocationMethod") != "Static"):
                raise bad("AzSkuGatewayRequiresStandardStaticPublicIp",
                          f"Virtual network gateway {gid} with zone-redundant SKU {sku.name} needs Standard SKU, "
                          f"static public IP addresses; {pip} is {psku}.")
            if sku.gateway_type == "Vpn" and sku.name != "Basic" and psku != "Standard":
                raise bad("BasicPublicIpNotSupportedOnVpnGateway",
                          f"Public IP address {pip} with basic SKU is not allowed on VPN gateway {gid} with SKU "
                          f"{sku.name}: use a Standard SKU public IP address.")
            prec = ctx.record(pip)
            cfg["publicIPAddress"] = {"id": prec.id if prec else pip}
            out.append({"name": cname, "id": f"{gid}/ipConfigurations/{cname}", "properties": cfg})
        props["ipConfigurations"] = out
        assert subnet_id is not None
        return {"id": subnet_id, "body": subnet_body}

    def _one_per_vnet(self, ctx: Ctx, new: dict[str, Any], subnet: dict[str, Any], gtype: str) -> None:
        own = normalize(new["id"])
        for rec in ctx.referrers(subnet["id"]):
            if rec.type.lower() != TYPE.lower() or rec.key == own:
                continue
            if (rec.body.get("properties") or {}).get("gatewayType") == gtype:
                raise bad("VirtualNetworkAlreadyHasGatewayOfType",
                          f"Virtual network {vnet_of(subnet['id'])} already has {gtype} gateway {rec.id}; a virtual "
                          f"network can have one gateway of each type.")
        vnet = vnet_of(subnet["id"])
        for rec in ctx.txn.children(normalize(vnet), typenames.PEERING):
            if (rec.body.get("properties") or {}).get("useRemoteGateways") is True:
                # Azure: useRemoteGateways "cannot be set if virtual network already has a gateway"; the other
                # order is refused too (inferred code)
                raise bad("VirtualNetworkPeeringUsesRemoteGateways",
                          f"Virtual network gateway {new['id']} cannot be created in virtual network {vnet}: its "
                          f"peering {rec.id} uses the remote virtual network's gateways (useRemoteGateways). "
                          "Turn the flag off first.")

    def _bgp_settings(self, ctx: Ctx, new: dict[str, Any], sku: skus.Sku, subnet: dict[str, Any]) -> None:
        props = new["properties"]
        gid = new["id"]
        raw = props.get("bgpSettings")
        if raw is not None and not isinstance(raw, dict):
            raise cannot_parse("properties.bgpSettings", raw, "BgpSettings")
        if not sku.bgp:
            if raw and (raw.get("asn") not in (None, bgp.GATEWAY_DEFAULT_ASN) or raw.get("bgpPeeringAddresses")):
                raise bad("BasicSkuVirtualNetworkGatewayDoesNotSupportBgp",
                          "A virtual network gateway SKU of Standard or higher is required for BGP support on virtual "
                          f"network gateway {gid}")
            props.pop("bgpSettings", None)
            return
        raw = dict(raw or {})
        asn = bgp.check_asn(raw.get("asn"), "properties.bgpSettings.asn", f"virtual network gateway {gid}",
                            on_premises=False) or bgp.GATEWAY_DEFAULT_ASN
        if sku.gateway_type == "ExpressRoute" and asn != bgp.GATEWAY_DEFAULT_ASN:
            raise bad("ExpressRouteGatewayAsnCannotBeChanged",
                      f"The ASN of ExpressRoute gateway {gid} is {bgp.GATEWAY_DEFAULT_ASN} and cannot be changed.")
        weight = raw.get("peerWeight", 0)
        if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= 100:
            raise bad("InvalidBgpPeerWeight", f"peerWeight {weight!r} of virtual network gateway {gid} must be 0-100.")
        nets = [n for n in subnet_prefixes(subnet["body"]) if n.version == 4]
        defaults = default_bgp_addresses(nets, len(props["ipConfigurations"]))
        custom_by_cfg: dict[str, list[str]] = {}
        given = raw.get("bgpPeeringAddresses") or []
        if not isinstance(given, list):
            raise cannot_parse("properties.bgpSettings.bgpPeeringAddresses", given, "IPConfigurationBgpPeeringAddress[]")
        cfg_ids = {normalize(c["id"]): c["id"] for c in props["ipConfigurations"]}
        for i, item in enumerate(given):
            path = f"properties.bgpSettings.bgpPeeringAddresses[{i}]"
            if not isinstance(item, dict):
                raise cannot_parse(path, item, "IPConfigurationBgpPeeringAddress")
            cid = item.get("ipconfigurationId")
            if not isinstance(cid, str) or normalize(cid) not in cfg_ids:
                raise bad("InvalidBgpPeeringAddressIpConfiguration",
                          f"{path}.ipconfigurationId {cid!r} is not an IP configuration of virtual network gateway "
                          f"{gid}.")
            custom = item.get("customBgpIpAddresses") or []
            if not isinstance(custom, list):
                raise cannot_parse(f"{path}.customBgpIpAddresses", custom, "System.String[]")
            custom_by_cfg[normalize(cid)] = [bgp.check_apipa(a, f"{path}.customBgpIpAddresses", f"gateway {gid}")
                                             for a in custom]
        peering = []
        for i, cfg in enumerate(props["ipConfigurations"]):
            pip_body = ctx.body(cfg["properties"]["publicIPAddress"]["id"]) or {}
            tunnel_ip = (pip_body.get("properties") or {}).get("ipAddress")
            peering.append({"ipconfigurationId": cfg["id"], "defaultBgpIpAddresses": [defaults[i]],
                            "customBgpIpAddresses": custom_by_cfg.get(normalize(cfg["id"]), []),
                            "tunnelIpAddresses": [tunnel_ip] if tunnel_ip else []})
        props["bgpSettings"] = {"asn": asn, "bgpPeeringAddress": ",".join(defaults), "peerWeight": weight,
                                "bgpPeeringAddresses": peering}
        custom = custom_bgp.gateway_custom(new)
        custom_bgp.check_unique(custom, f"virtual network gateway {gid}")
        custom_bgp.check_in_use(ctx, gid, custom, custom_bgp.vnet_gateway_users(ctx, gid))

    def _vpn_client(self, ctx: Ctx, new: dict[str, Any], sku: skus.Sku, vpn_type: str | None,
                    subnet: dict[str, Any]) -> None:
        props = new["properties"]
        gid = new["id"]
        raw = props.get("vpnClientConfiguration")
        if raw is None:
            return
        if not isinstance(raw, dict):
            raise cannot_parse("properties.vpnClientConfiguration", raw, "VpnClientConfiguration")
        if sku.gateway_type != "Vpn" or vpn_type != "RouteBased":
            raise bad("PointToSiteNotSupportedOnGateway",
                      f"Point-to-site configuration needs a route-based VPN gateway; {gid} is not one.")
        pool = ((raw.get("vpnClientAddressPool") or {}).get("addressPrefixes")) or []
        if not isinstance(pool, list) or not pool:
            raise bad("VpnClientAddressPoolRequired",
                      f"Point-to-site configuration of virtual network gateway {gid} needs an address pool.")
        vnet_body = ctx.body(vnet_of(subnet["id"])) or {}
        space = [ipaddress.ip_network(p, strict=False) for p in
                 ((vnet_body.get("properties") or {}).get("addressSpace") or {}).get("addressPrefixes") or []]
        for p in pool:
            try:
                net = ipaddress.ip_network(str(p), strict=False)
            except ValueError:
                raise bad("InvalidVpnClientAddressPool", f"Address pool prefix {p!r} of virtual network gateway "
                          f"{gid} is not a valid CIDR prefix.") from None
            if any(net.version == s.version and net.overlaps(s) for s in space):
                raise bad("VpnClientAddressPoolOverlapsVirtualNetwork",
                          f"Point-to-site address pool {net} of virtual network gateway {gid} overlaps the address "
                          "space of its virtual network.")
        tunnels = [enum(t, TUNNEL_TYPES, "properties.vpnClientConfiguration.vpnClientProtocols",
                        "VpnClientProtocol") for t in raw.get("vpnClientProtocols") or []]
        auths = [enum(a, AUTH_TYPES, "properties.vpnAuthenticationTypes", "VpnAuthenticationType")
                 for a in raw.get("vpnAuthenticationTypes") or []]
        if not tunnels:
            tunnels = ["SSTP"] if sku.name == "Basic" else ["SSTP", "IkeV2"]
        if sku.name == "Basic" and set(tunnels) - {"SSTP"}:
            raise bad("VpnClientProtocolNotSupportedOnBasicSku",
                      f"The Basic SKU of virtual network gateway {gid} supports only the SSTP tunnel type.")
        if "OpenVPN" in tunnels and "SSTP" in tunnels:
            raise bad("OpenVpnAndSstpCannotBeCombined",
                      f"Virtual network gateway {gid} cannot use OpenVPN and SSTP together.")
        if sku.name == "Basic" and set(auths) - {"Certificate"}:
            raise bad("VpnAuthenticationTypeNotSupportedOnBasicSku",
                      f"The Basic SKU of virtual network gateway {gid} supports only certificate authentication.")
        if "AAD" in auths and tunnels != ["OpenVPN"]:
            raise bad("AadAuthenticationRequiresOpenVpn",
                      f"Microsoft Entra ID (AAD) authentication on virtual network gateway {gid} needs the OpenVPN "
                      "tunnel type only.")
        if "AAD" in auths and not all(raw.get(k) for k in ("aadTenant", "aadAudience", "aadIssuer")):
            raise bad("AadAuthenticationSettingsRequired",
                      f"AAD authentication on virtual network gateway {gid} needs aadTenant, aadAudience and aadIssuer.")
        if "Radius" in auths and not (raw.get("radiusServerAddress") or raw.get("radiusServers")):
            raise bad("RadiusServerRequired",
                      f"RADIUS authentication on virtual network gateway {gid} needs a RADIUS server address.")
        certs = raw.get("vpnClientRootCertificates") or []
        if not isinstance(certs, list):
            raise cannot_parse("properties.vpnClientConfiguration.vpnClientRootCertificates", certs,
                               "VpnClientRootCertificate[]")
        if len(certs) > MAX_ROOT_CERTS:
            raise bad("TooManyVpnClientRootCertificates",
                      f"Virtual network gateway {gid} has {len(certs)} root certificates; at most {MAX_ROOT_CERTS}.")
        out_certs = []
        for i, c in enumerate(certs):
            name = c.get("name") if isinstance(c, dict) else None
            data = ((c.get("properties") or {}).get("publicCertData") if isinstance(c, dict) else None)
            if not isinstance(name, str) or not name or not isinstance(data, str) or load_cert(data) is None:
                raise bad("InvalidVpnClientRootCertificate",
                          f"Root certificate {i} ({name}) of virtual network gateway {gid} is not a valid base64 "
                          "X.509 certificate.")
            out_certs.append({"name": name, "id": f"{gid}/vpnClientRootCertificates/{name}",
                              "properties": {"publicCertData": "".join(data.split()),
                                             "provisioningState": "Succeeded"}})
        raw["vpnClientRootCertificates"] = out_certs
        raw["vpnClientRevokedCertificates"] = raw.get("vpnClientRevokedCertificates") or []
        raw["vpnClientProtocols"] = tunnels
        if auths:
            raw["vpnAuthenticationTypes"] = auths
        props["vpnClientConfiguration"] = raw

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        old_props = (old or {}).get("properties") or {}
        props["resourceGuid"] = old_props.get("resourceGuid") or str(uuid.uuid4())
        props.setdefault("enablePrivateIpAddress", False)
        props.setdefault("disableIPSecReplayProtection", False)

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        for cfg in new["properties"].get("ipConfigurations") or []:
            pips.attach(ctx, cfg["properties"]["publicIPAddress"]["id"])

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        own = normalize(body["id"])
        for rec in ctx.referrers(body["id"]):
            if rec.type.lower() == CONN_TYPE.lower():
                raise bad("InUseVirtualNetworkGatewayCannotBeDeleted",
                          f"Virtual network gateway {body['id']} cannot be deleted because connection {rec.id} uses "
                          "it. Delete the connection first.")
        ctx.scratch_set("deleting-gateways").add(own)

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        for cfg in (body.get("properties") or {}).get("ipConfigurations") or []:
            pip = ((cfg.get("properties") or {}).get("publicIPAddress") or {}).get("id")
            if pip:
                pips.detach(ctx, pip)


def default_bgp_addresses(nets: list[ipaddress.IPv4Network | ipaddress.IPv6Network], count: int) -> list[str]:
    """Azure's default BGP peering addresses: the last usable addresses of GatewaySubnet, one per instance."""
    if not nets:
        return ["" for _ in range(count)]
    net = nets[0]
    last = int(net.broadcast_address) - 1
    return [str(ipaddress.ip_address(last - i)) for i in range(count)]


def load_cert(data: str) -> x509.Certificate | None:
    """A root certificate as Azure takes it: base64 DER (the portal's form), a PEM block, or the base64
    of a .cer file (what ``az ... --public-cert-data <file>`` sends: PEM or base64 text inside)."""
    text = "".join(data.split())
    if "BEGINCERTIFICATE" in text:
        text = text.replace("-----BEGINCERTIFICATE-----", "").replace("-----ENDCERTIFICATE-----", "")
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        return None
    for attempt in range(2):
        try:
            return x509.load_der_x509_certificate(raw)
        except ValueError:
            pass
        inner = raw.decode("ascii", "replace")
        if "-----BEGIN CERTIFICATE-----" in inner:
            try:
                return x509.load_pem_x509_certificate(raw)
            except ValueError:
                return None
        if attempt == 0:
            try:
                raw = base64.b64decode("".join(inner.split()), validate=True)
            except (ValueError, TypeError):
                return None
    return None


REGISTRY.add(ResourceType(TYPE, since("2015-06-15"), model="VirtualNetworkGateway",
                          hooks=VirtualNetworkGatewayHooks(), names=NameRule(1, 80),
                          # NAT rules (gateway_nat_rules.py) are written inline too (az vnet-gateway nat-rule add);
                          # a PUT without the member keeps them
                          inline_children={"natRules": "Microsoft.Network/virtualNetworkGateways/natRules"},
                          keep_children_when_absent=frozenset({"natRules"})))
