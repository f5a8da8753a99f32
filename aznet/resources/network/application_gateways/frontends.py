"""Application gateway rules for the SKU and capacity, the gateway subnet,
frontend IPs and ports, certificates, TLS settings and listeners."""

from __future__ import annotations

import base64
import ipaddress
from typing import Any

from ....arm.errors import ArmError
from ....arm.ids import normalize
from .. import public_ip_addresses as pips
from .. import subnets as subnet_mod
from ..ref_checks import boolean, cannot_parse, enum, integer, ref_id, resolve
from . import certificates as certs
from . import subnet_nsg
from .catalogue import CIPHER_SUITES, PREDEFINED_POLICIES, PROTOCOLS
from .model import SKU_TIERS, V1_NAMES, V2_NAMES, Gateway, bounded, text

SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets"
GATEWAY_TYPE_KEY = "microsoft.network/applicationgateways"


def check_sku(new: dict[str, Any]) -> tuple[str, str]:
    sku = new["properties"].get("sku")
    if not isinstance(sku, dict):
        raise ArmError(400, "ApplicationGatewaySkuMustBeSpecified" if sku is None else "InvalidRequestFormat",
                       f"Application gateway {new['id']} must specify a SKU (name and tier).", target="properties.sku")
    name = enum(sku.get("name"), (*V1_NAMES, *V2_NAMES), "properties.sku.name", "ApplicationGatewaySkuName")
    tier = enum(sku.get("tier"), tuple(dict.fromkeys(SKU_TIERS.values())), "properties.sku.tier", "ApplicationGatewayTier")
    if name is None or tier is None:
        raise ArmError(400, "ApplicationGatewaySkuMustBeSpecified",
                       f"Application gateway {new['id']} must specify both sku.name and sku.tier.", target="properties.sku")
    if SKU_TIERS[name] != tier:
        raise ArmError(400, "ApplicationGatewaySkuNameInvalidForSkuTier",
                       f"Application Gateway SKU name {name} is not valid for the SKU tier {tier}",
                       target="properties.sku")
    out: dict[str, Any] = {"name": name, "tier": tier}
    if sku.get("family") is not None:
        out["family"] = enum(sku.get("family"), ("Generation_1", "Generation_2"), "properties.sku.family",
                             "ApplicationGatewaySkuFamily")
    if sku.get("capacity") is not None:
        out["capacity"] = integer(sku.get("capacity"), "properties.sku.capacity")
    new["properties"]["sku"] = out
    return name, tier


def check_capacity(gw: Gateway, new: dict[str, Any]) -> None:
    """v1: 1–32 instances, no autoscale. v2: 1–125 instances or autoscale min 0–125, max 2–125 (≥ min)."""
    props = gw.props
    cap = new["properties"]["sku"].get("capacity")
    auto = props.get("autoscaleConfiguration")
    high = 125 if gw.v2 else 32
    if cap is not None and not 1 <= cap <= high:
        raise ArmError(400, "ApplicationGatewayInvalidCapacity",
                       f"Application gateway {gw.id} with SKU {gw.sku_name} has capacity {cap}. Supported range "
                       f"is [1, {high}].", target="properties.sku.capacity")
    if auto is None:
        if cap is None:
            new["properties"]["sku"]["capacity"] = 2 if not gw.v2 else 1
        return
    if not isinstance(auto, dict):
        raise cannot_parse("properties.autoscaleConfiguration", auto, "ApplicationGatewayAutoscaleConfiguration")
    if not gw.v2:
        raise ArmError(400, "ApplicationGatewayAutoscaleNotSupportedForSku",
                       f"Application gateway {gw.id} with SKU {gw.sku_name} does not support autoscale. "
                       "Autoscale is supported by the v2 SKUs.", target="properties.autoscaleConfiguration")
    low = bounded(auto.get("minCapacity"), "properties.autoscaleConfiguration.minCapacity", 0, 125,
                  "ApplicationGatewayAutoscaleInvalidMinCapacity",
                  "Autoscale minimum capacity {value} is invalid. Supported range is [{low}, {high}].")
    top = auto.get("maxCapacity")
    clean = {"minCapacity": low}
    if top is not None:
        top_n = bounded(top, "properties.autoscaleConfiguration.maxCapacity", 2, 125,
                        "ApplicationGatewayAutoscaleInvalidMaxCapacity",
                        "Autoscale maximum capacity {value} is invalid. Supported range is [{low}, {high}].")
        if top_n < low:
            raise ArmError(400, "ApplicationGatewayAutoscaleMinCapacityGreaterThanMax",
                           f"Autoscale minimum capacity {low} of application gateway {gw.id} is greater than its "
                           f"maximum capacity {top_n}.", target="properties.autoscaleConfiguration")
        clean["maxCapacity"] = top_n
    props["autoscaleConfiguration"] = clean


