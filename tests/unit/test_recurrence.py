"""Recurring series: RRULE expansion across DST changes, and this / following / all edits.

Expected dates and offsets are worked out by hand from the zones' rules:
Europe (last Sunday of March / October), United States (second Sunday of
March / first Sunday of November), Australia/Sydney (first Sunday of April /
October).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dashboard.extensions import db
from dashboard.models import Session, SessionSeries
from dashboard.services import recurrence
from tests.scheduling_support import (
    enrolment,
    future,
    get_session,
    new_ids,
    session_count,
    session_form,
    version_of,
    weekly_series,
)

LONDON = ZoneInfo("Europe/London")


def stored(rule, tzid, start_day, start, end, schedule=LONDON):
    """(date, start, end) of each occurrence as stored in the schedule zone."""
    return [
        occurrence.stored_in(schedule)
        for occurrence in recurrence.expand(rule, tzid, start_day, start, end)
    ]


def test_weekly_keeps_london_wall_clock_across_both_european_changes():
    rule = recurrence.build_rrule("weekly", tzid="Europe/London", count=3)
    assert rule == "FREQ=WEEKLY;INTERVAL=1;COUNT=3"
    spring = recurrence.expand(rule, "Europe/London", date(2027, 3, 18), time(16), time(17))
    assert [o.start.astimezone(UTC) for o in spring] == [
        datetime(2027, 3, 18, 16, tzinfo=UTC),
        datetime(2027, 3, 25, 16, tzinfo=UTC),
        datetime(2027, 4, 1, 15, tzinfo=UTC),  # BST from Sunday 28 March
    ]
    autumn = recurrence.expand(rule, "Europe/London", date(2027, 10, 21), time(16), time(17))
    assert [o.start.astimezone(UTC).hour for o in autumn] == [15, 15, 16]  # GMT from 31 Oct
    assert {o.start.time() for o in spring + autumn} == {time(16)}


def test_new_york_series_stored_in_london_moves_with_the_gap_between_us_and_eu_rules():
    rule = recurrence.build_rrule("weekly", tzid="America/New_York", count=5)
    assert stored(rule, "America/New_York", date(2027, 3, 7), time(12), time(13)) == [
        (date(2027, 3, 7), time(17), time(18)),  # EST, GMT
        (date(2027, 3, 14), time(16), time(17)),  # EDT from 14 March, still GMT
        (date(2027, 3, 21), time(16), time(17)),
        (date(2027, 3, 28), time(17), time(18)),  # BST from 28 March
        (date(2027, 4, 4), time(17), time(18)),
    ]
    rule = recurrence.build_rrule("weekly", tzid="America/New_York", count=4)
    assert stored(rule, "America/New_York", date(2027, 10, 24), time(12), time(13)) == [
        (date(2027, 10, 24), time(17), time(18)),  # EDT, BST
        (date(2027, 10, 31), time(16), time(17)),  # GMT from 31 Oct, still EDT
        (date(2027, 11, 7), time(17), time(18)),  # EST from 7 November
        (date(2027, 11, 14), time(17), time(18)),
    ]


def test_sydney_daily_series_across_southern_hemisphere_changes():
    rule = recurrence.build_rrule("daily", tzid="Australia/Sydney", count=2)
    utc = ZoneInfo("UTC")
    # DST ends on the first Sunday of April (4 April 2027): AEDT +11 → AEST +10.
    assert stored(rule, "Australia/Sydney", date(2027, 4, 3), time(18), time(19), utc) == [
        (date(2027, 4, 3), time(7), time(8)),
        (date(2027, 4, 4), time(8), time(9)),
    ]
    # DST starts on the first Sunday of October (3 October 2027): AEST +10 → AEDT +11.
    assert stored(rule, "Australia/Sydney", date(2027, 10, 2), time(18), time(19), utc) == [
        (date(2027, 10, 2), time(8), time(9)),
        (date(2027, 10, 3), time(7), time(8)),
    ]
    # The same occurrences as seen by a London centre (BST in April and early October).
    assert stored(rule, "Australia/Sydney", date(2027, 4, 3), time(18), time(19)) == [
        (date(2027, 4, 3), time(8), time(9)),
        (date(2027, 4, 4), time(9), time(10)),
    ]


def test_us_spring_forward_keeps_local_time_for_a_stored_us_schedule():
    rule = recurrence.build_rrule("daily", tzid="America/Chicago", count=3)
    occurrences = recurrence.expand(rule, "America/Chicago", date(2027, 3, 13), time(9), time(10))
    assert [o.start.utcoffset() for o in occurrences] == [
        timedelta(hours=-6),
        timedelta(hours=-5),  # CDT from Sunday 14 March
        timedelta(hours=-5),
    ]
    assert {o.start.time() for o in occurrences} == {time(9)}


def test_biweekly_monthly_and_until():
    biweekly = recurrence.build_rrule("biweekly", tzid="Europe/London", count=3)
    assert biweekly == "FREQ=WEEKLY;INTERVAL=2;COUNT=3"
    assert [
        d for d, _s, _e in stored(biweekly, "Europe/London", date(2027, 1, 4), time(9), time(10))
    ] == [
        date(2027, 1, 4),
        date(2027, 1, 18),
        date(2027, 2, 1),
    ]
    # RFC 5545: a monthly rule on the 31st skips months without one.
    monthly = recurrence.build_rrule("monthly", tzid="Europe/London", count=4)
    assert [
        d for d, _s, _e in stored(monthly, "Europe/London", date(2027, 1, 31), time(9), time(10))
    ] == [
        date(2027, 1, 31),
        date(2027, 3, 31),
        date(2027, 5, 31),
        date(2027, 7, 31),
    ]
    # UNTIL is the end of the local last day, written in UTC: a late-evening
    # Auckland session on that day is still included.
    until = recurrence.build_rrule("weekly", tzid="Pacific/Auckland", until=date(2027, 1, 25))
    assert until == "FREQ=WEEKLY;INTERVAL=1;UNTIL=20270125T105959Z"
    days = recurrence.expand(until, "Pacific/Auckland", date(2027, 1, 4), time(23), time(23, 30))
    assert [o.start.date() for o in days] == [
        date(2027, 1, 4),
        date(2027, 1, 11),
        date(2027, 1, 18),
        date(2027, 1, 25),
    ]


def test_expansion_is_capped_one_past_the_limit():
    rule = recurrence.build_rrule("daily", tzid="Europe/London", until=date(2028, 12, 31))
    assert len(recurrence.expand(rule, "Europe/London", date(2027, 1, 1), time(9), time(10))) == (
        recurrence.MAX_OCCURRENCES + 1
    )


def test_cutting_and_continuing_a_rule():
    rule = "FREQ=WEEKLY;INTERVAL=1;COUNT=6"
    start = datetime(2027, 3, 25, 16)
    before = recurrence.rrule_ending_before(rule, "Europe/London", datetime(2027, 4, 8, 16))
    assert before == "FREQ=WEEKLY;INTERVAL=1;UNTIL=20270408T145959Z"
    kept = recurrence.expand(before, "Europe/London", start.date(), time(16), time(17))
    assert [o.start.date() for o in kept] == [date(2027, 3, 25), date(2027, 4, 1)]
    rest = recurrence.rrule_from(rule, "Europe/London", start.date(), time(16), date(2027, 4, 8))
    assert rest == "FREQ=WEEKLY;INTERVAL=1;COUNT=4"


# --- series through the HTTP interface ----------------------------------------


@pytest.fixture
def series(client, auth, demo, app) -> list[int]:
    """A weekly series of six sessions (tutor1/student1, 10:00–11:00 from day 60), by id."""
    return weekly_series(app, client, auth, 6)


def _complete_directly(app, session_id: int) -> None:
    """Mark an occurrence completed in the database: the app completes only from the start."""
    with app.app_context():
        db.session.execute(
            sa.update(Session)
            .where(Session.id == session_id)
            .values(status="completed", topics_covered=["Fractions"])
        )
        db.session.commit()


def _mark_protected(client, auth, app, ids):
    """#1 completed; #2 has begun (its start is in the past)."""
    _complete_directly(app, ids[1])
    with app.app_context():
        db.session.execute(
            sa.update(Session)
            .where(Session.id == ids[2])
            .values(session_date=date.today() - timedelta(days=1))
        )
        db.session.commit()


