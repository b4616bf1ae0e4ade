"""Inline edits of a session: parse and validate the small forms, bulk attendance, history.

The write itself — version check, UPDATE … RETURNING, audit rows — is
``dashboard.services.session_writes.write_session``, the one write path.
Check order, as the routes apply it: unknown session (404) → no right (403) →
invalid value (422) → stale version (409). Nothing here commits: the caller
commits on success and rolls back on any ``EditRejected``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from dashboard.choices import ATTENDANCE_STATUSES, PRIORITY_LEVELS
from dashboard.extensions import db
from dashboard.input_limits import parse_database_id
from dashboard.models import Session, SessionChange, User, WhiteboardSession
from dashboard.permissions import board_fits_session
from dashboard.services.attendance import (
    check_attendance_allowed,
    record_attendance_taken,
    starts_at,
)
from dashboard.services.session_views import SessionView
from dashboard.services.session_writes import (
    Applied,
    EditRejected,
    FieldChange,
    InvalidEdit,
    SessionGone,
    StaleEdit,
    as_text,
    parse_version,
    write_session,
)
from dashboard.services.whiteboards import lock_board
from dashboard.timezones import schedule_zone

__all__ = [
    "Applied",
    "EditRejected",
    "FieldChange",
    "InvalidEdit",
    "SessionGone",
    "StaleEdit",
    "as_text",
    "parse_version",
    "write_session",
]

ATTENDANCE_FIELDS: tuple[str, ...] = ("tutor_attendance_status", "student_attendance_status")

#: How each editable column is named to people (messages, the history list).
FIELD_LABELS: dict[str, str] = {
    "tutor_attendance_status": "Tutor attendance",
    "student_attendance_status": "Student attendance",
    "priority_level": "Priority",
    "is_featured": "Featured",
    "whiteboard_id": "Whiteboard",
    "enrolled_courses_id": "Enrolled course",
    "session_date": "Date",
    "start_time": "Start",
    "end_time": "End",
    "duration": "Length (minutes)",
    "status": "Status",
    "session_mode": "Mode",
    "location": "Location",
    "topics": "Topics",
    "topics_covered": "Topics covered",
    "notification_enabled": "Reminder",
    "alarm_enabled": "Calendar alarm",
    "alarm_before_minutes": "Remind before (minutes)",
    "recurring_pattern": "Series rule",
}

#: At most this many sessions in one bulk request (a tutor's day is far fewer).
BULK_MAX_ROWS = 100


class FormData(Protocol):
    """What the services read from a submitted form (a Werkzeug ``MultiDict`` fits)."""

    def getlist(self, key: str) -> list[str]: ...


# --- Parsing and validation (no writes) --------------------------------------


def single_value(form: FormData, name: str) -> str | None:
    """The one value of ``name``: None when absent; 422 when sent more than once."""
    values = form.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise InvalidEdit(f"{FIELD_LABELS.get(name, name)} was sent more than once.", name)
    return values[0]


def attendance_changes(
    form: FormData, session: SessionView | None = None, zone: ZoneInfo | None = None
) -> dict[str, object]:
    """``tutor_attendance_status`` and/or ``student_attendance_status`` from the form.

    With ``session``, the attendance rules apply too (``services.attendance``):
    nothing on a cancelled session, only ``excused`` before its start (422).
    """
    changes: dict[str, object] = {}
    allowed = ", ".join(ATTENDANCE_STATUSES)
    for name in ATTENDANCE_FIELDS:
        value = single_value(form, name)
        if value is None:
            continue
        if value not in ATTENDANCE_STATUSES:
            raise InvalidEdit(f"{FIELD_LABELS[name]} must be one of: {allowed}.", name)
        changes[name] = value
    if not changes:
        raise InvalidEdit("Choose the tutor's or the student's attendance.", ATTENDANCE_FIELDS[0])
    if session is not None:
        start = starts_at(session.session_date, session.start_time, zone or schedule_zone())
        check_attendance_allowed(changes, session.status, start, field=ATTENDANCE_FIELDS[0])
    return changes


def priority_changes(form: FormData) -> dict[str, object]:
    """``priority_level`` from the form."""
    value = single_value(form, "priority_level")
    if value not in PRIORITY_LEVELS:
        allowed = ", ".join(PRIORITY_LEVELS)
        raise InvalidEdit(f"Priority must be one of: {allowed}.", "priority_level")
    return {"priority_level": value}


def featured_changes(form: FormData) -> dict[str, object]:
    """``is_featured`` from the form: exactly ``true`` or ``false``."""
    value = single_value(form, "is_featured")
    if value not in ("true", "false"):
        raise InvalidEdit("Featured must be true or false.", "is_featured")
    return {"is_featured": value == "true"}


def whiteboard_changes(form: FormData, session: SessionView) -> dict[str, object]:
    """``whiteboard_id`` from the form: empty unlinks; otherwise a board the session's tutor owns.

    The chosen board is locked (``FOR KEY SHARE``) until the transaction ends,
    so it cannot be deleted between this check and the UPDATE. Re-sending the
    board already linked is accepted even if it no longer fits (a no-op).
    """
    raw = single_value(form, "whiteboard_id")
    if raw is None:
        raise InvalidEdit("Choose a whiteboard (or none).", "whiteboard_id")
    if raw == "":
        return {"whiteboard_id": None}
    board_id = parse_database_id(raw)
    if board_id is None:
        raise InvalidEdit("There is no such whiteboard.", "whiteboard_id")
    board = lock_board(board_id)
    if board is None:
        raise InvalidEdit("That whiteboard does not exist (any more).", "whiteboard_id")
    if board.id != session.whiteboard_id and not board_fits_session(board, session):
        raise InvalidEdit(
            "That whiteboard is not one of this session's tutor's boards.", "whiteboard_id"
        )
    return {"whiteboard_id": board.id}


# --- Writing -----------------------------------------------------------------


# --- Bulk attendance ---------------------------------------------------------


class BulkRejected(Exception):
    """Some rows of a bulk request failed; nothing was written. ``errors``: id → reason."""

    def __init__(self, errors: Mapping[int, EditRejected]) -> None:
        super().__init__(f"{len(errors)} row(s) rejected")
        self.errors = dict(errors)

    @property
    def status(self) -> int:
        """422 if any row is invalid, else 409 (all problems are stale versions)."""
        kinds = {type(error) for error in self.errors.values()}
        if SessionGone in kinds:
            return 404
        return 422 if InvalidEdit in kinds else 409


class _RowForm:
    """The fields of one bulk row, named ``<field>-<session id>`` in the form."""

    def __init__(self, form: FormData, session_id: int) -> None:
        self._form = form
        self._suffix = f"-{session_id}"

    def getlist(self, key: str) -> list[str]:
        return self._form.getlist(key + self._suffix)


def bulk_session_ids(form: FormData) -> list[int]:
    """The ``session_id`` values of a bulk form, in order, without repeats (422 if unusable)."""
    raw_ids = form.getlist("session_id")
    if not raw_ids:
        raise InvalidEdit("There are no sessions to save.", "session_id")
    ids: list[int] = []
    for raw in raw_ids:
        session_id = parse_database_id(raw)
        if session_id is None:
            raise InvalidEdit("The list of sessions is not valid.", "session_id")
        if session_id not in ids:
            ids.append(session_id)
    if len(ids) > BULK_MAX_ROWS:
        raise InvalidEdit(f"Save at most {BULK_MAX_ROWS} sessions at once.", "session_id")
    return ids


def bulk_row_form(form: FormData, session_id: int) -> FormData:
    """One row's fields of a bulk form, under their plain names."""
    return _RowForm(form, session_id)


