"""``services/vtimezone.py``: VTIMEZONEs with yearly RRULEs, checked against zoneinfo by ical.js."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from dashboard.services.vtimezone import vtimezone
from tests.feeds.icaljs import ical_js_instants


def test_london_is_two_yearly_rules_without_end_or_comment():
    zone = vtimezone("Europe/London", date(2027, 1, 1), date(2027, 12, 31))
    text = zone.to_ical().decode()
    assert "COMMENT" not in text and "RDATE" not in text
    rules = {str(c.name): c["RRULE"].to_ical().decode() for c in zone.subcomponents if "RRULE" in c}
    assert rules == {
        "DAYLIGHT": "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
        "STANDARD": "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
    }


def test_a_change_of_rule_ends_the_old_one():
    # The United States moved DST from April/October to March/November in 2007.
    zone = vtimezone("America/New_York", date(2005, 6, 1), date(2009, 6, 1))
    rules = sorted(c["RRULE"].to_ical().decode() for c in zone.subcomponents if "RRULE" in c)
    assert rules == [
        "FREQ=YEARLY;BYDAY=1SU;BYMONTH=11",
        "FREQ=YEARLY;BYDAY=2SU;BYMONTH=3",
        "FREQ=YEARLY;UNTIL=20060402T070000Z;BYDAY=1SU;BYMONTH=4",
        "FREQ=YEARLY;UNTIL=20061029T060000Z;BYDAY=-1SU;BYMONTH=10",
    ]


#: Zones with unusual rules: southern hemisphere, half-hour shifts, rule changes, no DST.
MANY_ZONES = (
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Sao_Paulo",
    "America/Santiago",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "Asia/Tehran",
    "Asia/Kolkata",
    "Africa/Casablanca",
    "America/St_Johns",
    "UTC",
)


def test_generated_zones_agree_with_zoneinfo_for_years_of_events():
    """Events twice a month, at 01:30 and 12:00, over four years, in zones of every kind."""
    calendar = Calendar()
    calendar.add("prodid", "-//tests//EN")
    calendar.add("version", "2.0")
    expected = {}
    first, last = date(2025, 1, 1), date(2028, 12, 31)
    for zone in MANY_ZONES:
        calendar.add_component(vtimezone(zone, first, last))
        tz = ZoneInfo(zone)
        day = first
        while day <= last:
            for at in (time(1, 30), time(12)):
                start = datetime.combine(day, at, tzinfo=tz)
                uid = f"{zone}-{start:%Y%m%dT%H%M}"
                event = Event()
                event.add("uid", uid)
                event.add("dtstamp", datetime(2025, 1, 1, tzinfo=UTC))
                event.add("dtstart", start)
                event.add("dtend", start + timedelta(hours=1))  # wall clock, as we write sessions
                calendar.add_component(event)
                expected[uid] = (
                    start.astimezone(UTC),
                    (start + timedelta(hours=1)).astimezone(UTC),
                )
            day += timedelta(days=14)
    assert ical_js_instants(calendar.to_ical()) == expected
