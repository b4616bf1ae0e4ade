"""Inline edits of a session: validate, check the version, write and audit in one transaction.

Optimistic locking. Every page renders a session with its ``version``
(``updated_at`` as ISO text, see ``SessionView.version``) and every edit sends
it back. A write is::

    SELECT … FROM sessions WHERE id = :id FOR UPDATE           -- old values, row locked
    UPDATE sessions SET …, updated_at = clock_timestamp()
     WHERE id = :id AND updated_at = :version RETURNING updated_at

so a request based on an older version changes nothing and is reported as
stale (409). A request that names the current values is still a success and
bumps ``updated_at`` (DESIGN.md: every success bumps it); the audit log
(``session_changes``) records only the fields whose value really changed,
stamped with the new ``updated_at``.

Check order, as the routes apply it: unknown session (404) → no right (403) →
invalid value (422) → stale version (409). Nothing here commits: the caller
commits on success and rolls back on any ``EditRejected``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Protocol

import sqlalchemy as sa

from dashboard.choices import ATTENDANCE_STATUSES, PRIORITY_LEVELS
from dashboard.extensions import db
from dashboard.models import Session, SessionChange, User, WhiteboardSession
from dashboard.permissions import board_fits_session
from dashboard.services.session_views import SessionView
from dashboard.services.whiteboards import lock_board

ATTENDANCE_FIELDS: tuple[str, ...] = ("tutor_attendance_status", "student_attendance_status")

#: How each editable column is named to people (messages, the history list).
FIELD_LABELS: dict[str, str] = {
    "tutor_attendance_status": "Tutor attendance",
    "student_attendance_status": "Student attendance",
    "priority_level": "Priority",
    "is_featured": "Featured",
    "whiteboard_id": "Whiteboard",
}

STALE_MESSAGE = "Changed by someone else — here is the latest. Your change was not saved."

#: A version is an ISO timestamp (26 characters with microseconds); anything longer is junk.
_MAX_VERSION_LENGTH = 40
_MAX_INT4 = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")
#: At most this many sessions in one bulk request (a tutor's day is far fewer).
BULK_MAX_ROWS = 100


class FormData(Protocol):
    """What the services read from a submitted form (a Werkzeug ``MultiDict`` fits)."""

    def getlist(self, key: str) -> list[str]: ...


class EditRejected(Exception):
    """The edit was not applied; ``message`` is shown to the user next to ``field``."""

    status: ClassVar[int] = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidEdit(EditRejected):
    """A value outside the allowed set, a missing field, a board that may not be used."""

    status = 422


class StaleEdit(EditRejected):
    """The request was based on an older version of the row (or sent no usable version)."""

    status = 409

    def __init__(self, message: str = STALE_MESSAGE, field: str | None = None) -> None:
        super().__init__(message, field)


class SessionGone(EditRejected):
    """The row disappeared between loading and writing."""

    status = 404


@dataclass(frozen=True)
class FieldChange:
    """One column of one session: before and after (as stored)."""

    field: str
    old: object
    new: object


@dataclass(frozen=True)
class Applied:
    """A successful edit: the new version and the columns whose value changed."""

    session_id: int
    updated_at: datetime
    changes: list[FieldChange]


# --- Parsing and validation (no writes) --------------------------------------


def single_value(form: FormData, name: str) -> str | None:
    """The one value of ``name``: None when absent; 422 when sent more than once."""
    values = form.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise InvalidEdit(f"{FIELD_LABELS.get(name, name)} was sent more than once.", name)
    return values[0]


def parse_version(raw: str | None) -> datetime | None:
    """The ``updated_at`` a form was rendered with; any unusable token counts as stale (409).

    A version is opaque to the browser: missing, malformed, zoned or far-off
    values are simply "not the current version", so the answer is the same as
    for an old one — the latest card, to try again from. The empty string is
    the version of a row whose ``updated_at`` is NULL (``SessionView.version``),
    so such a row can still be edited once.
    """
    if raw == "":
        return None
    if raw is None or len(raw) > _MAX_VERSION_LENGTH:
        raise StaleEdit()
    try:
        version = datetime.fromisoformat(raw)
    except ValueError:
        raise StaleEdit() from None
    if version.tzinfo is not None:  # updated_at is timestamp WITHOUT time zone
        raise StaleEdit()
    return version


def attendance_changes(form: FormData) -> dict[str, object]:
    """``tutor_attendance_status`` and/or ``student_attendance_status`` from the form."""
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
    if not _DIGITS.fullmatch(raw) or int(raw) > _MAX_INT4:
        raise InvalidEdit("There is no such whiteboard.", "whiteboard_id")
    board = lock_board(int(raw))
    if board is None:
        raise InvalidEdit("That whiteboard does not exist (any more).", "whiteboard_id")
    if board.id != session.whiteboard_id and not board_fits_session(board, session):
        raise InvalidEdit(
            "That whiteboard is not one of this session's tutor's boards.", "whiteboard_id"
        )
    return {"whiteboard_id": board.id}


# --- Writing -----------------------------------------------------------------


def apply_changes(
    session_id: int, version: datetime | None, changes: Mapping[str, object], user_id: int | None
) -> Applied:
    """Write ``changes`` if the row is still at ``version``; audit what changed.

    Raises ``SessionGone`` (row deleted) or ``StaleEdit`` (newer version).
    """
    columns = [getattr(Session, name) for name in changes]
    current = db.session.execute(
        sa.select(Session.updated_at, *columns).where(Session.id == session_id).with_for_update()
    ).one_or_none()
    if current is None:
        raise SessionGone(f"There is no session #{session_id}.")
    if current.updated_at != version:
        raise StaleEdit()
    at_version = Session.updated_at.is_(None) if version is None else Session.updated_at == version
    updated_at = db.session.execute(
        sa.update(Session)
        .where(Session.id == session_id, at_version)
        .values(**changes, updated_at=sa.func.clock_timestamp())
        .returning(Session.updated_at)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if updated_at is None:  # cannot happen while we hold the row lock; never write blindly
        raise StaleEdit()
    changed = [
        FieldChange(name, getattr(current, name), new)
        for name, new in changes.items()
        if getattr(current, name) != new
    ]
    db.session.add_all(
        SessionChange(
            session_id=session_id,
            user_id=user_id,
            field=change.field,
            old_value=as_text(change.old),
            new_value=as_text(change.new),
            changed_at=updated_at,
        )
        for change in changed
    )
    db.session.flush()
    return Applied(session_id, updated_at, changed)


def as_text(value: object) -> str | None:
    """How a column value is stored in the audit log (booleans as true/false)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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
        if not _DIGITS.fullmatch(raw) or int(raw) > _MAX_INT4:
            raise InvalidEdit("The list of sessions is not valid.", "session_id")
        if int(raw) not in ids:
            ids.append(int(raw))
    if len(ids) > BULK_MAX_ROWS:
        raise InvalidEdit(f"Save at most {BULK_MAX_ROWS} sessions at once.", "session_id")
    return ids


