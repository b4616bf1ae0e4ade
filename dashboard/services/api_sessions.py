"""Sessions as the JSON API shows them: the seed's 27 columns, listed page by page, patched.

No HTTP here (the blueprint turns these into responses). What is decided here:

* **Representation**: every column of ``sessions`` under its own name, in
  table order (``SESSION_COLUMNS`` comes from the model, which the schema
  tests hold to the spec), values as JSON: dates ``YYYY-MM-DD``, times
  ``HH:MM:SS`` (wall clock in the schedule zone, as stored), timestamps as
  stored (``timestamp without time zone``, ISO 8601 without an offset).
* **Who sees what**: the one rule of ``permissions.reach_of`` (as the
  calendar feeds apply it, ``feeds.visible_to``), so a tutor's token lists
  only their sessions; and, as on the pages, students' and parents' tokens
  never get ``priority_level`` (``permissions.may_see_priority``: the key is left out).
* **Order and paging**: ``(session_date, start_time, id)`` ascending, which is
  total and stable; a page ends with an opaque position, and the next page
  starts strictly after it (keyset paging: no skipped or repeated rows when
  sessions are added meanwhile, and no OFFSET cost deep in the list).
* **Patching**: the value checks are the inline edits' own
  (``session_edits``) and the scheduling form's (``scheduling``); the write
  is ``session_writes.write_session`` (version check + audit).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa

from dashboard.choices import SESSION_MODES
from dashboard.input_limits import is_database_id
from dashboard.models import Session
from dashboard.permissions import Person, may_see_priority
from dashboard.services import scheduling, session_edits
from dashboard.services.attendance import record_attendance_taken
from dashboard.services.feeds import visible_to
from dashboard.services.session_views import (
    SessionView,
    fetch_session_views,
    session_view_select,
    student_column,
    tutor_column,
)
from dashboard.services.session_writes import Applied, InvalidEdit, write_session

#: The columns of ``sessions`` in table order: the fields of every session the API sends.
SESSION_COLUMNS: tuple[str, ...] = tuple(Session.__table__.columns.keys())

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50
MAX_LOCATION_LENGTH = 255


def json_value(value: object) -> object:
    """A column value as JSON: dates, times and timestamps in ISO 8601, the rest as is."""
    if isinstance(value, date | time | datetime):
        return value.isoformat()
    return value


#: Columns only staff receive: priority is the centre's internal triage.
STAFF_ONLY_COLUMNS = frozenset({"priority_level"})


def session_record(view: SessionView, viewer: Person) -> dict[str, object]:
    """The API representation of a session for ``viewer``: the 27 columns, in order.

    Students and parents get the same object without the staff-only columns (their
    pages never show the priority either), rather than a null that reads as "no priority".
    """
    hidden = frozenset() if may_see_priority(viewer) else STAFF_ONLY_COLUMNS
    return {name: json_value(getattr(view, name)) for name in SESSION_COLUMNS if name not in hidden}


# --- listing -----------------------------------------------------------------


@dataclass(frozen=True)
class SessionFilters:
    """What ``GET /api/v1/sessions`` may filter on (all optional, combined with AND)."""

    tutor_id: int | None = None
    student_id: int | None = None
    enrolled_courses_id: int | None = None
    status: str | None = None
    is_featured: bool | None = None
    date_from: date | None = None
    date_to: date | None = None
    updated_since: datetime | None = None  # naive: as stored; aware: an instant


@dataclass(frozen=True)
class Position:
    """Where a page ended: the sort key of its last session."""

    session_date: date
    start_time: time
    id: int

    def encode(self) -> str:
        """An opaque cursor for the next page's ``cursor`` parameter."""
        raw = f"{self.session_date.isoformat()}|{self.start_time.isoformat()}|{self.id}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Position:
        """The position a cursor stands for; ``ValueError`` when it is not one of ours."""
        if len(cursor) > 100:
            raise ValueError("cursor too long")
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            day, start, session_id = raw.split("|")
            position = cls(date.fromisoformat(day), time.fromisoformat(start), int(session_id))
        except (binascii.Error, UnicodeDecodeError, ValueError) as error:
            raise ValueError("not a cursor") from error
        if not is_database_id(position.id):
            raise ValueError("not a cursor")
        return position


def parse_timestamp(text: str) -> datetime:
    """``updated_since``: ISO 8601, with or without an offset; ``ValueError`` otherwise."""
    if len(text) > 40:
        raise ValueError("too long")
    return datetime.fromisoformat(text)


