"""Security rule syntax, as the network resource provider checks it: priority
100–4096 (SecurityRuleInvalidPriority); ports ``*``, ``80`` or ``1000-2000``
(SecurityRuleInvalidPortRange); prefixes ``*``, an IP, an aligned CIDR or a
service tag (SecurityRuleInvalidAddressPrefix), the plural lists taking IPs and
CIDRs only (SecurityRuleParameterContainsUnsupportedValue) of one address family
(ResourceCannotContainAddressPrefixesFromDifferentAddressFamilies); application
security groups that exist in the NSG's region.

``normalize_rule(ctx, props, rule_id, location)`` validates a rule's properties
in place and leaves them in the shape Azure returns."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.errors import ArmError
from . import cidr, service_tags
from .ref_checks import cannot_parse, canonical, enum, integer, ref_id, resolve

if TYPE_CHECKING:
    from ...arm.context import Ctx

ASG_TYPE = typenames.ASG
PROTOCOLS = ("Tcp", "Udp", "Icmp", "Esp", "*", "Ah")
PORT = re.compile(r"^(\d{1,5})(?:-(\d{1,5}))?$")
MIN_PRIORITY, MAX_PRIORITY = 100, 4096
LIST_TYPE = "System.Collections.Generic.List`1[System.String]"


def port_error(value: Any) -> ArmError:
    return ArmError(400, "SecurityRuleInvalidPortRange",
                    f"Security rule has invalid Port range. Value provided: {value}. Value should be an integer OR "
                    "integer range with '-' delimiter. Valid range 0-65535.")


def prefix_error(value: Any, rule_id: str) -> ArmError:
    return ArmError(400, "SecurityRuleInvalidAddressPrefix",
                    f"Security rule {rule_id} has invalid Address prefix. Value provided: {value}.")


def check_port(value: Any, allow_any: bool) -> str:
    if not isinstance(value, str):
        raise port_error(value)
    v = value.strip()
    if v == "*" and allow_any:
        return v
    m = PORT.match(v)
    if m is None:
        raise port_error(value)
    lo = int(m.group(1))
    hi = int(m.group(2)) if m.group(2) is not None else lo
    if not 0 <= lo <= hi <= 65535:
        raise port_error(value)
    return v


def check_prefix(value: Any, rule_id: str, allow_tags: bool, param: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise prefix_error(value, rule_id)
    v = value.strip()
    tag = service_tags.canonical(v)
    if v == "*" or tag is not None:
        if not allow_tags:
            raise ArmError(400, "SecurityRuleParameterContainsUnsupportedValue",
                           f"Security rule parameter {param} for rule with Id {rule_id} cannot specify existing "
                           "VIRTUALNETWORK, INTERNET, AZURELOADBALANCER, '*' or system tags. Unsupported value "
                           f"used: {v}.")
        return v if v == "*" else tag  # type: ignore[return-value]
    if "/" in v:
        try:
            return str(cidr.parse_prefix(v, rule_id))
        except ArmError:
            raise prefix_error(value, rule_id) from None
    ip = cidr.parse_ip(v)
    if ip is None:
        raise prefix_error(value, rule_id)
    return str(ip)


def _pair(props: dict[str, Any], single: str, plural: str, rule_id: str, check: Any,
          required: bool = True) -> None:
    one = props.get(single)
    many = props.get(plural)
    if many is not None and not isinstance(many, list):
        raise cannot_parse(f"properties.{plural}", many, LIST_TYPE)
    if one not in (None, "") and many:
        raise ArmError(400, "SecurityRuleParameterContainsUnsupportedValue",
                       f"Security rule {rule_id} specifies both {single} and {plural}. Only one of them can be "
                       "specified.")
    if one not in (None, ""):
        props[single] = check(one, True)
        props[plural] = []
    elif many:
        props[plural] = [check(x, False) for x in many]
        props.pop(single, None)
    elif required:
        check(one, True)        # raises the field's error with the (empty) value provided
    else:
        props.pop(single, None)
        props[plural] = []


def _families(values: list[str], rule_id: str) -> None:
    versions = {n.version for n in (cidr.try_parse(v) for v in values) if n is not None}
    if len(versions) > 1:
        raise ArmError(400, "ResourceCannotContainAddressPrefixesFromDifferentAddressFamilies",
                       f"Security rule {rule_id} contains IP addresses or prefixes that belong to different address "
                       "families. All IP addresses or prefixes in the resource should belong to the same address "
                       "family.")


def _asgs(ctx: Ctx, props: dict[str, Any], key: str, rule_id: str, location: str | None) -> bool:
    refs = props.get(key)
    if refs is None:
        props.pop(key, None)
        return False
    if not isinstance(refs, list):
        raise cannot_parse(f"properties.{key}", refs, "ApplicationSecurityGroup[]")
    out = []
    for j, r in enumerate(refs):
        rid = ref_id(r, f"properties.{key}[{j}]")
        if rid is None:
            continue
        resolve(ctx, rid, rule_id, ASG_TYPE, location)
        out.append({"id": canonical(ctx, rid)})
    if out:
        props[key] = out
    else:
        props.pop(key, None)
    return bool(out)


def normalize_rule(ctx: Ctx, props: dict[str, Any], rule_id: str, location: str | None) -> None:
    if props.get("protocol") is None:
        raise cannot_parse("properties.protocol", None, "SecurityRuleProtocol")
    props["protocol"] = enum(props.get("protocol"), PROTOCOLS, "properties.protocol", "SecurityRuleProtocol")
    props["access"] = enum(props.get("access"), ("Allow", "Deny"), "properties.access", "SecurityRuleAccess")
    props["direction"] = enum(props.get("direction"), ("Inbound", "Outbound"), "properties.direction",
                              "SecurityRuleDirection")
    if props["access"] is None:
        raise cannot_parse("properties.access", None, "SecurityRuleAccess")
    if props["direction"] is None:
        raise cannot_parse("properties.direction", None, "SecurityRuleDirection")
    priority = integer(props.get("priority"), "properties.priority")
    if priority is None or not MIN_PRIORITY <= priority <= MAX_PRIORITY:
        raise ArmError(400, "SecurityRuleInvalidPriority",
                       f"Security rule has invalid Priority. Value provided: {props.get('priority')} "
                       f"Allowed range {MIN_PRIORITY}-{MAX_PRIORITY}.")
    props["priority"] = priority
    _pair(props, "sourcePortRange", "sourcePortRanges", rule_id, lambda v, a: check_port(v, a))
    _pair(props, "destinationPortRange", "destinationPortRanges", rule_id, lambda v, a: check_port(v, a))
    for side in ("source", "destination"):
        has_asg = _asgs(ctx, props, f"{side}ApplicationSecurityGroups", rule_id, location)
        single, plural = f"{side}AddressPrefix", f"{side}AddressPrefixes"
        if has_asg and (props.get(single) not in (None, "") or props.get(plural)):
            raise ArmError(400, "SecurityRuleParameterContainsUnsupportedValue",
                           f"Security rule {rule_id} specifies both {single}(es) and {side}ApplicationSecurityGroups. "
                           "Only one of them can be specified.")
        param = single[0].upper() + single[1:]
        _pair(props, single, plural, rule_id,
              lambda v, a, p=param: check_prefix(v, rule_id, a, p), required=not has_asg)
        _families(props.get(plural) or [], rule_id)
    desc = props.get("description")
    if desc is not None and not isinstance(desc, str):
        raise cannot_parse("properties.description", desc, "System.String")
