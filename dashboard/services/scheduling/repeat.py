"""Changing how a series repeats, from one of its occurrences on.

A series is made "weekly until 30 June" or "fortnightly, 10 times"; then the
term is extended, the lessons go weekly, or move from Tuesdays to Thursdays.
The user picks an occurrence and a new rule (how often; until a date or how
many times; optionally another first day). From that occurrence on:

* the series is split there (``split_series``), unless nothing comes before it;
  earlier occurrences keep the old rule;
* occurrences on a date of the new rule are **kept** as they are (matched by
  their original date, so a lesson moved on its own stays where it was; a
  cancelled one stays cancelled);
* the other open occurrences are **moved**, in order, to the new rule's other
  dates (so a change of weekday keeps every row, its links and reminders), and
  their people are told as for any move;
* dates still free are **added** with the chosen occurrence's details (mode,
  location, topics, whiteboard, priority, reminders); moved and added ones are
  checked for conflicts like a new series;
* open occurrences left over are **cancelled** (rows kept, reason "other": the
  repeat changed), and their people are told as for any cancellation.

Occurrences that have begun or are completed are never touched (``is_protected``).
Everything is one transaction; every change of an existing row goes through
``write_session``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dashboard.choices import CANCELLATION_REASON_OTHER
from dashboard.extensions import db
from dashboard.models import EnrolledCourse, Session, SessionSeries, User
from dashboard.permissions import may_schedule_course
from dashboard.services import recurrence
from dashboard.services.enrolments import is_open
from dashboard.services.scheduling.conflicts import (
    find_conflicts,
    record_overrides,
    settle_conflicts,
)
from dashboard.services.scheduling.lifecycle import (
    lock_at_version,
    notify_people,
    one_transaction,
    record_cancellations,
)
from dashboard.services.scheduling.rules import (
    Errors,
    SchedulingError,
    add_error,
    minutes,
    stored_slot,
)
from dashboard.services.scheduling.series import (
    is_protected,
    pattern_for,
    series_members,
    series_of,
    split_series,
)
from dashboard.services.session_writes import write_session

#: Why the occurrences a new repeat no longer has were cancelled (``session_cancellations``).
REPEAT_CHANGED_REASON = "The series' repeat was changed."

#: The columns a new occurrence copies from the occurrence the change starts at.
_COPIED_DETAILS = (
    "session_mode",
    "location",
    "topics",
    "whiteboard_id",
    "priority_level",
    "notification_enabled",
    "alarm_enabled",
    "alarm_before_minutes",
)


@dataclass(frozen=True)
class RepeatChange:
    """What the "Change how it repeats" form submits, parsed."""

    frequency: str | None
    repeat_until: date | None = None
    repeat_count: int | None = None
    override_reason: str | None = None
    #: The new rule's first day (None: the occurrence's own); another weekday moves the series.
    starting: date | None = None


@dataclass(frozen=True)
class RepeatChanged:
    """How many occurrences the change kept, added and cancelled."""

    kept: int
    moved: int
    added: int
    cancelled: int

    def summary(self) -> str:
        """One sentence for the flash message."""

        def sessions(n: int) -> str:
            return f"{n} session{'s' if n != 1 else ''}"

        moved = f"{sessions(self.moved)} moved, " if self.moved else ""
        return (
            f"The series repeats anew: {sessions(self.kept)} kept, {moved}"
            f"{sessions(self.added)} added, {sessions(self.cancelled)} cancelled."
        )


def original_day(session: Session) -> date | None:
    """The date the occurrence was first planned on (its ``recurrence_id``): the date
    a series change matches it by, whatever day it was moved to on its own."""
    pattern = session.recurring_pattern if isinstance(session.recurring_pattern, dict) else {}
    raw = pattern.get("recurrence_id")
    return recurrence.parse_recurrence_id(raw).date() if raw else None


def _check(
    session: Session, series: SessionSeries | None, change: RepeatChange, now: datetime
) -> Errors:
    """The refusals that need no new occurrences computed; nothing is written."""
    errors: Errors = {}
    if series is None:
        add_error(
            errors, "frequency", "This session does not repeat: there is no series to change."
        )
    elif session.status == "cancelled":
        add_error(
            errors,
            "frequency",
            "This session is cancelled: change the series from an occurrence that is not.",
        )
    elif is_protected(session, now):
        add_error(
            errors,
            "frequency",
            "This session has begun or is completed: change the series from a later occurrence.",
        )
    if change.frequency not in recurrence.FREQUENCY_RULES:
        add_error(
            errors,
            "frequency",
            "Choose how often it repeats. To stop the series, "
            "cancel this and the following sessions.",
        )
    if (change.repeat_until is None) == (change.repeat_count is None):
        add_error(errors, "repeat_until", "Give either an end date or a number of sessions.")
    if change.repeat_count is not None and not (
        1 <= change.repeat_count <= recurrence.MAX_OCCURRENCES
    ):
        add_error(errors, "repeat_count", f"Between 1 and {recurrence.MAX_OCCURRENCES} sessions.")
    first = change.starting or original_day(session)
    if change.repeat_until is not None and first is not None and change.repeat_until < first:
        add_error(errors, "repeat_until", f"The series must end on or after {first.isoformat()}.")
    return errors


@one_transaction
def change_repeat(
    user: User,
    session: Session,
    change: RepeatChange,
    now: datetime,
    *,
    version: datetime | None,
) -> RepeatChanged:
    """Give ``session``'s series a new rule from ``session`` on (see the module docstring).

    Raises ``StaleEdit`` when ``session`` is no longer at ``version`` and
    ``SchedulingError`` on invalid input or unsettled conflicts (nothing written).
    """
    session = lock_at_version(session.id, version)
    series = series_of(session)
    errors = _check(session, series, change, now)
    first_day = original_day(session)
    if errors or series is None or first_day is None:
        raise SchedulingError(errors or {"frequency": ["This occurrence has no original date."]})
    assert change.frequency is not None

    start_day = change.starting or first_day
    rule = recurrence.build_rrule(
        change.frequency, tzid=series.tzid, count=change.repeat_count, until=change.repeat_until
    )
    occurrences = recurrence.expand(
        rule, series.tzid, start_day, series.start_time, series.end_time
    )
    if len(occurrences) > recurrence.MAX_OCCURRENCES:
        raise SchedulingError(
            {"repeat_until": [f"A series can have at most {recurrence.MAX_OCCURRENCES} sessions."]}
        )
    if occurrences and occurrences[0].start < now:
        raise SchedulingError({"starting": ["The new rule cannot start in the past."]})

    earlier = [
        day
        for member in series_members(series, lock=True)
        if (day := original_day(member) or first_day) < first_day
    ]
    if earlier and start_day <= max(earlier):
        raise SchedulingError(
            {
                "starting": [
                    f"Start the new rule after the series' earlier session on "
                    f"{max(earlier).isoformat()} (or change the series from that one)."
                ]
            }
        )
    if earlier:
        series = split_series(user, series, session, now)
    series.dtstart = start_day
    members = {
        day: member
        for member in series_members(series, lock=True)
        if (day := original_day(member)) is not None and not is_protected(member, now)
    }
    wanted = {occurrence.start.date(): occurrence for occurrence in occurrences}
    # Same date: kept. Then the other open occurrences move, in order, to the new rule's
    # other dates (a change of weekday keeps every row); what is left is cancelled or added.
    kept = [member for day, member in members.items() if day in wanted]
    leftover = [
        member
        for day, member in sorted(members.items())
        if day not in wanted and member.status != "cancelled"
    ]
    free = [occurrence for day, occurrence in sorted(wanted.items()) if day not in members]
    moved = list(zip(leftover, free, strict=False))
    dropped = leftover[len(moved) :]
    added = free[len(moved) :]

    errors = {}
    slots = [stored_slot(o.start, o.end, errors) for o in added]
    moved_slots = [stored_slot(o.start, o.end, errors) for _member, o in moved]
    if errors:
        raise SchedulingError(errors)
    course = db.session.get(EnrolledCourse, series.enrolled_courses_id)
    assert course is not None
    if added and not (may_schedule_course(user, course) and is_open(course)):
        raise SchedulingError(
            {
                "frequency": [
                    "The new rule adds sessions, but this enrolment takes no new ones (it has "
                    "ended, or its tutor or student is no longer active). Reopen it under "
                    "Enrolments, or choose a rule that ends sooner."
                ]
            }
        )
    conflicts = find_conflicts(
        course.tutor_id,
        course.student_id,
        slots + moved_slots,
        exclude_ids=[m.id for m in dropped] + [m.id for m, _o in moved],
    )
    reason = settle_conflicts(user, conflicts, change.override_reason)

    series.rrule = rule

    def with_rule(member: Session) -> dict[str, object]:
        pattern = {**(member.recurring_pattern or {}), "rrule": rule}
        return {"recurring_pattern": pattern, "session_frequency": change.frequency}

    for member in kept:
        write_session(member.id, member.updated_at, with_rule(member), user.id)
    rewritten = [
        write_session(
            member.id,
            member.updated_at,
            {
                **with_rule(member),
                "recurring_pattern": pattern_for(series, occurrence),
                "session_date": day,
                "start_time": start,
                "end_time": end,
                "duration": minutes(occurrence.start, occurrence.end),
            },
            user.id,
        )
        for (member, occurrence), (day, start, end) in zip(moved, moved_slots, strict=True)
    ]
    cancelled = [
        write_session(
            member.id, member.updated_at, {**with_rule(member), "status": "cancelled"}, user.id
        )
        for member in dropped
    ]
    record_cancellations(user, dropped, CANCELLATION_REASON_OTHER, REPEAT_CHANGED_REASON, now)
    details = {name: getattr(session, name) for name in _COPIED_DETAILS}
    created = [
        Session(
            enrolled_courses_id=course.id,
            session_date=day,
            start_time=start,
            end_time=end,
            duration=minutes(occurrence.start, occurrence.end),
            status="scheduled",
            is_recurring=True,
            session_frequency=change.frequency,
            recurring_pattern=pattern_for(series, occurrence),
            **details,
        )
        for occurrence, (day, start, end) in zip(added, slots, strict=True)
    ]
    db.session.add_all(created)
    db.session.flush()
    record_overrides(
        user,
        [(s.id, (s.session_date, s.start_time, s.end_time)) for s in created]
        + [(m.id, slot) for (m, _o), slot in zip(moved, moved_slots, strict=True)],
        conflicts,
        reason,
    )
    notify_people(rewritten, "moved", session.id, now)
    notify_people(cancelled, "cancelled", session.id, now)
    return RepeatChanged(
        kept=len(kept), moved=len(rewritten), added=len(created), cancelled=len(cancelled)
    )
