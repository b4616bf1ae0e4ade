"""Attendance is taken, not assumed: before the start only "excused", none when cancelled,
"attendance not taken" once started, who/when recorded, and the coordinators' overdue list."""

from __future__ import annotations

import html
import re

import pytest

from dashboard.services.attendance import BEFORE_START_MESSAGE, CANCELLED_MESSAGE
from tests.integration.edits_support import login
from tests.integration.lesson_support import make_centre, rows, scalar, slot, version

TAKEN_SQL = "SELECT taken_by FROM session_attendance WHERE session_id = :id"


@pytest.fixture
def centre(app, build):
    return make_centre(app, build)


def text(response) -> str:
    """The body with HTML entities decoded (messages contain apostrophes)."""
    return html.unescape(response.get_data(as_text=True))


def card(client, session_id: int) -> str:
    """The session's card as the detail page shows it."""
    body = client.get(f"/sessions/{session_id}").get_data(as_text=True)
    start = body.index(f'id="session-{session_id}"')
    return body[start : body.index("</article>", start)]


def post_attendance(poster, app, session_id, **fields):
    return poster.post(
        f"/sessions/{session_id}/attendance", {"version": version(app, session_id), **fields}
    )


def test_a_future_session_takes_only_excused(app, client, centre):
    poster = login(client, "tutor@test.example")
    before = rows(app, "SELECT * FROM sessions WHERE id = :id", id=centre.future)
    response = post_attendance(poster, app, centre.future, student_attendance_status="absent")
    assert response.status_code == 422
    assert BEFORE_START_MESSAGE in text(response)
    assert rows(app, "SELECT * FROM sessions WHERE id = :id", id=centre.future) == before
    assert rows(app, TAKEN_SQL, id=centre.future) == []

    response = post_attendance(poster, app, centre.future, student_attendance_status="excused")
    assert response.status_code == 200
    assert (
        scalar(
            app, "SELECT student_attendance_status FROM sessions WHERE id = :id", id=centre.future
        )
        == "excused"
    )
    assert rows(app, TAKEN_SQL, id=centre.future) == [(centre.tutor,)]


def test_a_future_card_offers_only_excused_and_shows_no_attendance(app, client, centre):
    login(client, "tutor@test.example")
    body = card(client, centre.future)
    assert 'value="excused"' in body
    assert 'name="tutor_attendance_status"' in body  # the "Tutor excused" button
    assert '<select name="student_attendance_status"' not in body
    assert "not taken" not in body and "student present" not in body


def test_a_started_session_without_a_record_says_not_taken(app, client, centre):
    login(client, "tutor@test.example")
    body = card(client, centre.past)
    assert "attendance not taken" in body
    assert "student present" not in body
    detail = client.get(f"/sessions/{centre.past}").get_data(as_text=True)
    assert "not taken yet" in detail


def test_taking_attendance_records_who_and_when_in_the_same_transaction(app, client, centre):
    poster = login(client, "tutor@test.example")
    response = post_attendance(
        poster,
        app,
        centre.past,
        tutor_attendance_status="present",
        student_attendance_status="present",
    )
    assert response.status_code == 200
    assert "tutor present, student present" in response.get_data(as_text=True)
    assert rows(app, TAKEN_SQL, id=centre.past) == [(centre.tutor,)]
    detail = client.get(f"/sessions/{centre.past}").get_data(as_text=True)
    assert re.search(r"taken .* by Tia Tutor", detail)


def test_a_cancelled_session_takes_no_attendance_and_shows_no_controls(app, client, centre):
    poster = login(client, "tutor@test.example")
    body = card(client, centre.cancelled)
    assert "edit-attendance" not in body
    assert "attendance" not in body.split("session-controls")[0].split("</header>")[1]
    response = post_attendance(poster, app, centre.cancelled, student_attendance_status="excused")
    assert response.status_code == 422
    assert CANCELLED_MESSAGE in text(response)
    assert rows(app, TAKEN_SQL, id=centre.cancelled) == []


def test_bulk_refuses_a_future_row_and_writes_nothing(app, client, centre):
    poster = login(client, "tutor@test.example")
    form = {
        "action": "all-present",
        "session_id": [str(centre.past), str(centre.future)],
        f"version-{centre.past}": version(app, centre.past),
        f"version-{centre.future}": version(app, centre.future),
    }
    response = poster.post("/sessions/attendance/bulk", form)
    assert response.status_code == 422
    assert "need attention" in text(response)
    assert rows(app, "SELECT session_id FROM session_attendance") == []


# --- the coordinators' list ----------------------------------------------------------

#: An independent statement of "not taken 24 h after the end" (Europe/London wall clock).
OVERDUE_SQL = """
SELECT ec.tutor_id, count(*)
FROM sessions s JOIN enrolled_courses ec ON ec.id = s.enrolled_courses_id
WHERE (s.session_date + s.end_time) AT TIME ZONE :zone < now() - interval '24 hours'
  AND s.status IS DISTINCT FROM 'cancelled'
  AND s.id NOT IN (SELECT session_id FROM session_attendance)
GROUP BY ec.tutor_id ORDER BY ec.tutor_id
"""


def test_the_overdue_list_counts_what_sql_finds(app, client, build, centre):
    other_enrolment = build.enrolment(centre.other_tutor, centre.student, "Physics")
    build.session(other_enrolment, *slot(app, -5, 9))
    build.session(other_enrolment, *slot(app, -5, 12))
    build.session(other_enrolment, *slot(app, -4, 9), status="cancelled")
    build.session(other_enrolment, *slot(app, 0, 0))  # ended today: not yet overdue
    expected = rows(app, OVERDUE_SQL, zone=app.config["SCHEDULE_TIMEZONE"])
    assert dict(expected) == {centre.tutor: 2, centre.other_tutor: 2}  # past + completed

    login(client, "coord@test.example")
    page = client.get("/coordinator/attendance")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    counts = dict(
        (int(tutor), int(count))
        for tutor, count in re.findall(r'data-tutor-id="(\d+)">(\d+)<', body)
    )
    assert counts == dict(expected)
    assert "4 sessions without attendance" in body
    assert f'href="/sessions/{centre.past}"' in body


def test_all_present_from_the_list_takes_a_tutor_day(app, client, build, centre):
    other_enrolment = build.enrolment(centre.other_tutor, centre.student, "Physics")
    first = build.session(other_enrolment, *slot(app, -5, 9))
    second = build.session(other_enrolment, *slot(app, -5, 12))
    poster = login(client, "coord@test.example")
    body = client.get("/coordinator/attendance").get_data(as_text=True)
    form = next(
        part for part in body.split("<form")[1:] if f'name="session_id" value="{first}"' in part
    )
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    assert f'name="session_id" value="{second}"' in form
    data = {key: value for key, value in fields.items() if key not in ("csrf_token", "session_id")}
    data["session_id"] = [str(first), str(second)]
    response = poster.post("/sessions/attendance/bulk", data, htmx=False)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/coordinator/attendance")
    taken = rows(app, "SELECT session_id, taken_by FROM session_attendance ORDER BY 1")
    assert taken == [(first, centre.coordinator), (second, centre.coordinator)]
    assert rows(
        app,
        "SELECT DISTINCT tutor_attendance_status, student_attendance_status FROM sessions"
        " WHERE id IN (:a, :b)",
        a=first,
        b=second,
    ) == [("present", "present")]
    assert f'value="{first}"' not in client.get("/coordinator/attendance").get_data(as_text=True)
