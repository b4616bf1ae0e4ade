"""Calendar feeds as Mozilla's ical.js reads them (issue 11 item 5), and RFC 5545's layout.

ical.js is the parser of Thunderbird and many web calendars; it once showed
every winter session an hour early because it read only the first date of the
VTIMEZONE's comma-separated RDATE lists. These tests hand our feeds and
single-session ``.ics`` files to ical.js itself (``tests/feeds/icaljs.py``)
and compare the UTC instant it computes for every DTSTART and DTEND with
Python's, for centres in three zones, in winter, in summer and across DST changes.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from dashboard.extensions import db
from dashboard.models import Session
from dashboard.timezones import end_date
from tests.feeds.icaljs import ical_js_instants

ZONES = ("Europe/London", "America/New_York", "Australia/Sydney")


def python_instants(app, zone: str) -> dict[str, tuple[datetime, datetime]]:
    """UID → (start, end) of every session, by zoneinfo (RFC 5545 reads times as fold=0 does)."""
    tz = ZoneInfo(zone)
    with app.app_context():
        rows = db.session.execute(
            sa.select(Session.id, Session.session_date, Session.start_time, Session.end_time)
        ).all()
    return {
        f"session-{row.id}@tutoring-dashboard": (
            datetime.combine(row.session_date, row.start_time, tzinfo=tz).astimezone(UTC),
            datetime.combine(
                end_date(row.session_date, row.start_time, row.end_time), row.end_time, tzinfo=tz
            ).astimezone(UTC),
        )
        for row in rows
    }


def dst_changes(zone: str, year: int) -> list[date]:
    """The days in ``year`` on which ``zone`` changes its UTC offset."""
    tz = ZoneInfo(zone)
    days = [date(year, 1, 1) + timedelta(days=n) for n in range(366)]
    noon = [datetime.combine(day, time(12), tzinfo=tz).utcoffset() for day in days]
    changes = zip(days[1:], pairwise(noon), strict=True)
    return [day for day, (before, after) in changes if before != after]


def _slots(zone: str) -> list[tuple[date, time, int]]:
    """(day, start, minutes): mid-winter, mid-summer, and around next year's DST changes."""
    year = date.today().year + 1
    slots = [(date(year, 1, 15), time(10), 60), (date(year, 7, 15), time(10), 60)]
    for change in dst_changes(zone, year):
        eve = change - timedelta(days=1)
        slots += [
            (eve, time(10), 60),  # the day before the change
            (change, time(0, 30), 240),  # 00:30–04:30 across the change
            (eve, time(23), 270),  # 23:00–03:30 across midnight and the change
            (change, time(1, 30), 60),  # in (or next to) the skipped or repeated hour
            (change, time(2, 30), 60),
            (change, time(12), 60),  # the afternoon after it
            (change + timedelta(days=1), time(10), 60),
        ]
    return slots


def _people(build, zone: str) -> dict[str, int]:
    people = {
        role: build.user(role, f"{role}@feeds.example", timezone=zone)
        for role in ("tutor", "student", "parent")
    }
    build.link(people["parent"], people["student"])
    enrolment = build.enrolment(people["tutor"], people["student"])
    for day, start, minutes in _slots(zone):
        build.session(enrolment, day, start, minutes, alarm_enabled=True, alarm_before_minutes=15)
    return people


def _session_id(uid: str) -> int:
    return int(uid.removeprefix("session-").split("@")[0])


def _feed(client, auth, email: str) -> bytes:
    auth.login(email)
    page = client.get("/account/feed").get_data(as_text=True)
    url = re.search(r'value="http://localhost(/feeds/[^"]+\.ics)"', page).group(1)
    response = client.get(url)
    assert response.status_code == 200
    return response.data


@pytest.mark.parametrize("zone", ZONES)
def test_every_feed_event_is_where_python_puts_it(app, client, auth, build, zone):
    app.config["SCHEDULE_TIMEZONE"] = zone  # a centre in this zone, its people too
    _people(build, zone)
    expected = python_instants(app, zone)
    assert len(expected) == len(_slots(zone)) >= 16  # two DST changes a year in each zone
    for email in ("tutor@feeds.example", "parent@feeds.example"):
        ics = _feed(client, auth, email)
        assert ical_js_instants(ics) == expected, email


@pytest.mark.parametrize("zone", ZONES)
def test_single_session_downloads_agree_with_python(app, client, auth, build, zone):
    app.config["SCHEDULE_TIMEZONE"] = zone
    _people(build, zone)
    expected = python_instants(app, zone)
    auth.login("student@feeds.example")
    winter, summer, _eve, across, *_ = sorted(expected, key=_session_id)  # as in _slots
    for uid in (winter, summer, across):
        instants = expected[uid]
        response = client.get(f"/sessions/{_session_id(uid)}.ics")
        assert response.status_code == 200
        assert ical_js_instants(response.data) == {uid: instants}


#: Properties RFC 5545 allows in each component we write (§3.6, §3.7), X- names aside.
ALLOWED = {
    "VCALENDAR": {"PRODID", "VERSION", "CALSCALE", "METHOD"},
    "VTIMEZONE": {"TZID", "LAST-MODIFIED", "TZURL"},
    "STANDARD": {"DTSTART", "TZOFFSETTO", "TZOFFSETFROM", "RRULE", "RDATE", "COMMENT", "TZNAME"},
    "VEVENT": {
        "DTSTAMP", "UID", "DTSTART", "CLASS", "CREATED", "DESCRIPTION", "GEO", "LAST-MODIFIED",
        "LOCATION", "ORGANIZER", "PRIORITY", "SEQUENCE", "STATUS", "SUMMARY", "TRANSP", "URL",
        "RECURRENCE-ID", "RRULE", "DTEND", "DURATION", "ATTACH", "ATTENDEE", "CATEGORIES",
        "COMMENT", "CONTACT", "EXDATE", "REQUEST-STATUS", "RELATED-TO", "RESOURCES", "RDATE",
    },
    "VALARM": {"ACTION", "TRIGGER", "DESCRIPTION", "DURATION", "REPEAT", "SUMMARY", "ATTACH"},
}  # fmt: skip
ALLOWED["DAYLIGHT"] = ALLOWED["STANDARD"]
REQUIRED = {
    "VCALENDAR": {"PRODID", "VERSION"},
    "VTIMEZONE": {"TZID"},
    "STANDARD": {"DTSTART", "TZOFFSETTO", "TZOFFSETFROM"},
    "VEVENT": {"DTSTAMP", "UID", "DTSTART"},
    "VALARM": {"ACTION", "TRIGGER", "DESCRIPTION"},
}
REQUIRED["DAYLIGHT"] = REQUIRED["STANDARD"]


def test_every_property_sits_where_rfc_5545_allows_it(app, client, auth, build):
    _people(build, "Europe/London")
    calendar = Calendar.from_ical(_feed(client, auth, "tutor@feeds.example"))
    seen = set()
    for component in calendar.walk():
        names = {name for name in component if not name.startswith("X-")}
        seen.add(component.name)
        assert names <= ALLOWED[component.name], (component.name, names - ALLOWED[component.name])
        assert REQUIRED[component.name] <= names, component.name
        for values in (component.get("RDATE"), component.get("EXDATE")):
            assert values is None, "RDATE lists are what ical.js misreads"
    assert seen == set(ALLOWED)
    zones = calendar.walk("VTIMEZONE")
    assert [str(zone["TZID"]) for zone in zones] == ["Europe/London"]
    assert calendar.subcomponents[0].name == "VTIMEZONE"  # before the events that use it
