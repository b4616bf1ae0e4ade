"""Repeating series: which occurrences belong to one, which are protected, and splitting one.

``session_series`` is the authority (see ``dashboard.services.recurrence``);
each occurrence's ``recurring_pattern`` holds a copy of the rule plus
``series_id`` and ``recurrence_id`` (its original local start). Editing or
cancelling an occurrence applies to ``this`` one, ``following`` (splits the
series: the old row ends before the occurrence, a new row with
``parent_series_id`` takes the rest) or ``all`` of its current series.
Series-wide changes never touch a **protected** occurrence — one that is
completed or has already begun — and leave cancelled ones as they are.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa

from dashboard.extensions import db
from dashboard.models import Session, SessionSeries, User
from dashboard.services import recurrence
from dashboard.services.scheduling.rules import minutes, starts_at
from dashboard.services.session_writes import write_session


def series_of(session: Session) -> SessionSeries | None:
    """The series an occurrence currently belongs to, if any."""
    pattern = session.recurring_pattern or {}
    series_id = pattern.get("series_id") if isinstance(pattern, dict) else None
    return db.session.get(SessionSeries, series_id) if series_id else None


def series_members(series: SessionSeries, *, lock: bool = False) -> list[Session]:
    """Every occurrence of ``series``, earliest first, read fresh from the database.

    With ``lock`` the rows are locked (``FOR UPDATE``) in that order until the
    transaction ends, so two series operations cannot deadlock and the
    versions read are the ones the writes are checked against.
    """
    query = (
        sa.select(Session)
        .where(Session.recurring_pattern["series_id"].as_integer() == series.id)
        .order_by(Session.session_date, Session.start_time, Session.id)
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update()
    return list(db.session.scalars(query))


def is_protected(session: Session, now: datetime) -> bool:
    """Completed, or already begun: series-wide changes leave it alone."""
    return session.status == "completed" or starts_at(session) <= now


def open_members(series: SessionSeries, now: datetime) -> list[Session]:
    """The occurrences a series-wide change applies to (locked): not protected, not cancelled."""
    return [
        member
        for member in series_members(series, lock=True)
        if member.status != "cancelled" and not is_protected(member, now)
    ]


def pattern_for(series: SessionSeries, occurrence: recurrence.Occurrence) -> dict[str, Any]:
    """The ``recurring_pattern`` of a new occurrence of ``series``."""
    return {
        "rrule": series.rrule,
        "tzid": series.tzid,
        "series_id": series.id,
        "recurrence_id": occurrence.recurrence_id,
    }


def occurrence_rows(
    course_id: int,
    occurrences: list[recurrence.Occurrence],
    slots: list[tuple[date, time, time]],
    series: SessionSeries | None,
    frequency: str,
    details: dict[str, Any],
) -> list[Session]:
    """New ``sessions`` rows (not yet added), one per occurrence at its stored slot.

    ``series`` None makes a one-time session; ``details`` are the other columns
    (mode, location, topics, whiteboard, priority, reminders).
    """
    return [
        Session(
            enrolled_courses_id=course_id,
            session_date=day,
            start_time=start,
            end_time=end,
            duration=minutes(occurrence.start, occurrence.end),
            status="scheduled",
            is_recurring=series is not None,
            session_frequency=frequency,
            recurring_pattern=pattern_for(series, occurrence) if series else None,
            **details,
        )
        for occurrence, (day, start, end) in zip(occurrences, slots, strict=True)
    ]


def split_series(user: User, series: SessionSeries, at: Session, now: datetime) -> SessionSeries:
    """End ``series`` before occurrence ``at`` and move ``at`` and its followers to a new series.

    Protected occurrences (``at`` included) are never rewritten and stay in the
    old series. Each rewritten occurrence's new ``recurring_pattern`` goes
    through the write path (checked against the version just locked, logged).
    Flushes, does not commit.
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
    for member in series_members(series, lock=True):
        if is_protected(member, now):
            continue
        member_pattern = dict(member.recurring_pattern or {})
        rid = member_pattern.get("recurrence_id")
        if rid is not None and recurrence.parse_recurrence_id(rid) >= original:
            member_pattern.update(series_id=new.id, rrule=new.rrule)
        else:
            member_pattern.update(rrule=series.rrule)
        write_session(member.id, member.updated_at, {"recurring_pattern": member_pattern}, user.id)
    db.session.flush()
    return new
