"""Microsoft.Orbital/spacecrafts and their contacts, with ``listAvailableContacts``.

- A spacecraft's TLE is validated (passes.check_tle: 69-character lines numbered 1 and 2, checksums,
  the same satellite number, elements SGP4 accepts); ``titleLine`` 1-24 characters; ``noradId``, when
  given, is the TLE's satellite number; ``links`` have a unique name, direction Uplink | Downlink,
  polarization, positive centre frequency and bandwidth.
- ``listAvailableContacts`` (long-running POST): the passes of the spacecraft over the ground station
  between startTime and endTime (at most 8 days) above the contact profile's minimum elevation (or the
  ground station antenna's, when higher) and at
  least its minimum viable contact duration, from SGP4 propagation of the TLE: rise (rx/tx start), set
  (rx/tx end), azimuth and elevation at both ends, and the maximum elevation.
- Contacts (``spacecrafts/{s}/contacts/{c}``): reservationStartTime/EndTime must lie inside one such
  pass, and may not overlap another contact of the same spacecraft or at the same ground station
  (409 Conflict). The contact is Scheduled, with the pass geometry of its reservation."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Action, Hooks, NameRule, ResourceType
from . import contact_profiles, ground_stations, passes
from .ground_stations import API_VERSIONS

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.Orbital/spacecrafts"
CONTACT_TYPE = f"{TYPE}/contacts"
MAX_WINDOW = timedelta(days=8)


def bad(message: str, code: str = "InvalidRequest") -> ArmError:
    return ArmError(400, code, message)


class SpacecraftHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        title = props.get("titleLine")
        if not isinstance(title, str) or not 1 <= len(title.strip()) <= 24:
            raise bad(f"titleLine {title!r} must be 1 to 24 characters (the TLE's title line).", "InvalidTLE")
        try:
            sat = passes.check_tle(props.get("tleLine1"), props.get("tleLine2"))
        except passes.TleError as exc:
            raise bad(f"The TLE of spacecraft {new['id']} is not valid: {exc}", "InvalidTLE") from None
        norad = props.get("noradId")
        if norad not in (None, "") and str(norad).strip().lstrip("0") != str(sat.satnum).lstrip("0"):
            raise bad(f"noradId {norad} does not match the TLE's satellite number {sat.satnum}.", "InvalidTLE")
        links = props.get("links") or []
        if not isinstance(links, list) or len(links) > contact_profiles.MAX_LINKS:
            raise bad(f"links must be a list of at most {contact_profiles.MAX_LINKS} links.")
        names: set[str] = set()
        for i, link in enumerate(links):
            contact_profiles.check_link(i, link, names, bad)
            contact_profiles._positive(link.get("centerFrequencyMHz"), f"links[{i}].centerFrequencyMHz")
            contact_profiles._positive(link.get("bandwidthMHz"), f"links[{i}].bandwidthMHz")
            link["authorizations"] = [{"groundStation": s[0], "expirationDate": "2030-12-31"}
                                      for s in ground_stations.STATIONS]
        props["links"] = links

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        return None     # its contacts go with it (children)


def _profile(ctx: Ctx, ref: Any, owner: str) -> dict[str, Any]:
    pid = ref.get("id") if isinstance(ref, dict) else None
    rec = ctx.record(pid) if isinstance(pid, str) and pid else None
    if rec is None or rec.type.lower() != contact_profiles.TYPE.lower():
        raise bad(f"contactProfile {pid!r} of {owner} is not an existing contact profile.", "InvalidContactProfile")
    return rec.body


def _station(name: Any, owner: str) -> passes.Station:
    st = ground_stations.station(name)
    if st is None:
        raise bad(f"groundStationName {name!r} of {owner} is not an available ground station.",
                  "InvalidGroundStation")
    return st


def _passes(spacecraft: dict[str, Any], profile: dict[str, Any], station: passes.Station,
            start: Any, end: Any) -> list[passes.Pass]:
    p = spacecraft.get("properties") or {}
    sat = passes.check_tle(p["tleLine1"], p["tleLine2"])
    pp = profile.get("properties") or {}
    mvcd = contact_profiles.duration(pp.get("minimumViableContactDuration", "PT1M")) or timedelta(minutes=1)
    # the higher of the profile's minimum elevation and the station antenna's own
    min_el = max(float(pp.get("minimumElevationDegrees", contact_profiles.DEFAULT_MIN_ELEVATION)),
                 station.min_elevation)
    return passes.passes(sat, station, start, end, min_el, mvcd)


def list_available_contacts(ctx: Ctx, body: dict[str, Any], payload: Any) -> tuple[int, Any]:
    if not isinstance(payload, dict):
        raise bad("The request needs contactProfile, groundStationName, startTime and endTime.")
    profile = _profile(ctx, payload.get("contactProfile"), body["id"])
    station = _station(payload.get("groundStationName"), body["id"])
    start, end = passes.parse_time(payload.get("startTime")), passes.parse_time(payload.get("endTime"))
    if start is None or end is None or end <= start:
        raise bad("startTime and endTime must be ISO 8601 times with endTime after startTime.", "InvalidTimeRange")
    if end - start > MAX_WINDOW:
        raise bad(f"The time range may span at most {MAX_WINDOW.days} days.", "InvalidTimeRange")
    out = []
    for ps in _passes(body, profile, station, start, end):
        out.append({"spacecraft": {"id": body["id"]}, "groundStationName": station.name, "properties": {
            "maximumElevationDegrees": round(ps.max_elevation, 3),
            "txStartTime": passes.iso(ps.rise), "txEndTime": passes.iso(ps.set),
            "rxStartTime": passes.iso(ps.rise), "rxEndTime": passes.iso(ps.set),
            "startAzimuthDegrees": round(ps.rise_look.azimuth, 3), "endAzimuthDegrees": round(ps.set_look.azimuth, 3),
            "startElevationDegrees": round(ps.rise_look.elevation, 3),
            "endElevationDegrees": round(ps.set_look.elevation, 3)}})
    return 200, {"value": out}


class ContactHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        cid = new["id"]
        sc_id = cid[: cid.lower().rfind("/contacts/")]
        spacecraft = ctx.body(sc_id) or {}
        profile = _profile(ctx, props.get("contactProfile"), cid)
        props["contactProfile"] = {"id": profile["id"]}
        station = _station(props.get("groundStationName"), cid)
        props["groundStationName"] = station.name
        start = passes.parse_time(props.get("reservationStartTime"))
        end = passes.parse_time(props.get("reservationEndTime"))
        if start is None or end is None or end <= start:
            raise bad("reservationStartTime and reservationEndTime must be ISO 8601 times, the end after the start.",
                      "InvalidTimeRange")
        found = _passes(spacecraft, profile, station, start - timedelta(hours=2), end + timedelta(hours=2))
        inside = next((p for p in found if p.rise <= start + timedelta(seconds=1) and end <= p.set + timedelta(seconds=1)),
                      None)
        if inside is None:
            raise bad(f"The reservation {passes.iso(start)} - {passes.iso(end)} of contact {cid} is not inside a pass "
                      f"of the spacecraft over {station.name} (see listAvailableContacts).", "ContactOutsideOfPass")
        for rtype_owner in ctx.of_type(CONTACT_TYPE):
            if rtype_owner.key == normalize(cid):
                continue
            op = rtype_owner.body.get("properties") or {}
            same_sc = normalize(rtype_owner.id).startswith(normalize(sc_id) + "/")
            same_station = str(op.get("groundStationName", "")).lower() == station.name.lower()
            if not (same_sc or same_station):
                continue
            os_, oe = passes.parse_time(op.get("reservationStartTime")), passes.parse_time(op.get("reservationEndTime"))
            if os_ is not None and oe is not None and start < oe and os_ < end:
                raise ArmError(409, "Conflict",
                               f"Contact {cid} overlaps contact {rtype_owner.id} "
                               f"({'same spacecraft' if same_sc else 'same ground station'}).")
        sat = passes.check_tle(spacecraft["properties"]["tleLine1"], spacecraft["properties"]["tleLine2"])
        first, last = passes.look(sat, station, start), passes.look(sat, station, end)
        top = max(passes.look(sat, station, inside.culmination).elevation if start <= inside.culmination <= end
                  else -90.0, first.elevation, last.elevation)
        props.update({"reservationStartTime": passes.iso(start), "reservationEndTime": passes.iso(end),
                      "rxStartTime": passes.iso(start), "rxEndTime": passes.iso(end),
                      "txStartTime": passes.iso(start), "txEndTime": passes.iso(end),
                      "startAzimuthDegrees": round(first.azimuth, 3), "endAzimuthDegrees": round(last.azimuth, 3),
                      "startElevationDegrees": round(first.elevation, 3),
                      "endElevationDegrees": round(last.elevation, 3), "maximumElevationDegrees": round(top, 3),
                      "status": "scheduled"})
        props.pop("errorMessage", None)


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="Spacecraft", schema_package="orbital", hooks=SpacecraftHooks(),
                          names=NameRule(1, 100),
                          actions=[Action("listAvailableContacts", list_available_contacts, long_running=True)]))
REGISTRY.add(ResourceType(CONTACT_TYPE, API_VERSIONS, model="Contact", schema_package="orbital", location="none",
                          hooks=ContactHooks(), names=NameRule(1, 100)))
