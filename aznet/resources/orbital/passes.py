"""Satellite passes over a ground station: SGP4 propagation of a two-line element set (the ``sgp4``
library) and the topocentric transform written out here (TEME -> Earth-fixed by the Greenwich mean
sidereal time, WGS84 station position, east-north-up), then a scan for the intervals above the
minimum elevation with rise and set refined by bisection and the culmination by ternary search.

Polar motion and the equation of the equinoxes are ignored (sub-arcsecond to a few arcseconds at the
station: far below what a pass prediction needs)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sgp4.api import WGS72, Satrec, jday

WGS84_A = 6378.137            # km
WGS84_F = 1 / 298.257223563
STEP = timedelta(seconds=20)  # coarse scan; a LEO pass lasts minutes
TOLERANCE = 0.05              # seconds, for rise and set


class TleError(ValueError):
    pass


def checksum(line: str) -> int:
    """The TLE checksum: the sum of the digits of the first 68 characters, '-' counting 1, modulo 10."""
    return sum(int(c) if c.isdigit() else 1 if c == "-" else 0 for c in line[:68]) % 10


def check_tle(line1: str, line2: str) -> Satrec:
    """Validate a two-line element set as a TLE reader must; returns the SGP4 record."""
    for n, line in ((1, line1), (2, line2)):
        if not isinstance(line, str):
            raise TleError(f"TLE line {n} must be a string.")
        if len(line) != 69:
            raise TleError(f"TLE line {n} must be 69 characters long, not {len(line)}.")
        if not line.startswith(f"{n} "):
            raise TleError(f"TLE line {n} must start with '{n} '.")
        if not line[68].isdigit() or int(line[68]) != checksum(line):
            raise TleError(f"The checksum of TLE line {n} is {line[68]!r}; the line's digits give {checksum(line)}.")
    if line1[2:7] != line2[2:7]:
        raise TleError(f"The satellite numbers of the two TLE lines differ ({line1[2:7]} and {line2[2:7]}).")
    try:
        sat = Satrec.twoline2rv(line1, line2, WGS72)
    except (ValueError, IndexError) as exc:
        raise TleError(f"The TLE does not parse: {exc}.") from None
    if sat.error != 0:
        raise TleError(f"The TLE's elements are not valid (SGP4 error {sat.error}).")
    return sat


def gmst(jd_ut1: float) -> float:
    """Greenwich mean sidereal time (IAU 1982), radians."""
    t = (jd_ut1 - 2451545.0) / 36525.0
    sec = 67310.54841 + (876600.0 * 3600 + 8640184.812866) * t + 0.093104 * t * t - 6.2e-6 * t ** 3
    return math.radians((sec % 86400.0) / 240.0)


def station_ecef(lat_deg: float, lon_deg: float, alt_m: float) -> tuple[float, float, float]:
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    e2 = WGS84_F * (2 - WGS84_F)
    n = WGS84_A / math.sqrt(1 - e2 * math.sin(lat) ** 2)
    h = alt_m / 1000.0
    return ((n + h) * math.cos(lat) * math.cos(lon), (n + h) * math.cos(lat) * math.sin(lon),
            (n * (1 - e2) + h) * math.sin(lat))


@dataclass(frozen=True)
class Station:
    name: str
    lat: float
    lon: float
    alt_m: float
    min_elevation: float = 0.0     # the antenna's horizon mask, degrees


@dataclass(frozen=True)
class Look:
    azimuth: float     # degrees, 0 = north, clockwise
    elevation: float   # degrees


@dataclass(frozen=True)
class Pass:
    rise: datetime
    set: datetime
    culmination: datetime
    rise_look: Look
    set_look: Look
    max_elevation: float


def look(sat: Satrec, station: Station, when: datetime) -> Look:
    jd, fr = jday(when.year, when.month, when.day, when.hour, when.minute, when.second + when.microsecond / 1e6)
    err, r, _ = sat.sgp4(jd, fr)
    if err != 0:
        raise TleError(f"SGP4 cannot propagate the spacecraft to {when.isoformat()} (error {err}).")
    theta = gmst(jd + fr)
    c, s = math.cos(theta), math.sin(theta)
    x, y, z = c * r[0] + s * r[1], -s * r[0] + c * r[1], r[2]
    gx, gy, gz = station_ecef(station.lat, station.lon, station.alt_m)
    dx, dy, dz = x - gx, y - gy, z - gz
    lat, lon = math.radians(station.lat), math.radians(station.lon)
    east = -math.sin(lon) * dx + math.cos(lon) * dy
    north = -math.sin(lat) * math.cos(lon) * dx - math.sin(lat) * math.sin(lon) * dy + math.cos(lat) * dz
    up = math.cos(lat) * math.cos(lon) * dx + math.cos(lat) * math.sin(lon) * dy + math.sin(lat) * dz
    return Look(math.degrees(math.atan2(east, north)) % 360.0, math.degrees(math.atan2(up, math.hypot(east, north))))


def _crossing(sat: Satrec, st: Station, lo: datetime, hi: datetime, min_el: float, rising: bool) -> datetime:
    while (hi - lo).total_seconds() > TOLERANCE:
        mid = lo + (hi - lo) / 2
        above = look(sat, st, mid).elevation >= min_el
        if above == rising:
            hi = mid
        else:
            lo = mid
    return hi if rising else lo


def _culmination(sat: Satrec, st: Station, lo: datetime, hi: datetime) -> datetime:
    for _ in range(60):
        if (hi - lo).total_seconds() < 0.5:
            break
        a, b = lo + (hi - lo) / 3, lo + 2 * (hi - lo) / 3
        if look(sat, st, a).elevation < look(sat, st, b).elevation:
            lo = a
        else:
            hi = b
    return lo + (hi - lo) / 2


def passes(sat: Satrec, station: Station, start: datetime, end: datetime, min_elevation: float,
           min_duration: timedelta = timedelta(0)) -> list[Pass]:
    """The passes above ``min_elevation`` between start and end (a pass in progress at either end is
    cut to the window), at least ``min_duration`` long."""
    out: list[Pass] = []
    t = start
    prev_above = look(sat, station, t).elevation >= min_elevation
    rise: datetime | None = start if prev_above else None
    while t < end:
        nxt = min(t + STEP, end)
        above = look(sat, station, nxt).elevation >= min_elevation
        if above and not prev_above:
            rise = _crossing(sat, station, t, nxt, min_elevation, True)
        elif prev_above and not above and rise is not None:
            out.append(_make(sat, station, rise, _crossing(sat, station, t, nxt, min_elevation, False)))
            rise = None
        prev_above, t = above, nxt
    if prev_above and rise is not None:
        out.append(_make(sat, station, rise, end))
    return [p for p in out if p.set - p.rise >= min_duration and p.set > p.rise]


def _make(sat: Satrec, st: Station, rise: datetime, set_: datetime) -> Pass:
    top = _culmination(sat, st, rise, set_)
    return Pass(rise, set_, top, look(sat, st, rise), look(sat, st, set_), look(sat, st, top).elevation)


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