def save_bulk_attendance(
    form: FormData,
    session_ids: Iterable[int],
    user_id: int | None,
    *,
    all_present: bool,
    zone: ZoneInfo | None = None,
) -> list[Applied]:
    """Apply every row's attendance, or none (raises ``BulkRejected`` naming each bad row).

    ``all_present`` sets both statuses of every listed row to ``present``
    (the "mark all present" button); otherwise each row's selects are used.
    Rows are locked in id order, so two bulk saves cannot deadlock. The
    attendance rules hold per row (cancelled, not started: 422), and every
    saved row is recorded as taken (``session_attendance``) in the same
    transaction.
    """
    zone = zone or schedule_zone()
    ids = sorted(session_ids)
    errors: dict[int, EditRejected] = {}
    plans: dict[int, tuple[datetime | None, dict[str, object]]] = {}
    for session_id in ids:
        row = bulk_row_form(form, session_id)
        try:
            if all_present:
                changes: dict[str, object] = dict.fromkeys(ATTENDANCE_FIELDS, "present")
            else:
                changes = attendance_changes(row)
            plans[session_id] = (parse_version(single_value(row, "version")), changes)
        except EditRejected as error:
            errors[session_id] = error
    locked = {
        row.id: row
        for row in db.session.execute(
            sa.select(
                Session.id,
                Session.updated_at,
                Session.status,
                Session.session_date,
                Session.start_time,
            )
            .where(Session.id.in_(ids))
            .order_by(Session.id)
            .with_for_update()
        )
    }
    for session_id, (version, changes) in plans.items():
        found = locked.get(session_id)
        if found is None:
            errors[session_id] = SessionGone(f"There is no session #{session_id}.")
            continue
        try:
            start = starts_at(found.session_date, found.start_time, zone)
            check_attendance_allowed(changes, found.status, start)
        except InvalidEdit as refused:
            errors[session_id] = refused
            continue
        if found.updated_at != version:
            errors[session_id] = StaleEdit()
    if errors:
        raise BulkRejected(errors)
    applied: list[Applied] = []
    for session_id, (version, changes) in plans.items():
        try:
            applied.append(write_session(session_id, version, changes, user_id))
        except EditRejected as error:  # not expected while the rows are locked
            raise BulkRejected({session_id: error}) from error
    record_attendance_taken(plans, user_id)
    return applied


