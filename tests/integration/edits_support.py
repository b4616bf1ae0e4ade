"""Helpers shared by the inline-edit, bulk-attendance, whiteboard and fuzz tests.

Plain functions (no fixtures) so test modules can import them without
shadowing pytest fixtures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from dashboard.extensions import db
from dashboard.models import EnrolledCourse, Session, SessionChange, User, WhiteboardSession
from dashboard.services.session_views import SessionView, get_session_view

HTMX = {"HX-Request": "true"}


def full_row(app: Flask, session_id: int) -> dict[str, Any] | None:
    """Every column of one ``sessions`` row (None when it does not exist)."""
    with app.app_context():
        row = db.session.execute(
            sa.select(Session.__table__).where(Session.__table__.c.id == session_id)
        ).mappings()
        found = row.one_or_none()
        return dict(found) if found is not None else None


def all_rows(app: Flask) -> dict[int, dict[str, Any]]:
    """Every ``sessions`` row by id."""
    with app.app_context():
        rows = db.session.execute(sa.select(Session.__table__)).mappings()
        return {row["id"]: dict(row) for row in rows}


def audit_rows(app: Flask, session_id: int | None = None) -> list[dict[str, Any]]:
    """``session_changes`` rows (of one session, if given), oldest first."""
    with app.app_context():
        statement = sa.select(SessionChange.__table__).order_by(SessionChange.id)
        if session_id is not None:
            statement = statement.where(SessionChange.session_id == session_id)
        return [dict(row) for row in db.session.execute(statement).mappings()]


def view_of(app: Flask, session_id: int) -> SessionView:
    """The ``SessionView`` of a session (its ``version`` is what pages send)."""
    with app.app_context():
        found = get_session_view(session_id)
        assert found is not None
        return found


def session_ids_of(app: Flask, tutor_id: int) -> list[int]:
    """Ids of a tutor's sessions, by date."""
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(Session.id)
                .join(EnrolledCourse, EnrolledCourse.id == Session.enrolled_courses_id)
                .where(EnrolledCourse.tutor_id == tutor_id)
                .order_by(Session.session_date, Session.start_time, Session.id)
            )
        )


def add_board(app: Flask, owner_id: int | None, name: str = "Spare board") -> int:
    """Create a whiteboard; return its id."""
    with app.app_context():
        board = WhiteboardSession(
            session_name=name, board_url="https://boards.example.org/spare", owner_id=owner_id
        )
        db.session.add(board)
        db.session.commit()
        return board.id


def board_of(app: Flask, owner_id: int) -> int:
    """The (first) board a tutor owns."""
    with app.app_context():
        return db.session.scalar(
            sa.select(WhiteboardSession.id)
            .where(WhiteboardSession.owner_id == owner_id)
            .order_by(WhiteboardSession.id)
        )


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == email))


def csrf_from(client: FlaskClient) -> str:
    """A CSRF token for ``client``'s session (from whatever page / redirects to)."""
    page = client.get("/login", follow_redirects=True).get_data(as_text=True)
    match = re.search(r'"X-CSRFToken": "([^"]+)"', page) or re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', page
    )
    assert match, "no CSRF token found"
    return match.group(1)


@dataclass
class Poster:
    """Posts forms with the CSRF token of one signed-in (or anonymous) client."""

    client: FlaskClient
    token: str

    def post(self, path: str, data: dict[str, Any], *, htmx: bool = True, **kwargs: Any):
        form = {"csrf_token": self.token, **data}
        return self.client.post(path, data=form, headers=HTMX if htmx else {}, **kwargs)


def login(client: FlaskClient, email: str | None) -> Poster:
    """Sign ``client`` in as ``email`` (None: stay anonymous) and return a ``Poster``."""
    for cookie in ("session", "remember_token"):
        client.delete_cookie(cookie)
    if email is not None:
        response = client.post(
            "/login",
            data={"email": email, "password": "tutoring-demo", "csrf_token": csrf_from(client)},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    return Poster(client, csrf_from(client))


def changed_columns(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Columns whose value differs, with the new value (``updated_at`` included)."""
    return {key: after[key] for key in before if before[key] != after[key]}


def flashed(client: FlaskClient) -> list[str]:
    """Messages flashed to ``client`` and not yet shown; taken, so the next call starts afresh."""
    with client.session_transaction() as session:
        return [message for _category, message in session.pop("_flashes", [])]
