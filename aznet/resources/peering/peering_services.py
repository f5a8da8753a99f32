"""Microsoft.Peering/peeringServices and their prefixes (Azure Peering Service).

- A peering service names a Peering Service location and a partner (``peeringServiceProvider``) that
  serves it (checkServiceProviderAvailability); ``providerPrimaryPeeringLocation`` and
  ``providerBackupPeeringLocation``, when given, are the partner's peering locations and differ.
  Location and partner are fixed once created.
- Names: 1-63 of letters, digits, '_', '.', '-' (Azure's pattern for peering services and prefixes).
- Prefixes (``peeringServices/{ps}/prefixes/{name}``): ``prefix`` an IPv4 CIDR given by its network
  address (400 otherwise); ``peeringServicePrefixKey`` the key the partner gave. Validation states
  (read-only ``prefixValidationState``): Invalid when the prefix is not public or is longer than /24, or
  the key is not a GUID (``errorMessage`` says why); otherwise Pending until the partner announces the
  prefix with that key over its peering with Microsoft (the admin action
  ``POST /_aznet/peering/{sub}/{rg}/{ps}/prefixes/{name}/announce`` plays the partner): Verified with
  ``learnedType`` ViaServiceProvider, or Failed when the partner's key differs. ``events`` record each
  change (GET with ``$expand=events``)."""

from __future__ import annotations

import ipaddress
import time
import uuid
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.errors import bad_request as bad
from ...arm.provider_actions import provider_action
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from . import catalogue
from .catalogue import API_VERSIONS

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.Peering/peeringServices"
PREFIX_TYPE = f"{TYPE}/prefixes"
NAMES = NameRule(1, 63, r"^[A-Za-z0-9_.-]{1,63}$", "The name can contain only letters, numbers, underscores, "
                 "periods and hyphens.")
NOT_PUBLIC = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.168.0.0/16", "224.0.0.0/3"))
MAX_EVENTS = 50


class PeeringServiceHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        sid = new["id"]
        loc = catalogue.location(props.get("peeringServiceLocation"))
        if loc is None:
            raise bad("InvalidPeeringServiceLocation",
                      f"peeringServiceLocation {props.get('peeringServiceLocation')!r} of peering service {sid} is "
                      "not a Peering Service location (see peeringServiceLocations).")
        prov = catalogue.provider(props.get("peeringServiceProvider"))
        if prov is None:
            raise bad("InvalidPeeringServiceProvider",
                      f"peeringServiceProvider {props.get('peeringServiceProvider')!r} of peering service {sid} is "
                      "not a Peering Service partner (see peeringServiceProviders).")
        if loc[0] not in prov[1]:
            raise bad("PeeringServiceProviderNotAvailable",
                      f"Partner {prov[0]} does not serve Peering Service location {loc[0]} "
                      "(checkServiceProviderAvailability answers Unavailable).")
        props["peeringServiceLocation"], props["peeringServiceProvider"] = loc[0], prov[0]
        chosen = []
        for key in ("providerPrimaryPeeringLocation", "providerBackupPeeringLocation"):
            value = props.get(key)
            if value in (None, ""):
                continue
            match = next((p for p in prov[2] if isinstance(value, str) and p.lower() == value.lower()), None)
            if match is None:
                raise bad("InvalidProviderPeeringLocation",
                          f"{key} {value!r} is not a peering location of {prov[0]} ({', '.join(prov[2])}).")
            props[key] = match
            chosen.append(match)
        if len(chosen) == 2 and chosen[0] == chosen[1]:
            raise bad("InvalidProviderPeeringLocation",
                      "providerPrimaryPeeringLocation and providerBackupPeeringLocation must differ.")
        old_props = (old or {}).get("properties") or {}
        for key in ("peeringServiceLocation", "peeringServiceProvider"):
            if old is not None and old_props.get(key) not in (None, props[key]):
                raise bad("PeeringServicePropertyCannotBeChanged", f"{key} of peering service {sid} cannot be changed.")
        sku = new.get("sku")
        if sku is not None and not (isinstance(sku, dict) and isinstance(sku.get("name", ""), str)):
            raise bad("InvalidSku", f"sku of peering service {sid} must be an object with a name.")


def _state(prefix: str, key: Any) -> tuple[str, str]:
    """(validation state, error message) of a registered prefix before the partner announces it."""
    net = ipaddress.ip_network(prefix)
    if any(net.overlaps(n) for n in NOT_PUBLIC):
        return "Invalid", f"Prefix {prefix} is not a public address range."
    if net.prefixlen > 24:
        return "Invalid", f"Prefix {prefix} is longer than /24; Peering Service takes /24 or shorter prefixes."
    try:
        uuid.UUID(str(key))
    except ValueError:
        return "Invalid", "peeringServicePrefixKey must be the GUID key the Peering Service partner gave."
    return "Pending", ""


