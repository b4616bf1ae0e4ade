"""What a scheduled session must satisfy: the form's input, its checks, and the choices offered.

Times arrive as a local date and wall-clock start/end in the *viewer's* zone;
they are stored in the schedule zone (``SCHEDULE_TIMEZONE``) and ``duration``
is derived (minutes). A session must start and end on the same day in the
schedule zone. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dashboard.choices import (
    CANCELLATION_REASON_OTHER,
    CANCELLATION_REASON_TEXT_MAX,
    CANCELLATION_REASONS,
    SESSION_FREQUENCIES,
    SESSION_MODES,
)
from dashboard.extensions import db
from dashboard.models import Course, EnrolledCourse, Session, User, WhiteboardSession
from dashboard.permissions import Person, may_schedule_course
from dashboard.services import recurrence
from dashboard.services.enrolments import is_open, open_enrolment_filter
from dashboard.timezones import end_date, schedule_zone, zone

if TYPE_CHECKING:
    from dashboard.services.scheduling.conflicts import Conflict

MAX_TOPICS = 20
MAX_TOPIC_LENGTH = 200
MAX_ALARM_MINUTES = 10080  # one week
MAX_REASON_LENGTH = 2000
#: Longest lesson note (public or private) kept on completion.
MAX_NOTE_LENGTH = 5000

#: Field name → messages, as the forms show them.
Errors = dict[str, list[str]]


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


class SchedulingError(Exception):
    """Validation failed: field name → messages, plus any conflicts found. Nothing was saved."""

    def __init__(self, errors: Errors, conflicts: Iterable[Conflict] = ()) -> None:
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


def schedulable_courses(user: Person, keep: int | None = None) -> list[Option]:
    """Open enrolments ``user`` may schedule: all for coordinators, their own for tutors.

    ``keep`` (the edited session's own enrolment) stays a choice even once ended,
    so the session's other fields can still be changed.
    """
    tutor = sa.orm.aliased(User)
    student = sa.orm.aliased(User)
    query = (
        sa.select(EnrolledCourse, Course.title, student.full_name, tutor.full_name)
        .join(Course, Course.id == EnrolledCourse.course_id)
        .join(tutor, tutor.id == EnrolledCourse.tutor_id)
        .join(student, student.id == EnrolledCourse.student_id)
        .where(sa.or_(open_enrolment_filter(), EnrolledCourse.id == keep))
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


# --- reading a stored session --------------------------------------------------


def starts_at(session: Session) -> datetime:
    """Aware start of a stored session."""
    return datetime.combine(session.session_date, session.start_time, tzinfo=schedule_zone())


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


# --- checks --------------------------------------------------------------------


def add_error(errors: Errors, name: str, message: str) -> None:
    """Record ``message`` against field ``name``."""
    errors.setdefault(name, []).append(message)


def check_course(
    user: Person, course_id: int | None, errors: Errors, *, current: int | None = None
) -> EnrolledCourse | None:
    """The enrolled course ``user`` may schedule, or None with an error recorded.

    A session may stay on its ``current`` enrolment after that has ended; any
    other choice must be open (active, with an active tutor and student).
    """
    course = db.session.get(EnrolledCourse, course_id) if course_id else None
    if course is None or not may_schedule_course(user, course):
        add_error(
            errors, "enrolled_courses_id", "Choose one of the enrolled courses you may schedule."
        )
        return None
    if course.id != current and not is_open(course):
        add_error(
            errors,
            "enrolled_courses_id",
            "That enrolment has ended (or its tutor or student is no longer active): "
            "choose an open one, or reopen it under Enrolments.",
        )
        return None
    return course


def check_fields(data: SessionInput, course: EnrolledCourse | None, errors: Errors) -> None:
    """Date, times, mode, location, topics, reminder and whiteboard of the form."""
    if data.session_date is None:
        add_error(errors, "session_date", "Enter a date.")
    if data.start_time is None:
        add_error(errors, "start_time", "Enter a start time.")
    if data.end_time is None:
        add_error(errors, "end_time", "Enter an end time.")
    elif data.start_time is not None and data.end_time <= data.start_time:
        add_error(errors, "end_time", "The end must be after the start.")
    if data.session_mode not in SESSION_MODES:
        add_error(errors, "session_mode", "Choose online, in-person or hybrid.")
    if data.session_mode == "in-person" and not (data.location or "").strip():
        add_error(errors, "location", "An in-person session needs a location.")
    if data.location and len(data.location) > 255:
        add_error(errors, "location", "Keep the location to 255 characters.")
    check_topics(data.topics, "topics", errors)
    if not 0 <= data.alarm_before_minutes <= MAX_ALARM_MINUTES:
        add_error(errors, "alarm_before_minutes", f"Between 0 and {MAX_ALARM_MINUTES} minutes.")
    if data.whiteboard_id is not None:
        board = db.session.get(WhiteboardSession, data.whiteboard_id)
        if board is None or (course is not None and board.owner_id != course.tutor_id):
            add_error(errors, "whiteboard_id", "Choose a whiteboard of the course's tutor.")


def check_topics(topics: list[str], name: str, errors: Errors) -> None:
    """At most 20 topics of at most 200 characters each."""
    if len(topics) > MAX_TOPICS:
        add_error(errors, name, f"At most {MAX_TOPICS} topics (one per line).")
    if any(len(topic) > MAX_TOPIC_LENGTH for topic in topics):
        add_error(errors, name, f"Each topic must be at most {MAX_TOPIC_LENGTH} characters.")


def check_cancellation_reason(
    reason: str | None, text: str | None, errors: Errors
) -> tuple[str, str | None]:
    """A reason from ``CANCELLATION_REASONS``; a text (≤ 500 characters) for "other".

    Returns the reason and the cleaned text (None when empty; kept only for "other").
    """
    cleaned = (text or "").strip()
    if reason not in CANCELLATION_REASONS:
        add_error(errors, "reason", "Choose why the session is cancelled.")
    elif reason == CANCELLATION_REASON_OTHER and not cleaned:
        add_error(errors, "reason_text", "Say why the session is cancelled.")
    if "\x00" in cleaned:
        add_error(errors, "reason_text", "The reason contains a character that cannot be saved.")
    elif len(cleaned) > CANCELLATION_REASON_TEXT_MAX:
        add_error(
            errors,
            "reason_text",
            f"Keep the reason to {CANCELLATION_REASON_TEXT_MAX} characters.",
        )
    return str(reason), (cleaned or None) if reason == CANCELLATION_REASON_OTHER else None


def check_note(note: str | None, name: str, errors: Errors) -> str | None:
    """A lesson note: at most ``MAX_NOTE_LENGTH`` characters, no NUL; None when empty."""
    cleaned = (note or "").strip()
    if "\x00" in cleaned:
        add_error(errors, name, "The note contains a character that cannot be saved.")
    elif len(cleaned) > MAX_NOTE_LENGTH:
        add_error(errors, name, f"Keep the note to {MAX_NOTE_LENGTH:,} characters.")
    return cleaned or None


def check_times(day: date | None, start: time | None, end: time | None, errors: Errors) -> None:
    """A date, a start and an end after it (the reschedule form)."""
    if day is None:
        add_error(errors, "session_date", "Enter a date.")
    if start is None:
        add_error(errors, "start_time", "Enter a start time.")
    if end is None:
        add_error(errors, "end_time", "Enter an end time.")
    elif start is not None and end <= start:
        add_error(errors, "end_time", "The end must be after the start.")


#: How far ahead a series may be planned: further dates are refused (and could not
#: be turned into UTC near the year 9999).
MAX_YEARS_AHEAD = 10


def check_horizon(day: date | None, name: str, errors: Errors, today: date | None = None) -> None:
    """Refuse a date more than ``MAX_YEARS_AHEAD`` years from ``today``."""
    today = today or date.today()
    if day is not None and day > today.replace(year=today.year + MAX_YEARS_AHEAD, day=28):
        add_error(errors, name, f"Choose a date within {MAX_YEARS_AHEAD} years from today.")


def check_repeat(data: SessionInput, errors: Errors) -> None:
    """How often a new series repeats, and until when or how many times."""
    if data.frequency not in SESSION_FREQUENCIES:
        add_error(errors, "frequency", "Choose how often the session repeats.")
        return
    if data.frequency == "one-time":
        return
    if (data.repeat_until is None) == (data.repeat_count is None):
        add_error(errors, "repeat_until", "Give either an end date or a number of sessions.")
    check_horizon(data.repeat_until, "repeat_until", errors)
    if data.repeat_count is not None and not 1 <= data.repeat_count <= recurrence.MAX_OCCURRENCES:
        add_error(errors, "repeat_count", f"Between 1 and {recurrence.MAX_OCCURRENCES} sessions.")
    if (
        data.repeat_until is not None
        and data.session_date is not None
        and data.repeat_until < data.session_date
    ):
        add_error(errors, "repeat_until", "The series must end on or after its first date.")


def stored_slot(start: datetime, end: datetime, errors: Errors) -> tuple[date, time, time]:
    """The schedule-zone date, start and end of an aware slot (one day only)."""
    local_start = start.astimezone(schedule_zone())
    local_end = end.astimezone(schedule_zone())
    if local_end.date() != local_start.date():
        add_error(errors, "end_time", "The session must end on the day it starts (centre's time).")
    return local_start.date(), local_start.time(), local_end.time()


def minutes(start: datetime, end: datetime) -> int:
    """Whole minutes from ``start`` to ``end`` (the ``duration`` column)."""
    return int((end - start).total_seconds() // 60)


def detail_values(data: SessionInput) -> dict[str, Any]:
    """The columns the edit form sets besides course, date and times."""
    return {
        "session_mode": data.session_mode,
        "location": (data.location or "").strip() or None,
        "topics": list(data.topics),
        "whiteboard_id": data.whiteboard_id,
        "priority_level": data.priority_level,
        "notification_enabled": data.notification_enabled,
        "alarm_enabled": data.alarm_enabled,
        "alarm_before_minutes": data.alarm_before_minutes,
    }