def _subnet_size(subnet: dict[str, Any]) -> int:
    props = subnet.get("properties") or {}
    prefixes = [props["addressPrefix"]] if props.get("addressPrefix") else list(props.get("addressPrefixes") or [])
    total = 0
    for p in prefixes:
        try:
            net = ipaddress.ip_network(p, strict=False)
        except ValueError:
            continue
        if net.version == 4:
            total += net.num_addresses
    return total


def check_gateway_subnet(gw: Gateway) -> str:
    items = gw.items("gatewayIPConfigurations")
    if len(items) != 1:
        raise ArmError(400, "ApplicationGatewayMustHaveOneGatewayIpConfiguration",
                       f"Application gateway {gw.id} must have exactly one gateway IP configuration; it has "
                       f"{len(items)}.", target="properties.gatewayIPConfigurations")
    cfg = items[0]
    cid = gw.item_id("gatewayIPConfigurations", cfg["name"])
    path = "properties.gatewayIPConfigurations[0].properties.subnet"
    sid = ref_id(cfg["properties"].get("subnet"), path)
    if sid is None:
        raise ArmError(400, "ApplicationGatewayIpConfigurationMustReferenceSubnet",
                       f"Subnet reference is required for ipconfiguration {cid}.", target=path)
    subnet = resolve(gw.ctx, sid, gw.id, SUBNET_TYPE, gw.location)
    sid = gw.ctx.record(sid).id  # type: ignore[union-attr]
    sub_name = sid.rsplit("/", 1)[-1]
    if sub_name.lower() in ("gatewaysubnet", "azurefirewallsubnet", "azurebastionsubnet", "routeserversubnet"):
        raise ArmError(400, "ApplicationGatewaySubnetCannotBeReservedSubnet",
                       f"Subnet {sid} is reserved for another service and cannot be used for application "
                       f"gateway {gw.id}.")
    for d in (subnet.get("properties") or {}).get("delegations") or []:
        service = ((d.get("properties") or {}).get("serviceName") or "").lower()
        if service != GATEWAY_TYPE_KEY:
            raise ArmError(400, "InvalidSubnet", f"Subnet '{sub_name}' is delegated to a different service and "
                                                 "can't be used by Application Gateway.")
    for rtype, user in subnet_mod.users(gw.ctx, sid):
        if rtype.lower().startswith("microsoft.resources/"):
            continue        # a deployment whose template names the subnet does not use it
        if rtype.lower() == GATEWAY_TYPE_KEY:
            if normalize(user).startswith(normalize(gw.id) + "/") or normalize(user) == normalize(gw.id):
                continue
            other = gw.ctx.body(user.split("/gatewayIPConfigurations/")[0].split("/frontendIPConfigurations/")[0])
            other_v2 = (((other or {}).get("properties") or {}).get("sku") or {}).get("name") in V2_NAMES
            if other is not None and other_v2 != gw.v2:
                raise ArmError(400, "ApplicationGatewaySubnetCannotHaveMixedSkus",
                               f"Subnet {sid} has application gateways of both the v1 and v2 SKUs. An application "
                               f"gateway subnet can only hold gateways of one SKU generation.")
            continue
        raise ArmError(400, "ApplicationGatewaySubnetCannotHaveOtherResourceTypes",
                       f"Subnet {sid} cannot be used for application gateway {gw.id} since it has other "
                       f"resources deployed ({user}). An application gateway subnet may contain only "
                       "application gateways.")
    need = 5 + (integer((gw.props.get("autoscaleConfiguration") or {}).get("maxCapacity"), "") or 0)
    if need == 5:
        need += 1 if gw.v2 else 0
    size = _subnet_size(subnet)
    if size and size < need + 1:
        raise ArmError(400, "SubnetTooSmall",
                       f"Subnet {sid} has {size} addresses, too few for application gateway {gw.id}: Azure "
                       f"reserves 5 addresses and the gateway needs one per instance.")
    if gw.v2:
        subnet_nsg.check(gw.ctx, gw.id, sid, subnet)
    cfg["properties"] = {"subnet": {"id": sid}}
    return sid


