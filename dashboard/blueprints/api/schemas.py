"""Request and response shapes of the JSON API (marshmallow, via apiflask).

The OpenAPI document at ``/api/v1/openapi.json`` is generated from these
classes, so they are the documentation too. Allowed values come from
``dashboard.choices``; a session has exactly the seed's 27 columns, in table
order (``tests/integration/test_api_sessions.py`` holds ``SessionOut`` to the
schema contract).
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Date, Integer, List, Nested, Raw, String
from apiflask.validators import Length, OneOf, Range, Regexp
from marshmallow import ValidationError, pre_load

from dashboard.choices import (
    API_TOKEN_SCOPES,
    ATTENDANCE_STATUSES,
    CANCELLATION_REASON_TEXT_MAX,
    CANCELLATION_REASONS,
    PRIORITY_LEVELS,
    ROLES,
    SESSION_FREQUENCIES,
    SESSION_MODES,
    SESSION_STATUSES,
)
from dashboard.input_limits import MAX_ID
from dashboard.permissions import SESSION_FIELD_ACTIONS
from dashboard.services import recurrence, scheduling
from dashboard.services.api_sessions import MAX_PAGE_SIZE, SESSION_COLUMNS
from dashboard.services.whiteboards import MAX_NAME_LENGTH, MAX_URL_LENGTH

MAX_INT4 = MAX_ID  # ids are PostgreSQL integers (dashboard.input_limits)
#: Wall-clock times as the columns hold them: ``HH:MM`` or ``HH:MM:SS``.
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def printable(value: str) -> None:
    """No control characters (NUL cannot be stored, and nobody types the others)."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValidationError("Use letters, digits and punctuation only (no control characters).")


def _id(**kwargs: Any) -> Integer:
    return Integer(validate=Range(1, MAX_INT4), **kwargs)


def _time(description: str, **kwargs: Any) -> String:
    return String(validate=Regexp(TIME_PATTERN), metadata={"description": description}, **kwargs)


def _stamp(description: str) -> String:
    return String(required=True, allow_none=True, metadata={"description": description})


# --- sessions ----------------------------------------------------------------


class SessionOut(Schema):
    """A session: the seed's ``sessions`` columns, same names, same order.

    ``priority_level`` is the one column a student's or parent's token does not get.
    """

    id = Integer(required=True)
    enrolled_courses_id = Integer(
        required=True, allow_none=True, metadata={"description": "enrolled_courses(id)"}
    )
    topics = Raw(required=True, metadata={"description": "Planned topics (JSON array)"})
    topics_covered = Raw(required=True, metadata={"description": "Covered topics (JSON array)"})
    session_date = Date(
        required=True, metadata={"description": "Day of the session, in the centre's zone"}
    )
    start_time = _time("Start, wall clock in the centre's zone", required=True)
    end_time = _time("End, wall clock in the centre's zone", required=True)
    duration = Integer(required=True, allow_none=True, metadata={"description": "Minutes"})
    session_mode = String(required=True, allow_none=True, validate=OneOf(SESSION_MODES))
    location = String(required=True, allow_none=True)
    whiteboard_id = Integer(
        required=True, allow_none=True, metadata={"description": "whiteboard_sessions(id)"}
    )
    student_review_id = Integer(required=True, allow_none=True)
    tutor_review_id = Integer(required=True, allow_none=True)
    parent_review_id = Integer(required=True, allow_none=True)
    tutor_attendance_status = String(
        required=True, allow_none=True, validate=OneOf(ATTENDANCE_STATUSES)
    )
    student_attendance_status = String(
        required=True, allow_none=True, validate=OneOf(ATTENDANCE_STATUSES)
    )
    priority_level = String(
        allow_none=True,
        validate=OneOf(PRIORITY_LEVELS),
        metadata={
            "description": "The centre's internal triage: sent to staff (coordinators, tutors) "
            "only. Students' and parents' tokens never get this key."
        },
    )
    is_recurring = Boolean(required=True, allow_none=True)
    session_frequency = String(required=True, allow_none=True, validate=OneOf(SESSION_FREQUENCIES))
    recurring_pattern = Raw(
        required=True,
        allow_none=True,
        metadata={"description": "Series rule (RFC 5545 RRULE, zone, series_id) or null"},
    )
    notification_enabled = Boolean(required=True, allow_none=True)
    alarm_enabled = Boolean(required=True, allow_none=True)
    alarm_before_minutes = Integer(required=True, allow_none=True)
    is_featured = Boolean(required=True, allow_none=True)
    status = String(required=True, allow_none=True, validate=OneOf(SESSION_STATUSES))
    created_at = _stamp("When the row was made (timestamp without time zone, as stored)")
    updated_at = _stamp(
        "Last change (timestamp without time zone, as stored); the ETag is this value in quotes"
    )