def _event(kind: str, summary: str, level: str = "Information") -> dict[str, Any]:
    return {"eventTimestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "eventType": kind,
            "eventSummary": summary, "eventLevel": level, "eventDescription": summary}


class PrefixHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        raw = props.get("prefix")
        try:
            net = ipaddress.ip_network(raw, strict=True) if isinstance(raw, str) and "/" in raw else None
        except ValueError:
            net = None
        if net is None or net.version != 4:
            raise bad("InvalidPrefix", f"prefix {raw!r} of {new['id']} must be an IPv4 CIDR given by its network "
                                       "address.")
        props["prefix"] = str(net)
        key = props.get("peeringServicePrefixKey")
        if key is not None and not isinstance(key, str):
            raise bad("InvalidPrefix", "peeringServicePrefixKey must be a string.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        old_props = (old or {}).get("properties") or {}
        same = old is not None and old_props.get("prefix") == props["prefix"] and \
            old_props.get("peeringServicePrefixKey") == props.get("peeringServicePrefixKey")
        for k in ("prefixValidationState", "learnedType", "errorMessage", "events"):
            props.pop(k, None)
        if same:
            for k in ("prefixValidationState", "learnedType", "errorMessage"):
                if k in old_props:
                    props[k] = old_props[k]
            events = list(((old or {}).get("_aznet") or {}).get("events") or [])
        else:
            state, message = _state(props["prefix"], props.get("peeringServicePrefixKey"))
            props.update(prefixValidationState=state, learnedType="None", errorMessage=message)
            events = list(((old or {}).get("_aznet") or {}).get("events") or [])
            events.append(_event("PrefixRegistered", f"Prefix {props['prefix']} registered: {state}.",
                                 "Error" if state == "Invalid" else "Information"))
        new["_aznet"] = {**(new.get("_aznet") or {}), "events": events[-MAX_EVENTS:]}


def expand_events(ctx: Ctx, body: dict[str, Any], value: str) -> None:
    if "events" in value.lower():
        rec = ctx.record(body["id"])
        body.setdefault("properties", {})["events"] = list(((rec.body if rec else {}).get("_aznet") or {})
                                                           .get("events") or [])


@provider_action("_aznet/peering/{sub}/{rg}/{ps}/prefixes/{name}/announce", "POST", api_versions=None,
                 name="peeringServices/prefixes/announce", body="required", writes=True, auth="admin")
def announce(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    """The partner announces (or withdraws) the prefix with its key: {"key": "<guid>", "announced": true}."""
    pid = (f"/subscriptions/{params['sub']}/resourceGroups/{params['rg']}/providers/{TYPE}/{params['ps']}/prefixes/"
           f"{params['name']}")
    rec = ctx.record(pid)
    if rec is None:
        raise ArmError(404, "NotFound", f"Prefix {pid} was not found.")
    if not isinstance(payload, dict):
        raise ArmError(400, "InvalidRequestContent", 'Expected {"key": "<prefix key>", "announced": true}.')
    announced = payload.get("announced", True)
    if not isinstance(announced, bool):
        raise ArmError(400, "InvalidParameter", "announced must be true or false.")
    props = dict(rec.body.get("properties") or {})
    if props.get("prefixValidationState") == "Invalid":
        raise ArmError(409, "PrefixInvalid", f"Prefix {pid} is Invalid: {props.get('errorMessage')}")
    if not announced:
        props.update(prefixValidationState="Pending", learnedType="None", errorMessage="")
        event = _event("PrefixWithdrawn", f"The partner withdrew {props['prefix']}.", "Warning")
    elif str(payload.get("key", "")).lower() == str(props.get("peeringServicePrefixKey", "")).lower():
        props.update(prefixValidationState="Verified", learnedType="ViaServiceProvider", errorMessage="")
        event = _event("PrefixVerified", f"{props['prefix']} is announced by the partner with the registered key.")
    else:
        props.update(prefixValidationState="Failed", learnedType="ViaServiceProvider",
                     errorMessage="The partner announces the prefix with a different prefix key.")
        event = _event("PrefixValidationFailed", f"{props['prefix']}: the partner's prefix key differs.", "Error")
    stored = dict(rec.body)
    stored["properties"] = props
    private = dict(rec.body.get("_aznet") or {})
    private["events"] = [*(private.get("events") or []), event][-MAX_EVENTS:]
    stored["_aznet"] = private
    stored["etag"] = f'W/"{uuid.uuid4()}"'
    ctx.write_raw(rec.id, stored)
    return 200, {"id": rec.id, "prefixValidationState": props["prefixValidationState"],
                 "learnedType": props["learnedType"]}


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="PeeringService", schema_package="peering",
                          hooks=PeeringServiceHooks(), names=NAMES, long_running=False))
REGISTRY.add(ResourceType(PREFIX_TYPE, API_VERSIONS, model="PeeringServicePrefix", schema_package="peering",
                          location="none", hooks=PrefixHooks(), names=NAMES, long_running=False,
                          expand=expand_events))