def check_frontends(gw: Gateway, gateway_subnet: str) -> None:
    public = private = 0
    for j, fe in enumerate(gw.items("frontendIPConfigurations")):
        fid = gw.item_id("frontendIPConfigurations", fe["name"])
        path = f"properties.frontendIPConfigurations[{j}].properties"
        fp = fe["properties"]
        pip = ref_id(fp.get("publicIPAddress"), f"{path}.publicIPAddress")
        sub = ref_id(fp.get("subnet"), f"{path}.subnet")
        if pip is None and sub is None:
            raise ArmError(400, "ApplicationGatewayFrontendIpBothPublicIpAddressAndSubnetCannotBeNull",
                           f"FrontendIpConfiguration {fid} cannot have both subnet and publicIp as null. Either "
                           "publicIp or subnet should be specified.", target=path)
        if pip is not None and sub is not None:
            raise ArmError(400, "ApplicationGatewayFrontendIpBothPublicIpAddressAndSubnetSpecified",
                           f"FrontendIpConfiguration {fid} cannot have both a subnet and a public IP address.",
                           target=path)
        if pip is not None:
            public += 1
            body = pips.check_usable(gw.ctx, pip, gw.id, gw.location, fid)
            pip_sku = (body.get("sku") or {}).get("name", "Basic")
            want = "Standard" if gw.v2 else "Basic"
            if (pip_sku == "Basic") != (want == "Basic"):
                raise ArmError(400, "ApplicationGatewayInvalidPublicIpSku",
                               f"Application gateway {gw.id} with SKU {gw.tier} can only reference public ip "
                               f"with {want} SKU.")
            method = (body.get("properties") or {}).get("publicIPAllocationMethod")
            if gw.v2 and method != "Static":
                raise ArmError(400, "ApplicationGatewayV2SkuPublicIpMustBeStatic",
                               f"Application gateway {gw.id} with SKU {gw.tier} can only reference a public IP "
                               "address with Static allocation.")
            fe["properties"] = {"publicIPAddress": {"id": gw.ctx.record(pip).id}}  # type: ignore[union-attr]
            link = ref_id(fp.get("privateLinkConfiguration"), f"{path}.privateLinkConfiguration")
            if link is not None:
                fe["properties"]["privateLinkConfiguration"] = {"id": link}
            continue
        private += 1
        if normalize(sub or "") != normalize(gateway_subnet):
            raise ArmError(400, "ApplicationGatewayFrontendIpSubnetMustBeGatewaySubnet",
                           f"FrontendIpConfiguration {fid} must use the subnet of the application gateway "
                           f"({gateway_subnet}).", target=f"{path}.subnet")
        method = enum(fp.get("privateIPAllocationMethod"), ("Static", "Dynamic"), f"{path}.privateIPAllocationMethod",
                      "IPAllocationMethod", "Static" if fp.get("privateIPAddress") else "Dynamic")
        if gw.v2 and method != "Static":
            raise ArmError(400, "ApplicationGatewayFrontendIpPrivateIpAddressInvalidAllocationType",
                           f"FrontendIpConfiguration {fid} of Application Gateway with SKU tier {gw.tier} can only "
                           "use PrivateIPAddress with IpAllocationMethod as Static.")
        ip = fp.get("privateIPAddress")
        if method == "Static":
            try:
                ipaddress.IPv4Address(ip if isinstance(ip, str) else "")
            except ValueError:
                raise ArmError(400, "InvalidPrivateIPAddressFormat",
                               f"Private IP address {ip!r} of frontend {fid} is not a valid IPv4 address.",
                               target=f"{path}.privateIPAddress") from None
        fe["properties"] = {"subnet": {"id": gateway_subnet}, "privateIPAllocationMethod": method,
                            **({"privateIPAddress": ip} if method == "Static" else {})}
        link = ref_id(fp.get("privateLinkConfiguration"), f"{path}.privateLinkConfiguration")
        if link is not None:
            fe["properties"]["privateLinkConfiguration"] = {"id": link}
    if public > 1 or private > 1:
        raise ArmError(400, "ApplicationGatewayFrontendIpConfigurationLimitReached",
                       f"Application gateway {gw.id} can have at most one public and one private frontend IP "
                       "configuration.", target="properties.frontendIPConfigurations")
    if gw.v2 and private and not public:
        raise ArmError(400, "ApplicationGatewayPrivateOnlyFrontendNotSupported",
                       f"{gw.id} does not support Application Gateway without Public IP for the selected SKU tier "
                       f"{gw.tier}. Supported SKU tiers are Standard,WAF.")
    for j, fe in enumerate(gw.items("frontendIPConfigurations")):
        link = (fe["properties"].get("privateLinkConfiguration") or {}).get("id")
        if link:
            gw.own({"id": link}, f"properties.frontendIPConfigurations[{j}].properties.privateLinkConfiguration",
                   "privateLinkConfigurations", gw.item_id("frontendIPConfigurations", fe["name"]))


