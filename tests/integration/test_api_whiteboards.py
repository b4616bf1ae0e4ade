"""API whiteboards, courses and enrolled courses: who may, the seed's SET NULL, paging."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from dashboard.extensions import db
from dashboard.models import Session, SessionChange, WhiteboardSession

SOON = date.today() + timedelta(days=3)


@pytest.fixture
def centre(build) -> dict:
    people = {
        "coordinator": build.user("coordinator"),
        "tutor": build.user("tutor"),
        "other_tutor": build.user("tutor"),
        "student": build.user("student"),
        "parent": build.user("parent"),
    }
    build.link(people["parent"], people["student"])
    enrolment = build.enrolment(people["tutor"], people["student"], "Physics")
    other = build.enrolment(people["other_tutor"], build.user("student"), "Chemistry")
    with build.app.app_context():
        board = WhiteboardSession(session_name="Tia's board", board_url="https://b.example/1")
        board.owner_id = people["tutor"]
        db.session.add(board)
        db.session.commit()
        board_id = board.id
    linked = build.sessions(
        enrolment, [(SOON, time(9, 0)), (SOON, time(11, 0))], whiteboard_id=board_id
    )
    return {
        "people": people,
        "tokens": {name: build.api_token(user_id) for name, user_id in people.items()},
        "board": board_id,
        "linked": linked,
        "enrolments": (enrolment, other),
    }


def auth(centre, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {centre['tokens'][who]}"}


def test_delete_reports_the_sessions_the_seed_sets_to_null(app, client, centre):
    response = client.delete(
        f"/api/v1/whiteboard_sessions/{centre['board']}", headers=auth(centre, "tutor")
    )
    assert response.status_code == 200
    assert response.get_json() == {"id": centre["board"], "sessions_unlinked": centre["linked"]}
    with app.app_context():
        assert db.session.get(WhiteboardSession, centre["board"]) is None
        boards = db.session.scalars(
            sa.select(Session.whiteboard_id).where(Session.id.in_(centre["linked"]))
        )
        assert list(boards) == [None, None]
        logged = db.session.scalars(
            sa.select(SessionChange.session_id).order_by(SessionChange.session_id)
        )
        assert list(logged) == centre["linked"]


@pytest.mark.parametrize(
    ("who", "listed", "delete"),
    [
        ("coordinator", True, 200),
        ("tutor", True, 200),
        ("other_tutor", False, 403),
        ("student", None, 403),
        ("parent", None, 403),
    ],
)
def test_who_may_list_and_manage_boards(client, centre, who, listed, delete):
    response = client.get("/api/v1/whiteboard_sessions", headers=auth(centre, who))
    if listed is None:
        assert response.status_code == 403
    else:
        boards = [row["id"] for row in response.get_json()["data"]]
        assert (centre["board"] in boards) is listed
    url = f"/api/v1/whiteboard_sessions/{centre['board']}"
    assert client.patch(
        url, json={"session_name": "Renamed"}, headers=auth(centre, who)
    ).status_code == (200 if delete == 200 else 403)
    assert client.delete(url, headers=auth(centre, who)).status_code == delete


def test_create_and_patch_check_name_address_and_owner(client, centre):
    tutor = centre["people"]["tutor"]
    made = client.post(
        "/api/v1/whiteboard_sessions",
        json={"session_name": " Maths ", "board_url": "https://b.example/m"},
        headers=auth(centre, "tutor"),
    )
    assert made.status_code == 201
    board = made.get_json()
    assert (board["session_name"], board["owner_id"], board["linked_sessions"]) == (
        "Maths",
        tutor,
        0,
    )
    for body in (
        {"session_name": "X", "board_url": "javascript:alert(1)"},
        {"session_name": " ", "board_url": "https://b.example/"},
        {"session_name": "X", "board_url": "https://b.example/", "owner_id": 999_999},
    ):
        assert (
            client.post(
                "/api/v1/whiteboard_sessions", json=body, headers=auth(centre, "coordinator")
            ).status_code
            == 422
        )
    not_theirs = {
        "session_name": "X",
        "board_url": "https://b.example/",
        "owner_id": centre["people"]["other_tutor"],
    }
    assert (
        client.post(
            "/api/v1/whiteboard_sessions", json=not_theirs, headers=auth(centre, "tutor")
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/whiteboard_sessions", json=not_theirs, headers=auth(centre, "coordinator")
        ).status_code
        == 201
    )
    patched = client.patch(
        f"/api/v1/whiteboard_sessions/{board['id']}",
        json={"board_url": "ftp://x"},
        headers=auth(centre, "tutor"),
    )
    assert patched.status_code == 422
    assert (
        client.patch(
            f"/api/v1/whiteboard_sessions/{2**31}", json={}, headers=auth(centre, "tutor")
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("who", "sees_first", "sees_other"),
    [
        ("coordinator", True, True),
        ("tutor", True, False),
        ("student", True, False),
        ("parent", True, False),
        ("other_tutor", False, True),
    ],
)
def test_enrolled_courses_follow_the_session_visibility(
    client, centre, who, sees_first, sees_other
):
    rows = client.get("/api/v1/enrolled_courses", headers=auth(centre, who)).get_json()["data"]
    listed = {row["id"] for row in rows}
    first, other = centre["enrolments"]
    assert (first in listed, other in listed) == (sees_first, sees_other)


def test_courses_page_by_id(client, centre):
    first = client.get("/api/v1/courses?limit=1", headers=auth(centre, "student")).get_json()
    assert [row["title"] for row in first["data"]] == ["Physics"]
    second = client.get(first["next"], headers=auth(centre, "student")).get_json()
    assert [row["title"] for row in second["data"]] == ["Chemistry"] and second["next"] is None
    assert (
        client.get("/api/v1/courses?cursor=bogus", headers=auth(centre, "student")).status_code
        == 400
    )


def test_me_names_the_person_and_the_token(client, centre):
    me = client.get("/api/v1/me", headers=auth(centre, "parent")).get_json()
    assert (me["id"], me["role"], me["token"]["scope"]) == (
        centre["people"]["parent"],
        "parent",
        "write",
    )
