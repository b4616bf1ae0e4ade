"""In-app reminders: "your session starts soon" notices, computed on the server.

A session is due from ``alarm_before_minutes`` before its start until it
begins, when ``notification_enabled`` and it is neither cancelled nor
completed. Tutors are reminded of the sessions they teach, students of
theirs, parents of their children's. Coordinators oversee every session and
get no reminders (they would be noise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dashboard.choices import ROLE_COORDINATOR
from dashboard.models import Session
from dashboard.permissions import Person
from dashboard.services.feeds import visible_to
from dashboard.services.session_views import SessionView, fetch_session_views, session_view_select
from dashboard.timezones import schedule_zone

#: alarm_before_minutes is at most a week, so due sessions start within 8 days.
_LOOKAHEAD_DAYS = 8


@dataclass(frozen=True)
class Reminder:
    """A due session and when it starts."""

    session: SessionView
    starts: datetime

    def minutes_left(self, now: datetime) -> int:
        """Whole minutes until the start (at least 0)."""
        return max(int((self.starts - now).total_seconds() // 60), 0)


def due_reminders(user: Person, now: datetime) -> list[Reminder]:
    """Sessions of ``user`` whose reminder window contains ``now`` (aware), soonest first."""
    if user.role == ROLE_COORDINATOR:
        return []
    zone = schedule_zone()
    today = now.astimezone(zone).date()
    statement = visible_to(user, session_view_select()).where(
        Session.notification_enabled.is_(True),
        Session.status.not_in(("cancelled", "completed")),
        Session.session_date.between(
            today - timedelta(days=1), today + timedelta(days=_LOOKAHEAD_DAYS)
        ),
    )
    due = []
    for view in fetch_session_views(statement.order_by(Session.session_date, Session.start_time)):
        starts = datetime.combine(view.session_date, view.start_time, tzinfo=zone)
        if starts - timedelta(minutes=view.alarm_before_minutes or 0) <= now < starts:
            due.append(Reminder(view, starts))
    return due