def _edit(client, auth, app, session_id, scope, **overrides):
    row = get_session(app, session_id)
    data = session_form(
        enrolment(app, "tutor1", "student1"),
        auth.csrf_token(),
        session_date=row.session_date.isoformat(),
        start_time="12:00",
        end_time="13:30",
        topics="Series topic",
        scope=scope,
        version=row.updated_at.isoformat(),
    )
    data.update(overrides)
    return client.post(f"/sessions/{session_id}/edit", data=data)


def _snapshot(app, ids):
    return {i: get_session(app, i) for i in ids}


def test_series_rows_carry_the_rule(app, series):
    rows = [get_session(app, i) for i in series]
    assert [r.session_date for r in rows] == [future() + timedelta(weeks=n) for n in range(6)]
    pattern = rows[0].recurring_pattern
    assert pattern["rrule"] == "FREQ=WEEKLY;INTERVAL=1;COUNT=6"
    assert pattern["tzid"] == "Europe/London"
    assert {r.recurring_pattern["series_id"] for r in rows} == {pattern["series_id"]}
    assert all(r.is_recurring and r.session_frequency == "weekly" for r in rows)
    with app.app_context():
        row = db.session.get(SessionSeries, pattern["series_id"])
        assert (row.rrule, row.tzid, row.dtstart) == (pattern["rrule"], "Europe/London", future())
        assert (row.start_time, row.end_time) == (time(10), time(11))