def check_ports(gw: Gateway) -> None:
    high = 65199 if gw.v2 else 65502
    seen: dict[int, str] = {}
    for j, item in enumerate(gw.items("frontendPorts")):
        pid = gw.item_id("frontendPorts", item["name"])
        path = f"properties.frontendPorts[{j}].properties.port"
        port = integer(item["properties"].get("port"), path)
        if port is None or not 1 <= port <= high:
            raise ArmError(400, "ApplicationGatewayFrontendPortInvalidPortNumber",
                           f"Port specified for FrontendPort {pid} is not valid. Supported range is [1, {high}].",
                           target=path)
        if port in seen:
            raise ArmError(400, "ApplicationGatewayFrontendPortsUsingSamePort",
                           f"FrontendPorts {seen[port]} and {pid} of application gateway {gw.id} use the same "
                           f"port {port}.")
        seen[port] = pid
        item["properties"] = {"port": port}


def check_certificates(gw: Gateway, old: dict[str, Any] | None, private: dict[str, Any]) -> None:
    """sslCertificates: PFX parsed and password checked (data and password move to the private record; a
    PUT without data keeps what the certificate had); or a Key Vault secret id. Trusted roots / clients: CER."""
    kept = {k.lower(): v for k, v in (private.get("pfx") or {}).items()}
    pfx: dict[str, Any] = {}
    for j, item in enumerate(gw.items("sslCertificates")):
        cid = gw.item_id("sslCertificates", item["name"])
        path = f"properties.sslCertificates[{j}].properties"
        cp = item["properties"]
        data = text(cp.get("data"), f"{path}.data", 200_000)
        password = text(cp.get("password"), f"{path}.password", 256)
        vault = text(cp.get("keyVaultSecretId"), f"{path}.keyVaultSecretId")
        clean: dict[str, Any] = {}
        if data:
            try:
                parsed = certs.parse_pfx(cid, data, password, f"{path}.data")
            except ArmError as err:
                if err.code == "ApplicationGatewaySslCertificateInvalidPassword":
                    raise ArmError(400, "ApplicationGatewaySslCertificatePasswordIncorrect",
                                   f"Password specified for certificate {cid} is incorrect.",
                                   target=f"{path}.password") from None
                raise
            pfx[item["name"]] = {"data": data.strip(), "password": password or ""}
            clean["publicCertData"] = parsed.public_cert_data
        elif vault:
            if not vault.lower().startswith("https://") or "/secrets/" not in vault.lower():
                raise ArmError(400, "ApplicationGatewayKeyVaultSecretIdInvalid",
                               f"KeyVault secret id {vault} of certificate {cid} is not a valid Key Vault secret "
                               "URI (https://<vault>.vault.azure.net/secrets/<name>[/<version>]).",
                               target=f"{path}.keyVaultSecretId")
            if not gw.user_identity:
                raise ArmError(400, "ApplicationGatewayKeyVaultSecretRequiresIdentity",
                               f"Certificate {cid} references a Key Vault secret, which needs a user-assigned "
                               f"managed identity on application gateway {gw.id}.")
            clean["keyVaultSecretId"] = vault
            public = key_vault_certificate(gw, cid, vault)
            if public:
                clean["publicCertData"] = public
        elif item["name"].lower() in kept:
            pfx[item["name"]] = kept[item["name"].lower()]
            prev = next((c for c in ((old or {}).get("properties") or {}).get("sslCertificates") or []
                         if c["name"].lower() == item["name"].lower()), None)
            if prev and (prev.get("properties") or {}).get("publicCertData"):
                clean["publicCertData"] = prev["properties"]["publicCertData"]
        else:
            prev = next((c for c in ((old or {}).get("properties") or {}).get("sslCertificates") or []
                         if c["name"].lower() == item["name"].lower()), None)
            if prev and (prev.get("properties") or {}).get("keyVaultSecretId"):
                clean["keyVaultSecretId"] = prev["properties"]["keyVaultSecretId"]
            else:
                raise ArmError(400, "ApplicationGatewaySslCertificateDataMustBeSpecified",
                               f"Data must be specified for Certificate {cid}.", target=f"{path}.data")
        item["properties"] = clean
    private["pfx"] = pfx
    for kind in ("trustedRootCertificates", "trustedClientCertificates", "authenticationCertificates"):
        items = gw.items(kind)
        if kind == "trustedClientCertificates" and items and not gw.v2:
            raise ArmError(400, "ApplicationGatewayTrustedClientCertificateNotSupportedForSku",
                           f"Trusted client certificates (mutual authentication) need a v2 SKU; application "
                           f"gateway {gw.id} has {gw.sku_name}.")
        for j, item in enumerate(items):
            cid = gw.item_id(kind, item["name"])
            path = f"properties.{kind}[{j}].properties"
            cp = item["properties"]
            data = text(cp.get("data"), f"{path}.data", 200_000)
            vault = text(cp.get("keyVaultSecretId"), f"{path}.keyVaultSecretId")
            if not data and not vault:
                raise ArmError(400, "ApplicationGatewayCertificateDataMustBeSpecified",
                               f"Data must be specified for Certificate {cid}.", target=f"{path}.data")
            clean = {}
            if data:
                cert = certs.parse_cer(cid, data, f"{path}.data")
                clean["data"] = data.strip()
                if kind == "trustedClientCertificates":
                    clean["clientCertIssuerDN"] = cert.issuer.rfc4514_string()
                    clean["validatedCertData"] = data.strip()
            if vault:
                clean["keyVaultSecretId"] = vault
            item["properties"] = clean


