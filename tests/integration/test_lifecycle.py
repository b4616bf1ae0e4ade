"""Reschedule (in place), cancel and complete: statuses, permissions, htmx and 303."""

from __future__ import annotations

import pytest

from tests.scheduling_support import (
    enrolment,
    future,
    get_session,
    new_ids,
    session_count,
    session_form,
    version_of,
)


@pytest.fixture
def session_id(client, auth, demo, app) -> int:
    """A future session of tutor1 with student1, created through the form."""
    auth.login("tutor1@example.com")
    before = session_count(app)
    response = client.post(
        "/sessions/new", data=session_form(enrolment(app, "tutor1", "student1"), auth.csrf_token())
    )
    assert response.status_code == 303
    return new_ids(app, before)[0]


def _start_it(app, session_id: int) -> None:
    """Move the session to yesterday (directly): completing is allowed from the start."""
    from datetime import date, timedelta

    import sqlalchemy as sa

    from dashboard.extensions import db

    with app.app_context():
        db.session.execute(
            sa.text("UPDATE sessions SET session_date = :day WHERE id = :id"),
            {"day": date.today() - timedelta(days=1), "id": session_id},
        )
        db.session.commit()
        db.session.remove()


REASON = {"reason": "student-cancelled"}


def _move(day, start="14:00", end="15:30", **extra):
    return {
        "session_date": day.isoformat(),
        "start_time": start,
        "end_time": end,
        **extra,
    }


def test_reschedule_moves_the_row_in_place(client, auth, app, session_id):
    before = get_session(app, session_id)
    count = session_count(app)
    day = future(61)
    response = client.post(
        f"/sessions/{session_id}/reschedule",
        data=_move(version=version_of(app, session_id), day=day, csrf_token=auth.csrf_token()),
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/sessions/{session_id}")
    after = get_session(app, session_id)
    assert session_count(app) == count  # moved, not copied
    assert after.session_date == day and str(after.start_time) == "14:00:00"
    assert after.duration == 90 and after.status == "rescheduled"
    assert after.updated_at > before.updated_at


def test_reschedule_htmx_returns_the_card_fragment(client, auth, app, session_id):
    response = client.post(
        f"/sessions/{session_id}/reschedule",
        data=_move(
            version=version_of(app, session_id), day=future(62), csrf_token=auth.csrf_token()
        ),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and f'id="session-{session_id}"' in body
    assert "rescheduled" in body


def test_reschedule_redirects_to_a_local_next_only(client, auth, app, session_id):
    token = auth.csrf_token()
    local = client.post(
        f"/sessions/{session_id}/reschedule",
        data=_move(
            version=version_of(app, session_id),
            day=future(63),
            csrf_token=token,
            next="/coordinator/sessions?page=2",
        ),
    )
    assert local.headers["Location"].endswith("/coordinator/sessions?page=2")
    evil = client.post(
        f"/sessions/{session_id}/reschedule",
        data=_move(
            version=version_of(app, session_id),
            day=future(64),
            csrf_token=token,
            next="https://evil.example/",
        ),
    )
    assert evil.headers["Location"].endswith(f"/sessions/{session_id}")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start_time": "15:00", "end_time": "14:00"}, "end_time"),
        ({"session_date": "2020-02-03"}, "session_date"),
        ({"session_date": ""}, "session_date"),
    ],
)
def test_reschedule_invalid_is_422_and_unchanged(client, auth, app, session_id, change, field):
    before = get_session(app, session_id)
    data = _move(future(61), csrf_token=auth.csrf_token(), version=version_of(app, session_id))
    data.update(change)
    response = client.post(f"/sessions/{session_id}/reschedule", data=data)
    assert response.status_code == 422
    # The reschedule form's fields have their own ids (the edit form shares the page).
    assert f'id="reschedule-{field}-error"' in response.get_data(as_text=True)
    after = get_session(app, session_id)
    assert (after.session_date, after.status, after.updated_at) == (
        before.session_date,
        before.status,
        before.updated_at,
    )


