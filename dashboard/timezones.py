"""Session times: stored as wall-clock in the schedule zone, shown in the viewer's.

``sessions.session_date``/``start_time``/``end_time`` carry no zone; they mean
the schedule zone (``SCHEDULE_TIMEZONE``). Pages show them in the signed-in
user's ``users.timezone`` (or ``DEFAULT_USER_TIMEZONE``); zoneinfo handles DST.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import current_app
from flask_login import current_user


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """A cached ``ZoneInfo``; unknown names raise ``ZoneInfoNotFoundError``."""
    return ZoneInfo(name)


def is_valid_zone(name: str) -> bool:
    """True for IANA names zoneinfo knows (e.g. ``Europe/London``)."""
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=1)
def iana_zone_names() -> tuple[str, ...]:
    """The IANA zones a person may choose (``Area/City`` names and ``UTC``), sorted.

    zoneinfo also knows legacy aliases (``EST5EDT``, ``posixrules``…); a picker
    offers only the names people look for.
    """
    return tuple(
        sorted(
            name
            for name in available_timezones()
            if name == "UTC" or ("/" in name and not name.startswith(("Etc/", "SystemV/")))
        )
    )


def schedule_zone() -> ZoneInfo:
    """The zone the ``sessions`` wall-clock columns are in."""
    return zone(current_app.config["SCHEDULE_TIMEZONE"])


def viewer_zone() -> ZoneInfo:
    """The signed-in user's zone, else the configured default."""
    user = current_user._get_current_object()  # None outside a request; one proxy lookup
    name = getattr(user, "timezone", None)
    if name and is_valid_zone(name):
        return zone(name)
    return zone(current_app.config["DEFAULT_USER_TIMEZONE"])


def schedule_datetime(day: date, at: time) -> datetime:
    """An aware datetime for a stored date and wall-clock time."""
    return datetime.combine(day, at, tzinfo=schedule_zone())


def in_viewer_zone(day: date, at: time) -> datetime:
    """A stored date/time converted to the viewer's zone."""
    return schedule_datetime(day, at).astimezone(viewer_zone())


def end_date(day: date, start: time, end: time) -> date:
    """The stored date a session ends on: an end at or before its start is the next day."""
    return day + timedelta(days=1) if end <= start else day


def end_in_viewer_zone(day: date, start: time, end: time) -> datetime:
    """A stored session's end in the viewer's zone (22:00–01:00 ends the next day)."""
    return in_viewer_zone(end_date(day, start, end), end)


def aware_in_viewer_zone(value: datetime | None) -> datetime | None:
    """An aware instant (a ``timestamptz`` column) in the viewer's zone; None stays None."""
    return value.astimezone(viewer_zone()) if value is not None else None
