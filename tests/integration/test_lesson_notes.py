"""Completing a lesson (only from its start): topics covered, a public and a private note."""

from __future__ import annotations

import html

import pytest

from tests.integration.edits_support import login
from tests.integration.lesson_support import make_centre, rows, scalar, version


@pytest.fixture
def centre(app, build):
    return make_centre(app, build)


def complete(poster, app, session_id, **fields):
    return poster.post(
        f"/sessions/{session_id}/complete",
        {"version": version(app, session_id), "topics_covered": "Fractions", **fields},
        htmx=False,
    )


def test_completing_records_topics_and_both_notes(app, client, centre):
    poster = login(client, "tutor@test.example")
    response = complete(
        poster,
        app,
        centre.past,
        public_note="Great progress with fractions.",
        private_note="Needs confidence; parent worried.",
    )
    assert response.status_code == 303
    assert scalar(app, "SELECT status FROM sessions WHERE id = :id", id=centre.past) == "completed"
    assert rows(
        app,
        "SELECT public_note, private_note, updated_by FROM session_notes WHERE session_id = :id",
        id=centre.past,
    ) == [("Great progress with fractions.", "Needs confidence; parent worried.", centre.tutor)]
    # the edit page offers the notes again (completing again edits them)
    edit = html.unescape(client.get(f"/sessions/{centre.past}/edit").get_data(as_text=True))
    assert "Needs confidence; parent worried." in edit and "Save notes" in edit


def test_completing_before_the_start_is_422(app, client, centre):
    poster = login(client, "tutor@test.example")
    response = complete(poster, app, centre.future, public_note="Too early")
    assert response.status_code == 422
    assert "A session can be completed from its start." in response.get_data(as_text=True)
    assert scalar(app, "SELECT status FROM sessions WHERE id = :id", id=centre.future) == (
        "scheduled"
    )
    assert rows(app, "SELECT session_id FROM session_notes") == []


def test_a_nul_byte_in_a_note_is_422(app, client, centre):
    poster = login(client, "tutor@test.example")
    assert complete(poster, app, centre.past, private_note="a\x00b").status_code == 422
    assert rows(app, "SELECT session_id FROM session_notes") == []


@pytest.mark.parametrize(
    ("email", "sees_private"),
    [
        ("coord@test.example", True),
        ("tutor@test.example", True),
        ("student@test.example", False),
        ("parent@test.example", False),
    ],
)
def test_who_sees_which_note(app, client, centre, email, sees_private):
    complete(
        login(client, "tutor@test.example"),
        app,
        centre.past,
        public_note="PUBLIC-NOTE",
        private_note="PRIVATE-NOTE",
    )
    login(client, email)
    detail = client.get(f"/sessions/{centre.past}").get_data(as_text=True)
    assert "PUBLIC-NOTE" in detail
    assert ("PRIVATE-NOTE" in detail) is sees_private
    if not sees_private:
        page = (
            f"/students/{centre.student}/upcoming?tab=past"
            if email.startswith("student")
            else f"/parents/{centre.parent}/upcoming?tab=past"
        )
        past = client.get(page).get_data(as_text=True)
        assert "PUBLIC-NOTE" in past and "PRIVATE-NOTE" not in past


def test_saving_notes_again_replaces_them_and_their_time(app, centre):
    """The notes upsert (``save_notes``): one row per session, its writer and time renewed."""
    from dashboard.extensions import db
    from dashboard.services.scheduling.lifecycle import save_notes

    query = (
        "SELECT public_note, private_note, updated_by, updated_at FROM session_notes"
        " WHERE session_id = :id"
    )
    with app.app_context():
        save_notes(centre.past, "First.", "First private.", centre.tutor)
        db.session.commit()
    [(_, _, _, first_time)] = rows(app, query, id=centre.past)
    with app.app_context():
        save_notes(centre.past, "Second.", None, centre.coordinator)
        db.session.commit()
    [(public, private, by, second_time)] = rows(app, query, id=centre.past)
    assert (public, private, by) == ("Second.", None, centre.coordinator)
    assert second_time > first_time
