"""Create, edit, reschedule, cancel and complete sessions; each call is one transaction.

Decisions (issue 6, issue 11):

* **Every change of an existing row goes through ``write_session``** with the
  version the user saw: the form's ``version`` for the session the user opened,
  the version just locked for the other occurrences of a series. A stale
  version raises ``StaleEdit`` (409) and nothing is written; every changed
  field is logged in ``session_changes``.
* **Reschedule moves the session in place**: the row keeps its id (and its
  attendance, reviews, whiteboard…), its date and times change and its status
  becomes ``rescheduled``. Links and calendar UIDs stay valid.
* **Cancel** keeps the row with status ``cancelled``; **complete** sets
  ``completed`` and records ``topics_covered``. Completed sessions cannot be
  rescheduled or cancelled; cancelled ones cannot be completed or rescheduled.
* Moving a series to other *days* is done one occurrence at a time
  (``this``); ``following``/``all`` change the time of day and the other fields.

Each public function commits on success and rolls back on any refusal
(``SchedulingError`` 422, ``EditRejected`` 404/409), so nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import wraps
from typing import ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from dashboard.choices import LATE_CANCELLATION_HOURS
from dashboard.extensions import db
from dashboard.models import (
    EnrolledCourse,
    Session,
    SessionCancellation,
    SessionNote,
    SessionSeries,
    User,
)
from dashboard.services import recurrence
from dashboard.services.lesson_record import current_cancellation_id
from dashboard.services.notifications import queue_session_notice
from dashboard.services.scheduling.conflicts import (
    find_conflicts,
    record_overrides,
    settle_conflicts,
)
from dashboard.services.scheduling.rules import (
    Errors,
    SchedulingError,
    Scope,
    SessionInput,
    add_error,
    check_cancellation_reason,
    check_course,
    check_fields,
    check_note,
    check_repeat,
    check_times,
    check_topics,
    detail_values,
    minutes,
    starts_at,
    stored_slot,
)
from dashboard.services.scheduling.series import (
    is_protected,
    occurrence_rows,
    open_members,
    series_members,
    series_of,
    split_series,
)
from dashboard.services.session_writes import (
    Applied,
    EditRejected,
    SessionGone,
    StaleEdit,
    write_session,
)
from dashboard.timezones import schedule_zone, zone

#: Series changes notify the chosen occurrence and those starting within this time.
NOTICE_HORIZON = timedelta(days=7)
_TIME_FIELDS = frozenset({"session_date", "start_time", "end_time"})

P = ParamSpec("P")
R = TypeVar("R")


def one_transaction(function: Callable[P, R]) -> Callable[P, R]:
    """Commit when ``function`` returns; roll back (and re-raise) when it refuses."""

    @wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = function(*args, **kwargs)
        except (SchedulingError, EditRejected):
            db.session.rollback()
            raise
        db.session.commit()
        return result

    return run


def lock_at_version(session_id: int, version: datetime | None) -> Session:
    """The session, locked and read fresh, if it is still at ``version``.

    Raises ``SessionGone`` or ``StaleEdit``: the checks come before any
    validation, so an out-of-date form is always answered with the latest values.
    """
    session = db.session.scalars(
        sa.select(Session)
        .where(Session.id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if session is None:
        raise SessionGone(f"There is no session #{session_id}.")
    if session.updated_at != version:
        raise StaleEdit()
    return session


def notify_people(written: list[Applied], kind: str, chosen_id: int, now: datetime) -> None:
    """Queue "cancelled" / "moved" emails to the people of the sessions just written.

    Queued in this transaction (a rolled-back change sends nothing), sent by the
    worker. "moved" only when the date or a time changed. For a series, only
    the occurrence the user chose and those within ``NOTICE_HORIZON`` are
    notified: an email per person for each of thirty weekly lessons is noise.
    """
    for applied in written:
        if kind == "moved" and not any(c.field in _TIME_FIELDS for c in applied.changes):
            continue
        if applied.session_id != chosen_id:
            row = applied.row
            start = datetime.combine(row["session_date"], row["start_time"], tzinfo=schedule_zone())
            if start > now + NOTICE_HORIZON:
                continue
        queue_session_notice(applied.session_id, kind)


# --- create ------------------------------------------------------------------


@one_transaction
def create_sessions(user: User, data: SessionInput, now: datetime) -> list[Session]:
    """Validate and save one session, or every occurrence of a new series.

    Raises ``SchedulingError`` (nothing written) when anything is wrong.
    """
    errors: Errors = {}
    course = check_course(user, data.enrolled_courses_id, errors)
    check_fields(data, course, errors)
    check_repeat(data, errors)
    if errors:
        raise SchedulingError(errors)

    tz = zone(data.tzid)
    first_start = datetime.combine(data.session_date, data.start_time, tzinfo=tz)
    if first_start < now:
        add_error(errors, "session_date", "A new session cannot start in the past.")
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
            add_error(
                errors,
                "repeat_until",
                f"A series can have at most {recurrence.MAX_OCCURRENCES} sessions.",
            )
    slots = [stored_slot(o.start, o.end, errors) for o in occurrences]
    if errors:
        raise SchedulingError(errors)
    assert course is not None
    conflicts = find_conflicts(course.tutor_id, course.student_id, slots)
    reason = settle_conflicts(user, conflicts, data.override_reason)

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
    created = occurrence_rows(
        course.id, occurrences, slots, series, data.frequency, detail_values(data)
    )
    db.session.add_all(created)
    db.session.flush()
    record_overrides(
        user,
        [(s.id, (s.session_date, s.start_time, s.end_time)) for s in created],
        conflicts,
        reason,
    )
    return created


# --- edit --------------------------------------------------------------------


@one_transaction
def update_sessions(
    user: User,
    session: Session,
    data: SessionInput,
    scope: Scope,
    now: datetime,
    *,
    version: datetime | None,
) -> list[Applied]:
    """Apply the edit form to one session or to part of its series.

    Returns what was written. Raises ``StaleEdit`` when ``session`` is no
    longer at ``version`` and ``SchedulingError`` on invalid input (nothing written).
    """
    session = lock_at_version(session.id, version)
    errors: Errors = {}
    course = check_course(
        user, data.enrolled_courses_id, errors, current=session.enrolled_courses_id
    )
    check_fields(data, course, errors)
    if errors:
        raise SchedulingError(errors)
    assert course is not None
    series = series_of(session)
    if series is None or scope == Scope.THIS:
        written = [_update_one(user, session, course, data)]
        notify_people(written, "moved", session.id, now)
        return written

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
    targets = open_members(series, now)
    planned = []
    for target in targets:
        day = starts_at(target).astimezone(series_zone).date()
        occurrence = recurrence.Occurrence(
            datetime.combine(day, local_start, tzinfo=series_zone),
            datetime.combine(day, local_end, tzinfo=series_zone),
        )
        planned.append((target, occurrence, stored_slot(occurrence.start, occurrence.end, errors)))
    if errors:
        raise SchedulingError(errors)
    conflicts = find_conflicts(
        course.tutor_id,
        course.student_id,
        [slot for _t, _o, slot in planned],
        exclude_ids=[t.id for t in targets],
    )
    reason = settle_conflicts(user, conflicts, data.override_reason)
    series.start_time, series.end_time = local_start, local_end
    series.enrolled_courses_id = course.id
    written = [
        write_session(
            target.id,
            target.updated_at,
            {
                "enrolled_courses_id": course.id,
                "session_date": day,
                "start_time": start,
                "end_time": end,
                "duration": minutes(occurrence.start, occurrence.end),
                "recurring_pattern": {**(target.recurring_pattern or {}), "rrule": series.rrule},
                **detail_values(data),
            },
            user.id,
        )
        for target, occurrence, (day, start, end) in planned
    ]
    record_overrides(user, [(t.id, slot) for t, _o, slot in planned], conflicts, reason)
    notify_people(written, "moved", session.id, now)
    return written


def _update_one(
    user: User, session: Session, course: EnrolledCourse, data: SessionInput
) -> Applied:
    errors: Errors = {}
    tz = zone(data.tzid)
    start = datetime.combine(data.session_date, data.start_time, tzinfo=tz)
    end = datetime.combine(data.session_date, data.end_time, tzinfo=tz)
    slot = stored_slot(start, end, errors)
    if errors:
        raise SchedulingError(errors)
    moved = (
        slot != (session.session_date, session.start_time, session.end_time)
        or course.id != session.enrolled_courses_id
    )
    conflicts = (
        find_conflicts(course.tutor_id, course.student_id, [slot], [session.id]) if moved else []
    )
    reason = settle_conflicts(user, conflicts, data.override_reason)
    day, start_time, end_time = slot
    applied = write_session(
        session.id,
        session.updated_at,
        {
            "enrolled_courses_id": course.id,
            "session_date": day,
            "start_time": start_time,
            "end_time": end_time,
            "duration": minutes(start, end),
            **detail_values(data),
        },
        user.id,
    )
    record_overrides(user, [(session.id, slot)], conflicts, reason)
    return applied


# --- lifecycle ---------------------------------------------------------------


@one_transaction
def reschedule_session(
    user: User,
    session: Session,
    day: date | None,
    start: time | None,
    end: time | None,
    tzid: str,
    override_reason: str | None,
    now: datetime,
    *,
    version: datetime | None,
) -> Applied:
    """Move ``session`` in place to a new date/time and mark it ``rescheduled``."""
    session = lock_at_version(session.id, version)
    errors: Errors = {}
    if session.status in ("completed", "cancelled"):
        raise SchedulingError({"session_date": [f"A {session.status} session cannot be moved."]})
    check_times(day, start, end, errors)
    if errors:
        raise SchedulingError(errors)
    tz = zone(tzid)
    new_start = datetime.combine(day, start, tzinfo=tz)
    new_end = datetime.combine(day, end, tzinfo=tz)
    if new_start < now:
        add_error(errors, "session_date", "A session cannot be moved into the past.")
    slot = stored_slot(new_start, new_end, errors)
    if errors:
        raise SchedulingError(errors)
    course = db.session.get(EnrolledCourse, session.enrolled_courses_id)
    conflicts = (
        find_conflicts(course.tutor_id, course.student_id, [slot], [session.id]) if course else []
    )
    reason = settle_conflicts(user, conflicts, override_reason)
    new_day, new_start_time, new_end_time = slot
    applied = write_session(
        session.id,
        version,
        {
            "session_date": new_day,
            "start_time": new_start_time,
            "end_time": new_end_time,
            "duration": minutes(new_start, new_end),
            "status": "rescheduled",
        },
        user.id,
    )
    record_overrides(user, [(session.id, slot)], conflicts, reason)
    notify_people([applied], "moved", session.id, now)
    return applied


def cancellation_targets(session: Session, scope: Scope, now: datetime) -> list[Session]:
    """What cancelling ``session`` with ``scope`` would cancel, without locking or writing.

    The confirmation page names these counts ("this and the 4 following");
    ``cancel_sessions`` then cancels exactly the same rows: the open
    occurrences (not cancelled, not begun, not completed) of the series, from
    this occurrence on for ``following``.
    """
    series = series_of(session)
    if series is None or scope == Scope.THIS:
        return [session] if session.status != "cancelled" else []
    members = [
        member
        for member in series_members(series)
        if member.status != "cancelled" and not is_protected(member, now)
    ]
    if scope == Scope.ALL:
        return members
    original = _recurrence_id(session)
    if original is None:
        return members
    # exactly the occurrences split_series moves to the new series
    return [m for m in members if (rid := _recurrence_id(m)) is not None and rid >= original]


def _recurrence_id(session: Session) -> datetime | None:
    pattern = session.recurring_pattern or {}
    raw = pattern.get("recurrence_id") if isinstance(pattern, dict) else None
    return recurrence.parse_recurrence_id(raw) if raw else None


@one_transaction
def cancel_sessions(
    user: User,
    session: Session,
    scope: Scope,
    now: datetime,
    *,
    version: datetime | None,
    reason: str | None = None,
    reason_text: str | None = None,
) -> list[Applied]:
    """Cancel ``session`` (or this-and-following / all of its series) with a reason.

    Rows are kept (status ``cancelled``); each gets a ``session_cancellations``
    row with the reason, who, when, and whether it was late (less than
    ``LATE_CANCELLATION_HOURS`` before that session's start).
    """
    session = lock_at_version(session.id, version)
    errors: Errors = {}
    if session.status == "completed":
        add_error(errors, "scope", "A completed session cannot be cancelled.")
    reason, reason_text = check_cancellation_reason(reason, reason_text, errors)
    if errors:
        raise SchedulingError(errors)
    series = series_of(session)
    if series is None or scope == Scope.THIS:
        targets = [session] if session.status != "cancelled" else []
    else:
        if scope == Scope.FOLLOWING:
            series = split_series(user, series, session, now)
        targets = open_members(series, now)
    written = [
        write_session(target.id, target.updated_at, {"status": "cancelled"}, user.id)
        for target in targets
    ]
    record_cancellations(user, targets, reason, reason_text, now)
    notify_people(written, "cancelled", session.id, now)
    return written


def record_cancellations(
    user: User, targets: list[Session], reason: str, reason_text: str | None, now: datetime
) -> None:
    """One ``session_cancellations`` row per cancelled session: why, who, and whether late
    (less than ``LATE_CANCELLATION_HOURS`` before that session's start). Flushes."""
    late_before = timedelta(hours=LATE_CANCELLATION_HOURS)
    db.session.add_all(
        SessionCancellation(
            session_id=target.id,
            reason=reason,
            reason_text=reason_text,
            is_late=starts_at(target) - now < late_before,
            cancelled_by=user.id,
        )
        for target in targets
    )
    db.session.flush()


@one_transaction
def restore_session(
    user: User,
    session: Session,
    override_reason: str | None,
    now: datetime,
    *,
    version: datetime | None,
) -> Applied:
    """Bring a cancelled session back to ``scheduled``, if its slot is still free.

    The slot is checked against the tutor's and the student's other sessions
    like a new one (a coordinator may override with a reason). The status
    change is logged in ``session_changes``; the current cancellation is
    closed (``restored_at``/``restored_by``) and kept as history.
    """
    session = lock_at_version(session.id, version)
    if session.status != "cancelled":
        raise SchedulingError({"form": ["Only a cancelled session can be restored."]})
    course = db.session.get(EnrolledCourse, session.enrolled_courses_id)
    slot = (session.session_date, session.start_time, session.end_time)
    conflicts = (
        find_conflicts(course.tutor_id, course.student_id, [slot], [session.id]) if course else []
    )
    reason = settle_conflicts(user, conflicts, override_reason)
    applied = write_session(session.id, version, {"status": "scheduled"}, user.id)
    db.session.execute(
        sa.update(SessionCancellation)
        .where(SessionCancellation.id == current_cancellation_id(session.id))
        .values(restored_at=sa.func.now(), restored_by=user.id)
        .execution_options(synchronize_session=False)
    )
    record_overrides(user, [(session.id, slot)], conflicts, reason)
    return applied


@one_transaction
def complete_session(
    user: User,
    session: Session,
    topics_covered: list[str],
    *,
    version: datetime | None,
    now: datetime | None = None,
    public_note: str | None = None,
    private_note: str | None = None,
) -> Applied:
    """Mark ``session`` completed with the topics covered and the lesson notes.

    Only from the session's start (422 before). The public note is for the
    student and parents, the private one for the tutor and coordinators
    (``session_notes``, written in the same transaction).
    """
    session = lock_at_version(session.id, version)
    errors: Errors = {}
    if session.status == "cancelled":
        add_error(errors, "topics_covered", "A cancelled session cannot be completed.")
    elif starts_at(session) > (now or datetime.now(UTC)):
        add_error(errors, "topics_covered", "A session can be completed from its start.")
    check_topics(topics_covered, "topics_covered", errors)
    public_note = check_note(public_note, "public_note", errors)
    private_note = check_note(private_note, "private_note", errors)
    if errors:
        raise SchedulingError(errors)
    applied = write_session(
        session.id,
        version,
        {"status": "completed", "topics_covered": list(topics_covered)},
        user.id,
    )
    save_notes(session.id, public_note, private_note, user.id)
    return applied


def save_notes(
    session_id: int, public_note: str | None, private_note: str | None, user_id: int | None
) -> None:
    """Write the lesson notes of a session (in the caller's transaction).

    An upsert of ``session_notes`` only, never of ``sessions``: its ``set_`` is
    keyed by ``SessionNote``'s own columns, so the table it writes is plain to a
    reader (and to a search for writers of ``sessions``). Every value comes
    from the proposed row (``EXCLUDED``), whose ``updated_at`` is the column's
    server default: the time of this write.
    """
    statement = insert(SessionNote).values(
        session_id=session_id,
        public_note=public_note,
        private_note=private_note,
        updated_by=user_id,
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[SessionNote.session_id],
            set_={
                SessionNote.public_note: statement.excluded.public_note,
                SessionNote.private_note: statement.excluded.private_note,
                SessionNote.updated_by: statement.excluded.updated_by,
                SessionNote.updated_at: statement.excluded.updated_at,
            },
        )
    )
