"""Cancelling asks first (counts per scope), needs a reason, flags late ones; restore is
conflict-checked; both are logged."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from tests.integration.edits_support import login
from tests.integration.lesson_support import local_now, make_centre, rows, scalar
from tests.scheduling_support import enrolment, session_form, weekly_series
from tests.scheduling_support import version_of as version

CANCELLED_SQL = "SELECT id FROM sessions WHERE status = 'cancelled' ORDER BY id"


@pytest.fixture
def series(client, auth, demo, app) -> list[int]:
    """Six weekly future sessions of tutor1 with student1, signed in as tutor1."""
    return weekly_series(app, client, auth, 6)


def scope_labels(page: str) -> dict[str, str]:
    """The scope radio buttons of the confirmation page: value → label."""
    return {
        value: html.unescape(label).strip()
        for value, label in re.findall(
            r'name="scope" type="radio" value="(\w+)"[^>]*> ([^<]+)</label>', page
        )
    }


def named_count(label: str) -> int:
    """How many sessions a scope label names: "This and the 3 following" is 4."""
    if (following := re.fullmatch(r"This and the (\d+) following", label)) is not None:
        return int(following.group(1)) + 1
    if (whole := re.fullmatch(r"All (\d+) of the series", label)) is not None:
        return int(whole.group(1))
    assert label == "This session"
    return 1


@pytest.mark.parametrize(
    ("scope", "label", "cancelled"),
    [
        ("this", "This session", [2]),
        ("following", "This and the 3 following", [2, 3, 4, 5]),
        ("all", "All 6 of the series", [0, 1, 2, 3, 4, 5]),
    ],
)
def test_the_confirmation_names_exactly_what_is_cancelled(
    client, auth, app, series, scope, label, cancelled
):
    already = rows(app, CANCELLED_SQL)
    page = client.get(f"/sessions/{series[2]}/cancel")
    assert page.status_code == 200
    labels = scope_labels(page.get_data(as_text=True))
    assert labels == {
        "this": "This session",
        "following": "This and the 3 following",
        "all": "All 6 of the series",
    }
    assert labels[scope] == label
    named = named_count(label)
    response = client.post(
        f"/sessions/{series[2]}/cancel",
        data={
            "csrf_token": auth.csrf_token(),
            "version": version(app, series[2]),
            "scope": scope,
            "reason": "centre-closed",
        },
    )
    assert response.status_code == 303
    now_cancelled = [r for r in rows(app, CANCELLED_SQL) if r not in already]
    assert [r[0] for r in now_cancelled] == [series[i] for i in cancelled]
    assert len(now_cancelled) == named
    kept = [
        row
        for row in rows(
            app,
            "SELECT session_id, reason, is_late, restored_at FROM session_cancellations"
            " ORDER BY session_id",
        )
        if row[0] in series
    ]
    assert kept == [(series[i], "centre-closed", False, None) for i in cancelled]
    logged = rows(
        app,
        "SELECT session_id FROM session_changes WHERE field = 'status'"
        " AND new_value = 'cancelled' ORDER BY session_id",
    )  # the demo's cancelled sessions were inserted so, not changed: none logged
    assert [r[0] for r in logged] == [series[i] for i in cancelled]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "reason"),
        ({"reason": "bored"}, "reason"),
        ({"reason": "other"}, "reason_text"),
        ({"reason": "other", "reason_text": "   "}, "reason_text"),
        ({"reason": "other", "reason_text": "x" * 501}, "reason_text"),
    ],
)
def test_a_reason_is_required(client, auth, app, series, data, field):
    before = rows(app, "SELECT id, status, updated_at FROM sessions ORDER BY id")
    response = client.post(
        f"/sessions/{series[0]}/cancel",
        data={"csrf_token": auth.csrf_token(), "version": version(app, series[0]), **data},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'id="{field}-error"' in body
    assert rows(app, "SELECT id, status, updated_at FROM sessions ORDER BY id") == before
    assert rows(app, "SELECT count(*) FROM session_cancellations") == [(2,)]  # the demo's


def test_other_keeps_its_text_and_the_session_page_shows_the_reason(client, auth, app, series):
    response = client.post(
        f"/sessions/{series[0]}/cancel",
        data={
            "csrf_token": auth.csrf_token(),
            "version": version(app, series[0]),
            "scope": "this",
            "reason": "other",
            "reason_text": "Flooded road",
        },
    )
    assert response.status_code == 303
    tutor = scalar(app, "SELECT id FROM users WHERE email = 'tutor1@example.com'")
    assert rows(
        app,
        "SELECT reason, reason_text, cancelled_by FROM session_cancellations"
        " WHERE session_id = :id",
        id=series[0],
    ) == [("other", "Flooded road", tutor)]
    body = client.get(f"/sessions/{series[0]}").get_data(as_text=True)
    assert "Other: Flooded road" in body
    assert "Restore this session" in body
    assert "late cancellation" not in body


def test_a_cancellation_less_than_24_hours_ahead_is_late(app, client, build):
    centre = make_centre(app, build)
    soon = local_now(app) + timedelta(hours=3)
    session_id = build.session(centre.enrolment, soon.date(), soon.time().replace(microsecond=0))
    poster = login(client, "tutor@test.example")
    response = poster.post(
        f"/sessions/{session_id}/cancel",
        {"version": version(app, session_id), "scope": "this", "reason": "student-cancelled"},
        htmx=False,
    )
    assert response.status_code == 303
    assert rows(app, "SELECT is_late FROM session_cancellations") == [(True,)]
    body = client.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert "Student cancelled" in body and "late cancellation" in body


def _cancel(client, auth, app, session_id):
    response = client.post(
        f"/sessions/{session_id}/cancel",
        data={
            "csrf_token": auth.csrf_token(),
            "version": version(app, session_id),
            "scope": "this",
            "reason": "tutor-cancelled",
        },
    )
    assert response.status_code == 303


def test_restore_brings_it_back_and_logs_it(client, auth, app, series):
    _cancel(client, auth, app, series[1])
    response = client.post(
        f"/sessions/{series[1]}/restore",
        data={"csrf_token": auth.csrf_token(), "version": version(app, series[1])},
    )
    assert response.status_code == 303
    assert scalar(app, "SELECT status FROM sessions WHERE id = :id", id=series[1]) == "scheduled"
    tutor = scalar(app, "SELECT id FROM users WHERE email = 'tutor1@example.com'")
    assert rows(
        app,
        "SELECT restored_by, restored_at IS NOT NULL FROM session_cancellations"
        " WHERE session_id = :id",
        id=series[1],
    ) == [(tutor, True)]
    assert rows(
        app,
        "SELECT old_value, new_value FROM session_changes WHERE session_id = :id"
        " AND field = 'status' ORDER BY id",
        id=series[1],
    ) == [("scheduled", "cancelled"), ("cancelled", "scheduled")]
    body = client.get(f"/sessions/{series[1]}").get_data(as_text=True)
    assert "Restore this session" not in body


def test_restoring_a_session_that_is_not_cancelled_is_422(client, auth, app, series):
    response = client.post(
        f"/sessions/{series[1]}/restore",
        data={"csrf_token": auth.csrf_token(), "version": version(app, series[1])},
    )
    assert response.status_code == 422
    assert "Only a cancelled session can be restored." in response.get_data(as_text=True)


def test_restore_is_conflict_checked(client, auth, app, series):
    _cancel(client, auth, app, series[0])
    # the freed slot is taken by another session of the same tutor
    taken = client.post(
        "/sessions/new",
        data=session_form(enrolment(app, "tutor1", "student2"), auth.csrf_token()),
    )
    assert taken.status_code == 303
    response = client.post(
        f"/sessions/{series[0]}/restore",
        data={"csrf_token": auth.csrf_token(), "version": version(app, series[0])},
    )
    assert response.status_code == 422
    assert "overlap" in response.get_data(as_text=True)
    assert scalar(app, "SELECT status FROM sessions WHERE id = :id", id=series[0]) == "cancelled"

    auth.login("coordinator@example.com")
    without_reason = client.post(
        f"/sessions/{series[0]}/restore",
        data={"csrf_token": auth.csrf_token(), "version": version(app, series[0])},
    )
    assert without_reason.status_code == 422
    response = client.post(
        f"/sessions/{series[0]}/restore",
        data={
            "csrf_token": auth.csrf_token(),
            "version": version(app, series[0]),
            "override_reason": "Both fit in the big room",
        },
    )
    assert response.status_code == 303
    assert scalar(app, "SELECT status FROM sessions WHERE id = :id", id=series[0]) == "scheduled"
    assert rows(
        app, "SELECT reason FROM session_conflict_overrides WHERE session_id = :id", id=series[0]
    ) == [("Both fit in the big room",)]


def test_a_stale_restore_is_409(client, auth, app, series):
    _cancel(client, auth, app, series[0])
    response = client.post(
        f"/sessions/{series[0]}/restore",
        data={"csrf_token": auth.csrf_token(), "version": "2020-01-01T00:00:00"},
    )
    assert response.status_code == 409
    assert scalar(app, "SELECT status FROM sessions WHERE id = :id", id=series[0]) == "cancelled"


def test_the_edit_page_links_to_the_confirmation(client, app, series):
    body = client.get(f"/sessions/{series[0]}/edit").get_data(as_text=True)
    assert f'href="/sessions/{series[0]}/cancel"' in body


def test_the_reason_goes_with_the_session_into_its_calendar_file(client, auth, app, series):
    _cancel(client, auth, app, series[0])
    ics = client.get(f"/sessions/{series[0]}.ics").get_data(as_text=True).replace("\r\n ", "")
    assert "STATUS:CANCELLED" in ics
    assert "DESCRIPTION:Cancelled: Tutor cancelled" in ics
    live = client.get(f"/sessions/{series[1]}.ics").get_data(as_text=True)
    assert "Cancelled:" not in live
