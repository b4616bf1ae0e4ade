"""Create, edit, reschedule, cancel and complete sessions: the rules, no HTTP.

Decisions (issue 6):

* Times arrive as a local date and wall-clock start/end in the *viewer's*
  zone; they are stored in the schedule zone (``SCHEDULE_TIMEZONE``), and
  ``duration`` is derived (minutes). A session must start and end on the same
  day in the schedule zone.
* **Reschedule moves the session in place**: the row keeps its id (and its
  attendance, reviews, whiteboard…), its date and times change and its status
  becomes ``rescheduled``. No second row is created, so links and calendar UIDs
  stay valid and the feed shows the move as an update (higher SEQUENCE).
* **Cancel** keeps the row with status ``cancelled``; **complete** sets
  ``completed`` and records ``topics_covered``. Completed sessions cannot be
  rescheduled or cancelled; cancelled ones cannot be completed or rescheduled.
* **Conflicts**: a new or moved slot conflicts with another non-cancelled
  session of the same tutor or the same student when the two overlap on the
  same day; touching (one ends when the other starts) is not a conflict. A
  coordinator may save anyway with a written reason (one
  ``session_conflict_overrides`` row per saved session that conflicted); a
  tutor may not.
* **Series** (see ``dashboard.services.recurrence``): ``session_series`` is
  the authority; each occurrence's ``recurring_pattern`` holds a copy of the
  rule plus ``series_id`` and ``recurrence_id`` (its original local start).
  Editing or cancelling an occurrence applies to ``this`` one, ``following``
  (splits the series: the old row ends before the occurrence, a new row with
  ``parent_series_id`` takes the rest) or ``all`` of its current series.
  Series-wide changes never touch a **protected** occurrence — one whose
  attendance is considered marked: status ``completed``, or its start time
  has passed (attendance defaults to ``present`` and is taken at the session,
  so any session that has begun counts as marked). Cancelled occurrences are
  left as they are too. Moving a series to other *days* is done one
  occurrence at a time (``this``); ``following``/``all`` change the time of
  day and the other fields.
* Every change bumps ``updated_at``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from dashboard.choices import SESSION_FREQUENCIES, SESSION_MODES
from dashboard.extensions import db
from dashboard.models import (
    Course,
    EnrolledCourse,
    Session,
    SessionConflictOverride,
    SessionSeries,
    User,
    WhiteboardSession,
)
from dashboard.permissions import (
    Person,
    may_override_conflicts,
    may_schedule_course,
)
from dashboard.services import recurrence
from dashboard.services.core_rows import core_rows
from dashboard.services.session_views import (
    SessionView,
    fetch_session_views,
    session_view_select,
    student_column,
    tutor_column,
)
from dashboard.timezones import end_date, schedule_zone, zone

MAX_TOPICS = 20
MAX_TOPIC_LENGTH = 200
MAX_ALARM_MINUTES = 10080  # one week
MAX_REASON_LENGTH = 2000


class Scope(StrEnum):
    """Which occurrences of a series a change applies to."""

    THIS = "this"
    FOLLOWING = "following"
    ALL = "all"


@dataclass
class SessionInput:
    """What the create/edit form submits, already parsed (times local to ``tzid``)."""

    enrolled_courses_id: int | None
    session_date: date | None
    start_time: time | None
    end_time: time | None
    tzid: str
    session_mode: str = "online"
    location: str | None = None
    topics: list[str] = field(default_factory=list)
    whiteboard_id: int | None = None
    priority_level: str = "medium"
    notification_enabled: bool = False
    alarm_enabled: bool = False
    alarm_before_minutes: int = 15
    frequency: str = "one-time"
    repeat_until: date | None = None
    repeat_count: int | None = None
    override_reason: str | None = None


@dataclass(frozen=True)
class Conflict:
    """A slot being scheduled (schedule-zone values) and the session it overlaps."""

    day: date
    start: time
    end: time
    other: SessionView


class SchedulingError(Exception):
    """Validation failed: field name → messages, plus any conflicts found. Nothing was saved."""

    def __init__(self, errors: dict[str, list[str]], conflicts: Iterable[Conflict] = ()) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors
        self.conflicts = list(conflicts)


@dataclass(frozen=True)
class Option:
    """A choice in a select: value, label, and the tutor it belongs to."""

    id: int
    label: str
    tutor_id: int | None


# --- choices the forms offer -------------------------------------------------


def schedulable_courses(user: Person) -> list[Option]:
    """Enrolled courses ``user`` may schedule: all for coordinators, their own for tutors."""
    tutor = sa.orm.aliased(User)
    student = sa.orm.aliased(User)
    query = (
        sa.select(EnrolledCourse, Course.title, student.full_name, tutor.full_name)
        .join(Course, Course.id == EnrolledCourse.course_id)
        .join(tutor, tutor.id == EnrolledCourse.tutor_id)
        .join(student, student.id == EnrolledCourse.student_id)
        .order_by(Course.title, student.full_name, EnrolledCourse.id)
    )
    return [
        Option(course.id, f"{title} — {student_name} (with {tutor_name})", course.tutor_id)
        for course, title, student_name, tutor_name in db.session.execute(query)
        if may_schedule_course(user, course)
    ]


def whiteboard_options(user: Person) -> list[Option]:
    """Boards ``user`` may pick: their own for tutors, every tutor's for coordinators."""
    query = sa.select(WhiteboardSession).order_by(WhiteboardSession.session_name)
    if user.role != "coordinator":
        query = query.where(WhiteboardSession.owner_id == user.id)
    return [Option(b.id, b.session_name, b.owner_id) for b in db.session.scalars(query)]


