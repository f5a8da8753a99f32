"""Microsoft.Network/vpnServerConfigurations: the User VPN (point-to-site) settings a Virtual WAN
point-to-site gateway uses.

Rules (Virtual WAN User VPN docs, REST specs; certificate parsing shared with VPN Gateway):
- ``vpnProtocols`` IkeV2 | OpenVPN (default IkeV2; SSTP is not offered by Virtual WAN).
- ``vpnAuthenticationTypes`` Certificate | Radius | AAD (at least one); AAD needs OpenVPN only and
  ``aadAuthenticationParameters`` (tenant, audience, issuer); several types together need OpenVPN only;
  Certificate needs ``vpnClientRootCertificates`` (1 to 20, valid X.509); Radius needs
  ``radiusServerAddress`` + ``radiusServerSecret`` or ``radiusServers`` (address, score 1-30, secret).
- ``vpnClientRevokedCertificates``: name + thumbprint (40 hex digits).
- ``vpnClientIpsecPolicies``: at most one custom policy (Azure's algorithm lists).
- ``p2SVpnGateways`` is read-only; the configuration cannot be deleted while a gateway uses it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Action, Hooks, NameRule, ResourceType
from ..hybrid import ipsec_policy
from ..hybrid.virtual_network_gateways import MAX_ROOT_CERTS, load_cert
from ..ref_checks import cannot_parse, enum, integer, ref_id, since

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/vpnServerConfigurations"
P2S_TYPE = "microsoft.network/p2svpngateways"
PROTOCOLS = ("IkeV2", "OpenVPN")
AUTH_TYPES = ("Certificate", "Radius", "AAD")
THUMBPRINT = re.compile(r"^[0-9A-Fa-f]{40}$")


def _strings(value: Any, path: str, allowed: tuple[str, ...], type_name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise cannot_parse(path, value, f"{type_name}[]")
    return list(dict.fromkeys(enum(v, allowed, path, type_name) or "" for v in value))


def users(ctx: Ctx, cfg_id: str) -> list[str]:
    return [rec.id for rec in ctx.referrers(cfg_id) if rec.type.lower() == P2S_TYPE and
            normalize(ref_id((rec.body.get("properties") or {}).get("vpnServerConfiguration"), "") or "") ==
            normalize(cfg_id)]


class VpnServerConfigurationHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        cid = new["id"]
        for key in ("p2SVpnGateways", "etag", "name"):
            props.pop(key, None)
        protocols = _strings(props.get("vpnProtocols"), "properties.vpnProtocols", PROTOCOLS, "VpnGatewayTunnelingProtocol")
        props["vpnProtocols"] = protocols or ["IkeV2"]
        auths = _strings(props.get("vpnAuthenticationTypes"), "properties.vpnAuthenticationTypes", AUTH_TYPES,
                         "VpnAuthenticationType")
        if not auths:
            raise bad("VpnAuthenticationTypeRequired",
                      f"VPN server configuration {cid} needs vpnAuthenticationTypes (Certificate, Radius or AAD).")
        props["vpnAuthenticationTypes"] = auths
        only_openvpn = props["vpnProtocols"] == ["OpenVPN"]
        if "AAD" in auths:
            if not only_openvpn:
                raise bad("AadAuthenticationRequiresOpenVpn",
                          f"Microsoft Entra ID (AAD) authentication of {cid} needs the OpenVPN protocol only.")
            aad = props.get("aadAuthenticationParameters") or {}
            if not isinstance(aad, dict) or not all(aad.get(k) for k in ("aadTenant", "aadAudience", "aadIssuer")):
                raise bad("AadAuthenticationSettingsRequired",
                          f"AAD authentication of {cid} needs aadTenant, aadAudience and aadIssuer.")
        if len(auths) > 1 and not only_openvpn:
            raise bad("MultipleAuthenticationTypesRequireOpenVpn",
                      f"VPN server configuration {cid} combines authentication types, which needs OpenVPN only.")
        self._certificates(props, cid, "Certificate" in auths)
        self._radius(props, cid, "Radius" in auths)
        props["vpnClientIpsecPolicies"] = ipsec_policy.check_policies(props.get("vpnClientIpsecPolicies"), cid)

    def _certificates(self, props: dict[str, Any], cid: str, needed: bool) -> None:
        certs = props.get("vpnClientRootCertificates") or []
        if not isinstance(certs, list):
            raise cannot_parse("properties.vpnClientRootCertificates", certs, "VpnServerConfigVpnClientRootCertificate[]")
        if needed and not certs:
            raise bad("VpnClientRootCertificateRequired",
                      f"Certificate authentication of {cid} needs at least one vpnClientRootCertificates entry.")
        if len(certs) > MAX_ROOT_CERTS:
            raise bad("TooManyVpnClientRootCertificates",
                      f"VPN server configuration {cid} has {len(certs)} root certificates; at most {MAX_ROOT_CERTS}.")
        out = []
        for i, c in enumerate(certs):
            name = c.get("name") if isinstance(c, dict) else None
            data = c.get("publicCertData") if isinstance(c, dict) else None
            if not isinstance(name, str) or not name or not isinstance(data, str) or load_cert(data) is None:
                raise bad("InvalidVpnClientRootCertificate",
                          f"Root certificate {i} ({name}) of {cid} is not a valid base64 X.509 certificate.")
            out.append({"name": name, "publicCertData": "".join(data.split())})
        props["vpnClientRootCertificates"] = out
        revoked = props.get("vpnClientRevokedCertificates") or []
        if not isinstance(revoked, list):
            raise cannot_parse("properties.vpnClientRevokedCertificates", revoked,
                               "VpnServerConfigVpnClientRevokedCertificate[]")
        for i, r in enumerate(revoked):
            if not isinstance(r, dict) or not isinstance(r.get("thumbprint"), str) or \
                    not THUMBPRINT.match(r["thumbprint"]):
                raise bad("InvalidVpnClientRevokedCertificate",
                          f"Revoked certificate {i} of {cid} needs a name and a 40-hex-digit thumbprint.")
        props["vpnClientRevokedCertificates"] = revoked

    def _radius(self, props: dict[str, Any], cid: str, needed: bool) -> None:
        servers = props.get("radiusServers") or []
        if not isinstance(servers, list):
            raise cannot_parse("properties.radiusServers", servers, "RadiusServer[]")
        for i, s in enumerate(servers):
            if not isinstance(s, dict) or not s.get("radiusServerAddress"):
                raise bad("InvalidRadiusServer", f"RADIUS server {i} of {cid} needs radiusServerAddress.")
            score = integer(s.get("radiusServerScore"), f"properties.radiusServers[{i}].radiusServerScore", 1)
            if score is None or not 1 <= score <= 30:
                raise bad("InvalidRadiusServer", f"radiusServerScore of RADIUS server {i} of {cid} must be 1-30.")
        if needed and not servers and not (props.get("radiusServerAddress") and props.get("radiusServerSecret")):
            raise bad("RadiusServerRequired",
                      f"RADIUS authentication of {cid} needs radiusServerAddress and radiusServerSecret, or "
                      "radiusServers.")

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        found = users(ctx, body["id"])
        if found:
            raise bad("InUseVpnServerConfigurationCannotBeDeleted",
                      f"VPN server configuration {body['id']} cannot be deleted because point-to-site gateway "
                      f"{found[0]} uses it.")

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        props["p2SVpnGateways"] = [{"id": i} for i in users(ctx, body["id"])]


def associated_with_wan(ctx: Ctx, wan: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    """``POST virtualWans/{wan}/vpnServerConfigurations``: the configurations the WAN's point-to-site
    gateways use."""
    from . import connections_index

    ids: list[str] = []
    for hub in connections_index.hubs_of_wan(ctx, wan["id"]):
        for gw in connections_index.gateways_of_hub(ctx, hub, P2S_TYPE):
            cfg = ref_id((gw.body.get("properties") or {}).get("vpnServerConfiguration"), "")
            if cfg and cfg not in ids:
                ids.append(cfg)
    return 200, {"vpnServerConfigurationResourceIds": ids}


REGISTRY.add(ResourceType(TYPE, since("2019-08-01"), model="VpnServerConfiguration",
                          hooks=VpnServerConfigurationHooks(), names=NameRule(1, 80)))
REGISTRY.add_actions("Microsoft.Network/virtualWans", [Action("vpnServerConfigurations", associated_with_wan,
                                                              long_running=True)])
