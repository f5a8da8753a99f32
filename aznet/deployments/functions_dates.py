"""Date template functions: dateTimeAdd(), dateTimeFromEpoch(), dateTimeToEpoch() (utcNow() lives with the
value functions)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

from .errors import ExpressionError
from .evaluate import Ctx
from .registry import fn, want, want_int
from .values import utc_now

_DURATION = re.compile(r"^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                       r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_ISO = "yyyy-MM-ddTHH:mm:ssZ"


def parse_datetime(name: str, text: Any) -> tuple[dt.datetime, str]:
    """An ISO 8601 timestamp, as UTC, with the output format that matches how it was written."""
    raw = want(name, text, str).strip()
    value = raw.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", raw) else raw
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ExpressionError(f"The template language function '{name}' cannot parse '{raw}' as an ISO 8601 "
                              "date and time.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    fmt = "u" if " " in raw else _ISO
    return parsed.astimezone(dt.UTC), fmt


def _add_months(t: dt.datetime, months: int) -> dt.datetime:
    y, m = divmod(t.month - 1 + months, 12)
    year, month = t.year + y, m + 1
    if not 1 <= year <= 9999:
        raise ExpressionError("The template language function 'dateTimeAdd' produced a date out of range.")
    return t.replace(year=year, month=month, day=min(t.day, calendar.monthrange(year, month)[1]))


@fn("dateTimeAdd", 2, 3)
def _date_time_add(ctx: Ctx, base: Any, duration: Any, fmt: Any = None) -> str:
    t, base_fmt = parse_datetime("dateTimeAdd", base)
    m = _DURATION.match(want("dateTimeAdd", duration, str).strip())
    if m is None or not any(m.groups()[1:]):
        raise ExpressionError(f"The template language function 'dateTimeAdd' cannot parse '{duration}' as an ISO "
                              "8601 duration (for example 'P3Y', '-P9D' or 'PT1H').")
    sign = -1 if m.group(1) else 1
    years, months, weeks, days, hours, minutes = (int(g or 0) for g in m.groups()[1:7])
    seconds = float(m.group(8) or 0)
    try:
        t = _add_months(t, sign * (years * 12 + months))
        t = t + sign * dt.timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:
        raise ExpressionError("The template language function 'dateTimeAdd' produced a date out of range.") from None
    return utc_now(want("dateTimeAdd", fmt, str) if fmt is not None else base_fmt, t)


@fn("dateTimeFromEpoch", 1)
def _date_time_from_epoch(ctx: Ctx, epoch: Any) -> str:
    seconds = want_int("dateTimeFromEpoch", epoch, "epoch time")
    try:
        t = dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise ExpressionError(f"The template language function 'dateTimeFromEpoch' got an epoch time out of "
                              f"range: {seconds}.") from None
    return utc_now(_ISO, t)


@fn("dateTimeToEpoch", 1)
def _date_time_to_epoch(ctx: Ctx, text: Any) -> int:
    t, _ = parse_datetime("dateTimeToEpoch", text)
    return int(t.timestamp())
