"""Calendar feeds (iCalendar, RFC 5545) and the secret tokens in their URLs.

* ``GET /feeds/<token>.ics`` needs no sign-in: the token is the secret. One
  token per user (``feed_tokens``); regenerating replaces it, so the old URL
  stops working at once.
* What a feed holds: tutors their sessions, students theirs, parents their
  children's, coordinators every session (a centre-wide calendar). Only
  sessions from ``FEED_HISTORY_DAYS`` ago onwards, so feeds stay small.
* Each session is one VEVENT with the stable UID ``session-<id>@tutoring-dashboard``;
  DTSTART/DTEND carry the schedule zone's TZID and the calendar has its
  VTIMEZONE, written with yearly RRULEs for every year the sessions fall in
  (``services/vtimezone.py``: ical.js misreads icalendar's own RDATE lists).
  Cancelled sessions stay in the feed with ``STATUS:CANCELLED`` so calendars
  remove them. A VALARM fires ``alarm_before_minutes`` before the
  start when ``alarm_enabled``.
* SEQUENCE comes from ``session_feed_sequences``: whenever a feed is built
  and a session's ``updated_at`` differs from the one seen last time, its
  sequence goes up by one (an atomic upsert). Every change bumps
  ``updated_at`` (DESIGN.md), so every change a calendar can see raises the
  SEQUENCE, whichever part of the app made it — no writer has to know about feeds.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from icalendar import Alarm, Calendar, Event

from dashboard.extensions import db
from dashboard.models import FeedToken, Session, User
from dashboard.permissions import Person, reach_of
from dashboard.services.lesson_record import CancellationView, current_cancellations
from dashboard.services.session_views import (
    SessionView,
    fetch_session_views,
    session_view_select,
    student_column,
    tutor_column,
)
from dashboard.services.vtimezone import vtimezone
from dashboard.timezones import end_date, schedule_zone

FEED_HISTORY_DAYS = 90
UID_DOMAIN = "tutoring-dashboard"


# --- tokens ------------------------------------------------------------------


def feed_token(user: User) -> str:
    """The user's feed token, created on first use; commits when it creates one."""
    row = db.session.get(FeedToken, user.id)
    if row is None:
        row = FeedToken(user_id=user.id, token=secrets.token_urlsafe(32))
        db.session.add(row)
        db.session.commit()
    return row.token


def regenerate_feed_token(user: User) -> str:
    """Replace the token (the old URL stops working); commits."""
    row = db.session.get(FeedToken, user.id)
    token = secrets.token_urlsafe(32)
    if row is None:
        db.session.add(FeedToken(user_id=user.id, token=token))
    else:
        row.token = token
        row.created_at = sa.func.now()
    db.session.commit()
    return token


def user_for_token(token: str) -> User | None:
    """The active owner of a feed token, or None."""
    user = db.session.scalar(
        sa.select(User)
        .join(FeedToken, FeedToken.user_id == User.id)
        .where(FeedToken.token == token)
    )
    return user if user is not None and user.is_active else None


# --- which sessions ----------------------------------------------------------


def visible_to(user: Person, statement: sa.Select) -> sa.Select:
    """Restrict a ``session_view_select`` to the sessions ``user`` may see (``permissions``)."""
    reach = reach_of(user)
    if reach.everything:
        return statement
    return statement.where(reach.where(tutor_column(), student_column()))


def feed_sessions(user: Person, today: date) -> list[SessionView]:
    """The sessions in ``user``'s feed, earliest first."""
    since = today - timedelta(days=FEED_HISTORY_DAYS)
    statement = visible_to(user, session_view_select()).where(Session.session_date >= since)
    return fetch_session_views(statement.order_by(Session.session_date, Session.start_time))


