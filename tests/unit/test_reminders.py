"""In-app reminders: the window before the start, who is reminded, the polling fragment."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard.extensions import db
from dashboard.models import Session, User
from dashboard.services.reminders import due_reminders
from tests.scheduling_support import enrolment, future, schedule, version_of

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def reminded(client, auth, demo, app) -> int:
    """tutor1/student1 at 10:00 on day 60, reminders 30 minutes before."""
    auth.login("tutor1@example.com")
    return schedule(app, client, auth, notification_enabled="y", alarm_before_minutes="30")[0]


def _due(app, email_id: int, now: datetime) -> list[int]:
    with app.test_request_context():
        user = db.session.get(User, email_id)
        return [r.session.id for r in due_reminders(user, now)]


def test_window_runs_from_the_alarm_until_the_start(app, demo, reminded):
    start = datetime.combine(future(), time(10), tzinfo=LONDON)
    tutor = demo["tutor1@example.com"]
    assert reminded not in _due(app, tutor, start - timedelta(minutes=31))
    assert reminded in _due(app, tutor, start - timedelta(minutes=30))
    assert reminded in _due(app, tutor, start - timedelta(seconds=1))
    assert reminded not in _due(app, tutor, start)


@pytest.mark.parametrize(
    ("email", "due"),
    [
        ("tutor1@example.com", True),
        ("student1@example.com", True),
        ("parent1@example.com", True),
        ("tutor2@example.com", False),
        ("student2@example.com", False),
        ("parent2@example.com", False),
        ("coordinator@example.com", False),
    ],
)
def test_who_is_reminded(app, demo, reminded, email, due):
    now = datetime.combine(future(), time(9, 45), tzinfo=LONDON)
    assert (reminded in _due(app, demo[email], now)) is due


def test_no_reminder_when_disabled_or_cancelled(client, auth, app, demo, reminded):
    now = datetime.combine(future(), time(9, 45), tzinfo=LONDON)
    client.post(
        f"/sessions/{reminded}/cancel",
        data={
            "reason": "tutor-cancelled",
            "csrf_token": auth.csrf_token(),
            "version": version_of(app, reminded),
        },
    )
    assert reminded not in _due(app, demo["tutor1@example.com"], now)
    with app.app_context():
        row = db.session.get(Session, reminded)
        row.status, row.notification_enabled = "scheduled", False
        db.session.commit()
    assert reminded not in _due(app, demo["tutor1@example.com"], now)


def test_reminders_fragment_polls_once_a_minute(client, auth, app, demo):
    soon = datetime.now(LONDON).replace(second=0, microsecond=0) + timedelta(minutes=10)
    with app.app_context():
        row = Session(
            enrolled_courses_id=enrolment(app, "tutor1", "student1"),
            session_date=soon.date(),
            start_time=soon.time(),
            end_time=(soon + timedelta(minutes=30)).time(),
            notification_enabled=True,
            alarm_before_minutes=15,
        )
        db.session.add(row)
        db.session.commit()
        session_id = row.id
    auth.login("student1@example.com")
    response = client.get("/reminders", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert 'hx-trigger="every 60s"' in body
    assert f'href="/sessions/{session_id}"' in body
    assert soon.strftime("%H:%M") in body
    assert client.get("/reminders").status_code == 200  # full page without htmx
    auth.login("student4@example.com")
    assert f'href="/sessions/{session_id}"' not in client.get(
        "/reminders", headers={"HX-Request": "true"}
    ).get_data(as_text=True)


def test_reminders_need_sign_in(client, demo):
    assert client.get("/reminders").status_code == 302