def test_edit_page_of_an_occurrence_asks_which_ones(client, app, series):
    page = client.get(f"/sessions/{series[2]}/edit").get_data(as_text=True)
    for label in ("Only this session", "This and following sessions", "All sessions of the series"):
        assert label in page
    assert 'value="12:00"' not in page and 'value="10:00"' in page


def test_edit_all_leaves_completed_started_and_cancelled_occurrences(client, auth, app, series):
    _mark_protected(client, auth, app, series)
    client.post(
        f"/sessions/{series[4]}/cancel",
        data={
            "reason": "tutor-cancelled",
            "csrf_token": auth.csrf_token(),
            "version": version_of(app, series[4]),
        },
    )
    before = _snapshot(app, series)
    response = _edit(client, auth, app, series[3], "all")
    assert response.status_code == 303, response.get_data(as_text=True)
    after = _snapshot(app, series)
    for changed in (series[0], series[3], series[5]):
        assert (after[changed].start_time, after[changed].end_time) == (time(12), time(13, 30))
        assert after[changed].duration == 90 and after[changed].topics == ["Series topic"]
        assert after[changed].session_date == before[changed].session_date
    for untouched in (series[1], series[2], series[4]):
        assert after[untouched].start_time == time(10)
        assert after[untouched].updated_at == before[untouched].updated_at
    assert after[series[1]].status == "completed" and after[series[4]].status == "cancelled"


def test_edit_following_splits_the_series(client, auth, app, series):
    _mark_protected(client, auth, app, series)
    before = _snapshot(app, series)
    old_series = before[series[0]].recurring_pattern["series_id"]
    response = _edit(client, auth, app, series[3], "following")
    assert response.status_code == 303
    after = _snapshot(app, series)
    new_series = after[series[3]].recurring_pattern["series_id"]
    assert new_series != old_series
    assert [after[i].recurring_pattern["series_id"] for i in series] == [old_series] * 3 + [
        new_series
    ] * 3
    assert [after[i].start_time for i in series] == [time(10)] * 3 + [time(12)] * 3
    for protected in series[1:3]:
        assert after[protected].updated_at == before[protected].updated_at
    with app.app_context():
        old = db.session.get(SessionSeries, old_series)
        new = db.session.get(SessionSeries, new_series)
        assert new.parent_series_id == old.id
        assert new.dtstart == future(60 + 21) and new.start_time == time(12)
        assert new.rrule == "FREQ=WEEKLY;INTERVAL=1;COUNT=3"
        assert "UNTIL=" in old.rrule and "COUNT" not in old.rrule
        kept = recurrence.expand(old.rrule, old.tzid, old.dtstart, old.start_time, old.end_time)
        assert [o.start.date() for o in kept] == [future(60 + 7 * n) for n in range(3)]
    assert after[series[3]].recurring_pattern["rrule"] == "FREQ=WEEKLY;INTERVAL=1;COUNT=3"