def parse_topics(text: str | None) -> list[str]:
    """One topic per non-blank line, trimmed."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# --- reading -----------------------------------------------------------------


def series_of(session: Session) -> SessionSeries | None:
    """The series an occurrence currently belongs to, if any."""
    pattern = session.recurring_pattern or {}
    series_id = pattern.get("series_id") if isinstance(pattern, dict) else None
    return db.session.get(SessionSeries, series_id) if series_id else None


def series_members(series: SessionSeries) -> list[Session]:
    """Every occurrence of ``series``, earliest first."""
    return list(
        db.session.scalars(
            sa.select(Session)
            .where(Session.recurring_pattern["series_id"].as_integer() == series.id)
            .order_by(Session.session_date, Session.start_time, Session.id)
        )
    )


def starts_at(session: Session) -> datetime:
    """Aware start of a stored session."""
    return datetime.combine(session.session_date, session.start_time, tzinfo=schedule_zone())


def is_protected(session: Session, now: datetime) -> bool:
    """Attendance is considered marked: completed, or the session has already begun."""
    return session.status == "completed" or starts_at(session) <= now


def form_values(session: Session, tzid: str) -> dict[str, Any]:
    """The edit form's initial values, with times in the viewer's zone."""
    start = starts_at(session).astimezone(zone(tzid))
    end_day = end_date(session.session_date, session.start_time, session.end_time)
    end = datetime.combine(end_day, session.end_time, tzinfo=schedule_zone())
    return {
        "enrolled_courses_id": session.enrolled_courses_id,
        "session_date": start.date(),
        "start_time": start.time(),
        "end_time": end.astimezone(zone(tzid)).time(),
        "session_mode": session.session_mode or "online",
        "location": session.location or "",
        "topics": "\n".join(str(t) for t in session.topics or []),
        "whiteboard_id": session.whiteboard_id,
        "priority_level": session.priority_level or "medium",
        "notification_enabled": bool(session.notification_enabled),
        "alarm_enabled": bool(session.alarm_enabled),
        "alarm_before_minutes": session.alarm_before_minutes
        if session.alarm_before_minutes is not None
        else 15,
    }


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


# --- validation --------------------------------------------------------------


def _add(errors: dict[str, list[str]], name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _check_course(user: Person, course_id: int | None, errors: dict) -> EnrolledCourse | None:
    course = db.session.get(EnrolledCourse, course_id) if course_id else None
    if course is None or not may_schedule_course(user, course):
        _add(errors, "enrolled_courses_id", "Choose one of the enrolled courses you may schedule.")
        return None
    return course


def _check_fields(data: SessionInput, course: EnrolledCourse | None, errors: dict) -> None:
    if data.session_date is None:
        _add(errors, "session_date", "Enter a date.")
    if data.start_time is None:
        _add(errors, "start_time", "Enter a start time.")
    if data.end_time is None:
        _add(errors, "end_time", "Enter an end time.")
    elif data.start_time is not None and data.end_time <= data.start_time:
        _add(errors, "end_time", "The end must be after the start.")
    if data.session_mode not in SESSION_MODES:
        _add(errors, "session_mode", "Choose online, in-person or hybrid.")
    if data.session_mode == "in-person" and not (data.location or "").strip():
        _add(errors, "location", "An in-person session needs a location.")
    if data.location and len(data.location) > 255:
        _add(errors, "location", "Keep the location to 255 characters.")
    check_topics(data.topics, "topics", errors)
    if not 0 <= data.alarm_before_minutes <= MAX_ALARM_MINUTES:
        _add(errors, "alarm_before_minutes", f"Between 0 and {MAX_ALARM_MINUTES} minutes.")
    if data.whiteboard_id is not None:
        board = db.session.get(WhiteboardSession, data.whiteboard_id)
        if board is None or (course is not None and board.owner_id != course.tutor_id):
            _add(errors, "whiteboard_id", "Choose a whiteboard of the course's tutor.")


def check_topics(topics: list[str], name: str, errors: dict) -> None:
    """At most 20 topics of at most 200 characters each."""
    if len(topics) > MAX_TOPICS:
        _add(errors, name, f"At most {MAX_TOPICS} topics (one per line).")
    if any(len(topic) > MAX_TOPIC_LENGTH for topic in topics):
        _add(errors, name, f"Each topic must be at most {MAX_TOPIC_LENGTH} characters.")


def _stored_slot(start: datetime, end: datetime, errors: dict) -> tuple[date, time, time]:
    local_start = start.astimezone(schedule_zone())
    local_end = end.astimezone(schedule_zone())
    if local_end.date() != local_start.date():
        _add(errors, "end_time", "The session must end on the day it starts (centre's time).")
    return local_start.date(), local_start.time(), local_end.time()


def _settle_conflicts(user: Person, conflicts: list[Conflict], reason: str | None) -> str | None:
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


def _record_overrides(
    user: Person, sessions: Iterable[Session], conflicts: list[Conflict], reason: str | None
) -> None:
    if reason is None:
        return
    slots = {(c.day, c.start, c.end) for c in conflicts}
    for session in sessions:
        if (session.session_date, session.start_time, session.end_time) in slots:
            db.session.add(
                SessionConflictOverride(session_id=session.id, user_id=user.id, reason=reason)
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


def _minutes(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() // 60)


def _apply_details(session: Session, data: SessionInput) -> None:
    session.session_mode = data.session_mode
    session.location = (data.location or "").strip() or None
    session.topics = list(data.topics)
    session.whiteboard_id = data.whiteboard_id
    session.priority_level = data.priority_level
    session.notification_enabled = data.notification_enabled
    session.alarm_enabled = data.alarm_enabled
    session.alarm_before_minutes = data.alarm_before_minutes
    session.updated_at = sa.func.now()


# --- create ------------------------------------------------------------------


def _check_repeat(data: SessionInput, errors: dict) -> None:
    if data.frequency not in SESSION_FREQUENCIES:
        _add(errors, "frequency", "Choose how often the session repeats.")
        return
    if data.frequency == "one-time":
        return
    if (data.repeat_until is None) == (data.repeat_count is None):
        _add(errors, "repeat_until", "Give either an end date or a number of sessions.")
    if data.repeat_count is not None and not 1 <= data.repeat_count <= recurrence.MAX_OCCURRENCES:
        _add(errors, "repeat_count", f"Between 1 and {recurrence.MAX_OCCURRENCES} sessions.")
    if (
        data.repeat_until is not None
        and data.session_date is not None
        and data.repeat_until < data.session_date
    ):
        _add(errors, "repeat_until", "The series must end on or after its first date.")


def create_sessions(user: User, data: SessionInput, now: datetime) -> list[Session]:
    """Validate and save one session, or every occurrence of a new series; commit.

    Raises ``SchedulingError`` (nothing written) when anything is wrong.
    """
    errors: dict[str, list[str]] = {}
    course = _check_course(user, data.enrolled_courses_id, errors)
    _check_fields(data, course, errors)
    _check_repeat(data, errors)
    if errors:
        raise SchedulingError(errors)

    tz = zone(data.tzid)
    first_start = datetime.combine(data.session_date, data.start_time, tzinfo=tz)
    if first_start < now:
        _add(errors, "session_date", "A new session cannot start in the past.")
    rule = None
    if data.frequency == "one-time":
        occurrences = [
            recurrence.Occurrence(
                first_start, datetime.combine(data.session_date, data.end_time, tzinfo=tz)
            )
        ]
    else:
        rule = recurrence.build_rrule(
            data.frequency, tzid=data.tzid, count=data.repeat_count, until=data.repeat_until
        )
        occurrences = recurrence.expand(
            rule, data.tzid, data.session_date, data.start_time, data.end_time
        )
        if len(occurrences) > recurrence.MAX_OCCURRENCES:
            _add(
                errors,
                "repeat_until",
                f"A series can have at most {recurrence.MAX_OCCURRENCES} sessions.",
            )
    slots = [_stored_slot(o.start, o.end, errors) for o in occurrences]
    if errors:
        raise SchedulingError(errors)
    assert course is not None
    conflicts = find_conflicts(course.tutor_id, course.student_id, slots)
    reason = _settle_conflicts(user, conflicts, data.override_reason)

    series = None
    if rule is not None:
        series = SessionSeries(
            rrule=rule,
            tzid=data.tzid,
            dtstart=data.session_date,
            start_time=data.start_time,
            end_time=data.end_time,
            enrolled_courses_id=course.id,
            created_by=user.id,
        )
        db.session.add(series)
        db.session.flush()
    created = []
    for occurrence, (day, start, end) in zip(occurrences, slots, strict=True):
        session = Session(
            enrolled_courses_id=course.id,
            session_date=day,
            start_time=start,
            end_time=end,
            duration=_minutes(occurrence.start, occurrence.end),
            status="scheduled",
            is_recurring=series is not None,
            session_frequency=data.frequency,
            recurring_pattern=_pattern(series, occurrence) if series else None,
        )
        _apply_details(session, data)
        db.session.add(session)
        created.append(session)
    db.session.flush()
    _record_overrides(user, created, conflicts, reason)
    db.session.commit()
    return created


def _pattern(series: SessionSeries, occurrence: recurrence.Occurrence) -> dict[str, Any]:
    return {
        "rrule": series.rrule,
        "tzid": series.tzid,
        "series_id": series.id,
        "recurrence_id": occurrence.recurrence_id,
    }


# --- edit --------------------------------------------------------------------


def update_sessions(
    user: User, session: Session, data: SessionInput, scope: Scope, now: datetime
) -> list[Session]:
    """Apply the edit form to one session or to part of its series; commit.

    Returns the sessions changed. Raises ``SchedulingError`` (nothing written).
    """
    errors: dict[str, list[str]] = {}
    course = _check_course(user, data.enrolled_courses_id, errors)
    _check_fields(data, course, errors)
    if errors:
        raise SchedulingError(errors)
    assert course is not None
    series = series_of(session)
    if series is None or scope == Scope.THIS:
        return _update_one(user, session, course, data)

    tz = zone(data.tzid)
    chosen_start = starts_at(session).astimezone(tz)
    if data.session_date != chosen_start.date():
        raise SchedulingError({"session_date": ["Only this occurrence can move to another day."]})
    series_zone = zone(series.tzid)
    new_start = datetime.combine(data.session_date, data.start_time, tzinfo=tz)
    new_end = datetime.combine(data.session_date, data.end_time, tzinfo=tz)
    local_start = new_start.astimezone(series_zone).time()
    local_end = new_end.astimezone(series_zone).time()
    if local_end <= local_start:
        raise SchedulingError({"end_time": ["The session must end on the day it starts."]})

    if scope == Scope.FOLLOWING:
        series = split_series(user, series, session, now)
    targets = [
        s for s in series_members(series) if not is_protected(s, now) and s.status != "cancelled"
    ]
    planned = []
    for target in targets:
        day = starts_at(target).astimezone(series_zone).date()
        occurrence = recurrence.Occurrence(
            datetime.combine(day, local_start, tzinfo=series_zone),
            datetime.combine(day, local_end, tzinfo=series_zone),
        )
        planned.append((target, occurrence, _stored_slot(occurrence.start, occurrence.end, errors)))
    if errors:
        db.session.rollback()
        raise SchedulingError(errors)
    conflicts = find_conflicts(
        course.tutor_id,
        course.student_id,
        [slot for _t, _o, slot in planned],
        exclude_ids=[t.id for t in targets],
    )
    try:
        reason = _settle_conflicts(user, conflicts, data.override_reason)
    except SchedulingError:
        db.session.rollback()
        raise
    series.start_time, series.end_time = local_start, local_end
    series.enrolled_courses_id = course.id
    for target, occurrence, (day, start, end) in planned:
        target.enrolled_courses_id = course.id
        target.session_date, target.start_time, target.end_time = day, start, end
        target.duration = _minutes(occurrence.start, occurrence.end)
        target.recurring_pattern = {**(target.recurring_pattern or {}), "rrule": series.rrule}
        _apply_details(target, data)
    db.session.flush()
    _record_overrides(user, targets, conflicts, reason)
    db.session.commit()
    return targets


def _update_one(
    user: User, session: Session, course: EnrolledCourse, data: SessionInput
) -> list[Session]:
    errors: dict[str, list[str]] = {}
    tz = zone(data.tzid)
    start = datetime.combine(data.session_date, data.start_time, tzinfo=tz)
    end = datetime.combine(data.session_date, data.end_time, tzinfo=tz)
    day, start_time, end_time = _stored_slot(start, end, errors)
    if errors:
        raise SchedulingError(errors)
    moved = (day, start_time, end_time) != (
        session.session_date,
        session.start_time,
        session.end_time,
    ) or course.id != session.enrolled_courses_id
    conflicts = (
        find_conflicts(
            course.tutor_id, course.student_id, [(day, start_time, end_time)], [session.id]
        )
        if moved
        else []
    )
    reason = _settle_conflicts(user, conflicts, data.override_reason)
    session.enrolled_courses_id = course.id
    session.session_date, session.start_time, session.end_time = day, start_time, end_time
    session.duration = _minutes(start, end)
    _apply_details(session, data)
    db.session.flush()
    _record_overrides(user, [session], conflicts, reason)
    db.session.commit()
    return [session]


def split_series(user: User, series: SessionSeries, at: Session, now: datetime) -> SessionSeries:
    """End ``series`` before occurrence ``at`` and move ``at`` and its followers to a new series.

    Protected occurrences (``at`` included) are never rewritten and stay in the old series. Flushes,
    does not commit.
    """
    pattern = at.recurring_pattern or {}
    original = recurrence.parse_recurrence_id(pattern["recurrence_id"])
    new = SessionSeries(
        rrule=recurrence.rrule_from(
            series.rrule, series.tzid, series.dtstart, series.start_time, original.date()
        ),
        tzid=series.tzid,
        dtstart=original.date(),
        start_time=series.start_time,
        end_time=series.end_time,
        enrolled_courses_id=series.enrolled_courses_id,
        created_by=user.id,
        parent_series_id=series.id,
    )
    series.rrule = recurrence.rrule_ending_before(series.rrule, series.tzid, original)
    db.session.add(new)
    db.session.flush()
    for member in series_members(series):
        if is_protected(member, now):
            continue
        member_pattern = dict(member.recurring_pattern or {})
        rid = member_pattern.get("recurrence_id")
        if rid is not None and recurrence.parse_recurrence_id(rid) >= original:
            member_pattern.update(series_id=new.id, rrule=new.rrule)
        else:
            member_pattern.update(rrule=series.rrule)
        member.recurring_pattern = member_pattern
        member.updated_at = sa.func.now()
    db.session.flush()
    return new


# --- lifecycle ---------------------------------------------------------------


def reschedule_session(
    user: User,
    session: Session,
    day: date | None,
    start: time | None,
    end: time | None,
    tzid: str,
    override_reason: str | None,
    now: datetime,
) -> Session:
    """Move ``session`` in place to a new date/time and mark it ``rescheduled``; commit."""
    errors: dict[str, list[str]] = {}
    if session.status in ("completed", "cancelled"):
        raise SchedulingError({"session_date": [f"A {session.status} session cannot be moved."]})
    if day is None:
        _add(errors, "session_date", "Enter a date.")
    if start is None:
        _add(errors, "start_time", "Enter a start time.")
    if end is None:
        _add(errors, "end_time", "Enter an end time.")
    elif start is not None and end <= start:
        _add(errors, "end_time", "The end must be after the start.")
    if errors:
        raise SchedulingError(errors)
    tz = zone(tzid)
    new_start = datetime.combine(day, start, tzinfo=tz)
    new_end = datetime.combine(day, end, tzinfo=tz)
    if new_start < now:
        _add(errors, "session_date", "A session cannot be moved into the past.")
    slot = _stored_slot(new_start, new_end, errors)
    if errors:
        raise SchedulingError(errors)
    course = db.session.get(EnrolledCourse, session.enrolled_courses_id)
    conflicts = (
        find_conflicts(course.tutor_id, course.student_id, [slot], [session.id]) if course else []
    )
    reason = _settle_conflicts(user, conflicts, override_reason)
    session.session_date, session.start_time, session.end_time = slot
    session.duration = _minutes(new_start, new_end)
    session.status = "rescheduled"
    session.updated_at = sa.func.now()
    db.session.flush()
    _record_overrides(user, [session], conflicts, reason)
    db.session.commit()
    return session


def cancel_sessions(user: User, session: Session, scope: Scope, now: datetime) -> list[Session]:
    """Cancel ``session`` (or this-and-following / all of its series); rows are kept; commit."""
    if session.status == "completed":
        raise SchedulingError({"scope": ["A completed session cannot be cancelled."]})
    series = series_of(session)
    if series is None or scope == Scope.THIS:
        targets = [session] if session.status != "cancelled" else []
    else:
        if scope == Scope.FOLLOWING:
            series = split_series(user, series, session, now)
        targets = [
            s
            for s in series_members(series)
            if s.status != "cancelled" and not is_protected(s, now)
        ]
    for target in targets:
        target.status = "cancelled"
        target.updated_at = sa.func.now()
    db.session.commit()
    return targets


def complete_session(user: User, session: Session, topics_covered: list[str]) -> Session:
    """Mark ``session`` completed with the topics actually covered; commit."""
    errors: dict[str, list[str]] = {}
    if session.status == "cancelled":
        _add(errors, "topics_covered", "A cancelled session cannot be completed.")
    check_topics(topics_covered, "topics_covered", errors)
    if errors:
        raise SchedulingError(errors)
    session.status = "completed"
    session.topics_covered = list(topics_covered)
    session.updated_at = sa.func.now()
    db.session.commit()
    return session