def sequences(session_ids: Iterable[int]) -> dict[int, int]:
    """SEQUENCE of each session, bumped for those changed since last seen; commits."""
    ids = sorted(set(session_ids))
    if not ids:
        return {}
    db.session.execute(
        sa.text(
            """
            INSERT INTO session_feed_sequences (session_id, sequence, seen_updated_at)
            SELECT id, 0, updated_at FROM sessions WHERE id = ANY(:ids)
            ON CONFLICT (session_id) DO UPDATE
               SET sequence = session_feed_sequences.sequence + 1,
                   seen_updated_at = EXCLUDED.seen_updated_at
             WHERE session_feed_sequences.seen_updated_at
                   IS DISTINCT FROM EXCLUDED.seen_updated_at
            """
        ),
        {"ids": ids},
    )
    found = db.session.execute(
        sa.text(
            "SELECT session_id, sequence FROM session_feed_sequences WHERE session_id = ANY(:ids)"
        ),
        {"ids": ids},
    )
    result = {session_id: sequence for session_id, sequence in found}
    db.session.commit()
    return result


# --- iCalendar ---------------------------------------------------------------


def session_uid(session_id: int) -> str:
    """The stable UID of a session's event."""
    return f"session-{session_id}@{UID_DOMAIN}"


def event_time(day: date, at: time) -> datetime:
    """A stored wall-clock time for DTSTART/DTEND: in the schedule zone, or UTC if unclear.

    A time in the hour a DST change skips or repeats means one instant to us
    (zoneinfo's ``fold=0``, which is RFC 5545's rule too), but calendar clients
    disagree on it (ical.js picks the other one). Such times are written in
    UTC, which every client reads the same way.
    """
    local = datetime.combine(day, at, tzinfo=schedule_zone())
    if local.utcoffset() != local.replace(fold=1).utcoffset():
        return local.astimezone(UTC)
    return local


def _event(
    view: SessionView, sequence: int, stamp: datetime, cancellation: CancellationView | None = None
) -> Event:
    event = Event()
    event.add("uid", session_uid(view.id))
    event.add("dtstamp", stamp)
    event.add("dtstart", event_time(view.session_date, view.start_time))
    end_day = end_date(view.session_date, view.start_time, view.end_time)  # 22:00–01:00
    event.add("dtend", event_time(end_day, view.end_time))
    event.add("sequence", sequence)
    event.add("summary", f"{view.course_title} — {view.student_name} with {view.tutor_name}")
    event.add("status", "CANCELLED" if view.status == "cancelled" else "CONFIRMED")
    if view.location:
        event.add("location", view.location)
    elif view.whiteboard_url:
        event.add("location", view.whiteboard_url)
    if view.whiteboard_url:
        event.add("url", view.whiteboard_url)
    description = []
    if cancellation is not None:
        late = " (late cancellation)" if cancellation.is_late else ""
        description.append(f"Cancelled: {cancellation.label}{late}")
    if view.topics:
        description.append("Topics: " + "; ".join(str(t) for t in view.topics))
    if description:
        event.add("description", "\n".join(description))
    if view.alarm_enabled and view.status != "cancelled":
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"{view.course_title} starts soon")
        alarm.add("trigger", timedelta(minutes=-(view.alarm_before_minutes or 0)))
        event.add_component(alarm)
    return event


def build_calendar(views: list[SessionView], name: str) -> bytes:
    """An iCalendar document with one VEVENT per session and the needed VTIMEZONE."""
    calendar = Calendar()
    calendar.add("prodid", "-//Tutoring dashboard//Sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = datetime.now(UTC).replace(microsecond=0)
    numbers = sequences(view.id for view in views)
    reasons = current_cancellations(view.id for view in views if view.is_cancelled)
    if views:
        # Before the events that use it, valid for every year they fall in.
        first = min(view.session_date for view in views)
        last = max(end_date(view.session_date, view.start_time, view.end_time) for view in views)
        calendar.add_component(vtimezone(schedule_zone().key, first, last))
    for view in views:
        calendar.add_component(_event(view, numbers.get(view.id, 0), stamp, reasons.get(view.id)))
    return calendar.to_ical()


def user_feed(user: User, now: datetime) -> bytes:
    """The whole feed of ``user``."""
    today = now.astimezone(schedule_zone()).date()
    return build_calendar(feed_sessions(user, today), f"Tutoring sessions — {user.full_name}")


def single_session(view: SessionView) -> bytes:
    """A one-event calendar for downloading one session."""
    return build_calendar([view], f"{view.course_title} session")