# --- History -----------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a session's change log, ready to show."""

    changed_at: datetime
    user_name: str | None
    field: str
    label: str
    old_value: str | None
    new_value: str | None
    old_display: str = field(default="")
    new_display: str = field(default="")


def history_for(session_id: int, limit: int = 50) -> list[HistoryEntry]:
    """The latest changes of a session, newest first (two queries: changes, board names)."""
    rows = db.session.execute(
        sa.select(
            # stored without a zone in the server's TimeZone; read back as an aware value
            sa.func.timezone(sa.func.current_setting("TimeZone"), SessionChange.changed_at).label(
                "changed_at"
            ),
            User.full_name,
            SessionChange.field,
            SessionChange.old_value,
            SessionChange.new_value,
        )
        .outerjoin(User, User.id == SessionChange.user_id)
        .where(SessionChange.session_id == session_id)
        .order_by(SessionChange.changed_at.desc(), SessionChange.id.desc())
        .limit(limit)
    ).all()
    board_ids = {
        int(value)
        for row in rows
        if row.field == "whiteboard_id"
        for value in (row.old_value, row.new_value)
        if value and value.isdigit()
    }
    board_names = (
        dict(
            db.session.execute(
                sa.select(WhiteboardSession.id, WhiteboardSession.session_name).where(
                    WhiteboardSession.id.in_(board_ids)
                )
            ).all()
        )
        if board_ids
        else {}
    )

    def display(name: str, value: str | None) -> str:
        if value is None:
            return "none"
        if name == "whiteboard_id" and value.isdigit():
            return board_names.get(int(value), f"deleted board #{value}")
        if name in ("is_featured", "notification_enabled", "alarm_enabled"):
            return "yes" if value == "true" else "no"
        return value

    return [
        HistoryEntry(
            changed_at=row.changed_at,
            user_name=row.full_name,
            field=row.field,
            label=FIELD_LABELS.get(row.field, row.field),
            old_value=row.old_value,
            new_value=row.new_value,
            old_display=display(row.field, row.old_value),
            new_display=display(row.field, row.new_value),
        )
        for row in rows
    ]