assert tuple(SessionOut().fields) == SESSION_COLUMNS, "SessionOut must list the 27 columns"


class SessionPage(Schema):
    """One page of sessions; ``next`` is the URL of the following page (null on the last)."""

    data = List(Nested(SessionOut), required=True)
    next = String(required=True, allow_none=True)


class SessionCreated(Schema):
    """The sessions a POST made: one, or every occurrence of a new series."""

    data = List(Nested(SessionOut), required=True)


class SessionListQuery(Schema):
    """Filters of ``GET /api/v1/sessions`` (combined with AND) and paging."""

    tutor_id = _id()
    student_id = _id()
    enrolled_courses_id = _id()
    status = String(validate=OneOf(SESSION_STATUSES))
    is_featured = Boolean()
    date_from = Date(metadata={"description": "Sessions on or after this day"})
    date_to = Date(metadata={"description": "Sessions on or before this day"})
    updated_since = String(
        validate=Length(max=40),
        metadata={
            "description": "Sessions changed after this moment: an updated_at value as sent, "
            "or an ISO 8601 timestamp with an offset"
        },
    )
    cursor = String(
        validate=Length(max=100), metadata={"description": "From the previous page's next link"}
    )
    limit = Integer(validate=Range(1, MAX_PAGE_SIZE), metadata={"description": "Page size"})


class SessionCreate(Schema):
    """A new session (or series) for an enrolled course: the scheduling form's fields.

    Dates and times are wall-clock values in the centre's zone, as stored.
    ``repeat_until``/``repeat_count`` (one of them) make a series when
    ``session_frequency`` is not ``one-time``; ``override_reason`` lets a
    coordinator save despite an overlap (otherwise 409).
    """

    enrolled_courses_id = _id(required=True)
    session_date = Date(required=True)
    start_time = _time("Start, HH:MM", required=True)
    end_time = _time("End, HH:MM (after the start, same day)", required=True)
    session_mode = String(validate=OneOf(SESSION_MODES))
    location = String(allow_none=True, validate=[Length(max=255), printable])
    topics = List(
        String(validate=[Length(max=scheduling.MAX_TOPIC_LENGTH), printable]),
        validate=Length(max=scheduling.MAX_TOPICS),
    )
    whiteboard_id = _id(allow_none=True)
    priority_level = String(validate=OneOf(PRIORITY_LEVELS))
    notification_enabled = Boolean()
    alarm_enabled = Boolean()
    alarm_before_minutes = Integer(validate=Range(0, scheduling.MAX_ALARM_MINUTES))
    session_frequency = String(validate=OneOf(SESSION_FREQUENCIES))
    repeat_until = Date(allow_none=True)
    repeat_count = Integer(allow_none=True, validate=Range(1, recurrence.MAX_OCCURRENCES))
    override_reason = String(
        allow_none=True, validate=[Length(max=scheduling.MAX_REASON_LENGTH), printable]
    )