def _filtered(statement: sa.Select, filters: SessionFilters) -> sa.Select:
    conditions = []
    if filters.tutor_id is not None:
        conditions.append(tutor_column() == filters.tutor_id)
    if filters.student_id is not None:
        conditions.append(student_column() == filters.student_id)
    if filters.enrolled_courses_id is not None:
        conditions.append(Session.enrolled_courses_id == filters.enrolled_courses_id)
    if filters.status is not None:
        conditions.append(Session.status == filters.status)
    if filters.is_featured is not None:
        conditions.append(Session.is_featured.is_(filters.is_featured))
    if filters.date_from is not None:
        conditions.append(Session.session_date >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(Session.session_date <= filters.date_to)
    if filters.updated_since is not None:
        since = filters.updated_since
        if since.tzinfo is None:
            conditions.append(Session.updated_at > since)
        else:  # updated_at is the server's local time: compare in its TimeZone
            local = sa.func.timezone(sa.func.current_setting("TimeZone"), since)
            conditions.append(Session.updated_at > local)
    return statement.where(*conditions)


def list_sessions(
    user: Person, filters: SessionFilters, after: Position | None, limit: int
) -> tuple[list[SessionView], Position | None]:
    """One page of the sessions ``user`` may see, and the position to continue from (or None).

    One query (plus the parent's children for a parent, as everywhere).
    """
    order = (Session.session_date, Session.start_time, Session.id)
    statement = _filtered(visible_to(user, session_view_select()), filters)
    if after is not None:
        statement = statement.where(
            sa.tuple_(*order)
            > sa.tuple_(
                sa.literal(after.session_date, sa.Date),
                sa.literal(after.start_time, sa.Time),
                sa.literal(after.id, sa.Integer),
            )
        )
    views = fetch_session_views(statement.order_by(*order).limit(limit + 1))
    if len(views) <= limit:
        return views, None
    last = views[limit - 1]
    return views[:limit], Position(last.session_date, last.start_time, last.id)


# --- patching ----------------------------------------------------------------


class _Values(dict):
    """One value per name, read the way the inline-edit parsers read a form."""

    def getlist(self, key: str) -> list[str]:
        return [self[key]] if key in self else []


def _form_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def checked_changes(view: SessionView, fields: Mapping[str, Any]) -> dict[str, object]:
    """Validate a PATCH's fields against the session; the changes to write (``InvalidEdit``).

    Attendance, priority, featured and whiteboard use the inline edits' own
    parsers (the whiteboard is locked until the transaction ends); the
    details use the scheduling form's limits.
    """
    form = _Values({name: _form_value(value) for name, value in fields.items()})
    changes: dict[str, object] = {}
    if any(name in fields for name in session_edits.ATTENDANCE_FIELDS):
        # the pages' attendance rules too: only "excused" before the start, none if cancelled
        changes.update(session_edits.attendance_changes(form, view))
    if "priority_level" in fields:
        changes.update(session_edits.priority_changes(form))
    if "is_featured" in fields:
        changes.update(session_edits.featured_changes(form))
    if "whiteboard_id" in fields:
        changes.update(session_edits.whiteboard_changes(form, view))
    changes.update(_detail_changes(view, fields))
    return changes


def _detail_changes(view: SessionView, fields: Mapping[str, Any]) -> dict[str, object]:
    """Topics, mode, location and reminder settings, checked as the scheduling form checks them."""
    changes: dict[str, object] = {}
    errors: dict[str, list[str]] = {}
    for name in ("topics", "topics_covered"):
        if name in fields:
            topics = [str(topic).strip() for topic in fields[name] if str(topic).strip()]
            scheduling.check_topics(topics, name, errors)
            changes[name] = topics
    if "session_mode" in fields:
        if fields["session_mode"] not in SESSION_MODES:
            errors.setdefault("session_mode", []).append("Choose online, in-person or hybrid.")
        changes["session_mode"] = fields["session_mode"]
    if "location" in fields:
        location = (fields["location"] or "").strip() or None
        if location and len(location) > MAX_LOCATION_LENGTH:
            errors.setdefault("location", []).append(
                f"Keep the location to {MAX_LOCATION_LENGTH} characters."
            )
        changes["location"] = location
    mode = changes.get("session_mode", view.session_mode)
    location = changes.get("location", view.location)
    if mode == "in-person" and not location and ("session_mode" in fields or "location" in fields):
        errors.setdefault("location", []).append("An in-person session needs a location.")
    for name in ("notification_enabled", "alarm_enabled"):
        if name in fields:
            changes[name] = bool(fields[name])
    if "alarm_before_minutes" in fields:
        minutes = fields["alarm_before_minutes"]
        if not 0 <= minutes <= scheduling.MAX_ALARM_MINUTES:
            errors.setdefault("alarm_before_minutes", []).append(
                f"Between 0 and {scheduling.MAX_ALARM_MINUTES} minutes."
            )
        changes["alarm_before_minutes"] = minutes
    if errors:
        field, messages = next(iter(errors.items()))
        raise InvalidEdit(" ".join(messages), field)
    return changes


def patch_session(
    view: SessionView, version: datetime | None, fields: Mapping[str, Any], user_id: int
) -> Applied:
    """Check and write a PATCH through the one write path; not committed.

    Raises ``InvalidEdit`` (a value), ``StaleEdit`` (``version`` is not the
    row's) or ``SessionGone``.
    """
    applied = write_session(view.id, version, checked_changes(view, fields), user_id)
    if any(name in fields for name in session_edits.ATTENDANCE_FIELDS):
        record_attendance_taken([view.id], user_id)  # attendance taken, by whom, when
    return applied