def key_vault_certificate(gw: Gateway, cid: str, uri: str) -> str | None:
    """Read the certificate a Key Vault secret holds, as the gateway does at PUT (through aznet's Key Vault):
    publicCertData, or Azure's ApplicationGatewayKeyVaultSecretException when it cannot be read."""
    if gw.ctx.platform.registry.get("Microsoft.KeyVault/vaults/secrets") is None:
        return None
    from ....contracts.vault_secrets import resolve_secret_uri

    try:
        raw = resolve_secret_uri(gw.ctx, uri)
        parsed = certs.parse_pfx(cid, base64.b64encode(raw).decode(), None, "keyVaultSecretId")
    except (LookupError, ArmError) as exc:
        detail = exc.message if isinstance(exc, ArmError) else str(exc)
        raise ArmError(400, "ApplicationGatewayKeyVaultSecretException",
                       f"Problem occured while accessing and validating KeyVault Secrets associated with Application "
                       f"Gateway '{gw.id}'. See details below: SecretId '{uri}' of certificate {cid}: {detail}") \
            from None
    return parsed.public_cert_data


def check_ssl_policy(node: Any, path: str) -> dict[str, Any] | None:
    if node is None:
        return None
    if not isinstance(node, dict):
        raise cannot_parse(path, node, "ApplicationGatewaySslPolicy")
    ptype = enum(node.get("policyType"), ("Predefined", "Custom", "CustomV2"), f"{path}.policyType",
                 "ApplicationGatewaySslPolicyType")
    name = node.get("policyName")
    disabled = node.get("disabledSslProtocols")
    out: dict[str, Any] = {}
    if disabled is not None:
        if not isinstance(disabled, list):
            raise cannot_parse(f"{path}.disabledSslProtocols", disabled, "ApplicationGatewaySslProtocol[]")
        out["disabledSslProtocols"] = [enum(p, PROTOCOLS, f"{path}.disabledSslProtocols[{i}]",
                                            "ApplicationGatewaySslProtocol") for i, p in enumerate(disabled)]
    if ptype is None and name is not None:
        ptype = "Predefined"
    if ptype == "Predefined":
        canon = enum(name, tuple(PREDEFINED_POLICIES), f"{path}.policyName", "ApplicationGatewaySslPolicyName")
        if canon is None:
            raise ArmError(400, "ApplicationGatewaySslPolicyNameMustBeSpecified",
                           "A Predefined SSL policy must name one of the predefined policies.",
                           target=f"{path}.policyName")
        out.update({"policyType": "Predefined", "policyName": canon})
        return out
    if ptype in ("Custom", "CustomV2"):
        if name is not None:
            raise ArmError(400, "ApplicationGatewaySslPolicyNameNotAllowedForCustomPolicy",
                           f"A {ptype} SSL policy cannot name a predefined policy.", target=f"{path}.policyName")
        minimum = enum(node.get("minProtocolVersion"), PROTOCOLS, f"{path}.minProtocolVersion",
                       "ApplicationGatewaySslProtocol", "TLSv1_2" if ptype == "CustomV2" else "TLSv1_0")
        if ptype == "CustomV2" and minimum in ("TLSv1_0", "TLSv1_1"):
            raise ArmError(400, "ApplicationGatewaySslPolicyMinProtocolVersionNotSupported",
                           f"A CustomV2 SSL policy supports TLSv1_2 and TLSv1_3 as minimum protocol version, not "
                           f"{minimum}.", target=f"{path}.minProtocolVersion")
        suites = node.get("cipherSuites") or []
        if not isinstance(suites, list):
            raise cannot_parse(f"{path}.cipherSuites", suites, "ApplicationGatewaySslCipherSuite[]")
        canon_suites = [enum(s, CIPHER_SUITES, f"{path}.cipherSuites[{i}]", "ApplicationGatewaySslCipherSuite")
                        for i, s in enumerate(suites)]
        if minimum != "TLSv1_3" and not canon_suites:
            raise ArmError(400, "ApplicationGatewaySslPolicyCipherSuitesMustBeSpecified",
                           f"A {ptype} SSL policy with minimum protocol {minimum} must list its cipher suites.",
                           target=f"{path}.cipherSuites")
        out.update({"policyType": ptype, "minProtocolVersion": minimum, "cipherSuites": canon_suites})
        return out
    return out or None


