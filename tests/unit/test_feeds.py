"""Calendar feeds: produced through HTTP, parsed back with icalendar."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from dashboard.extensions import db
from dashboard.models import EnrolledCourse, Session, User
from tests.scheduling_support import (
    board_of,
    future,
    schedule,
    version_of,
)


def _feed_url(client) -> str:
    page = client.get("/account/feed").get_data(as_text=True)
    match = re.search(r'value="http://localhost(/feeds/[^"]+\.ics)"', page)
    assert match, page
    return match.group(1)


def _events(response) -> dict[str, object]:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def _session_ids(app, **where) -> set[int]:
    with app.app_context():
        query = sa.select(Session.id).join(
            EnrolledCourse, EnrolledCourse.id == Session.enrolled_courses_id
        )
        for column, values in where.items():
            query = query.where(getattr(EnrolledCourse, column).in_(values))
        return set(db.session.scalars(query))


def test_feed_events_uids_zones_alarm_and_location(client, auth, demo, app):
    auth.login("tutor1@example.com")
    [in_person] = schedule(
        app,
        client,
        auth,
        session_mode="in-person",
        location="Room 2",
        alarm_enabled="y",
        alarm_before_minutes="30",
    )
    [online] = schedule(
        app,
        client,
        auth,
        start_time="12:00",
        end_time="13:00",
        whiteboard_id=str(board_of(app, "tutor1")),
    )
    url = _feed_url(client)
    auth.logout()
    response = client.get(url)  # no sign-in needed
    calendar = Calendar.from_ical(response.data)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    events = _events(response)
    event = events[f"session-{in_person}@tutoring-dashboard"]
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event["DTSTART"].dt.replace(tzinfo=None).isoformat() == f"{future()}T10:00:00"
    assert event["DTEND"].dt.replace(tzinfo=None).isoformat() == f"{future()}T11:00:00"
    assert str(event["LOCATION"]) == "Room 2"
    assert str(event["STATUS"]) == "CONFIRMED"
    [alarm] = event.walk("VALARM")
    assert alarm["TRIGGER"].dt == timedelta(minutes=-30)
    assert str(alarm["ACTION"]) == "DISPLAY"
    other = events[f"session-{online}@tutoring-dashboard"]
    assert str(other["LOCATION"]) == "https://whiteboard.example.com/boards/tutor1"
    assert other.walk("VALARM") == []


def test_cancelled_and_changed_sessions_bump_sequence(client, auth, demo, app):
    auth.login("tutor1@example.com")
    [session_id] = schedule(app, client, auth)
    uid = f"session-{session_id}@tutoring-dashboard"
    url = _feed_url(client)
    assert int(_events(client.get(url))[uid]["SEQUENCE"]) == 0
    assert int(_events(client.get(url))[uid]["SEQUENCE"]) == 0  # no change, no bump
    client.post(
        f"/sessions/{session_id}/reschedule",
        data={
            "csrf_token": auth.csrf_token(),
            "session_date": future(61).isoformat(),
            "start_time": "09:00",
            "end_time": "10:00",
            "version": version_of(app, session_id),
        },
    )
    moved = _events(client.get(url))[uid]
    assert int(moved["SEQUENCE"]) == 1
    assert moved["DTSTART"].dt.date() == future(61)
    client.post(
        f"/sessions/{session_id}/cancel",
        data={
            "reason": "tutor-cancelled",
            "csrf_token": auth.csrf_token(),
            "version": version_of(app, session_id),
        },
    )
    cancelled = _events(client.get(url))[uid]
    assert int(cancelled["SEQUENCE"]) == 2
    assert str(cancelled["STATUS"]) == "CANCELLED"


def test_regenerating_revokes_the_old_url(client, auth, demo, app):
    auth.login("student1@example.com")
    old = _feed_url(client)
    assert client.get(old).status_code == 200
    assert _feed_url(client) == old  # stable until regenerated
    response = client.post("/account/feed/regenerate", data={"csrf_token": auth.csrf_token()})
    assert response.status_code == 303
    new = _feed_url(client)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_unknown_token_is_404(client, demo):
    assert client.get("/feeds/not-a-token.ics").status_code == 404


def test_regenerate_needs_csrf_and_login(client, auth, demo):
    assert client.post("/account/feed/regenerate").status_code in (302, 400)
    assert client.get("/account/feed").status_code == 302


@pytest.mark.parametrize(
    ("email", "scope"),
    [
        ("tutor1@example.com", lambda d: {"tutor_id": [d["tutor1@example.com"]]}),
        ("student3@example.com", lambda d: {"student_id": [d["student3@example.com"]]}),
        (
            "parent1@example.com",
            lambda d: {"student_id": [d["student1@example.com"], d["student2@example.com"]]},
        ),
        ("coordinator@example.com", lambda d: {}),
    ],
)
def test_each_role_gets_its_sessions(client, auth, demo, app, email, scope):
    auth.login(email)
    uids = set(_events(client.get(_feed_url(client))))
    expected = _session_ids(app, **scope(demo))
    assert uids == {f"session-{i}@tutoring-dashboard" for i in expected}
    assert expected


def test_single_session_download(client, auth, demo, app):
    with app.app_context():
        student = db.session.get(User, demo["student1@example.com"])
        session_id = min(_session_ids(app, student_id=[student.id]))
    auth.login("student1@example.com")
    response = client.get(f"/sessions/{session_id}.ics")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert list(_events(response)) == [f"session-{session_id}@tutoring-dashboard"]
    auth.login("student4@example.com")
    assert client.get(f"/sessions/{session_id}.ics").status_code == 403
    assert client.get("/sessions/999999.ics").status_code == 404
    auth.logout()
    assert client.get(f"/sessions/{session_id}.ics").status_code == 302
