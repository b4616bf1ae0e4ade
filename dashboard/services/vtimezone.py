"""VTIMEZONE components (RFC 5545 §3.6.5) that every calendar client reads the same way.

The icalendar package writes a zone as a few STANDARD/DAYLIGHT components
whose RDATE lists every transition, comma-separated on one property. Mozilla's
ical.js (Thunderbird and many web calendars) reads only the first date of such
a list, so it saw Europe/London as +01:00 all year and showed every winter
session an hour early. So we write the zone the way calendar programs do
themselves: one STANDARD or DAYLIGHT component per run of years in which a
transition follows the same yearly rule ("last Sunday of October at 02:00"),
with an RRULE, and a plain component (DTSTART only) for a one-off change.

The transitions come from zoneinfo (the tzdata package), found by scanning the
years the calendar needs. The last run of each rule is left open-ended, as in
tzdata itself, so the zone does not stop at some fixed year.
"""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: Scan step: no zone changes its offset twice within half a day.
_STEP = timedelta(hours=12)


@dataclass(frozen=True)
class _State:
    """What the zone's clocks say during one stretch of time."""

    offset: timedelta
    name: str
    dst: bool


@dataclass(frozen=True)
class _Transition:
    """One change of the zone's offset (or name) at ``instant`` (UTC)."""

    instant: datetime
    before: _State
    after: _State

    @property
    def onset(self) -> datetime:
        """The local wall-clock time of the change, in the offset before it (RFC 5545 DTSTART)."""
        return (self.instant + self.before.offset).replace(tzinfo=None)

    @property
    def kind(self) -> tuple[bool, timedelta, timedelta, str]:
        """Transitions of one kind can share a component: same offsets, name, DST flag."""
        return (self.after.dst, self.before.offset, self.after.offset, self.after.name)

    def rules(self) -> set[tuple[str, str]]:
        """The yearly rules this transition's date fits, as (RRULE part, value) pairs."""
        day = self.onset
        weekday = _WEEKDAYS[day.weekday()]
        last_day = month_calendar.monthrange(day.year, day.month)[1]
        nth = (day.day - 1) // 7 + 1
        nth_from_end = (last_day - day.day) // 7 + 1
        return {
            ("BYDAY", f"{nth}{weekday}"),
            ("BYDAY", f"-{nth_from_end}{weekday}"),
            ("BYMONTHDAY", str(day.day)),
        }


@dataclass(frozen=True)
class _Observance:
    """One STANDARD/DAYLIGHT component: a first onset, and maybe a yearly rule to ``until``."""

    first: _Transition
    rule: tuple[str, str] | None = None
    until: datetime | None = None  # UTC instant of the last occurrence; None = open-ended


def vtimezone(tzid: str, first: date, last: date) -> Timezone:
    """A VTIMEZONE for ``tzid`` that is right for every moment from ``first`` to ``last``."""
    initial, observances = _observances(tzid, first.year, last.year)
    component = Timezone()
    component.add("tzid", tzid)
    # The state the scan starts in (offset before = after), then every change.
    for observance in (_Observance(initial), *observances):
        component.add_component(_component(observance))
    return component


@lru_cache(maxsize=64)
def _observances(
    tzid: str, first_year: int, last_year: int
) -> tuple[_Transition, tuple[_Observance, ...]]:
    """The zone's state at the start of the scan, and its observances from then on.

    The scan starts a year before ``first_year`` (so the change before the
    first event is included) and ends after ``last_year + 1``.
    """
    zone = ZoneInfo(tzid)
    start = datetime(first_year - 1, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 2, 1, 1, tzinfo=UTC)
    initial_state = _state(zone, start)
    initial = _Transition(start, initial_state, initial_state)
    transitions = _transitions(zone, start, end)
    by_kind: dict[tuple, list[_Transition]] = {}
    for transition in transitions:
        by_kind.setdefault(transition.kind, []).append(transition)
    observances = [
        observance
        for same_kind in by_kind.values()
        for observance in _runs(same_kind, last_scanned_year=end.year - 1)
    ]
    observances.sort(key=lambda observance: observance.first.instant)
    return initial, tuple(observances)


def _state(zone: ZoneInfo, instant: datetime) -> _State:
    local = instant.astimezone(zone)
    return _State(local.utcoffset() or timedelta(0), local.tzname() or "", bool(local.dst()))


def _transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[_Transition]:
    """Every change of offset, name or DST flag between ``start`` and ``end``, to the second."""
    found = []
    at, state = start, _state(zone, start)
    while at < end:
        later = at + _STEP
        later_state = _state(zone, later)
        if later_state != state:
            low, high = at, later  # state(low) == state, state(high) != state
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _state(zone, middle) == state:
                    low = middle
                else:
                    high = middle
            instant = high.replace(microsecond=0)
            found.append(_Transition(instant, state, _state(zone, instant)))
        at, state = later, later_state
    return found


def _runs(transitions: list[_Transition], last_scanned_year: int) -> list[_Observance]:
    """Group transitions of one kind into yearly rules over consecutive years."""
    runs: list[list[_Transition]] = []
    shared: list[set[tuple[str, str]]] = []
    for transition in transitions:
        if runs:
            previous = runs[-1][-1]
            common = shared[-1] & transition.rules()
            if (
                common
                and transition.onset.year == previous.onset.year + 1
                and transition.onset.month == previous.onset.month
                and transition.onset.time() == previous.onset.time()
            ):
                runs[-1].append(transition)
                shared[-1] = common
                continue
        runs.append([transition])
        shared.append(transition.rules())
    observances = []
    for run, rules in zip(runs, shared, strict=True):
        if len(run) == 1:
            observances.append(_Observance(run[0]))
            continue
        open_ended = run[-1].onset.year == last_scanned_year
        observances.append(
            _Observance(run[0], _preferred(rules), None if open_ended else run[-1].instant)
        )
    return observances


def _preferred(rules: set[tuple[str, str]]) -> tuple[str, str]:
    """The rule to write when several fit every year: "last Sunday" over "4th Sunday"."""
    return sorted(rules, key=lambda rule: (rule[0] != "BYDAY", not rule[1].startswith("-")))[0]


def _component(observance: _Observance) -> TimezoneStandard | TimezoneDaylight:
    """The STANDARD or DAYLIGHT component of one observance."""
    transition, after = observance.first, observance.first.after
    component = TimezoneDaylight() if after.dst else TimezoneStandard()
    component.add("dtstart", transition.onset)
    component.add("tzoffsetfrom", transition.before.offset)
    component.add("tzoffsetto", after.offset)
    if after.name:
        component.add("tzname", after.name)
    if observance.rule is not None:
        part, value = observance.rule
        rrule: dict[str, object] = {
            "freq": "YEARLY",
            "bymonth": transition.onset.month,
            part.lower(): value if part == "BYDAY" else int(value),
        }
        if observance.until is not None:
            rrule["until"] = observance.until
        component.add("rrule", rrule)
    return component