def check_ssl_profiles(gw: Gateway) -> None:
    for j, item in enumerate(gw.items("sslProfiles")):
        sid = gw.item_id("sslProfiles", item["name"])
        path = f"properties.sslProfiles[{j}].properties"
        sp = item["properties"]
        clean: dict[str, Any] = {}
        trusted = gw.own_list(sp.get("trustedClientCertificates"), f"{path}.trustedClientCertificates",
                              "trustedClientCertificates", sid)
        if trusted:
            clean["trustedClientCertificates"] = trusted
        policy = check_ssl_policy(sp.get("sslPolicy"), f"{path}.sslPolicy")
        if policy:
            clean["sslPolicy"] = policy
        auth = sp.get("clientAuthConfiguration")
        if auth is not None:
            if not isinstance(auth, dict):
                raise cannot_parse(f"{path}.clientAuthConfiguration", auth, "ApplicationGatewayClientAuthConfiguration")
            clean["clientAuthConfiguration"] = {
                "verifyClientCertIssuerDN": boolean(auth.get("verifyClientCertIssuerDN"),
                                                    f"{path}.clientAuthConfiguration.verifyClientCertIssuerDN", False),
                "verifyClientRevocation": enum(auth.get("verifyClientRevocation"), ("None", "OCSP"),
                                               f"{path}.clientAuthConfiguration.verifyClientRevocation",
                                               "ApplicationGatewayClientRevocationOptions", "None"),
            }
            mode = auth.get("verifyClientAuthMode")
            if mode is not None:
                clean["clientAuthConfiguration"]["verifyClientAuthMode"] = enum(
                    mode, ("Strict", "Passthrough"), f"{path}.clientAuthConfiguration.verifyClientAuthMode",
                    "ApplicationGatewayClientAuthVerificationModes")
        item["properties"] = clean


