"""Changing how a series repeats, from one of its occurrences on.

A series is made "weekly until 30 June" or "fortnightly, 10 times"; then the
term is extended, the lessons go weekly, or move from Tuesdays to Thursdays.
The user picks an occurrence and a new rule (how often; until a date or how
many times; optionally another first day). From that occurrence on:

* the series is split there (``split_series``), unless nothing comes before it;
  earlier occurrences keep the old rule;
* with the same first day (extend, end sooner, go fortnightly): occurrences on
  a date of the new rule are **kept** as they are (matched by their original
  date, so a lesson moved on its own stays where it was; a cancelled one stays
  cancelled), the rule's other dates are **added**, open occurrences off the
  rule are **cancelled**;
* with another first day (Tuesdays become Thursdays, or the series starts
  later): the occurrences are **moved** in order to the new rule's dates, so
  every row keeps its links and reminders and a cancelled week stays
  cancelled; what is left over is cancelled or added;
* added occurrences get the chosen occurrence's details (mode, location,
  topics, whiteboard, priority, reminders); moved and added ones are checked
  for conflicts like a new series; people are told of moves and cancellations
  (reason "other": the repeat changed) as for any other;
* dates of occurrences that have begun or are completed are taken: the new
  rule gets no second lesson there.

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
from dashboard.permissions import may_override_conflicts, may_schedule_course
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
    check_horizon,
    minutes,
    stored_slot,
)
from dashboard.services.scheduling.series import (
    is_protected,
    occurrence_rows,
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
    check_horizon(change.starting, "starting", errors)
    check_horizon(change.repeat_until, "repeat_until", errors)
    first = change.starting or original_day(session)
    if change.repeat_until is not None and first is not None and change.repeat_until < first:
        add_error(errors, "repeat_until", f"The series must end on or after {first.isoformat()}.")
    return errors


@dataclass(frozen=True)
class _Plan:
    kept: list[Session]
    moved: list[tuple[Session, recurrence.Occurrence]]
    dropped: list[Session]  # open ones to cancel
    untouched: list[Session]  # cancelled ones off the rule: only their rule is rewritten
    added: list[recurrence.Occurrence]


def _plan(
    members: list[tuple[date, Session]],
    dates: list[recurrence.Occurrence],
    *,
    moving: bool,
) -> _Plan:
    """Which occurrences are kept, moved, cancelled and added (see the module docstring).

    ``members``: the open and cancelled occurrences from the chosen one on, by original
    date; ``dates``: the new rule's free dates. Without ``moving`` (same first day) an
    occurrence on a date of the rule is kept, the rule's other dates are added and open
    occurrences off the rule are cancelled. With ``moving`` (another first day) the
    occurrences move in order to the rule's dates, cancelled ones too (they stay
    cancelled, so a cancelled week stays cancelled), and what is left over is
    cancelled or added.
    """
    if moving:
        pairs = list(zip((m for _d, m in members), dates, strict=False))
        rest = [m for _d, m in members][len(pairs) :]
        return _Plan(
            kept=[],
            moved=pairs,
            dropped=[m for m in rest if m.status != "cancelled"],
            untouched=[m for m in rest if m.status == "cancelled"],
            added=dates[len(pairs) :],
        )
    wanted = {o.start.date() for o in dates}
    on_rule = {day for day, _m in members if day in wanted}
    return _Plan(
        kept=[m for day, m in members if day in wanted],
        moved=[],
        dropped=[m for day, m in members if day not in wanted and m.status != "cancelled"],
        untouched=[m for day, m in members if day not in wanted and m.status == "cancelled"],
        added=[o for o in dates if o.start.date() not in on_rule],
    )


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
        raise SchedulingError(
            errors
            or {
                "frequency": [
                    "This occurrence has no original date in its series: change the series "
                    "from another occurrence, or edit this one alone."
                ]
            }
        )
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
        raise SchedulingError(
            {
                "starting": [
                    "The new rule cannot start in the past: choose a first day from today on."
                ]
            }
        )

    everyone = [(original_day(m) or first_day, m) for m in series_members(series, lock=True)]
    earlier = [day for day, _member in everyone if day < first_day]
    if earlier and start_day <= max(earlier):
        raise SchedulingError(
            {
                "starting": [
                    f"Start the new rule after the series' earlier session on "
                    f"{max(earlier).isoformat()} (or change the series from that one)."
                ]
            }
        )
    # Begun or completed occurrences from here on are never touched, and their dates are
    # taken: the new rule gets no second lesson on them.
    taken = {day for day, member in everyone if day >= first_day and is_protected(member, now)}
    if earlier:
        series = split_series(user, series, session, now)
    series.dtstart = start_day
    members = sorted(
        (
            (day, member)
            for member in series_members(series, lock=True)
            if (day := original_day(member)) is not None and not is_protected(member, now)
        ),
        key=lambda pair: pair[0],
    )
    dates = [o for o in occurrences if o.start.date() not in taken]
    plan = _plan(members, dates, moving=start_day != first_day)

    errors = {}
    slots = [stored_slot(o.start, o.end, errors) for o in plan.added]
    moved_slots = [stored_slot(o.start, o.end, errors) for _member, o in plan.moved]
    if errors:
        raise SchedulingError(errors)
    course = db.session.get(EnrolledCourse, series.enrolled_courses_id)
    assert course is not None
    if (plan.added or plan.moved) and not (may_schedule_course(user, course) and is_open(course)):
        raise SchedulingError(
            {
                "frequency": [
                    "The new rule adds or moves sessions, but this enrolment takes no new "
                    "dates (it has ended, or its tutor or student is no longer active). "
                    "Reopen it under Enrolments, or choose a rule that ends sooner."
                ]
            }
        )
    # Moved cancelled occurrences stay cancelled: they neither conflict nor are announced.
    open_ids = {m.id for m, _o in plan.moved if m.status != "cancelled"}
    conflicts = find_conflicts(
        course.tutor_id,
        course.student_id,
        slots
        + [slot for (m, _o), slot in zip(plan.moved, moved_slots, strict=True) if m.id in open_ids],
        exclude_ids=[m.id for m in plan.dropped] + [m.id for m, _o in plan.moved],
    )
    try:
        reason = settle_conflicts(user, conflicts, change.override_reason)
    except SchedulingError as refused:
        if may_override_conflicts(user):
            raise
        raise SchedulingError(
            {
                "override_reason": [
                    "These dates overlap other sessions: choose another first day or end, "
                    "or ask a coordinator to schedule them despite the overlap."
                ]
            },
            refused.conflicts,
        ) from None
    kept, moved, dropped, added = plan.kept, plan.moved, plan.dropped, plan.added

    series.rrule = rule

    def with_rule(member: Session) -> dict[str, object]:
        pattern = {**(member.recurring_pattern or {}), "rrule": rule}
        return {"recurring_pattern": pattern, "session_frequency": change.frequency}

    for member in kept + plan.untouched:
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
    created = occurrence_rows(course.id, added, slots, series, change.frequency, details)
    db.session.add_all(created)
    db.session.flush()
    record_overrides(
        user,
        [(s.id, (s.session_date, s.start_time, s.end_time)) for s in created]
        + [(m.id, slot) for (m, _o), slot in zip(moved, moved_slots, strict=True)],
        conflicts,
        reason,
    )
    notify_people([a for a in rewritten if a.session_id in open_ids], "moved", session.id, now)
    notify_people(cancelled, "cancelled", session.id, now)
    return RepeatChanged(
        kept=len(kept), moved=len(rewritten), added=len(created), cancelled=len(cancelled)
    )
