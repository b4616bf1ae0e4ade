"""``/sessions/new`` and ``/sessions/<id>/edit``: validation, permissions, htmx."""

from __future__ import annotations

from datetime import time

import pytest
import sqlalchemy as sa

from dashboard.extensions import db
from dashboard.models import EnrolledCourse
from tests.scheduling_support import (
    board_of,
    enrolment,
    future,
    get_session,
    new_ids,
    post_new_session,
    schedule,
    session_count,
    session_form,
    version_of,
)


def test_new_form_lists_only_the_tutors_own_courses(client, auth, demo, app):
    auth.login("tutor1@example.com")
    page = client.get("/sessions/new").get_data(as_text=True)
    own = enrolment(app, "tutor1", "student1")
    others = enrolment(app, "tutor2", "student4")
    assert f'value="{own}"' in page
    assert f'value="{others}"' not in page


def test_coordinator_sees_every_course(client, auth, demo, app):
    auth.login("coordinator@example.com")
    page = client.get("/sessions/new").get_data(as_text=True)
    for tutor, student in (("tutor1", "student1"), ("tutor2", "student4"), ("tutor3", "student6")):
        assert f'value="{enrolment(app, tutor, student)}"' in page


def test_tutor_creates_a_session(client, auth, demo, app):
    auth.login("tutor1@example.com")
    before = session_count(app)
    course = enrolment(app, "tutor1", "student1")
    response = post_new_session(
        app,
        client,
        auth,
        start_time="10:15",
        end_time="11:45",
        whiteboard_id=str(board_of(app, "tutor1")),
        notification_enabled="y",
        alarm_enabled="y",
        alarm_before_minutes="30",
    )
    assert response.status_code == 303
    [new_id] = new_ids(app, before)
    assert response.headers["Location"].endswith(f"/sessions/{new_id}")
    row = get_session(app, new_id)
    assert row.enrolled_courses_id == course
    assert row.session_date == future()
    assert str(row.start_time) == "10:15:00" and str(row.end_time) == "11:45:00"
    assert row.duration == 90
    assert row.topics == ["Fractions", "Decimals"]
    assert row.status == "scheduled"
    assert row.notification_enabled and row.alarm_enabled and row.alarm_before_minutes == 30
    assert row.is_recurring is False and row.session_frequency == "one-time"


def test_times_are_read_in_the_viewers_zone(client, auth, demo, app):
    from dashboard.extensions import db
    from dashboard.models import User

    with app.app_context():
        user = db.session.get(User, demo["tutor1@example.com"])
        user.timezone = "America/New_York"
        db.session.commit()
    auth.login("tutor1@example.com")
    day = future()
    [new_id] = schedule(app, client, auth, start_time="09:00", end_time="10:00")
    row = get_session(app, new_id)
    from datetime import datetime
    from zoneinfo import ZoneInfo

    expected = datetime.combine(
        day, datetime.strptime("09:00", "%H:%M").time(), ZoneInfo("America/New_York")
    ).astimezone(ZoneInfo("Europe/London"))
    assert (row.session_date, row.start_time) == (expected.date(), expected.time())


def test_htmx_success_redirects_with_hx_redirect(client, auth, demo, app):
    auth.login("tutor1@example.com")
    response = post_new_session(app, client, auth, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith("/sessions/")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"start_time": "11:00", "end_time": "10:00"}, "end_time", "after the start"),
        ({"start_time": "11:00", "end_time": "11:00"}, "end_time", "after the start"),
        ({"enrolled_courses_id": "999999"}, "enrolled_courses_id", "enrolled courses"),
        ({"enrolled_courses_id": "abc"}, "enrolled_courses_id", "enrolled courses"),
        ({"enrolled_courses_id": ""}, "enrolled_courses_id", "enrolled courses"),
        ({"session_date": "2020-01-06"}, "session_date", "past"),
        ({"session_date": "not-a-date"}, "session_date", "date"),
        ({"session_mode": "in-person", "location": "  "}, "location", "needs a location"),
        ({"session_mode": "teleport"}, "session_mode", "valid choice"),
        ({"topics": "\n".join(f"Topic {i}" for i in range(21))}, "topics", "At most 20"),
        ({"topics": "x" * 201}, "topics", "200 characters"),
        ({"alarm_before_minutes": "10081"}, "alarm_before_minutes", "10080"),
        ({"alarm_before_minutes": "-1"}, "alarm_before_minutes", "10080"),
        ({"priority_level": "whenever"}, "priority_level", "valid choice"),
    ],
)
def test_invalid_input_is_422_with_the_error_next_to_the_field(
    client, auth, demo, app, overrides, field, message
):
    auth.login("tutor1@example.com")
    before = session_count(app)
    response = post_new_session(app, client, auth, **overrides)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    error = page.split(f'id="{field}-error"', 1)[1].split("</small>", 1)[0]
    assert message in error
    assert session_count(app) == before


def test_whiteboard_of_another_tutor_is_refused(client, auth, demo, app):
    auth.login("coordinator@example.com")
    before = session_count(app)
    response = post_new_session(app, client, auth, whiteboard_id=str(board_of(app, "tutor2")))
    assert response.status_code == 422
    assert 'id="whiteboard_id-error"' in response.get_data(as_text=True)
    assert session_count(app) == before