def bulk_row_form(form: FormData, session_id: int) -> FormData:
    """One row's fields of a bulk form, under their plain names."""
    return _RowForm(form, session_id)


def save_bulk_attendance(
    form: FormData, session_ids: Iterable[int], user_id: int | None, *, all_present: bool
) -> list[Applied]:
    """Apply every row's attendance, or none (raises ``BulkRejected`` naming each bad row).

    ``all_present`` sets both statuses of every listed row to ``present``
    (the "mark all present" button); otherwise each row's selects are used.
    Rows are locked in id order, so two bulk saves cannot deadlock.
    """
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
    locked = dict(
        db.session.execute(
            sa.select(Session.id, Session.updated_at)
            .where(Session.id.in_(ids))
            .order_by(Session.id)
            .with_for_update()
        ).all()
    )
    for session_id, (version, _changes) in plans.items():
        if session_id not in locked:
            errors[session_id] = SessionGone(f"There is no session #{session_id}.")
        elif locked[session_id] != version:
            errors[session_id] = StaleEdit()
    if errors:
        raise BulkRejected(errors)
    applied: list[Applied] = []
    for session_id, (version, changes) in plans.items():
        try:
            applied.append(apply_changes(session_id, version, changes, user_id))
        except EditRejected as error:  # not expected while the rows are locked
            raise BulkRejected({session_id: error}) from error
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
        if name == "is_featured":
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
