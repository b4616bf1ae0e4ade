"""Changing how a series repeats from one occurrence on: kept, added, cancelled; refusals
write nothing (``POST /sessions/<id>/repeat``, ``dashboard.services.scheduling.repeat``)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from dashboard.choices import ENROLMENT_ENDED
from dashboard.extensions import db
from dashboard.models import EnrolledCourse, Session, SessionSeries
from dashboard.services.scheduling.repeat import REPEAT_CHANGED_REASON
from tests.helpers import database_fingerprint
from tests.integration.lesson_support import rows
from tests.scheduling_support import (
    enrolment,
    future,
    get_session,
    session_count,
    session_form,
    version_of,
    weekly_series,
)


@pytest.fixture
def series(client, auth, demo, app) -> list[int]:
    """Six weekly sessions of tutor1 with student1 from day 60, signed in as tutor1."""
    return weekly_series(app, client, auth, 6)


def change_repeat(client, auth, app, session_id: int, **fields: str):
    data = {"csrf_token": auth.csrf_token(), "version": version_of(app, session_id), **fields}
    return client.post(f"/sessions/{session_id}/repeat", data=data)


def members(app, series_id: int) -> list[Session]:
    """The occurrences of a series, earliest first (detached)."""
    with app.app_context():
        found = list(
            db.session.scalars(
                sa.select(Session)
                .where(Session.recurring_pattern["series_id"].as_integer() == series_id)
                .order_by(Session.session_date)
            )
        )
        db.session.expunge_all()
        return found


def series_row(app, series_id: int) -> SessionSeries:
    with app.app_context():
        row = db.session.get(SessionSeries, series_id)
        db.session.expunge(row)
        return row


def test_extending_from_the_third_keeps_the_first_two_on_the_old_rule(client, auth, app, series):
    first = get_session(app, series[0])
    old_series = first.recurring_pattern["series_id"]
    before = session_count(app)

    response = change_repeat(client, auth, app, series[2], frequency="weekly", repeat_count="8")

    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/sessions/{series[2]}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    summary = "The series repeats anew: 4 sessions kept, 4 sessions added, 0 sessions cancelled."
    assert summary in page
    assert session_count(app) == before + 4
    assert [m.id for m in members(app, old_series)] == series[:2]
    new_series = get_session(app, series[2]).recurring_pattern["series_id"]
    assert new_series != old_series
    after = members(app, new_series)
    assert [m.session_date for m in after] == [future(60 + 7 * n) for n in range(2, 10)]
    assert [m.id for m in after[:4]] == series[2:]
    assert all(m.status == "scheduled" for m in after)
    added = after[4:]
    assert {(m.start_time, m.end_time, m.duration) for m in added} == {(time(10), time(11), 60)}
    assert {tuple(m.topics) for m in added} == {("Fractions", "Decimals")}
    assert {m.enrolled_courses_id for m in added} == {first.enrolled_courses_id}
    assert all(m.is_recurring and m.session_frequency == "weekly" for m in added)
    row = series_row(app, new_series)
    assert row.rrule == "FREQ=WEEKLY;INTERVAL=1;COUNT=8" and row.parent_series_id == old_series
    assert {m.recurring_pattern["rrule"] for m in after} == {row.rrule}


def test_going_fortnightly_from_the_first_cancels_every_other_week(client, auth, app, series):
    old_series = get_session(app, series[0]).recurring_pattern["series_id"]

    response = change_repeat(client, auth, app, series[0], frequency="biweekly", repeat_count="3")

    assert response.status_code == 303, response.get_data(as_text=True)
    after = {m.id: m for m in members(app, old_series)}  # nothing before it: no split
    assert sorted(after) == series
    assert [after[i].status for i in series] == ["scheduled", "cancelled"] * 3
    assert all(after[i].session_frequency == "biweekly" for i in series[::2])
    assert series_row(app, old_series).rrule == "FREQ=WEEKLY;INTERVAL=2;COUNT=3"
    cancelled = rows(
        app,
        "SELECT session_id, reason, reason_text FROM session_cancellations"
        " WHERE session_id = ANY(:ids) ORDER BY session_id",
        ids=series,
    )
    assert cancelled == [(i, "other", REPEAT_CHANGED_REASON) for i in series[1::2]]


def test_an_earlier_end_date_cancels_the_rest_and_an_occurrence_moved_alone_stays(
    client, auth, app, series
):
    moved = get_session(app, series[1])
    with app.app_context():  # moved on its own to the next day (as "only this session" does)
        db.session.execute(
            sa.update(Session)
            .where(Session.id == series[1])
            .values(session_date=moved.session_date + timedelta(days=1))
        )
        db.session.commit()

    response = change_repeat(
        client, auth, app, series[0], frequency="weekly", repeat_until=future(60 + 14).isoformat()
    )

    assert response.status_code == 303, response.get_data(as_text=True)
    after = {i: get_session(app, i) for i in series}
    assert [after[i].status for i in series] == ["scheduled"] * 3 + ["cancelled"] * 3
    assert after[series[1]].session_date == moved.session_date + timedelta(days=1)


def _refused(client, auth, app, session_id, expected_status, **fields):
    fingerprint = database_fingerprint(app)
    response = change_repeat(client, auth, app, session_id, **fields)
    assert response.status_code == expected_status, response.get_data(as_text=True)
    assert database_fingerprint(app) == fingerprint
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"frequency": "weekly"}, "repeat-repeat_until", "Give either an end date or a number"),
        (
            {"frequency": "weekly", "repeat_count": "3", "repeat_until": "2099-01-01"},
            "repeat-repeat_until",
            "Give either an end date or a number",
        ),
        ({"frequency": "weekly", "repeat_count": "201"}, "repeat-repeat_count", "Number must be"),
        ({"frequency": "one-time", "repeat_count": "3"}, "repeat-frequency", "cancel this and"),
        ({"frequency": "hourly", "repeat_count": "3"}, "repeat-frequency", "Choose how often"),
        (
            {"frequency": "weekly", "repeat_until": "2000-01-01"},
            "repeat-repeat_until",
            "must end on or after",
        ),
    ],
)
def test_bad_input_is_422_next_to_its_field_and_writes_nothing(
    client, auth, app, series, fields, field, message
):
    page = _refused(client, auth, app, series[2], 422, **fields)
    assert f'id="{field}-error"' in page
    assert message in page.split(f'id="{field}-error"', 1)[1].split("</small>", 1)[0]


def test_a_stale_form_is_409_and_writes_nothing(client, auth, app, series):
    fingerprint = database_fingerprint(app)
    response = client.post(
        f"/sessions/{series[2]}/repeat",
        data={
            "csrf_token": auth.csrf_token(),
            "version": "2000-01-01T00:00:00",
            "frequency": "weekly",
            "repeat_count": "9",
        },
    )
    assert response.status_code == 409
    assert database_fingerprint(app) == fingerprint


def test_a_one_time_session_or_a_begun_occurrence_is_refused(client, auth, app, demo, series):
    with app.app_context():
        one_time = db.session.scalar(
            sa.select(Session.id).where(Session.is_recurring.is_not(True)).limit(1)
        )
        db.session.execute(
            sa.update(Session)
            .where(Session.id == series[1])
            .values(session_date=date.today() - timedelta(days=1))
        )
        db.session.commit()
    auth.login("coordinator@example.com")
    page = _refused(client, auth, app, one_time, 422, frequency="weekly", repeat_count="3")
    assert "does not repeat" in page
    page = _refused(client, auth, app, series[1], 422, frequency="weekly", repeat_count="3")
    assert "has begun or is completed" in page


def test_added_occurrences_are_conflict_checked_and_a_coordinator_may_override(
    client, auth, app, series
):
    # tutor1 already teaches at 10:00 on the day the extension would add next
    client.post(
        "/sessions/new",
        data=session_form(
            enrolment(app, "tutor1", "student2"),
            auth.csrf_token(),
            session_date=future(60 + 7 * 6).isoformat(),
        ),
    )
    page = _refused(client, auth, app, series[0], 422, frequency="weekly", repeat_count="7")
    assert "These dates overlap other sessions: choose another first day or end" in page

    auth.login("coordinator@example.com")
    response = change_repeat(
        client,
        auth,
        app,
        series[0],
        frequency="weekly",
        repeat_count="7",
        override_reason="Agreed with both families",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    assert rows(
        app,
        "SELECT o.reason FROM session_conflict_overrides o JOIN sessions s ON s.id = o.session_id"
        " WHERE s.session_date = :day AND s.enrolled_courses_id = :course",
        day=future(60 + 7 * 6),
        course=enrolment(app, "tutor1", "student1"),
    ) == [("Agreed with both families",)]


def test_the_edit_page_offers_the_form_only_for_a_series(client, auth, app, demo, series):
    page = client.get(f"/sessions/{series[2]}/edit").get_data(as_text=True)
    assert "Change how it repeats" in page
    assert "The series: Repeats every week, 6 times (Europe/London time)." in page
    assert 'id="repeat-frequency"' in page and '<option selected value="weekly">' in page
    with app.app_context():
        one_time = db.session.scalar(
            sa.select(Session.id).where(Session.is_recurring.is_not(True)).limit(1)
        )
    auth.login("coordinator@example.com")
    assert "Change how it repeats" not in client.get(f"/sessions/{one_time}/edit").get_data(
        as_text=True
    )


def test_an_ended_enrolment_takes_no_added_sessions_but_may_end_sooner(client, auth, app, series):
    with app.app_context():
        db.session.execute(
            sa.update(EnrolledCourse)
            .where(EnrolledCourse.id == enrolment(app, "tutor1", "student1"))
            .values(status=ENROLMENT_ENDED, ended_at=sa.func.now())
        )
        db.session.commit()
    page = _refused(client, auth, app, series[2], 422, frequency="weekly", repeat_count="9")
    assert "this enrolment takes no new dates" in page

    response = change_repeat(client, auth, app, series[2], frequency="weekly", repeat_count="2")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert [get_session(app, i).status for i in series[2:]] == ["scheduled"] * 2 + ["cancelled"] * 2


def test_moving_the_lessons_to_another_weekday_keeps_every_row(client, auth, app, series):
    before = session_count(app)
    thursday = future(60 + 14 + 2)  # two days after the third occurrence

    response = change_repeat(
        client,
        auth,
        app,
        series[2],
        frequency="weekly",
        repeat_count="4",
        starting=thursday.isoformat(),
    )

    assert response.status_code == 303, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "4 sessions kept" not in page and "4 sessions moved" in page
    assert session_count(app) == before
    after = {i: get_session(app, i) for i in series}
    assert [after[i].session_date for i in series[2:]] == [
        thursday + timedelta(weeks=n) for n in range(4)
    ]
    assert [after[i].session_date for i in series[:2]] == [future(60), future(60 + 7)]
    moved = after[series[2]].recurring_pattern
    assert moved["recurrence_id"] == f"{thursday.isoformat()}T10:00"
    assert series_row(app, moved["series_id"]).dtstart == thursday
    # a later change matches the moved rows by their new dates
    again = change_repeat(client, auth, app, series[2], frequency="weekly", repeat_count="5")
    assert again.status_code == 303
    summary = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "4 sessions kept, 1 session added, 0 sessions cancelled" in summary


def test_the_new_rule_cannot_start_in_the_past_or_before_an_earlier_occurrence(
    client, auth, app, series
):
    page = _refused(
        client,
        auth,
        app,
        series[2],
        422,
        frequency="weekly",
        repeat_count="3",
        starting=future(60 + 7).isoformat(),
    )
    assert "after the series&#39; earlier session on" in page
    page = _refused(
        client,
        auth,
        app,
        series[0],
        422,
        frequency="weekly",
        repeat_count="3",
        starting=date.today().replace(year=date.today().year - 1).isoformat(),
    )
    assert "cannot start in the past" in page


def test_the_form_starts_at_the_original_date_of_an_occurrence_moved_alone(
    client, auth, app, series
):
    with app.app_context():
        db.session.execute(
            sa.update(Session).where(Session.id == series[3]).values(session_date=future(60 + 22))
        )
        db.session.commit()
    page = client.get(f"/sessions/{series[3]}/edit").get_data(as_text=True)
    starting = page.split('id="repeat-starting"', 1)[1].split(">", 1)[0]
    assert f'value="{future(60 + 21).isoformat()}"' in starting


def test_a_begun_or_completed_occurrence_keeps_its_date_taken(client, auth, app, series):
    with app.app_context():  # the third was moved on its own to yesterday and taught
        db.session.execute(
            sa.update(Session)
            .where(Session.id == series[2])
            .values(session_date=date.today() - timedelta(days=1), status="completed")
        )
        db.session.commit()
    before = session_count(app)

    response = change_repeat(client, auth, app, series[0], frequency="weekly", repeat_count="6")

    assert response.status_code == 303, response.get_data(as_text=True)
    summary = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "5 sessions kept, 0 sessions added, 0 sessions cancelled" in summary
    assert session_count(app) == before  # no second lesson on the taught one's date
    assert get_session(app, series[2]).status == "completed"


def test_moving_to_another_weekday_keeps_a_cancelled_week_cancelled(client, auth, app, series):
    client.post(
        f"/sessions/{series[1]}/cancel",
        data={
            "csrf_token": auth.csrf_token(),
            "version": version_of(app, series[1]),
            "reason": "student-cancelled",
        },
    )
    wednesday = future(60 + 2)
    response = change_repeat(
        client,
        auth,
        app,
        series[0],
        frequency="weekly",
        repeat_count="6",
        starting=wednesday.isoformat(),
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    after = [get_session(app, i) for i in series]
    assert [s.session_date for s in after] == [wednesday + timedelta(weeks=n) for n in range(6)]
    assert [s.status for s in after] == ["scheduled", "cancelled"] + ["scheduled"] * 4


@pytest.mark.parametrize("field", ["repeat_until", "starting"])
def test_dates_far_ahead_are_refused_not_a_500(client, auth, app, series, field):
    fields = {"frequency": "weekly", "repeat_count": "3", field: "9999-12-31"}
    if field == "repeat_until":
        del fields["repeat_count"]
    page = _refused(client, auth, app, series[0], 422, **fields)
    assert "Choose a date within 10 years from today." in page


def test_a_new_series_ending_far_ahead_is_refused_not_a_500(client, auth, demo, app):
    auth.login("tutor1@example.com")
    before = session_count(app)
    response = client.post(
        "/sessions/new",
        data=session_form(
            enrolment(app, "tutor1", "student1"),
            auth.csrf_token(),
            frequency="weekly",
            repeat_until="9999-12-31",
        ),
    )
    assert response.status_code == 422
    assert "Choose a date within 10 years from today." in response.get_data(as_text=True)
    assert session_count(app) == before
