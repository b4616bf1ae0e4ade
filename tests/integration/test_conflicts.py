"""Overlap checks of the tutor's and the student's other sessions, and coordinator overrides."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from dashboard.extensions import db
from dashboard.models import SessionConflictOverride, SessionSeries, User
from tests.scheduling_support import (
    enrolment,
    future,
    get_session,
    new_ids,
    session_count,
    session_form,
    version_of,
)


def _post(client, auth, app, tutor, student, **overrides):
    return client.post(
        "/sessions/new",
        data=session_form(enrolment(app, tutor, student), auth.csrf_token(), **overrides),
    )


def _create(client, auth, app, tutor="tutor1", student="student1", **overrides) -> int:
    before = session_count(app)
    response = _post(client, auth, app, tutor, student, **overrides)
    assert response.status_code == 303, response.get_data(as_text=True)
    return new_ids(app, before)[0]


def test_tutor_overlap_is_a_conflict_listed_with_a_link(client, auth, demo, app):
    auth.login("tutor1@example.com")
    first = _create(client, auth, app)  # 10:00–11:00 with student1
    before = session_count(app)
    response = _post(client, auth, app, "tutor1", "student2", start_time="10:30", end_time="11:30")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Overlaps with other sessions" in page
    assert f'href="/sessions/{first}"' in page
    assert session_count(app) == before


def test_student_overlap_with_another_tutor_is_a_conflict(client, auth, demo, app):
    auth.login("tutor1@example.com")
    _create(client, auth, app)  # student1 with tutor1, 10:00–11:00
    auth.login("tutor2@example.com")
    response = _post(client, auth, app, "tutor2", "student1", start_time="09:30", end_time="10:01")
    assert response.status_code == 422
    assert "Overlaps with other sessions" in response.get_data(as_text=True)


def test_touching_sessions_do_not_conflict(client, auth, demo, app):
    auth.login("tutor1@example.com")
    _create(client, auth, app)  # 10:00–11:00
    _create(client, auth, app, student="student2", start_time="11:00", end_time="12:00")
    _create(client, auth, app, student="student3", start_time="09:00", end_time="10:00")


def test_other_people_and_cancelled_sessions_do_not_conflict(client, auth, demo, app):
    auth.login("tutor1@example.com")
    first = _create(client, auth, app)
    auth.login("tutor3@example.com")
    _create(client, auth, app, tutor="tutor3", student="student6")  # nobody shared
    auth.login("tutor1@example.com")
    client.post(
        f"/sessions/{first}/cancel",
        data={
            "csrf_token": auth.csrf_token(),
            "version": version_of(app, first),
            "reason": "tutor-cancelled",
        },
    )
    _create(client, auth, app, student="student2")


def test_series_occurrence_conflicts(client, auth, demo, app):
    auth.login("tutor1@example.com")
    _create(client, auth, app, frequency="weekly", repeat_count="4")
    before = session_count(app)
    response = _post(
        client,
        auth,
        app,
        "tutor1",
        "student2",
        session_date=future(60 + 14).isoformat(),
        start_time="10:59",
        end_time="11:30",
    )
    assert response.status_code == 422
    assert session_count(app) == before


def test_new_series_conflicting_once_writes_nothing(client, auth, demo, app):
    auth.login("tutor1@example.com")
    _create(client, auth, app, student="student2", session_date=future(60 + 21).isoformat())
    before = session_count(app)
    with app.app_context():
        series_before = db.session.scalar(sa.select(sa.func.count()).select_from(SessionSeries))
    response = _post(client, auth, app, "tutor1", "student1", frequency="weekly", repeat_count="6")
    assert response.status_code == 422
    assert future(60 + 21).strftime("%d %b %Y") in response.get_data(as_text=True)
    assert session_count(app) == before
    with app.app_context():
        assert (
            db.session.scalar(sa.select(sa.func.count()).select_from(SessionSeries))
            == series_before
        )


def test_coordinator_overrides_with_a_reason(client, auth, demo, app):
    auth.login("coordinator@example.com")
    _create(client, auth, app)
    no_reason = _post(client, auth, app, "tutor1", "student2")
    assert no_reason.status_code == 422
    assert 'id="override_reason-error"' in no_reason.get_data(as_text=True)
    session_id = _create(
        client, auth, app, student="student2", override_reason="Joint revision class"
    )
    with app.app_context():
        overrides = db.session.scalars(sa.select(SessionConflictOverride)).all()
        assert [(o.session_id, o.reason, o.user_id) for o in overrides] == [
            (session_id, "Joint revision class", demo["coordinator@example.com"])
        ]


def test_tutor_cannot_override(client, auth, demo, app):
    auth.login("tutor1@example.com")
    _create(client, auth, app)
    before = session_count(app)
    response = _post(client, auth, app, "tutor1", "student2", override_reason="I really want to")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "choose another time" in page
    assert 'name="override_reason"' not in page  # no override field offered to tutors
    assert session_count(app) == before
    with app.app_context():
        assert (
            db.session.scalar(sa.select(sa.func.count()).select_from(SessionConflictOverride)) == 0
        )


def test_reschedule_into_a_conflict(client, auth, demo, app):
    auth.login("tutor1@example.com")
    _create(client, auth, app)  # 10:00–11:00 on day 60
    moving = _create(client, auth, app, student="student2", session_date=future(61).isoformat())
    data = {
        "csrf_token": auth.csrf_token(),
        "session_date": future().isoformat(),
        "start_time": "10:30",
        "end_time": "11:00",
        "version": version_of(app, moving),
    }
    assert client.post(f"/sessions/{moving}/reschedule", data=data).status_code == 422
    assert get_session(app, moving).session_date == future(61)
    auth.login("coordinator@example.com")
    data.update(csrf_token=auth.csrf_token(), override_reason="Parents asked")
    assert client.post(f"/sessions/{moving}/reschedule", data=data).status_code == 303
    assert get_session(app, moving).session_date == future()


def test_edit_keeping_its_own_slot_is_not_a_conflict_with_itself(client, auth, demo, app):
    auth.login("tutor1@example.com")
    session_id = _create(client, auth, app)
    response = client.post(
        f"/sessions/{session_id}/edit",
        data=session_form(
            enrolment(app, "tutor1", "student1"),
            auth.csrf_token(),
            start_time="10:30",
            end_time="11:15",
            version=version_of(app, session_id),
        ),
    )
    assert response.status_code == 303
    assert get_session(app, session_id).end_time.strftime("%H:%M") == "11:15"
    assert timedelta(minutes=get_session(app, session_id).duration) == timedelta(minutes=45)


def test_the_override_reason_is_on_the_session_page_for_its_editors(client, auth, demo, app):
    auth.login("coordinator@example.com")
    _create(client, auth, app)
    session_id = _create(
        client, auth, app, student="student2", override_reason="Joint <revision> class"
    )
    page = client.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert "Saved despite a conflict" in page
    assert "Clara Coordinator: “Joint &lt;revision&gt; class”" in page
    auth.login("tutor1@example.com")  # the session's tutor may edit it, so sees why
    assert "Joint &lt;revision&gt; class" in client.get(f"/sessions/{session_id}").get_data(
        as_text=True
    )
    auth.login("student2@example.com")  # a student sees the session, not the bookkeeping
    page = client.get(f"/sessions/{session_id}")
    assert page.status_code == 200
    assert "Saved despite a conflict" not in page.get_data(as_text=True)


def test_coordinators_see_every_override_newest_first(client, auth, demo, app):
    auth.login("coordinator@example.com")
    _create(client, auth, app)
    first = _create(client, auth, app, student="student2", override_reason="Joint <b>class</b>")
    with app.app_context():  # the second override a minute later than the first
        db.session.execute(
            sa.update(SessionConflictOverride).values(
                created_at=SessionConflictOverride.created_at - sa.text("interval '1 minute'")
            )
        )
        db.session.commit()
    second = _create(
        client, auth, app, tutor="tutor1", student="student3", override_reason="Exam week"
    )
    page = client.get("/coordinator/overrides").get_data(as_text=True)
    assert page.index("Exam week") < page.index("Joint &lt;b&gt;class&lt;/b&gt;")
    assert f'href="/sessions/{second}"' in page and f'href="/sessions/{first}"' in page
    assert "Clara Coordinator" in page
    fragment = client.get("/coordinator/overrides", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)
    assert 'id="overrides"' in fragment.get_data(as_text=True)
    assert 'href="/coordinator/overrides">Conflict overrides<' in client.get(
        "/coordinator/sessions"
    ).get_data(as_text=True)


def test_the_overrides_list_pages_and_refuses_a_bad_page(client, auth, demo, app):
    auth.login("coordinator@example.com")
    empty = client.get("/coordinator/overrides").get_data(as_text=True)
    assert "No session has been saved despite a conflict yet." in empty
    assert client.get("/coordinator/overrides?page=0").status_code == 400
    assert "page must be a whole number" in client.get("/coordinator/overrides?page=x").get_data(
        as_text=True
    )
    past = client.get("/coordinator/overrides?page=7")
    assert past.status_code == 200 and "There is no page 7" in past.get_data(as_text=True)


def test_override_times_are_shown_in_the_viewers_zone(client, auth, demo, app):
    auth.login("coordinator@example.com")
    _create(client, auth, app)
    session_id = _create(client, auth, app, student="student2", override_reason="Exam week")
    with app.app_context():  # overridden at midnight UTC on New Year's Day 2025 …
        db.session.execute(
            sa.text(
                "UPDATE session_conflict_overrides SET created_at = "
                "timestamptz '2025-01-01 00:00:00+00' AT TIME ZONE current_setting('TimeZone')"
            )
        )
        db.session.execute(
            sa.update(User)
            .where(User.id == demo["coordinator@example.com"])
            .values(timezone="Asia/Tokyo")
        )
        db.session.commit()
    # … which is 09:00 in Tokyo
    for url in ("/coordinator/overrides", f"/sessions/{session_id}"):
        assert "1 January 2025, 09:00" in client.get(url).get_data(as_text=True), url