class SessionPatch(Schema):
    """The columns a PATCH may change (each needs its own right; see ``permissions``).

    Other columns (date, times, status, series, reviews, timestamps) are not
    changed by PATCH: moving, cancelling and completing a session apply the
    scheduling rules (conflicts, series), through ``…/reschedule``, ``…/cancel``,
    ``…/restore`` and ``…/complete`` (``api/lifecycle.py``).
    """

    tutor_attendance_status = String(validate=OneOf(ATTENDANCE_STATUSES))
    student_attendance_status = String(validate=OneOf(ATTENDANCE_STATUSES))
    priority_level = String(validate=OneOf(PRIORITY_LEVELS))
    is_featured = Boolean()
    whiteboard_id = _id(allow_none=True, metadata={"description": "null unlinks"})
    topics = List(
        String(validate=[Length(max=scheduling.MAX_TOPIC_LENGTH), printable]),
        validate=Length(max=scheduling.MAX_TOPICS),
    )
    topics_covered = List(
        String(validate=[Length(max=scheduling.MAX_TOPIC_LENGTH), printable]),
        validate=Length(max=scheduling.MAX_TOPICS),
    )
    session_mode = String(validate=OneOf(SESSION_MODES))
    location = String(allow_none=True, validate=[Length(max=255), printable])
    notification_enabled = Boolean()
    alarm_enabled = Boolean()
    alarm_before_minutes = Integer(validate=Range(0, scheduling.MAX_ALARM_MINUTES))

    @pre_load
    def refuse_fixed_columns(self, data: Any, **_kwargs: Any) -> Any:
        """Name the columns PATCH does not change, rather than "unknown field"."""
        if isinstance(data, dict):
            fixed = sorted(
                name for name in data if name in SESSION_COLUMNS and name not in self.fields
            )
            if fixed:
                raise ValidationError(
                    {
                        name: [
                            "This column is not changed with PATCH: move, cancel, restore or "
                            "complete the session with POST …/reschedule, …/cancel, …/restore "
                            "or …/complete."
                        ]
                        for name in fixed
                    }
                )
        return data


assert set(SessionPatch().fields) == set(SESSION_FIELD_ACTIONS), "PATCH fields = permissions'"


# --- the lifecycle: what PATCH does not change ----------------------------------


def _override_reason() -> String:
    return String(
        allow_none=True,
        validate=[Length(max=scheduling.MAX_REASON_LENGTH), printable],
        metadata={"description": "Coordinators: schedule despite overlaps, saying why"},
    )


class SessionReschedule(Schema):
    """Move the session in place to a new date and times (status ``rescheduled``)."""

    session_date = Date(required=True)
    start_time = _time("New start, HH:MM in the centre's zone", required=True)
    end_time = _time("New end, HH:MM (after the start, same day)", required=True)
    override_reason = _override_reason()


class SessionCancel(Schema):
    """Cancel the session, or part of its series, saying why (rows are kept)."""

    reason = String(required=True, validate=OneOf(CANCELLATION_REASONS))
    reason_text = String(
        allow_none=True,
        validate=[Length(max=CANCELLATION_REASON_TEXT_MAX), printable],
        metadata={"description": "Required when the reason is `other`"},
    )
    scope = String(
        validate=OneOf([scope.value for scope in scheduling.Scope]),
        metadata={"description": "A series: `this` (default), `following` or `all`"},
    )


class SessionRestore(Schema):
    """Bring a cancelled session back to ``scheduled`` (conflict-checked)."""

    override_reason = _override_reason()


class SessionComplete(Schema):
    """Mark the session completed (from its start): topics covered and lesson notes."""

    topics_covered = List(
        String(validate=[Length(max=scheduling.MAX_TOPIC_LENGTH), printable]),
        validate=Length(max=scheduling.MAX_TOPICS),
    )
    public_note = String(
        allow_none=True,
        validate=[Length(max=scheduling.MAX_NOTE_LENGTH), printable],
        metadata={"description": "For the student and parents"},
    )
    private_note = String(
        allow_none=True,
        validate=[Length(max=scheduling.MAX_NOTE_LENGTH), printable],
        metadata={"description": "For the tutor and coordinators only"},
    )