def test_reschedule_error_as_htmx_fragment(client, auth, app, session_id):
    response = client.post(
        f"/sessions/{session_id}/reschedule",
        data=_move(
            future(61),
            "15:00",
            "14:00",
            csrf_token=auth.csrf_token(),
            version=version_of(app, session_id),
        ),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'id="reschedule-end_time-error"' in body


def test_cancel_keeps_the_row(client, auth, app, session_id):
    before = get_session(app, session_id)
    response = client.post(
        f"/sessions/{session_id}/cancel",
        data={
            "csrf_token": auth.csrf_token(),
            "scope": "this",
            "version": version_of(app, session_id),
            **REASON,
        },
    )
    assert response.status_code == 303
    after = get_session(app, session_id)
    assert after.status == "cancelled" and after.updated_at > before.updated_at


def test_complete_records_topics_covered(client, auth, app, session_id):
    _start_it(app, session_id)
    response = client.post(
        f"/sessions/{session_id}/complete",
        data={
            "version": version_of(app, session_id),
            "csrf_token": auth.csrf_token(),
            "topics_covered": "Fractions\n\n Ratios ",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)
    after = get_session(app, session_id)
    assert after.status == "completed" and after.topics_covered == ["Fractions", "Ratios"]


def test_complete_with_too_many_topics_is_422(client, auth, app, session_id):
    response = client.post(
        f"/sessions/{session_id}/complete",
        data={
            "version": version_of(app, session_id),
            "csrf_token": auth.csrf_token(),
            "topics_covered": "\n".join(str(i) for i in range(25)),
        },
    )
    assert response.status_code == 422
    assert 'id="topics_covered-error"' in response.get_data(as_text=True)
    assert get_session(app, session_id).status == "scheduled"


def test_completed_session_cannot_be_cancelled_or_moved(client, auth, app, session_id):
    _start_it(app, session_id)
    token = auth.csrf_token()
    client.post(
        f"/sessions/{session_id}/complete",
        data={"csrf_token": token, "version": version_of(app, session_id)},
    )
    assert (
        client.post(
            f"/sessions/{session_id}/cancel",
            data={
                "csrf_token": token,
                "scope": "this",
                "version": version_of(app, session_id),
                **REASON,
            },
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/sessions/{session_id}/reschedule",
            data=_move(version=version_of(app, session_id), day=future(61), csrf_token=token),
        ).status_code
        == 422
    )
    assert get_session(app, session_id).status == "completed"


def test_cancelled_session_cannot_be_completed(client, auth, app, session_id):
    token = auth.csrf_token()
    client.post(
        f"/sessions/{session_id}/cancel",
        data={
            "csrf_token": token,
            "scope": "this",
            "version": version_of(app, session_id),
            **REASON,
        },
    )
    _start_it(app, session_id)
    response = client.post(
        f"/sessions/{session_id}/complete",
        data={"csrf_token": token, "version": version_of(app, session_id)},
    )
    assert response.status_code == 422
    assert get_session(app, session_id).status == "cancelled"


@pytest.mark.parametrize("action", ["reschedule", "cancel", "complete"])
@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("student1@example.com", 403),
        ("parent1@example.com", 403),
        ("tutor2@example.com", 403),
        ("coordinator@example.com", None),
    ],
)
def test_lifecycle_permissions(client, auth, app, session_id, action, email, status):
    _start_it(app, session_id)  # completing is allowed from the start
    auth.login(email)
    data = {
        "csrf_token": auth.csrf_token(),
        "scope": "this",
        "topics_covered": "Done",
        **REASON,
    }
    data.update(_move(future(65), version=version_of(app, session_id)))
    response = client.post(f"/sessions/{session_id}/{action}", data=data)
    if status is None:
        assert response.status_code == 303
    else:
        assert response.status_code == status
        assert get_session(app, session_id).status == "scheduled"


@pytest.mark.parametrize("action", ["reschedule", "cancel", "complete"])
def test_lifecycle_anonymous_and_unknown(client, auth, app, session_id, action):
    assert (
        client.post(
            "/sessions/999999/" + action, data={"csrf_token": auth.csrf_token()}
        ).status_code
        == 404
    )
    auth.logout()
    response = client.post(
        f"/sessions/{session_id}/{action}", data={"csrf_token": auth.csrf_token()}
    )
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_lifecycle_requires_csrf(client, auth, app, session_id):
    response = client.post(f"/sessions/{session_id}/cancel", data={"scope": "this"})
    assert response.status_code == 400
    assert get_session(app, session_id).status == "scheduled"
