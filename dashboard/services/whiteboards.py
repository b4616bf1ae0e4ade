"""Whiteboards: list, create, rename, delete, and the boards a session may link to.

A board belongs to one tutor (``owner_id``); a session may link only a board
its own tutor owns (``permissions.board_fits_session``). Deleting a board
keeps its sessions: the spec's ``ON DELETE SET NULL`` clears their
``whiteboard_id``; we bump their ``updated_at`` and write the audit rows in
the same transaction so open pages see the change as a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import aliased

from dashboard.choices import ROLE_TUTOR
from dashboard.extensions import db
from dashboard.models import Session, User, WhiteboardSession
from dashboard.services.core_rows import core_rows
from dashboard.services.session_views import (
    SessionView,
    check_view_columns,
    fetch_session_views,
    session_view_select,
    tutor_column,
)
from dashboard.services.session_writes import write_session

MAX_NAME_LENGTH = 200
MAX_URL_LENGTH = 2048


@dataclass(frozen=True)
class BoardChoice:
    """A board as offered in a session's whiteboard <select>."""

    id: int
    name: str
    owner_id: int


@dataclass(frozen=True)
class BoardRow:
    """A board as listed on /whiteboards."""

    id: int
    session_name: str
    board_url: str
    owner_id: int | None
    owner_name: str | None
    linked_sessions: int
    updated_at: datetime | None


def board_url_problem(url: str) -> str | None:
    """Why ``url`` is not an acceptable board address, or None when it is.

    Accepted: ``http``/``https`` with a host, at most 2048 characters, no
    spaces or control characters (what a browser can open as-is).
    """
    if not url:
        return "Enter the board's address."
    if len(url) > MAX_URL_LENGTH:
        return f"The address must be at most {MAX_URL_LENGTH} characters."
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return "The address must not contain spaces."
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        return "That is not a valid web address."
    if parts.scheme.lower() not in ("http", "https"):
        return "The address must start with http:// or https://."
    if not host:
        return "The address must include a host name, e.g. https://board.example.com/…"
    return None


def boards_by_owner(owner_ids: list[int] | None = None) -> dict[int, list[BoardChoice]]:
    """Boards grouped by owning tutor, in one query (all tutors when ``owner_ids`` is None)."""
    statement = (
        sa.select(WhiteboardSession.id, WhiteboardSession.session_name, WhiteboardSession.owner_id)
        .where(WhiteboardSession.owner_id.is_not(None))
        .order_by(WhiteboardSession.owner_id, WhiteboardSession.session_name, WhiteboardSession.id)
    )
    if owner_ids is not None:
        statement = statement.where(WhiteboardSession.owner_id.in_(owner_ids))
    grouped: dict[int, list[BoardChoice]] = {}
    for board_id, name, owner_id in core_rows(statement):
        grouped.setdefault(owner_id, []).append(BoardChoice(board_id, name, owner_id))
    return grouped


def _session_and_boards_select() -> sa.Select:
    """One session's view plus ``boards``: its tutor's boards as a json array."""
    board = aliased(WhiteboardSession, name="tutor_board")
    boards = (
        sa.select(
            sa.func.coalesce(
                sa.func.json_agg(
                    aggregate_order_by(
                        sa.func.json_build_array(board.id, board.session_name),
                        board.session_name,
                        board.id,
                    )
                ),
                sa.literal_column("'[]'::json"),
            )
        )
        .where(board.owner_id == tutor_column())
        .scalar_subquery()
    )
    return (
        session_view_select()
        .add_columns(boards.label("boards"))
        .where(Session.id == sa.bindparam("session_id"))
    )


_SESSION_AND_BOARDS = _session_and_boards_select()


def session_view_and_boards(session_id: int) -> tuple[SessionView, list[BoardChoice]] | None:
    """One session's view and its tutor's boards (its whiteboard choices), in one query.

    A single card (the popover, an inline edit's answer) would otherwise ask for the
    boards in a second round trip; here they come as a json array of the same row.
    """
    result = core_rows(_SESSION_AND_BOARDS, {"session_id": session_id})
    check_view_columns(result.keys(), extra=("boards",))
    row = result.first()
    if row is None:
        return None
    view = SessionView(*row[:-1])
    return view, [BoardChoice(id_, name, view.tutor_id) for id_, name in row[-1]]


