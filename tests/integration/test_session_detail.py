"""``GET /sessions/<id>``: every column in words, and who may see it."""

from __future__ import annotations

from datetime import date, time

import pytest
import sqlalchemy as sa

from dashboard.choices import ROLE_PARENT, ROLE_STUDENT, ROLE_TUTOR
from dashboard.extensions import db
from dashboard.models import Session


@pytest.fixture
def lesson(app, build):
    """A recurring hybrid session with reviews, topics and a whiteboard; returns the ids."""
    tutor = build.user(ROLE_TUTOR, "tutor@test.example", "Tina Tutor")
    other_tutor = build.user(ROLE_TUTOR, "other-tutor@test.example", "Otis Tutor")
    student = build.user(ROLE_STUDENT, "student@test.example", "Stu Dent")
    other_student = build.user(ROLE_STUDENT, "other-student@test.example", "Ola Dent")
    parent = build.user(ROLE_PARENT, "parent@test.example", "Pam Parent")
    stranger = build.user(ROLE_PARENT, "stranger@test.example", "Sid Stranger")
    build.link(parent, student)
    build.link(stranger, other_student)
    board = build.whiteboard("https://boards.example.com/b/7", "Tina's board")
    enrolment = build.enrolment(tutor, student, "Geography")
    session_id = build.session(
        enrolment,
        date(2025, 3, 27),
        time(16, 30),
        90,
        session_mode="hybrid",
        location="Room 2",
        whiteboard_id=board,
        topics=["Rivers", "Erosion"],
        topics_covered=["Rivers"],
        student_review_id=41,
        tutor_review_id=None,
        parent_review_id=7,
        tutor_attendance_status="present",
        student_attendance_status="late",
        priority_level="urgent",
        is_recurring=True,
        session_frequency="weekly",
        recurring_pattern={"rrule": "FREQ=WEEKLY;BYDAY=TH;COUNT=10", "tzid": "Europe/London"},
        notification_enabled=True,
        alarm_enabled=True,
        alarm_before_minutes=30,
        is_featured=True,
        status="scheduled",
    )
    build.attendance_taken(session_id, tutor)
    return {
        "id": session_id,
        "tutor": tutor,
        "other_tutor": other_tutor,
        "student": student,
        "enrolment": enrolment,
        "board": board,
    }


def test_every_column_in_words(client, auth, lesson):
    auth.login("tutor@test.example")
    response = client.get(f"/sessions/{lesson['id']}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for expected in (
        "Geography <small>· Thursday 27 March 2025</small>",
        '>16:30</time>–<time datetime="2025-03-27T18:00:00+00:00">18:00</time>',
        "1 hour 30 minutes",
        "Tina Tutor",
        "Stu Dent",
        "<dt>Mode</dt>\n    <dd>hybrid</dd>",
        "<dd>Room 2</dd>",
        '<a href="https://boards.example.com/b/7" rel="noopener noreferrer" target="_blank">'
        "Tina&#39;s board",
        "<dt>Topics planned</dt>\n    <dd>Rivers, Erosion</dd>",
        "<dt>Topics covered</dt>\n    <dd>Rivers</dd>",
        "<dt>Student’s review</dt>\n    <dd>review #41</dd>",
        "<dt>Tutor’s review</dt>\n    <dd>none yet</dd>",
        "<dt>Parent’s review</dt>\n    <dd>review #7</dd>",
        "Repeats every week on Thursday, 10 times (Europe/London time).",
        "Frequency: weekly.",
        "on: shown before the start",
        "on, 30 minutes before the start",
        "<dt>Student attendance</dt>\n    <dd>late</dd>",
        "<dt>Priority</dt>\n    <dd>urgent</dd>",
        "yes, highlighted by a coordinator",
        "<dt>Created</dt>",
        "<dt>Last changed</dt>",
    ):
        assert expected in page, expected
    # The editable summary is the shared card, with its stable id.
    assert f'id="session-{lesson["id"]}"' in page
    calendar = f"/tutors/{lesson['tutor']}/calendar?view=day&amp;date=2025-03-27"
    assert f'href="{calendar}"' in page


def test_plain_one_time_session(client, auth, build, lesson):
    plain = build.session(lesson["enrolment"], date(2025, 4, 1), time(9), 45)
    auth.login("tutor@test.example")
    page = client.get(f"/sessions/{plain}").get_data(as_text=True)
    assert "Does not repeat (one-time session)." in page
    assert "<dt>Whiteboard</dt>\n    <dd>none linked</dd>" in page
    assert "none listed" in page and "none recorded yet" in page
    assert page.count("none yet") == 3  # the three reviews
    assert "online, no room needed" in page
    assert "<dt>Alarm</dt>\n    <dd>off</dd>" in page


def test_whiteboard_that_is_not_a_web_link_is_shown_as_text(client, auth, app, build, lesson):
    evil = build.whiteboard("javascript:alert(1)", "Evil board")
    with app.app_context():
        db.session.execute(
            sa.update(Session).where(Session.id == lesson["id"]).values(whiteboard_id=evil)
        )
        db.session.commit()
    auth.login("tutor@test.example")
    page = client.get(f"/sessions/{lesson['id']}").get_data(as_text=True)
    assert 'href="javascript:' not in page
    assert "its address is not a web link" in page


def test_times_for_a_viewer_in_another_zone(client, auth, build, lesson):
    build.update_user(lesson["student"], timezone="America/New_York")
    auth.login("student@test.example")
    page = client.get(f"/sessions/{lesson['id']}").get_data(as_text=True)
    assert 'datetime="2025-03-27T12:30:00-04:00">12:30' in page
    assert "(America/New_York time)" in page
    assert "scheduled as 16:30–18:00 on Thursday 27 March 2025, Europe/London time" in page


def test_htmx_gets_only_the_detail_block(client, auth, lesson):
    auth.login("tutor@test.example")
    response = client.get(f"/sessions/{lesson['id']}", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith('<section id="session-detail"')
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("tutor@test.example", 200),
        ("student@test.example", 200),
        ("parent@test.example", 200),  # the student's parent
        ("other-tutor@test.example", 403),
        ("other-student@test.example", 403),
        ("stranger@test.example", 403),  # a parent, but not of this student
    ],
)
def test_permissions(client, auth, lesson, email, status):
    auth.login(email)
    response = client.get(f"/sessions/{lesson['id']}")
    assert response.status_code == status
    if status == 403:
        assert "Geography" not in response.get_data(as_text=True)


def test_read_only_roles_get_no_calendar_link(client, auth, lesson):
    auth.login("student@test.example")
    page = client.get(f"/sessions/{lesson['id']}").get_data(as_text=True)
    assert "/calendar" not in page


def test_coordinator_sees_any_session(client, auth, demo):
    auth.login("coordinator@example.com")
    assert client.get("/sessions/1").status_code == 200


def test_unknown_session_is_404(client, auth, demo):
    auth.login("coordinator@example.com")
    assert client.get("/sessions/999999").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, demo):
    response = client.get("/sessions/1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_change_history_only_for_those_who_may_edit(client, auth, lesson):
    auth.login("tutor@test.example")
    page = client.get(f"/sessions/{lesson['id']}").get_data(as_text=True)
    assert f'id="session-history-{lesson["id"]}"' in page
    assert '<input type="hidden" name="oob" value="history">' in page  # edits refresh it
    auth.login("student@test.example")
    page = client.get(f"/sessions/{lesson['id']}").get_data(as_text=True)
    assert "session-history" not in page