def _host_names(lp: dict[str, Any], path: str, lid: str) -> list[str]:
    one = text(lp.get("hostName"), f"{path}.hostName", 255)
    many = lp.get("hostNames")
    if many is not None and not isinstance(many, list):
        raise cannot_parse(f"{path}.hostNames", many, "System.String[]")
    many = [text(h, f"{path}.hostNames[{i}]", 255) for i, h in enumerate(many or [])]
    if one and many:
        raise ArmError(400, "ApplicationGatewayHttpListenerHostNameAndHostNamesBothSpecified",
                       f"Http Listener {lid} cannot specify both hostName and hostNames.", target=path)
    if len(many) > 5:
        raise ArmError(400, "ApplicationGatewayHttpListenerHostNamesLimitReached",
                       f"Http Listener {lid} has {len(many)} host names; at most 5 are allowed.",
                       target=f"{path}.hostNames")
    names = [one] if one else [h for h in many if h]
    for h in names:
        label = h.replace("*", "a").replace("?", "a")
        if not all(c.isalnum() or c in "-." for c in label) or label.startswith(".") or ".." in label:
            raise ArmError(400, "ApplicationGatewayHttpListenerInvalidHostName",
                           f"Host name {h} of Http Listener {lid} is invalid. Host names may contain letters, "
                           "digits, hyphens, periods and the wildcards * and ?.", target=path)
    return names