def lock_board(board_id: int) -> WhiteboardSession | None:
    """The board, locked against deletion until the transaction ends (or None).

    ``FOR KEY SHARE`` is what the foreign key check would take anyway; taking
    it first means a concurrent delete waits for us instead of failing our
    UPDATE, and the lock order (board, then session) matches ``delete_board``.
    """
    return db.session.scalar(
        sa.select(WhiteboardSession)
        .where(WhiteboardSession.id == board_id)
        .with_for_update(key_share=True)
    )


def list_boards(owner_id: int | None = None) -> list[BoardRow]:
    """Boards with owner name and linked-session count; only ``owner_id``'s when given."""
    linked = (
        sa.select(sa.func.count())
        .where(Session.whiteboard_id == WhiteboardSession.id)
        .scalar_subquery()
    )
    statement = (
        sa.select(
            WhiteboardSession.id,
            WhiteboardSession.session_name,
            WhiteboardSession.board_url,
            WhiteboardSession.owner_id,
            User.full_name.label("owner_name"),
            linked.label("linked_sessions"),
            WhiteboardSession.updated_at,
        )
        .outerjoin(User, User.id == WhiteboardSession.owner_id)
        .order_by(User.full_name, WhiteboardSession.session_name, WhiteboardSession.id)
    )
    if owner_id is not None:
        statement = statement.where(WhiteboardSession.owner_id == owner_id)
    return [BoardRow(**row) for row in db.session.execute(statement).mappings()]


def tutor_choices() -> list[tuple[int, str]]:
    """(id, name) of every active tutor, for a coordinator choosing a board's owner."""
    return [
        (row.id, row.full_name)
        for row in db.session.execute(
            sa.select(User.id, User.full_name)
            .where(User.role == ROLE_TUTOR, User.is_active)
            .order_by(User.full_name, User.id)
        )
    ]


def create_board(name: str, board_url: str, owner_id: int) -> WhiteboardSession:
    """Add a board owned by ``owner_id`` (validated by the caller); flushed, not committed."""
    board = WhiteboardSession(session_name=name, board_url=board_url, owner_id=owner_id)
    db.session.add(board)
    db.session.flush()
    return board


def update_board(board: WhiteboardSession, name: str, board_url: str) -> None:
    """Rename / re-point a board; bumps its ``updated_at``."""
    board.session_name = name
    board.board_url = board_url
    board.updated_at = sa.func.clock_timestamp()
    db.session.flush()


def linked_session_views(board_id: int) -> list[SessionView]:
    """The sessions linked to a board, soonest first (for the delete confirmation)."""
    return fetch_session_views(
        session_view_select()
        .where(Session.whiteboard_id == board_id)
        .order_by(Session.session_date, Session.start_time, Session.id)
    )


def delete_board(board_id: int, user_id: int | None) -> list[int]:
    """Delete a board; return the ids of the sessions that were linked to it.

    Order matters: lock the board (so nobody links it meanwhile), bump the
    linked sessions through the write path (``whiteboard_id`` → NULL, versioned
    and logged), then DELETE — the same outcome as the foreign key's
    ``ON DELETE SET NULL``, which still covers any row linked by other means.
    """
    board = db.session.scalar(
        sa.select(WhiteboardSession).where(WhiteboardSession.id == board_id).with_for_update()
    )
    if board is None:
        return []
    linked = db.session.execute(
        sa.select(Session.id, Session.updated_at)
        .where(Session.whiteboard_id == board_id)
        .order_by(Session.id)
        .with_for_update()
    ).all()
    for session_id, version in linked:  # each unlink is versioned and logged
        write_session(session_id, version, {"whiteboard_id": None}, user_id)
    db.session.delete(board)
    db.session.flush()
    return [session_id for session_id, _version in linked]