def test_tutor_cannot_schedule_another_tutors_course(client, auth, demo, app):
    auth.login("tutor1@example.com")
    before = session_count(app)
    response = post_new_session(app, client, auth, "tutor2", "student4")
    assert response.status_code == 422
    assert 'id="enrolled_courses_id-error"' in response.get_data(as_text=True)
    assert session_count(app) == before


def test_htmx_error_is_the_form_fragment(client, auth, demo, app):
    auth.login("tutor1@example.com")
    response = post_new_session(app, client, auth, headers={"HX-Request": "true"}, end_time="09:00")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'id="end_time-error"' in body
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("email", ["student1@example.com", "parent1@example.com"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_students_and_parents_are_refused(client, auth, demo, app, email, method):
    auth.login(email)
    before = session_count(app)
    if method == "get":
        response = client.get("/sessions/new")
    else:
        response = post_new_session(app, client, auth)
    assert response.status_code == 403
    assert session_count(app) == before


@pytest.mark.parametrize("path", ["/sessions/new", "/sessions/1/edit"])
def test_anonymous_is_sent_to_login(client, demo, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_edit_form_is_prefilled_and_saves(client, auth, demo, app):
    auth.login("tutor1@example.com")
    [session_id] = schedule(app, client, auth)
    page = client.get(f"/sessions/{session_id}/edit").get_data(as_text=True)
    assert 'value="10:00"' in page and "Fractions\nDecimals" in page
    response = client.post(
        f"/sessions/{session_id}/edit",
        data=session_form(
            enrolment(app, "tutor1", "student1"),
            auth.csrf_token(),
            start_time="12:00",
            end_time="12:45",
            session_mode="in-person",
            location="Room 4",
            priority_level="urgent",
            topics="Ratios",
            scope="this",
            version=version_of(app, session_id),
        ),
    )
    assert response.status_code == 303
    row = get_session(app, session_id)
    assert str(row.start_time) == "12:00:00" and row.duration == 45
    assert row.location == "Room 4" and row.priority_level == "urgent"
    assert row.topics == ["Ratios"]


def test_edit_validation_writes_nothing(client, auth, demo, app):
    auth.login("tutor1@example.com")
    [session_id] = schedule(app, client, auth)
    before = get_session(app, session_id)
    response = client.post(
        f"/sessions/{session_id}/edit",
        data=session_form(
            enrolment(app, "tutor1", "student1"),
            auth.csrf_token(),
            end_time="09:00",
            version=version_of(app, session_id),
        ),
    )
    assert response.status_code == 422
    after = get_session(app, session_id)
    assert (after.end_time, after.updated_at) == (before.end_time, before.updated_at)


def test_edit_of_another_tutors_session_is_403(client, auth, demo, app):
    auth.login("tutor2@example.com")
    [session_id] = schedule(app, client, auth, "tutor2", "student4")
    auth.login("tutor1@example.com")
    assert client.get(f"/sessions/{session_id}/edit").status_code == 403
    response = client.post(
        f"/sessions/{session_id}/edit",
        data=session_form(enrolment(app, "tutor1", "student1"), auth.csrf_token()),
    )
    assert response.status_code == 403
    assert get_session(app, session_id).enrolled_courses_id == enrolment(app, "tutor2", "student4")


@pytest.mark.parametrize("email", ["student1@example.com", "parent1@example.com"])
def test_edit_refused_for_students_and_parents(client, auth, demo, app, email):
    auth.login("tutor1@example.com")
    [session_id] = schedule(app, client, auth)
    auth.login(email)
    assert client.get(f"/sessions/{session_id}/edit").status_code == 403


def test_edit_unknown_session_is_404(client, auth, demo):
    auth.login("coordinator@example.com")
    assert client.get("/sessions/999999/edit").status_code == 404


def test_an_ended_enrolment_takes_no_new_sessions_but_its_sessions_stay_editable(
    app, client, auth, build
):
    build.user("coordinator", "boss@test.example")
    enrolment_id = build.enrolment(build.user("tutor"), build.user("student"), "Chess")
    session_id = build.session(enrolment_id, future(), time(10))
    with app.app_context():
        db.session.execute(
            sa.update(EnrolledCourse)
            .where(EnrolledCourse.id == enrolment_id)
            .values(status="ended", ended_at=sa.func.now())
        )
        db.session.commit()
    auth.login("boss@test.example")
    assert f'value="{enrolment_id}"' not in client.get("/sessions/new").get_data(as_text=True)
    before = session_count(app)
    response = client.post("/sessions/new", data=session_form(enrolment_id, auth.csrf_token()))
    assert response.status_code == 422
    assert "That enrolment has ended" in response.get_data(as_text=True)
    assert session_count(app) == before
    # Its existing session keeps its enrolment as a choice and can still be changed.
    page = client.get(f"/sessions/{session_id}/edit").get_data(as_text=True)
    assert f'value="{enrolment_id}"' in page
    response = client.post(
        f"/sessions/{session_id}/edit",
        data=session_form(
            enrolment_id,
            auth.csrf_token(),
            priority_level="high",
            version=version_of(app, session_id),
        ),
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    assert get_session(app, session_id).priority_level == "high"
