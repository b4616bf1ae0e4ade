"""Overlaps between sessions, and the coordinators' recorded reasons for saving anyway.

A new or moved slot conflicts with another non-cancelled session of the same
tutor or the same student when the two overlap on the same day; touching (one
ends when the other starts) is not a conflict. A coordinator may save anyway
with a written reason (one ``session_conflict_overrides`` row per saved
session that conflicted); a tutor may not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa

from dashboard.extensions import db
from dashboard.models import (
    Course,
    EnrolledCourse,
    Session,
    SessionConflictOverride,
    User,
)
from dashboard.permissions import Person, may_override_conflicts
from dashboard.services.core_rows import core_rows
from dashboard.services.scheduling.rules import MAX_REASON_LENGTH, SchedulingError
from dashboard.services.session_views import (
    SessionView,
    fetch_session_views,
    session_view_select,
    student_column,
    tutor_column,
)


@dataclass(frozen=True)
class Conflict:
    """A slot being scheduled (schedule-zone values) and the session it overlaps."""

    day: date
    start: time
    end: time
    other: SessionView


def find_conflicts(
    tutor_id: int,
    student_id: int,
    slots: Iterable[tuple[date, time, time]],
    exclude_ids: Iterable[int] = (),
) -> list[Conflict]:
    """Non-cancelled sessions of the tutor or the student overlapping any slot (one query)."""
    slots = list(slots)
    if not slots:
        return []
    query = session_view_select().where(
        sa.or_(tutor_column() == tutor_id, student_column() == student_id),
        Session.status.is_distinct_from("cancelled"),
        Session.session_date.in_({day for day, _s, _e in slots}),
    )
    excluded = set(exclude_ids)
    if excluded:
        query = query.where(Session.id.not_in(excluded))
    by_day: dict[date, list[SessionView]] = {}
    for view in fetch_session_views(query.order_by(Session.session_date, Session.start_time)):
        by_day.setdefault(view.session_date, []).append(view)
    return [
        Conflict(day, start, end, other)
        for day, start, end in slots
        for other in by_day.get(day, [])
        if other.start_time < end and start < other.end_time
    ]


def settle_conflicts(user: Person, conflicts: list[Conflict], reason: str | None) -> str | None:
    """The override reason to record, or None when there is nothing to override.

    Raises ``SchedulingError`` when conflicts stand and may not be overridden.
    """
    if not conflicts:
        return None
    reason = (reason or "").strip()
    if not may_override_conflicts(user):
        raise SchedulingError(
            {"override_reason": ["These times overlap other sessions; choose another time."]},
            conflicts,
        )
    if not reason:
        raise SchedulingError(
            {"override_reason": ["These times overlap other sessions. Give a reason to override."]},
            conflicts,
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise SchedulingError(
            {"override_reason": [f"Keep the reason to {MAX_REASON_LENGTH} characters."]},
            conflicts,
        )
    return reason


def record_overrides(
    user: Person,
    saved: Iterable[tuple[int, tuple[date, time, time]]],
    conflicts: list[Conflict],
    reason: str | None,
) -> None:
    """One override row per saved ``(session id, slot)`` whose slot conflicted."""
    if reason is None:
        return
    slots = {(c.day, c.start, c.end) for c in conflicts}
    db.session.add_all(
        SessionConflictOverride(session_id=session_id, user_id=user.id, reason=reason)
        for session_id, slot in saved
        if slot in slots
    )


#: Rows per page of the centre-wide overrides list.
OVERRIDES_PAGE_SIZE = 50


@dataclass(frozen=True)
class OverrideRow:
    """A coordinator's recorded reason for saving a session despite an overlap."""

    created_at: datetime | None  # aware: when it was overridden
    reason: str
    user_name: str | None  # None: the account was deleted since
    session_id: int
    session_date: date
    start_time: time
    course_title: str | None
    tutor_name: str | None
    student_name: str | None


def _override_select() -> sa.Select:
    tutor = sa.orm.aliased(User)
    student = sa.orm.aliased(User)
    # created_at is a plain timestamp written by CURRENT_TIMESTAMP in the server's
    # TimeZone; read it back as an instant so pages can show it in the viewer's zone.
    created = sa.func.timezone(
        sa.func.current_setting("TimeZone"), SessionConflictOverride.created_at
    )
    return (
        sa.select(
            created,
            SessionConflictOverride.reason,
            User.full_name,
            Session.id,
            Session.session_date,
            Session.start_time,
            Course.title,
            tutor.full_name,
            student.full_name,
        )
        .join(Session, Session.id == SessionConflictOverride.session_id)
        .outerjoin(User, User.id == SessionConflictOverride.user_id)
        .outerjoin(EnrolledCourse, EnrolledCourse.id == Session.enrolled_courses_id)
        .outerjoin(Course, Course.id == EnrolledCourse.course_id)
        .outerjoin(tutor, tutor.id == EnrolledCourse.tutor_id)
        .outerjoin(student, student.id == EnrolledCourse.student_id)
    )


def overrides_for(session_id: int) -> list[OverrideRow]:
    """The conflict overrides recorded for a session, oldest first; one query."""
    statement = (
        _override_select()
        .where(SessionConflictOverride.session_id == session_id)
        .order_by(SessionConflictOverride.created_at, SessionConflictOverride.id)
    )
    return [OverrideRow(*row) for row in core_rows(statement)]


def recent_overrides(page: int = 1) -> tuple[list[OverrideRow], bool]:
    """One page of every conflict override, newest first, and whether older ones exist."""
    statement = (
        _override_select()
        .order_by(SessionConflictOverride.created_at.desc(), SessionConflictOverride.id.desc())
        .limit(OVERRIDES_PAGE_SIZE + 1)
        .offset((page - 1) * OVERRIDES_PAGE_SIZE)
    )
    rows = [OverrideRow(*row) for row in core_rows(statement)]
    return rows[:OVERRIDES_PAGE_SIZE], len(rows) > OVERRIDES_PAGE_SIZE
