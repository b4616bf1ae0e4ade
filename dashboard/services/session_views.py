"""Read a session together with its course, tutor, student and whiteboard.

Pages show sessions as ``SessionView`` rows built from one joined SELECT, so
a page of N sessions costs one query, never N.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from dashboard.models import (
    Course,
    EnrolledCourse,
    Session,
    SessionAttendance,
    SessionNote,
    User,
    WhiteboardSession,
)
from dashboard.services.core_rows import core_rows


class SessionView(NamedTuple):
    """Everything a page shows about one session (plain values, no lazy loads).

    A named tuple, not a dataclass: pages build dozens per request straight from
    result rows (``SessionView(*row)``), and a frozen dataclass's ``__init__``
    costs ~15 µs a row against ~1 µs for a tuple. Immutable either way.
    """

    id: int
    enrolled_courses_id: int | None
    course_id: int | None
    course_title: str | None
    tutor_id: int | None
    tutor_name: str | None
    student_id: int | None
    student_name: str | None
    topics: list[Any] | None
    topics_covered: list[Any] | None
    session_date: date
    start_time: time
    end_time: time
    duration: int | None
    session_mode: str | None
    location: str | None
    whiteboard_id: int | None
    whiteboard_name: str | None
    whiteboard_url: str | None
    student_review_id: int | None
    tutor_review_id: int | None
    parent_review_id: int | None
    tutor_attendance_status: str | None
    student_attendance_status: str | None
    priority_level: str | None
    is_recurring: bool | None
    session_frequency: str | None
    recurring_pattern: Any | None
    notification_enabled: bool | None
    alarm_enabled: bool | None
    alarm_before_minutes: int | None
    is_featured: bool | None
    status: str | None
    created_at: datetime | None
    updated_at: datetime | None
    #: When attendance was actually taken (``session_attendance``); None = not taken.
    attendance_taken_at: datetime | None = None
    #: The lesson note the student and parents see (``session_notes.public_note``).
    public_note: str | None = None

    @property
    def version(self) -> str:
        """The optimistic-lock token pages send back with an edit (``updated_at``)."""
        return self.updated_at.isoformat() if self.updated_at else ""

    @property
    def is_cancelled(self) -> bool:
        """Cancelled sessions are shown struck through."""
        return self.status == "cancelled"

    @property
    def attendance_taken(self) -> bool:
        """Attendance was recorded by someone (the columns' defaults alone do not count)."""
        return self.attendance_taken_at is not None


_Tutor = aliased(User, name="tutor")
_Student = aliased(User, name="student")

_SESSION_COLUMNS = {
    name: getattr(Session, name)
    for name in SessionView._fields
    if name in Session.__table__.columns
}


def _build_session_view_select() -> sa.Select:
    extra = {
        "course_id": EnrolledCourse.course_id,
        "course_title": Course.title,
        "tutor_id": EnrolledCourse.tutor_id,
        "tutor_name": _Tutor.full_name,
        "student_id": EnrolledCourse.student_id,
        "student_name": _Student.full_name,
        "whiteboard_name": WhiteboardSession.session_name,
        "whiteboard_url": WhiteboardSession.board_url,
        "attendance_taken_at": SessionAttendance.taken_at,
        "public_note": SessionNote.public_note,
    }
    columns = [
        (_SESSION_COLUMNS[name] if name in _SESSION_COLUMNS else extra[name]).label(name)
        for name in SessionView._fields
    ]
    return (
        sa.select(*columns)
        .select_from(Session)
        .outerjoin(EnrolledCourse, EnrolledCourse.id == Session.enrolled_courses_id)
        .outerjoin(Course, Course.id == EnrolledCourse.course_id)
        .outerjoin(_Tutor, _Tutor.id == EnrolledCourse.tutor_id)
        .outerjoin(_Student, _Student.id == EnrolledCourse.student_id)
        .outerjoin(WhiteboardSession, WhiteboardSession.id == Session.whiteboard_id)
        .outerjoin(SessionAttendance, SessionAttendance.session_id == Session.id)
        .outerjoin(SessionNote, SessionNote.session_id == Session.id)
    )


#: Built once: a Select is immutable (``.where()`` and friends return a copy), and
#: building 35 labelled columns and five joins costs more than running a small page.
_SESSION_VIEW_SELECT = _build_session_view_select()
_SESSION_VIEW_FIELDS = SessionView._fields


def session_view_select() -> sa.Select:
    """SELECT of every ``SessionView`` column, in field order; add WHERE/ORDER/LIMIT and run it."""
    return _SESSION_VIEW_SELECT


def tutor_column() -> sa.ColumnElement[int]:
    """The tutor id column of ``session_view_select`` (for WHERE clauses)."""
    return EnrolledCourse.tutor_id


def student_column() -> sa.ColumnElement[int]:
    """The student id column of ``session_view_select`` (for WHERE clauses)."""
    return EnrolledCourse.student_id


def enrolled_in(enrolment_ids: sa.Select) -> sa.ColumnElement[bool]:
    """``sessions.enrolled_courses_id = ANY(ARRAY(<enrolment ids>))``.

    The ids are computed first (an InitPlan on the indexed ``enrolled_courses``
    columns), so the sessions are found through ``idx_sessions_enrolled_courses``
    whatever the planner guesses about a join. Use it instead of filtering on
    ``tutor_column()``/``student_column()`` when the page is one person's.
    """
    return Session.enrolled_courses_id == sa.any_(sa.func.array(enrolment_ids.scalar_subquery()))


def of_tutor(tutor_id: int) -> sa.ColumnElement[bool]:
    """The sessions of the enrolled courses ``tutor_id`` teaches (see ``enrolled_in``)."""
    return enrolled_in(sa.select(EnrolledCourse.id).where(EnrolledCourse.tutor_id == tutor_id))


def of_students(student_ids: list[int] | sa.BindParameter) -> sa.ColumnElement[bool]:
    """The sessions of these students' enrolled courses (see ``enrolled_in``)."""
    return enrolled_in(
        sa.select(EnrolledCourse.id).where(EnrolledCourse.student_id.in_(student_ids))
    )


def check_view_columns(keys: Iterable[str], extra: tuple[str, ...] = ()) -> None:
    """Refuse a result whose columns are not ``SessionView``'s in field order (+ ``extra``).

    Views are built from row positions, so a statement not derived from
    ``session_view_select()`` would shift every field silently.
    """
    if tuple(keys) != _SESSION_VIEW_FIELDS + extra:
        raise ValueError("expected the columns of session_view_select(), in order")


def fetch_session_views(
    statement: sa.Select, parameters: Mapping[str, Any] | None = None
) -> list[SessionView]:
    """Run a ``session_view_select()``-based statement; one query.

    Runs on the session's connection (Core, not the ORM's execute: there are no
    entities to track) and builds the views from the rows' positions, which are
    the dataclass's field order by construction.
    """
    result = core_rows(statement, parameters)
    check_view_columns(result.keys())
    return [SessionView(*row) for row in result.all()]  # one fetchall, not a fetch per row


#: The SessionView fields that are columns of ``sessions`` itself (the rest are joined).
_OWN_COLUMNS = frozenset(Session.__table__.c.keys()) & frozenset(SessionView._fields)
#: Columns whose change also changes joined fields (names, the board's title and link).
_JOINED_BY = frozenset({"enrolled_courses_id", "whiteboard_id"})


def view_after_write(
    before: SessionView, row: Mapping[str, Any], **joined: Any
) -> SessionView | None:
    """``before`` with the columns of ``row`` (a write's ``RETURNING``), without a query.

    None when the write changed a column that other fields are joined by (the
    enrolment or the whiteboard): then read the view again. ``joined`` sets
    further fields the caller knows (e.g. ``attendance_taken_at``).
    """
    if any(row.get(name) != getattr(before, name) for name in _JOINED_BY if name in row):
        return None
    return before._replace(**{name: row[name] for name in _OWN_COLUMNS if name in row}, **joined)


_BY_ID = session_view_select().where(Session.id == sa.bindparam("session_id"))


def get_session_view(session_id: int) -> SessionView | None:
    """One session by id, or None."""
    found = fetch_session_views(_BY_ID, {"session_id": session_id})
    return found[0] if found else None
