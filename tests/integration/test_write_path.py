"""The one write path (issue 11): every form that changes a session is version-checked and audited.

For the edit page, reschedule, cancel, complete and each series scope: a stale
``version`` gives 409 and leaves every ``sessions`` row and ``session_changes``
exactly as they were; a fresh one writes the change and logs exactly the
fields whose value changed.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from dashboard.extensions import db
from dashboard.models import Session
from tests.integration.edits_support import all_rows, audit_rows
from tests.scheduling_support import (
    enrolment,
    future,
    session_form,
    version_of,
    weekly_series,
)


@pytest.fixture
def series(client, auth, demo, app) -> list[int]:
    """Four weekly future sessions of tutor1 with student1, signed in as tutor1."""
    return weekly_series(app, client, auth, 4)


def _edit_data(app, auth, session_id: int, scope: str, **overrides) -> dict:
    with app.app_context():
        day = db.session.get(Session, session_id).session_date
    return session_form(
        enrolment(app, "tutor1", "student1"),
        auth.csrf_token(),
        session_date=day.isoformat(),
        start_time="12:00",
        end_time="13:00",
        scope=scope,
        version=version_of(app, session_id),
        **overrides,
    )


def _request(app, auth, kind: str, session_id: int) -> tuple[str, dict]:
    """The path and form of one kind of change to ``session_id``, with its current version."""
    version = version_of(app, session_id)
    token = auth.csrf_token()
    if kind.startswith("edit-"):
        return f"/sessions/{session_id}/edit", _edit_data(app, auth, session_id, kind[5:])
    if kind == "reschedule":
        return f"/sessions/{session_id}/reschedule", {
            "csrf_token": token,
            "session_date": future(90).isoformat(),
            "start_time": "14:00",
            "end_time": "15:30",
            "version": version,
        }
    if kind.startswith("cancel-"):
        return f"/sessions/{session_id}/cancel", {
            "csrf_token": token,
            "scope": kind[7:],
            "version": version,
            "reason": "tutor-cancelled",
        }
    assert kind == "complete"
    with app.app_context():  # completing is allowed from the session's start
        db.session.execute(
            sa.update(Session)
            .where(Session.id == session_id)
            .values(session_date=date.today() - timedelta(days=1))
        )
        db.session.commit()
        version = db.session.get(Session, session_id).updated_at.isoformat()
        db.session.remove()
    return f"/sessions/{session_id}/complete", {
        "csrf_token": token,
        "topics_covered": "Fractions",
        "version": version,
    }


KINDS = [
    "edit-this",
    "edit-following",
    "edit-all",
    "reschedule",
    "cancel-this",
    "cancel-following",
    "cancel-all",
    "complete",
]


@pytest.mark.parametrize("kind", KINDS)
def test_a_stale_version_is_409_and_changes_nothing(client, auth, app, series, kind):
    target = series[1]
    path, data = _request(app, auth, kind, target)
    # Someone else changes the session after the form was rendered.
    bump = client.post(
        f"/sessions/{target}/priority",
        data={
            "csrf_token": auth.csrf_token(),
            "priority_level": "urgent",
            "version": data["version"],
        },
    )
    assert bump.status_code == 303
    rows, audit = all_rows(app), audit_rows(app)
    response = client.post(path, data=data)
    assert response.status_code == 409
    assert "Changed by someone else" in response.get_data(as_text=True)
    assert all_rows(app) == rows
    assert audit_rows(app) == audit


@pytest.mark.parametrize("version", [None, "", "yesterday", "2020-01-01T00:00:00"])
def test_a_missing_or_junk_version_is_409(client, auth, app, series, version):
    path, data = _request(app, auth, "cancel-this", series[0])
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    rows = all_rows(app)
    assert client.post(path, data=data).status_code == 409
    assert all_rows(app) == rows


def _logged(app, ids: list[int], since: int) -> dict[int, set[str]]:
    """Session id → the fields logged for it after audit row number ``since``."""
    logged: dict[int, set[str]] = {}
    for row in audit_rows(app)[since:]:
        if row["session_id"] in ids:
            logged.setdefault(row["session_id"], set()).add(row["field"])
    return logged


def _changed(before: dict, after: dict, ids: list[int]) -> dict[int, set[str]]:
    """Session id → the columns (other than ``updated_at``) whose value changed."""
    changed: dict[int, set[str]] = {}
    for session_id in ids:
        fields = {
            name
            for name, value in after[session_id].items()
            if name != "updated_at" and before[session_id][name] != value
        }
        if fields:
            changed[session_id] = fields
    return changed


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("edit-this", {1: {"start_time", "end_time"}}),
        ("edit-following", {i: {"start_time", "end_time", "recurring_pattern"} for i in (1, 2, 3)}),
        ("edit-all", {i: {"start_time", "end_time"} for i in (0, 1, 2, 3)}),
        ("reschedule", {1: {"session_date", "start_time", "end_time", "duration", "status"}}),
        ("cancel-this", {1: {"status"}}),
        ("cancel-following", {**{i: {"status", "recurring_pattern"} for i in (1, 2, 3)}}),
        ("cancel-all", {i: {"status"} for i in (0, 1, 2, 3)}),
        ("complete", {1: {"status", "topics_covered"}}),
    ],
)
def test_a_fresh_version_writes_and_logs_exactly_what_changed(
    client, auth, app, series, kind, expected
):
    path, data = _request(app, auth, kind, series[1])
    rows, since = all_rows(app), len(audit_rows(app))
    response = client.post(path, data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    after = all_rows(app)
    want = {series[i]: fields for i, fields in expected.items()}
    if kind == "edit-following":  # the occurrence before the split only gets the shorter rule
        want[series[0]] = {"recurring_pattern"}
    if kind == "cancel-following":
        want[series[0]] = {"recurring_pattern"}
    assert _changed(rows, after, series) == want
    assert _logged(app, series, since) == want
    for session_id in want:
        assert after[session_id]["updated_at"] > rows[session_id]["updated_at"]


def test_the_edit_form_race_keeps_the_colleagues_change(client, auth, app, series):
    """The lost update of issue 11: open the edit form, a colleague edits inline, save the form."""
    target = series[0]
    path, data = _request(app, auth, "edit-this", target)  # the form as rendered
    auth.login("coordinator@example.com")
    inline = client.post(
        f"/sessions/{target}/priority",
        data={
            "csrf_token": auth.csrf_token(),
            "priority_level": "high",
            "version": data["version"],
        },
    )
    assert inline.status_code == 303
    auth.login("tutor1@example.com")
    data["csrf_token"] = auth.csrf_token()
    response = client.post(path, data=data)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    # The page answers with the current values (and version) to start again from.
    assert f'name="version" value="{version_of(app, target)}"' in page
    row = all_rows(app)[target]
    assert row["priority_level"] == "high" and str(row["start_time"]) == "10:00:00"
    assert [r["field"] for r in audit_rows(app, target)] == ["priority_level"]


def test_the_history_names_lifecycle_changes(client, auth, app, series):
    path, data = _request(app, auth, "reschedule", series[0])
    assert client.post(path, data=data).status_code == 303
    page = client.get(f"/sessions/{series[0]}").get_data(as_text=True)
    assert "Status" in page and "rescheduled" in page and "Date" in page


def test_completing_a_past_session_logs_it(client, auth, app, series):
    with app.app_context():  # test set-up: the session took place yesterday
        db.session.execute(
            sa.update(Session)
            .where(Session.id == series[0])
            .values(session_date=date.today() - timedelta(days=1))
        )
        db.session.commit()
    path, data = _request(app, auth, "complete", series[0])
    assert client.post(path, data=data).status_code == 303
    fields = [r["field"] for r in audit_rows(app, series[0])]
    assert sorted(fields) == ["status", "topics_covered"]


def _notices(app) -> list[tuple[str, int]]:
    """(kind, session id) of every queued email about a session."""
    with app.app_context():
        rows = db.session.execute(
            sa.text(
                "SELECT args->>'kind', (args->>'session_id')::int FROM procrastinate_jobs"
                " WHERE task_name = 'send_email' AND args ? 'session_id'"
            )
        ).all()
        db.session.remove()
    return sorted((kind, session_id) for kind, session_id in rows)


def test_cancelling_and_moving_queue_notices_in_the_same_transaction(client, auth, app, series):
    people = 3  # tutor1, student1 and student1's parent
    path, data = _request(app, auth, "reschedule", series[0])
    data["end_time"] = "13:00"  # invalid: ends before it starts → nothing saved, nothing queued
    assert client.post(path, data=data).status_code == 422
    assert _notices(app) == []
    path, data = _request(app, auth, "reschedule", series[0])
    assert client.post(path, data=data).status_code == 303
    assert _notices(app) == [("moved", series[0])] * people
    path, data = _request(app, auth, "edit-this", series[1])
    data["priority_level"] = "high"
    data["start_time"], data["end_time"] = "10:00", "11:00"  # same times: not "moved"
    assert client.post(path, data=data).status_code == 303
    assert len(_notices(app)) == people
    path, data = _request(app, auth, "cancel-all", series[1])
    assert client.post(path, data=data).status_code == 303
    # Series: the chosen occurrence (the others start weeks ahead).
    assert _notices(app).count(("cancelled", series[1])) == people
    assert {kind for kind, _id in _notices(app)} == {"moved", "cancelled"}
    assert len(_notices(app)) == 2 * people
