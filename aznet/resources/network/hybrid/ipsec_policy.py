"""IPsec/IKE policies on connections, checked against "About cryptographic requirements and Azure VPN
gateways" (the custom IPsec/IKE policy tables):

- IKE encryption: GCMAES256, GCMAES128, AES256, AES192, AES128, DES3, DES; IKE integrity: SHA384,
  SHA256, SHA1, MD5, GCMAES256, GCMAES128 (a GCM integrity needs the same GCM encryption).
- DH group: DHGroup24, ECP384, ECP256, DHGroup14, DHGroup2048, DHGroup2, DHGroup1, None.
- IPsec encryption: GCMAES256, GCMAES192, GCMAES128, AES256, AES192, AES128, DES3, DES, None; IPsec
  integrity: GCMAES256, GCMAES192, GCMAES128, SHA256, SHA1, MD5. A GCM encryption needs the same GCM
  algorithm and key length as integrity, and a GCM integrity needs the same GCM encryption.
- PFS group: PFS24, ECP384, ECP256, PFS2048, PFS2, PFS1, PFS14, PFSMM, None.
- SA lifetime: at least 300 seconds (at most 172799) and at least 1024 KB; one policy per connection."""

from __future__ import annotations

from typing import Any

from ....arm.errors import ArmError
from ..ref_checks import cannot_parse, enum, integer

IKE_ENCRYPTION = ("GCMAES256", "GCMAES128", "AES256", "AES192", "AES128", "DES3", "DES")
IKE_INTEGRITY = ("SHA384", "SHA256", "SHA1", "MD5", "GCMAES256", "GCMAES128")
DH_GROUP = ("DHGroup24", "ECP384", "ECP256", "DHGroup14", "DHGroup2048", "DHGroup2", "DHGroup1", "None")
IPSEC_ENCRYPTION = ("GCMAES256", "GCMAES192", "GCMAES128", "AES256", "AES192", "AES128", "DES3", "DES", "None")
IPSEC_INTEGRITY = ("GCMAES256", "GCMAES192", "GCMAES128", "SHA256", "SHA1", "MD5")
PFS_GROUP = ("PFS24", "ECP384", "ECP256", "PFS2048", "PFS2", "PFS1", "PFS14", "PFSMM", "None")
FIELDS = (("ikeEncryption", IKE_ENCRYPTION, "IkeEncryption"), ("ikeIntegrity", IKE_INTEGRITY, "IkeIntegrity"),
          ("dhGroup", DH_GROUP, "DhGroup"), ("ipsecEncryption", IPSEC_ENCRYPTION, "IpsecEncryption"),
          ("ipsecIntegrity", IPSEC_INTEGRITY, "IpsecIntegrity"), ("pfsGroup", PFS_GROUP, "PfsGroup"))
MIN_LIFETIME_S, MAX_LIFETIME_S, MIN_LIFETIME_KB = 300, 172799, 1024


def bad(message: str) -> ArmError:
    return ArmError(400, "InvalidIpsecPolicy", message)


def check_policies(raw: Any, owner: str) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise cannot_parse("properties.ipsecPolicies", raw, "IpsecPolicy[]")
    if len(raw) > 1:
        raise ArmError(400, "TooManyIpsecPolicies", f"Connection {owner} can have at most one IPsec/IKE policy.")
    return [check_policy(p, f"properties.ipsecPolicies[{i}]", owner) for i, p in enumerate(raw)]


def check_policy(p: Any, path: str, owner: str) -> dict[str, Any]:
    if not isinstance(p, dict):
        raise cannot_parse(path, p, "IpsecPolicy")
    out: dict[str, Any] = {}
    for name, allowed, tname in FIELDS:
        value = next((v for k, v in p.items() if k.lower() == name.lower()), None)
        if value is None:
            raise bad(f"The IPsec/IKE policy of connection {owner} needs {name}.")
        out[name] = enum(value, allowed, f"{path}.{name}", tname)
    secs = integer(next((v for k, v in p.items() if k.lower() == "salifetimeseconds"), None),
                   f"{path}.saLifeTimeSeconds")
    kb = integer(next((v for k, v in p.items() if k.lower() == "sadatasizekilobytes"), None),
                 f"{path}.saDataSizeKilobytes")
    if secs is None or not MIN_LIFETIME_S <= secs <= MAX_LIFETIME_S:
        raise bad(f"saLifeTimeSeconds {secs} of the IPsec/IKE policy of connection {owner} must be between "
                  f"{MIN_LIFETIME_S} and {MAX_LIFETIME_S}.")
    if kb is None or kb < MIN_LIFETIME_KB:
        raise bad(f"saDataSizeKilobytes {kb} of the IPsec/IKE policy of connection {owner} must be at least "
                  f"{MIN_LIFETIME_KB}.")
    out["saLifeTimeSeconds"], out["saDataSizeKilobytes"] = secs, kb
    enc, integ = out["ipsecEncryption"], out["ipsecIntegrity"]
    if enc.startswith("GCM") and integ != enc:
        raise bad(f"IPsec encryption {enc} of connection {owner} needs the same GCMAES algorithm and key length for "
                  f"IPsec integrity; it is {integ}.")
    if integ.startswith("GCM") and enc != integ:
        raise bad(f"IPsec integrity {integ} of connection {owner} needs the same GCMAES algorithm for IPsec "
                  f"encryption; it is {enc}.")
    ike_enc, ike_int = out["ikeEncryption"], out["ikeIntegrity"]
    if ike_int.startswith("GCM") and ike_enc != ike_int:
        raise bad(f"IKE integrity {ike_int} of connection {owner} needs the same GCMAES algorithm for IKE "
                  f"encryption; it is {ike_enc}.")
    return out