class SessionRepeat(Schema):
    """A series' new rule from this occurrence on (kept / added / cancelled)."""

    session_frequency = String(
        required=True, validate=OneOf([f for f in SESSION_FREQUENCIES if f != "one-time"])
    )
    starting = Date(
        allow_none=True,
        metadata={"description": "The new rule's first day (default: this occurrence's own)"},
    )
    repeat_until = Date(allow_none=True, metadata={"description": "The last day (or a count)"})
    repeat_count = Integer(
        allow_none=True,
        validate=Range(1, recurrence.MAX_OCCURRENCES),
        metadata={"description": "How many sessions from this one on (or an end date)"},
    )
    override_reason = _override_reason()


class SessionList(Schema):
    """The sessions a change wrote (a series change may write several)."""

    data = List(Nested(SessionOut), required=True)


# --- everything else ---------------------------------------------------------


class PageQuery(Schema):
    """Paging of the smaller lists (ordered by id)."""

    cursor = String(validate=Length(max=100))
    limit = Integer(validate=Range(1, MAX_PAGE_SIZE))


class CourseOut(Schema):
    """A course the centre teaches."""

    id = Integer(required=True)
    title = String(required=True)
    subject = String(required=True, allow_none=True)
    description = String(required=True, allow_none=True)


class CoursePage(Schema):
    """One page of courses."""

    data = List(Nested(CourseOut), required=True)
    next = String(required=True, allow_none=True)


class EnrolledCourseOut(Schema):
    """A student taking a course with a tutor: what ``enrolled_courses_id`` points at."""

    id = Integer(required=True)
    course_id = Integer(required=True)
    course_title = String(required=True)
    tutor_id = Integer(required=True)
    tutor_name = String(required=True)
    student_id = Integer(required=True)
    student_name = String(required=True)
    status = String(required=True)
    enrolled_at = String(required=True, allow_none=True)


class EnrolledCoursePage(Schema):
    """One page of enrolled courses."""

    data = List(Nested(EnrolledCourseOut), required=True)
    next = String(required=True, allow_none=True)


class WhiteboardOut(Schema):
    """An online whiteboard a tutor owns; ``linked_sessions`` counts the sessions using it."""

    id = Integer(required=True)
    session_name = String(required=True)
    board_url = String(required=True)
    owner_id = Integer(required=True, allow_none=True)
    owner_name = String(required=True, allow_none=True)
    linked_sessions = Integer(required=True)
    updated_at = String(required=True, allow_none=True)


class WhiteboardList(Schema):
    """The boards the caller may manage (a tutor's own; every board for a coordinator)."""

    data = List(Nested(WhiteboardOut), required=True)


class WhiteboardCreate(Schema):
    """A new board; tutors own their boards, coordinators name the owning tutor."""

    session_name = String(required=True, validate=[Length(1, MAX_NAME_LENGTH), printable])
    board_url = String(required=True, validate=Length(1, MAX_URL_LENGTH))
    owner_id = _id(metadata={"description": "The owning tutor (coordinators; tutors: themselves)"})


class WhiteboardPatch(Schema):
    """Rename a board or change its address."""

    session_name = String(validate=[Length(1, MAX_NAME_LENGTH), printable])
    board_url = String(validate=Length(1, MAX_URL_LENGTH))


class WhiteboardDeleted(Schema):
    """What a delete did: the seed's ON DELETE SET NULL cleared these sessions' whiteboard_id."""

    id = Integer(required=True)
    sessions_unlinked = List(Integer(), required=True)


class TokenOut(Schema):
    """The token this request was made with."""

    id = Integer(required=True)
    name = String(required=True)
    scope = String(required=True, validate=OneOf(API_TOKEN_SCOPES))
    expires_at = String(required=True)


class MeOut(Schema):
    """The person a token acts for."""

    id = Integer(required=True)
    email = String(required=True)
    full_name = String(required=True)
    role = String(required=True, validate=OneOf(ROLES))
    timezone = String(required=True, allow_none=True)
    token = Nested(TokenOut, required=True)