def check_listeners(gw: Gateway) -> None:
    ports = {gw.item_id("frontendPorts", p["name"]).lower(): p["properties"]["port"] for p in gw.items("frontendPorts")}
    taken: dict[tuple[str, int], list[tuple[str, str, list[str]]]] = {}
    for j, item in enumerate(gw.items("httpListeners")):
        lid = gw.item_id("httpListeners", item["name"])
        path = f"properties.httpListeners[{j}].properties"
        lp = item["properties"]
        fip = gw.own(lp.get("frontendIPConfiguration"), f"{path}.frontendIPConfiguration",
                     "frontendIPConfigurations", lid)
        if fip is None:
            raise ArmError(400, "ApplicationGatewayHttpListenerMustReference",
                           f"Http Listener {lid} must reference a FrontendIpConfiguration.")
        port = gw.own(lp.get("frontendPort"), f"{path}.frontendPort", "frontendPorts", lid)
        if port is None:
            raise ArmError(400, "ApplicationGatewayHttpListenerMustReference",
                           f"Http Listener {lid} must reference a FrontendPort.")
        proto = enum(lp.get("protocol"), ("Http", "Https"), f"{path}.protocol", "ApplicationGatewayProtocol", "Http")
        cert = gw.own(lp.get("sslCertificate"), f"{path}.sslCertificate", "sslCertificates", lid)
        if proto == "Https" and cert is None:
            raise ArmError(400, "ApplicationGatewayHttpListenerMustReference",
                           f"Http Listener {lid} must reference a SslCertificate since it uses protocol Https.")
        if proto == "Http" and cert is not None:
            raise ArmError(400, "ApplicationGatewayHttpListenerHttpCannotReferenceSslCertificate",
                           f"Http Listener {lid} uses protocol Http and cannot reference an SslCertificate.")
        hosts = _host_names(lp, path, lid)
        clean: dict[str, Any] = {"frontendIPConfiguration": {"id": fip}, "frontendPort": {"id": port},
                                 "protocol": proto,
                                 "requireServerNameIndication": boolean(lp.get("requireServerNameIndication"),
                                                                        f"{path}.requireServerNameIndication",
                                                                        bool(hosts) and proto == "Https")}
        if lp.get("hostNames") is not None:
            clean["hostNames"] = hosts
        elif hosts:
            clean["hostName"] = hosts[0]
        if cert:
            clean["sslCertificate"] = {"id": cert}
        profile = gw.own(lp.get("sslProfile"), f"{path}.sslProfile", "sslProfiles", lid)
        if profile:
            clean["sslProfile"] = {"id": profile}
        if lp.get("firewallPolicy") is not None:
            clean["firewallPolicy"] = lp["firewallPolicy"]
        if lp.get("customErrorConfigurations") is not None:
            clean["customErrorConfigurations"] = lp["customErrorConfigurations"]
        item["properties"] = clean
        key = (port.lower(), 0)
        for other_name, other_proto, other_hosts in taken.get(key, []):
            clash = (not hosts and not other_hosts) or bool({h.lower() for h in hosts} & {h.lower() for h in other_hosts})
            if clash or other_proto != proto:
                raise ArmError(400, "ApplicationGatewayHttpListenersUsingSameFrontendPort",
                               f"Two Http Listeners of Application Gateway {gw.id} are using the same Frontend Port "
                               f"{port} and FrontendIpConfiguration {fip}: {other_name} and {lid}"
                               + (" with different protocols." if not clash else "."))
        taken.setdefault(key, []).append((lid, proto, hosts))
    tcp_ports: set[str] = set()
    for j, item in enumerate(gw.items("listeners")):
        lid = gw.item_id("listeners", item["name"])
        path = f"properties.listeners[{j}].properties"
        lp = item["properties"]
        if not gw.v2:
            raise ArmError(400, "ApplicationGatewayTcpTlsProxyNotSupportedForSku",
                           f"Listener {lid}: TCP/TLS proxy listeners need a v2 SKU.")
        fip = gw.own(lp.get("frontendIPConfiguration"), f"{path}.frontendIPConfiguration",
                     "frontendIPConfigurations", lid)
        port = gw.own(lp.get("frontendPort"), f"{path}.frontendPort", "frontendPorts", lid)
        if fip is None or port is None:
            raise ArmError(400, "ApplicationGatewayListenerMustReference",
                           f"Listener {lid} must reference a FrontendIpConfiguration and a FrontendPort.")
        proto = enum(lp.get("protocol"), ("Tcp", "Tls"), f"{path}.protocol", "ApplicationGatewayProtocol", "Tcp")
        cert = gw.own(lp.get("sslCertificate"), f"{path}.sslCertificate", "sslCertificates", lid)
        if proto == "Tls" and cert is None:
            raise ArmError(400, "ApplicationGatewayListenerMustReference",
                           f"Listener {lid} must reference a SslCertificate since it uses protocol Tls.")
        if port.lower() in tcp_ports or (port.lower(), 0) in taken:
            raise ArmError(400, "ApplicationGatewayListenersUsingSameFrontendPort",
                           f"Listener {lid} of Application Gateway {gw.id} uses Frontend Port {port}, which "
                           "another listener already uses.")
        tcp_ports.add(port.lower())
        clean = {"frontendIPConfiguration": {"id": fip}, "frontendPort": {"id": port}, "protocol": proto}
        if cert:
            clean["sslCertificate"] = {"id": cert}
        profile = gw.own(lp.get("sslProfile"), f"{path}.sslProfile", "sslProfiles", lid)
        if profile:
            clean["sslProfile"] = {"id": profile}
        item["properties"] = clean
    del ports
