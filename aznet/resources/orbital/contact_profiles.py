"""Microsoft.Orbital/contactProfiles: how a contact runs (links and channels, tracking, delivery).

- ``networkConfiguration.subnetId``: an existing subnet (the VNet where the data is delivered).
- ``links``: at least one; unique names; ``direction`` Uplink | Downlink; ``polarization`` RHCP | LHCP |
  linearVertical | linearHorizontal; each link at least one channel with a unique name, positive
  ``centerFrequencyMHz`` and ``bandwidthMHz``, and an ``endPoint`` (ipAddress, endPointName, port 1-65535,
  protocol TCP | UDP).
- ``minimumElevationDegrees`` 0-90 (default 5), ``minimumViableContactDuration`` an ISO 8601 duration
  (default PT1M), ``autoTrackingConfiguration`` disabled | xBand | sBand."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from .ground_stations import API_VERSIONS

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.Orbital/contactProfiles"
SUBNET = "microsoft.network/virtualnetworks/subnets"
DURATION_RE = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
POLARIZATIONS = ("RHCP", "LHCP", "linearVertical", "linearHorizontal")
MAX_LINKS = 8          # limits on what one profile may hold (inferred: Azure documents none)
MAX_CHANNELS = 16
DEFAULT_MIN_ELEVATION = 5.0


def bad(message: str, code: str = "InvalidContactProfile") -> ArmError:
    return ArmError(400, code, message)


def duration(text: Any) -> timedelta | None:
    m = DURATION_RE.match(text) if isinstance(text, str) and text not in ("P", "PT") else None
    if m is None or not any(m.groups()):
        return None
    d, h, mi, s = m.groups()
    return timedelta(days=int(d or 0), hours=int(h or 0), minutes=int(mi or 0), seconds=float(s or 0))


def _pick(value: Any, allowed: tuple[str, ...], what: str) -> str:
    for a in allowed:
        if isinstance(value, str) and a.lower() == value.lower():
            return a
    raise bad(f"{what} {value!r} must be one of {', '.join(allowed)}.")


def check_link(i: int, link: Any, names: set[str], refuse: Callable[[str], ArmError]) -> None:
    """``links[i]`` of a contact profile or spacecraft: a name not used before (case-insensitively; ``refuse``
    makes the caller's error), direction and polarization (put in Azure's case)."""
    if not isinstance(link, dict) or not isinstance(link.get("name"), str) or not link["name"]:
        raise refuse(f"links[{i}] needs a name.")
    if link["name"].lower() in names:
        raise refuse(f"Link name {link['name']} is used twice.")
    names.add(link["name"].lower())
    link["direction"] = _pick(link.get("direction"), ("Uplink", "Downlink"), f"links[{i}].direction")
    link["polarization"] = _pick(link.get("polarization"), POLARIZATIONS, f"links[{i}].polarization")


def _positive(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise bad(f"{what} must be a positive number, not {value!r}.")
    return float(value)


class ContactProfileHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        subnet = ((props.get("networkConfiguration") or {}).get("subnetId")
                  if isinstance(props.get("networkConfiguration"), dict) else None)
        rec = ctx.record(subnet) if isinstance(subnet, str) and subnet else None
        if rec is None or rec.type.lower() != SUBNET:
            raise bad(f"networkConfiguration.subnetId {subnet!r} of contact profile {new['id']} must be an existing "
                      "subnet.", "InvalidSubnetId")
        el = props.get("minimumElevationDegrees", DEFAULT_MIN_ELEVATION)
        if isinstance(el, bool) or not isinstance(el, int | float) or not 0 <= el <= 90:
            raise bad(f"minimumElevationDegrees {el!r} must be between 0 and 90.")
        props["minimumElevationDegrees"] = float(el)
        mvcd = props.get("minimumViableContactDuration", "PT1M")
        if duration(mvcd) is None:
            raise bad(f"minimumViableContactDuration {mvcd!r} is not an ISO 8601 duration (e.g. PT1M).")
        props["minimumViableContactDuration"] = mvcd
        props["autoTrackingConfiguration"] = _pick(props.get("autoTrackingConfiguration", "disabled"),
                                                   ("disabled", "xBand", "sBand"), "autoTrackingConfiguration")
        links = props.get("links")
        if not isinstance(links, list) or not links:
            raise bad(f"Contact profile {new['id']} needs at least one link.")
        if len(links) > MAX_LINKS:
            raise bad(f"Contact profile {new['id']} has {len(links)} links; at most {MAX_LINKS}.")
        names: set[str] = set()
        for i, link in enumerate(links):
            check_link(i, link, names, bad)
            channels = link.get("channels")
            if not isinstance(channels, list) or not channels:
                raise bad(f"Link {link['name']} needs at least one channel.")
            if len(channels) > MAX_CHANNELS:
                raise bad(f"Link {link['name']} has {len(channels)} channels; at most {MAX_CHANNELS}.")
            cnames: set[str] = set()
            for j, ch in enumerate(channels):
                where = f"links[{i}].channels[{j}]"
                if not isinstance(ch, dict) or not isinstance(ch.get("name"), str) or not ch["name"]:
                    raise bad(f"{where} needs a name.")
                if ch["name"].lower() in cnames:
                    raise bad(f"Channel name {ch['name']} is used twice in link {link['name']}.")
                cnames.add(ch["name"].lower())
                _positive(ch.get("centerFrequencyMHz"), f"{where}.centerFrequencyMHz")
                _positive(ch.get("bandwidthMHz"), f"{where}.bandwidthMHz")
                ep = ch.get("endPoint")
                if not isinstance(ep, dict):
                    raise bad(f"{where} needs an endPoint.")
                try:
                    ipaddress.ip_address(ep.get("ipAddress"))
                except (ValueError, TypeError):
                    raise bad(f"{where}.endPoint.ipAddress {ep.get('ipAddress')!r} is not an IP address.") from None
                port = str(ep.get("port", ""))
                if not port.isdigit() or not 1 <= int(port) <= 65535:
                    raise bad(f"{where}.endPoint.port {ep.get('port')!r} must be 1-65535.")
                if not isinstance(ep.get("endPointName"), str) or not ep["endPointName"]:
                    raise bad(f"{where}.endPoint needs endPointName.")
                ep["protocol"] = _pick(ep.get("protocol"), ("TCP", "UDP"), f"{where}.endPoint.protocol")

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        for rec in ctx.referrers(body["id"]):
            if rec.type.lower() == "microsoft.orbital/spacecrafts/contacts":
                raise ArmError(409, "ContactProfileInUse",
                               f"Contact profile {body['id']} is used by contact {rec.id}.")


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="ContactProfile", schema_package="orbital",
                          hooks=ContactProfileHooks(), names=NameRule(1, 100)))