def test_edit_this_changes_one_occurrence(client, auth, app, series):
    before = _snapshot(app, series)
    assert _edit(client, auth, app, series[2], "this").status_code == 303
    after = _snapshot(app, series)
    assert [after[i].start_time for i in series] == [time(10)] * 2 + [time(12)] + [time(10)] * 3
    assert after[series[2]].recurring_pattern == before[series[2]].recurring_pattern


def test_moving_the_series_to_another_day_is_only_for_this_occurrence(client, auth, app, series):
    before = _snapshot(app, series)
    other_day = (future() + timedelta(days=1)).isoformat()
    response = _edit(client, auth, app, series[0], "all", session_date=other_day)
    assert response.status_code == 422
    assert 'id="session_date-error"' in response.get_data(as_text=True)
    assert _snapshot(app, series)[series[3]].updated_at == before[series[3]].updated_at
    assert _edit(client, auth, app, series[0], "this", session_date=other_day).status_code == 303


def test_cancel_all_and_following(client, auth, app, series):
    _mark_protected(client, auth, app, series)
    response = client.post(
        f"/sessions/{series[4]}/cancel",
        data={
            "reason": "tutor-cancelled",
            "csrf_token": auth.csrf_token(),
            "scope": "following",
            "version": version_of(app, series[4]),
        },
    )
    assert response.status_code == 303
    statuses = [get_session(app, i).status for i in series]
    assert statuses == [
        "scheduled",
        "completed",
        "scheduled",
        "scheduled",
        "cancelled",
        "cancelled",
    ]
    client.post(
        f"/sessions/{series[0]}/cancel",
        data={
            "reason": "tutor-cancelled",
            "csrf_token": auth.csrf_token(),
            "scope": "all",
            "version": version_of(app, series[0]),
        },
    )
    statuses = [get_session(app, i).status for i in series]
    # series[2] has begun (attendance considered marked): kept as it was.
    assert statuses == [
        "cancelled",
        "completed",
        "scheduled",
        "cancelled",
        "cancelled",
        "cancelled",
    ]


def test_series_with_an_end_date_and_its_limits(client, auth, demo, app):
    auth.login("coordinator@example.com")
    course = enrolment(app, "tutor3", "student6")
    before = session_count(app)
    ok = client.post(
        "/sessions/new",
        data=session_form(
            course,
            auth.csrf_token(),
            frequency="biweekly",
            repeat_until=(future() + timedelta(weeks=6)).isoformat(),
        ),
    )
    assert ok.status_code == 303
    assert [get_session(app, i).session_date for i in new_ids(app, before)] == [
        future() + timedelta(weeks=n) for n in (0, 2, 4, 6)
    ]
    for extra, field in (
        ({"frequency": "daily", "repeat_until": future(400).isoformat()}, "repeat_until"),
        ({"frequency": "daily", "repeat_count": "201"}, "repeat_count"),
        ({"frequency": "weekly"}, "repeat_until"),
        (
            {"frequency": "weekly", "repeat_count": "3", "repeat_until": future(90).isoformat()},
            "repeat_until",
        ),
        ({"frequency": "fortnightly", "repeat_count": "3"}, "frequency"),
    ):
        count = session_count(app)
        response = client.post(
            "/sessions/new",
            data=session_form(
                course, auth.csrf_token(), start_time="15:00", end_time="16:00", **extra
            ),
        )
        assert response.status_code == 422, extra
        assert f'id="{field}-error"' in response.get_data(as_text=True), extra
        assert session_count(app) == count


def test_following_from_a_completed_occurrence_leaves_it_alone(client, auth, app, series):
    _complete_directly(app, series[3])
    before = _snapshot(app, series)
    assert _edit(client, auth, app, series[3], "following").status_code == 303
    after = _snapshot(app, series)
    assert after[series[3]].updated_at == before[series[3]].updated_at
    assert after[series[3]].recurring_pattern == before[series[3]].recurring_pattern
    assert [after[i].start_time for i in series] == [time(10)] * 4 + [time(12)] * 2
