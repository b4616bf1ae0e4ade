"""Session values in words: relative times, recurrence, links, topics."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard.humanize import (
    describe_rrule,
    is_http_url,
    minutes_label,
    recurrence_summary,
    review_label,
    topic_list,
)
from dashboard.services.upcoming import relative_time

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 5, 14, 10, 0, tzinfo=LONDON)  # a Wednesday morning


def rel(start: datetime, minutes: int = 60) -> str:
    return relative_time(start, start + timedelta(minutes=minutes), NOW)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (NOW - timedelta(minutes=10), "now"),
        (NOW + timedelta(minutes=1), "in 1 minute"),
        (NOW + timedelta(minutes=20), "in 20 minutes"),
        (NOW + timedelta(hours=3), "in 3 hours"),
        (NOW + timedelta(hours=1), "in 1 hour"),
        (NOW.replace(hour=23), "in 13 hours"),
        (NOW.replace(hour=8) + timedelta(days=1), "tomorrow"),
        (NOW.replace(hour=18) + timedelta(days=1), "tomorrow"),
        (NOW + timedelta(days=2), "in 2 days"),
        (NOW + timedelta(days=13), "in 13 days"),
        (NOW + timedelta(days=21), "in 3 weeks"),
        (NOW + timedelta(days=120), "in 4 months"),
        (NOW - timedelta(hours=3), "2 hours ago"),
        (NOW - timedelta(minutes=90), "30 minutes ago"),
        (NOW - timedelta(days=1), "yesterday"),
        (NOW - timedelta(days=5), "5 days ago"),
        (NOW - timedelta(days=30), "4 weeks ago"),
    ],
)
def test_relative_time(start, expected):
    assert rel(start) == expected


def test_relative_time_soon_after_midnight_counts_hours_not_tomorrow():
    late = datetime(2025, 5, 14, 22, 30, tzinfo=LONDON)
    start = datetime(2025, 5, 15, 1, 30, tzinfo=LONDON)
    assert relative_time(start, start + timedelta(hours=1), late) == "in 3 hours"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://whiteboard.example.com/b/1", True),
        ("http://localhost:8080/x", True),
        ("HTTPS://EXAMPLE.COM", True),
        ("javascript:alert(1)", False),
        ("data:text/html,hi", False),
        ("//evil.example", False),
        ("/relative/path", False),
        ("https://", False),
        ("https://exa mple.com", False),
        ("https://example.com/\nx", False),
        ("", False),
        (None, False),
    ],
)
def test_is_http_url(url, ok):
    assert is_http_url(url) is ok


def test_topic_list_accepts_the_shapes_json_can_take():
    assert topic_list(["Fractions", "Ratios"]) == ["Fractions", "Ratios"]
    assert topic_list([{"name": "Forces"}, {"title": "Energy"}]) == ["Forces", "Energy"]
    assert topic_list("Algebra") == ["Algebra"]
    assert topic_list(None) == [] == topic_list([]) == topic_list(["", None])


def test_reviews_and_minutes():
    assert review_label(12) == "review #12"
    assert review_label(None) == "none yet"
    assert minutes_label(45) == "45 minutes"
    assert minutes_label(60) == "1 hour"
    assert minutes_label(90) == "1 hour 30 minutes"
    assert minutes_label(None) == "not recorded"


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("FREQ=WEEKLY", "every week"),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=10",
            "every 2 weeks on Tuesday and Thursday, 10 times",
        ),
        (
            "RRULE:FREQ=MONTHLY;BYDAY=1MO;UNTIL=20250630T000000Z",
            "every month on the first Monday, until 30 June 2025",
        ),
        ("FREQ=DAILY;COUNT=1", "every day, 1 time"),
        ("FREQ=HOURLY", None),
        ("FREQ=WEEKLY;BYDAY=XX", None),
        ("nonsense", None),
    ],
)
def test_describe_rrule(rule, expected):
    assert describe_rrule(rule) == expected


def test_recurrence_summary():
    assert recurrence_summary(False, "weekly", None) == "Does not repeat (one-time session)."
    assert recurrence_summary(True, "biweekly", None) == "Repeats every two weeks."
    assert (
        recurrence_summary(
            True, "weekly", {"rrule": "FREQ=WEEKLY;BYDAY=WE", "tzid": "Europe/London"}
        )
        == "Repeats every week on Wednesday (Europe/London time)."
    )
    assert recurrence_summary(True, None, {"odd": 1}) == "Repeats (no frequency recorded)."
