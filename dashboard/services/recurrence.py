"""Recurring series as RFC 5545 RRULEs, expanded with python-dateutil.

A series is anchored at a *local* date and time in its own IANA zone (the
zone of the person who created it). Every occurrence keeps that local
wall-clock time across daylight-saving changes — a 16:00 Thursday lesson in
Europe/London stays 16:00 after the clocks go back — and is converted to the
schedule zone only when stored in ``sessions``.

dateutil builds each occurrence as ``datetime.combine(day, time(tzinfo=zone))``
from an aware ``dtstart``, so the wall-clock time is preserved by construction.
``UNTIL`` is written in UTC as RFC 5545 requires when DTSTART has a TZID.

Nothing here touches the database; ``dashboard.services.scheduling`` stores
the results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

#: A series never has more occurrences than this (each one is a real row).
MAX_OCCURRENCES = 200

#: session_frequency → (RRULE FREQ, INTERVAL); "one-time" has no rule.
FREQUENCY_RULES: dict[str, tuple[str, int]] = {
    "daily": ("DAILY", 1),
    "weekly": ("WEEKLY", 1),
    "biweekly": ("WEEKLY", 2),
    "monthly": ("MONTHLY", 1),
}

_LIMIT_PART = re.compile(r";?(COUNT|UNTIL)=[^;]*")


@dataclass(frozen=True)
class Occurrence:
    """One occurrence: aware start and end in the series zone."""

    start: datetime
    end: datetime

    def stored_in(self, schedule_zone: ZoneInfo) -> tuple[date, time, time]:
        """(session_date, start_time, end_time) as wall-clock values in ``schedule_zone``."""
        start = self.start.astimezone(schedule_zone)
        end = self.end.astimezone(schedule_zone)
        return start.date(), start.time(), end.time()

    @property
    def recurrence_id(self) -> str:
        """The occurrence's original local start (RFC 5545 RECURRENCE-ID), ISO without zone."""
        return self.start.replace(tzinfo=None).isoformat(timespec="minutes")


def utc_until(last_day: date, tzid: str) -> str:
    """UNTIL value covering every occurrence that starts on ``last_day`` (local) or before."""
    end_of_day = datetime.combine(last_day, time(23, 59, 59), tzinfo=ZoneInfo(tzid))
    return end_of_day.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def build_rrule(
    frequency: str, *, tzid: str, count: int | None = None, until: date | None = None
) -> str:
    """The RRULE value for a frequency ending after ``count`` occurrences or on ``until``."""
    freq, interval = FREQUENCY_RULES[frequency]
    parts = [f"FREQ={freq}", f"INTERVAL={interval}"]
    if count is not None:
        parts.append(f"COUNT={count}")
    elif until is not None:
        parts.append(f"UNTIL={utc_until(until, tzid)}")
    else:
        raise ValueError("a series needs an end date or a count")
    return ";".join(parts)


def expand(
    rrule: str,
    tzid: str,
    dtstart: date,
    start: time,
    end: time,
    limit: int = MAX_OCCURRENCES + 1,
) -> list[Occurrence]:
    """The first ``limit`` occurrences (one more than allowed by default, to spot excess)."""
    zone = ZoneInfo(tzid)
    first = datetime.combine(dtstart, start, tzinfo=zone)
    occurrences: list[Occurrence] = []
    for starts in rrulestr(rrule, dtstart=first):
        if len(occurrences) >= limit:
            break
        occurrences.append(Occurrence(starts, datetime.combine(starts.date(), end, tzinfo=zone)))
    return occurrences


def rrule_ending_before(rrule: str, tzid: str, occurrence_start: datetime) -> str:
    """The rule cut so its last occurrence is the one before ``occurrence_start`` (local)."""
    cut = occurrence_start.replace(tzinfo=ZoneInfo(tzid)) - timedelta(seconds=1)
    base = _LIMIT_PART.sub("", rrule).strip(";")
    return f"{base};UNTIL={cut.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def rrule_from(rrule: str, tzid: str, dtstart: date, start: time, new_start: date) -> str:
    """The rule of the remainder of a series whose first occurrence moves to ``new_start``.

    ``UNTIL`` stays as it was; a ``COUNT`` shrinks by the occurrences before
    ``new_start``.
    """
    match = re.search(r"COUNT=(\d+)", rrule)
    if not match:
        return rrule
    zone = ZoneInfo(tzid)
    cut = datetime.combine(new_start, start, tzinfo=zone)
    before = sum(
        1
        for occurrence in expand(rrule, tzid, dtstart, start, start, limit=MAX_OCCURRENCES)
        if occurrence.start < cut
    )
    remaining = max(int(match.group(1)) - before, 1)
    return rrule.replace(match.group(0), f"COUNT={remaining}")


def parse_recurrence_id(value: str) -> datetime:
    """The naive local datetime stored as an occurrence's ``recurrence_id``."""
    return datetime.fromisoformat(value)
