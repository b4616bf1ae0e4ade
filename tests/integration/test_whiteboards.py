"""``/whiteboards``: list, create, rename, delete — permissions, validation, ON DELETE SET NULL."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from dashboard.extensions import db
from dashboard.models import Session, WhiteboardSession
from dashboard.services.whiteboards import board_url_problem
from tests.integration.edits_support import (
    add_board,
    all_rows,
    audit_rows,
    board_of,
    full_row,
    login,
    view_of,
)


def boards(app) -> dict[int, dict]:
    with app.app_context():
        rows = db.session.execute(sa.select(WhiteboardSession.__table__)).mappings()
        return {row["id"]: dict(row) for row in rows}


def linked_to(app, board_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(Session.id).where(Session.whiteboard_id == board_id).order_by(Session.id)
            )
        )


# --- List ------------------------------------------------------------------------


def test_tutor_sees_only_their_own_boards(app, client, demo):
    login(client, "tutor1@example.com")
    body = client.get("/whiteboards").get_data(as_text=True)
    assert "Tom Tutor&#39;s board" in body
    assert "Tara Tutor&#39;s board" not in body
    assert "Theo Tutor&#39;s board" not in body


def test_coordinator_sees_every_board_with_owner_and_use(app, client, demo):
    login(client, "coordinator@example.com")
    body = client.get("/whiteboards").get_data(as_text=True)
    for name in ("Tom", "Tara", "Theo"):
        assert f"{name} Tutor&#39;s board" in body
    board = board_of(app, demo["tutor1@example.com"])
    row = re.search(rf'<tr id="whiteboard-{board}">(.*?)</tr>', body, re.S).group(1)
    assert f"<td>{len(linked_to(app, board))}</td>" in row
    assert "<td>Tom Tutor</td>" in row


@pytest.mark.parametrize("email", ["student1@example.com", "parent1@example.com"])
@pytest.mark.parametrize(
    "path", ["/whiteboards", "/whiteboards/new", "/whiteboards/1/edit", "/whiteboards/1/delete"]
)
def test_students_and_parents_are_refused(app, client, demo, email, path):
    login(client, email)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize(
    "path", ["/whiteboards", "/whiteboards/new", "/whiteboards/1/edit", "/whiteboards/1/delete"]
)
def test_anonymous_is_sent_to_sign_in(app, client, demo, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# --- Create ----------------------------------------------------------------------


def test_tutor_creates_a_board_for_themself(app, client, demo):
    poster = login(client, "tutor1@example.com")
    before = boards(app)
    response = poster.post(
        "/whiteboards/new",
        {
            "session_name": "  Algebra wall  ",
            "board_url": "https://miro.example.com/app/board/uXjV=/",
            "owner_id": str(demo["tutor2@example.com"]),  # ignored: tutors own what they make
        },
        htmx=False,
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/whiteboards"
    (new,) = set(boards(app)) - set(before)
    row = boards(app)[new]
    assert (row["session_name"], row["board_url"], row["owner_id"]) == (
        "Algebra wall",
        "https://miro.example.com/app/board/uXjV=/",
        demo["tutor1@example.com"],
    )
    assert "Algebra wall" in client.get("/whiteboards").get_data(as_text=True)


def test_coordinator_creates_a_board_for_a_chosen_tutor(app, client, demo):
    poster = login(client, "coordinator@example.com")
    page = client.get("/whiteboards/new").get_data(as_text=True)
    assert f'<option value="{demo["tutor3@example.com"]}">Theo Tutor</option>' in page
    before = boards(app)
    response = poster.post(
        "/whiteboards/new",
        {
            "session_name": "Physics lab",
            "board_url": "http://boards.example.net/lab",
            "owner_id": str(demo["tutor3@example.com"]),
        },
        htmx=False,
    )
    assert response.status_code == 303
    (new,) = set(boards(app)) - set(before)
    assert boards(app)[new]["owner_id"] == demo["tutor3@example.com"]


@pytest.mark.parametrize("owner", ["student1@example.com", "nobody", ""])
def test_coordinator_must_pick_a_tutor_as_owner(app, client, demo, owner):
    poster = login(client, "coordinator@example.com")
    before = boards(app)
    response = poster.post(
        "/whiteboards/new",
        {
            "session_name": "Board",
            "board_url": "https://b.example.com/",
            "owner_id": str(demo.get(owner, owner)),
        },
        htmx=False,
    )
    assert response.status_code == 422
    assert boards(app) == before


INVALID = [
    ({"session_name": "", "board_url": "https://b.example.com/"}, "Enter a name."),
    ({"session_name": "   ", "board_url": "https://b.example.com/"}, "Enter a name."),
    ({"session_name": "x" * 201, "board_url": "https://b.example.com/"}, "At most 200"),
    # (a NUL never gets this far: dashboard.input_guard refuses the whole request, 422)
    ({"session_name": "a\x07b", "board_url": "https://b.example.com/"}, "letters, digits"),
    ({"session_name": "Board", "board_url": ""}, "Enter the board"),
    ({"session_name": "Board", "board_url": "ftp://b.example.com/"}, "http:// or https://"),
    ({"session_name": "Board", "board_url": "javascript:alert(1)"}, "http:// or https://"),
    ({"session_name": "Board", "board_url": "https://"}, "host name"),
    ({"session_name": "Board", "board_url": "https:///path-only"}, "host name"),
    ({"session_name": "Board", "board_url": "board.example.com"}, "http:// or https://"),
    ({"session_name": "Board", "board_url": "https://b.example.com/a b"}, "spaces"),
    ({"session_name": "Board", "board_url": "https://b.example.com:99999/"}, "not a valid"),
    ({"session_name": "Board", "board_url": "https://[::1/"}, "not a valid"),
    (
        {"session_name": "Board", "board_url": "https://b.example.com/" + "x" * 2030},
        "at most 2048",
    ),
]


@pytest.mark.parametrize(("data", "message"), INVALID)
def test_create_validation_errors_are_422_and_create_nothing(app, client, demo, data, message):
    poster = login(client, "tutor1@example.com")
    before = boards(app)
    response = poster.post("/whiteboards/new", data, htmx=False)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert 'aria-invalid="true"' in body
    assert boards(app) == before


def test_a_url_of_exactly_2048_characters_is_fine():
    url = "https://b.example.com/" + "x" * (2048 - len("https://b.example.com/"))
    assert len(url) == 2048
    assert board_url_problem(url) is None
    assert board_url_problem(url + "x") is not None


# --- Rename / re-point -------------------------------------------------------------


def test_owner_renames_and_repoints_their_board(app, client, demo):
    poster = login(client, "tutor1@example.com")
    board = board_of(app, demo["tutor1@example.com"])
    before = boards(app)[board]
    page = client.get(f"/whiteboards/{board}/edit").get_data(as_text=True)
    assert 'value="Tom Tutor&#39;s board"' in page
    response = poster.post(
        f"/whiteboards/{board}/edit",
        {"session_name": "Maths wall", "board_url": "https://new.example.com/b/1"},
        htmx=False,
    )
    assert response.status_code == 303
    after = boards(app)[board]
    assert (after["session_name"], after["board_url"]) == (
        "Maths wall",
        "https://new.example.com/b/1",
    )
    assert after["owner_id"] == before["owner_id"]
    assert after["updated_at"] > before["updated_at"]


def test_coordinator_may_edit_any_board(app, client, demo):
    poster = login(client, "coordinator@example.com")
    board = board_of(app, demo["tutor2@example.com"])
    response = poster.post(
        f"/whiteboards/{board}/edit",
        {"session_name": "Renamed", "board_url": "https://x.example.com/"},
        htmx=False,
    )
    assert response.status_code == 303
    assert boards(app)[board]["session_name"] == "Renamed"


def test_tutor_may_not_touch_another_tutors_board(app, client, demo):
    poster = login(client, "tutor1@example.com")
    board = board_of(app, demo["tutor2@example.com"])
    before = boards(app)
    assert client.get(f"/whiteboards/{board}/edit").status_code == 403
    assert client.get(f"/whiteboards/{board}/delete").status_code == 403
    data = {"session_name": "Mine now", "board_url": "https://x.example.com/"}
    assert poster.post(f"/whiteboards/{board}/edit", data, htmx=False).status_code == 403
    assert poster.post(f"/whiteboards/{board}/delete", {}, htmx=False).status_code == 403
    assert boards(app) == before


@pytest.mark.parametrize("path", ["/whiteboards/9999/edit", "/whiteboards/9999/delete"])
def test_unknown_board_is_404(app, client, demo, path):
    poster = login(client, "coordinator@example.com")
    assert client.get(path).status_code == 404
    assert (
        poster.post(path, {"session_name": "x", "board_url": "https://x.example/"}).status_code
        == 404
    )


@pytest.mark.parametrize(("data", "message"), INVALID[:6])
def test_edit_validation_errors_change_nothing(app, client, demo, data, message):
    poster = login(client, "tutor1@example.com")
    board = board_of(app, demo["tutor1@example.com"])
    before = boards(app)
    response = poster.post(f"/whiteboards/{board}/edit", data, htmx=False)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert boards(app) == before


# --- Delete --------------------------------------------------------------------------


def test_delete_asks_first_and_shows_the_linked_sessions(app, client, demo):
    login(client, "tutor1@example.com")
    board = board_of(app, demo["tutor1@example.com"])
    linked = linked_to(app, board)
    assert len(linked) > 1
    body = client.get(f"/whiteboards/{board}/delete").get_data(as_text=True)
    assert f"linked to <strong>{len(linked)} sessions</strong>" in body
    for session_id in linked:
        assert f'href="/sessions/{session_id}"' in body
    assert f'action="/whiteboards/{board}/delete"' in body
    assert board in boards(app)  # asking deletes nothing


def test_deleting_a_linked_board_keeps_its_sessions_without_whiteboard(app, client, demo):
    poster = login(client, "tutor1@example.com")
    board = board_of(app, demo["tutor1@example.com"])
    linked = linked_to(app, board)
    rows_before = all_rows(app)
    response = poster.post(f"/whiteboards/{board}/delete", {}, htmx=False)
    assert response.status_code == 303
    assert board not in boards(app)
    rows_after = all_rows(app)
    assert rows_after.keys() == rows_before.keys()  # every session is still there
    for session_id, before in rows_before.items():
        after = rows_after[session_id]
        if session_id in linked:
            assert after["whiteboard_id"] is None
            assert after["updated_at"] > before["updated_at"]  # open pages see a new version
            assert {k: v for k, v in after.items() if k not in ("whiteboard_id", "updated_at")} == {
                k: v for k, v in before.items() if k not in ("whiteboard_id", "updated_at")
            }
        else:
            assert after == before
    changes = audit_rows(app)
    assert sorted(c["session_id"] for c in changes) == linked
    assert {(c["field"], c["old_value"], c["new_value"]) for c in changes} == {
        ("whiteboard_id", str(board), None)
    }
    flash = client.get("/whiteboards").get_data(as_text=True)
    assert f"{len(linked)} session(s) now have no whiteboard" in flash


def test_after_deletion_the_cards_show_no_whiteboard(app, client, demo):
    from flask_login import login_user
    from jinja2_fragments.flask import render_block

    from dashboard.blueprints.sessions.board_choices import load_board_choices
    from dashboard.models import User

    poster = login(client, "tutor1@example.com")
    board = board_of(app, demo["tutor1@example.com"])
    session_id = linked_to(app, board)[0]
    poster.post(f"/whiteboards/{board}/delete", {}, htmx=False)
    with app.test_request_context("/"):
        login_user(db.session.get(User, demo["tutor1@example.com"]))
        view = view_of(app, session_id)
        load_board_choices([view.tutor_id])
        html = render_block("sessions/_card.html", "session_card", s=view)
    assert '<option value="" selected>No whiteboard</option>' in html
    assert "No whiteboard linked." in html
    # …and the deleted board can no longer be linked.
    row = full_row(app, session_id)
    response = poster.post(
        f"/sessions/{session_id}/whiteboard",
        {"whiteboard_id": str(board), "version": row["updated_at"].isoformat()},
    )
    assert response.status_code == 422
    assert full_row(app, session_id) == row


def test_deleting_an_unlinked_board(app, client, demo):
    poster = login(client, "tutor1@example.com")
    board = add_board(app, demo["tutor1@example.com"])
    body = client.get(f"/whiteboards/{board}/delete").get_data(as_text=True)
    assert "not linked to any session" in body
    rows = all_rows(app)
    assert poster.post(f"/whiteboards/{board}/delete", {}, htmx=False).status_code == 303
    assert board not in boards(app)
    assert all_rows(app) == rows
    assert audit_rows(app) == []


def test_delete_needs_csrf(app, client, demo):
    login(client, "coordinator@example.com")
    board = board_of(app, demo["tutor1@example.com"])
    assert client.post(f"/whiteboards/{board}/delete").status_code == 400
    assert board in boards(app)
