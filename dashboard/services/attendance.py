"""Attendance that is taken, not assumed.

The seed gives both attendance columns the default ``present``, so a session
booked for next week would already read "tutor present, student present".
The app therefore keeps, in ``session_attendance``, whether and when someone
actually took attendance, and applies two rules to every attendance write
(inline, bulk, triage list):

- before the session's start only ``excused`` may be recorded (a student or
  tutor who warned ahead); anything else is refused with 422;
- a cancelled session takes no attendance at all.

A started session without a ``session_attendance`` row shows "attendance not
taken"; coordinators see those still open a day after their end
(``overdue_attendance``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import aliased

from dashboard.choices import ATTENDANCE_OVERDUE_HOURS
from dashboard.extensions import db
from dashboard.models import EnrolledCourse, Session, SessionAttendance, User
from dashboard.services.session_views import (
    SessionView,
    fetch_session_views,
    session_view_select,
)
from dashboard.services.session_writes import InvalidEdit
from dashboard.timezones import end_date

BEFORE_START_MESSAGE = "Attendance can be taken from the session's start."
CANCELLED_MESSAGE = "A cancelled session takes no attendance."
#: The one value that may be recorded ahead of the start.
AHEAD_OF_START_VALUE = "excused"
#: At most this many overdue sessions are listed (the counts cover all of them).
OVERDUE_LIST_LIMIT = 200


def starts_at(day: date, start: time, zone: ZoneInfo) -> datetime:
    """A session's start as an aware instant (the stored wall clock read in ``zone``)."""
    return datetime.combine(day, start, tzinfo=zone)


def ends_at(day: date, start: time, end: time, zone: ZoneInfo) -> datetime:
    """A session's end as an aware instant (an end at or before the start is the next day)."""
    return datetime.combine(end_date(day, start, end), end, tzinfo=zone)


def has_started(session: SessionView, zone: ZoneInfo, now: datetime | None = None) -> bool:
    """Has the session's start passed (or is it now)?"""
    moment = now or datetime.now(UTC)
    return starts_at(session.session_date, session.start_time, zone) <= moment


def check_attendance_allowed(
    changes: Mapping[str, object],
    status: str | None,
    start: datetime,
    now: datetime | None = None,
    field: str | None = None,
) -> None:
    """Refuse (422) attendance on a cancelled session, or other than ``excused`` before start."""
    if status == "cancelled":
        raise InvalidEdit(CANCELLED_MESSAGE, field)
    if start > (now or datetime.now(UTC)):
        for name, value in changes.items():
            if value != AHEAD_OF_START_VALUE:
                raise InvalidEdit(BEFORE_START_MESSAGE, name)


def record_attendance_taken(session_ids: Iterable[int], user_id: int | None) -> datetime | None:
    """Note that attendance was taken now by ``user_id`` (in the caller's transaction).

    Returns when (the transaction's time, the same for every row), or None for no sessions.
    """
    rows = [{"session_id": session_id, "taken_by": user_id} for session_id in session_ids]
    if not rows:
        return None
    statement = insert(SessionAttendance).values(rows)
    return (
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=[SessionAttendance.session_id],
                set_={"taken_by": statement.excluded.taken_by, "taken_at": sa.func.now()},
            ).returning(SessionAttendance.taken_at)
        )
        .scalars()
        .first()
    )


# --- The coordinators' triage list -------------------------------------------


_Taken = aliased(SessionAttendance, name="taken")


def _overdue_condition(zone: ZoneInfo, now: datetime) -> sa.ColumnElement[bool]:
    """Not cancelled, no attendance taken, and ended more than a day before ``now``."""
    end_day = sa.case(
        (Session.end_time <= Session.start_time, Session.session_date + 1),
        else_=Session.session_date,
    )
    cutoff = now - timedelta(hours=ATTENDANCE_OVERDUE_HOURS)
    return sa.and_(
        # the padded date bound lets idx_sessions_date narrow the scan first
        Session.session_date <= cutoff.astimezone(zone).date() + timedelta(days=1),
        sa.func.timezone(zone.key, end_day + Session.end_time) <= cutoff,
        Session.status.is_distinct_from("cancelled"),
        # an alias: session_view_select() already joins session_attendance
        ~sa.exists().where(_Taken.session_id == Session.id),
    )


@dataclass(frozen=True)
class TutorOverdue:
    """One tutor's sessions whose attendance is overdue."""

    tutor_id: int | None
    tutor_name: str | None
    count: int


@dataclass(frozen=True)
class TutorDay:
    """The overdue sessions of one tutor on one day (one bulk "all present" form)."""

    tutor_id: int | None
    tutor_name: str | None
    day: date
    sessions: list[SessionView]


@dataclass(frozen=True)
class OverdueAttendance:
    """The triage list: counts per tutor, and the sessions grouped by tutor and day."""

    per_tutor: list[TutorOverdue]
    days: list[TutorDay]
    total: int
    listed: int


def overdue_attendance(
    zone: ZoneInfo, now: datetime | None = None, limit: int = OVERDUE_LIST_LIMIT
) -> OverdueAttendance:
    """Sessions still without attendance 24 h after their end; two queries.

    One query counts per tutor (all of them), the other lists the oldest
    ``limit`` sessions, grouped by tutor and day for the bulk forms.
    """
    moment = now or datetime.now(UTC)
    condition = _overdue_condition(zone, moment)
    counts = db.session.execute(
        sa.select(EnrolledCourse.tutor_id, User.full_name, sa.func.count())
        .select_from(Session)
        .outerjoin(EnrolledCourse, EnrolledCourse.id == Session.enrolled_courses_id)
        .outerjoin(User, User.id == EnrolledCourse.tutor_id)
        .where(condition)
        .group_by(EnrolledCourse.tutor_id, User.full_name)
        .order_by(sa.func.count().desc(), User.full_name)
    ).all()
    per_tutor = [TutorOverdue(row[0], row[1], row[2]) for row in counts]
    views = fetch_session_views(
        session_view_select()
        .where(condition)
        .order_by(Session.session_date, Session.start_time, Session.id)
        .limit(limit)
    )
    groups: dict[tuple[int | None, date], list[SessionView]] = {}
    for view in views:
        groups.setdefault((view.tutor_id, view.session_date), []).append(view)
    days = [
        TutorDay(tutor_id, sessions[0].tutor_name, day, sessions)
        for (tutor_id, day), sessions in sorted(
            groups.items(), key=lambda item: (item[0][1], item[1][0].tutor_name or "")
        )
    ]
    return OverdueAttendance(per_tutor, days, sum(t.count for t in per_tutor), len(views))
