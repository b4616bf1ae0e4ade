"""Session emails: reminders before a session starts, notices when one is cancelled or moved.

Both only *queue* emails (``dashboard.jobs.defer``), in the caller's
transaction; the worker sends them (``dashboard.services.email_messages``).

* ``queue_session_notice(session_id, kind)`` is called by the scheduling write
  path when a session is cancelled or moved: one email to each active person
  of the session (its tutor, its student and the student's linked parents),
  if the session (at its new time) has not started yet. Notices go whatever
  the reminder preference: they change plans.
* ``queue_due_reminders(now)`` is the worker's periodic sweep (every minute).
  A session with ``notification_enabled`` is due from ``alarm_before_minutes``
  before its start until it starts; the sweep claims each due start in
  ``session_reminders_sent`` (``INSERT … ON CONFLICT DO NOTHING``) and queues
  the emails in the same transaction, so however many sweeps or workers run,
  each start is reminded once. Reminders go to the people above who have
  ``users.email_reminders`` on. Coordinators get none.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from dashboard.choices import EMAIL_REMINDER, SESSION_NOTICES
from dashboard.extensions import db
from dashboard.jobs import defer
from dashboard.timezones import schedule_zone

#: alarm_before_minutes is at most a week, so due sessions start within 8 days.
_LOOKAHEAD_DAYS = 8

_PEOPLE_OF_SESSION = """
    SELECT u.id
      FROM sessions s
      JOIN enrolled_courses ec ON ec.id = s.enrolled_courses_id
      JOIN users u ON u.id = ec.tutor_id OR u.id = ec.student_id
           OR u.id IN (SELECT ps.parent_id FROM parent_students ps
                        WHERE ps.student_id = ec.student_id)
     WHERE s.id = :session_id AND u.is_active {reminders_only}
     ORDER BY u.id
"""


def session_people(session_id: int, *, reminders_only: bool = False) -> list[int]:
    """Active tutor, student and linked parents of a session (those wanting reminders)."""
    wanted = "AND u.email_reminders" if reminders_only else ""
    sql = _PEOPLE_OF_SESSION.format(reminders_only=wanted)
    return list(db.session.scalars(sa.text(sql), {"session_id": session_id}))


def queue_session_notice(session_id: int, kind: str) -> None:
    """Queue a "cancelled" or "moved" email to each person of the session; the caller commits."""
    if kind not in SESSION_NOTICES:
        raise ValueError(f"unknown session notice {kind!r}; one of {SESSION_NOTICES}")
    if not _starts_in_future(session_id):
        return  # a change to a session already begun or past tells nobody anything
    for user_id in session_people(session_id):
        defer("send_email", kind=kind, user_id=user_id, session_id=session_id)


def _starts_in_future(session_id: int) -> bool:
    return bool(
        db.session.scalar(
            sa.text(
                "SELECT (session_date + start_time) AT TIME ZONE :zone > now() "
                "FROM sessions WHERE id = :session_id"
            ),
            {"zone": str(schedule_zone()), "session_id": session_id},
        )
    )


_CLAIM_DUE = sa.text(
    """
    INSERT INTO session_reminders_sent (session_id, starts_at, recipients)
    SELECT due.id, due.starts_at, 0
      FROM (SELECT s.id,
                   (s.session_date + s.start_time) AT TIME ZONE :zone AS starts_at,
                   COALESCE(s.alarm_before_minutes, 0) AS before_minutes
              FROM sessions s
             WHERE s.notification_enabled
               AND s.status NOT IN ('cancelled', 'completed')
               AND s.session_date BETWEEN :first_day AND :last_day) AS due
     WHERE due.starts_at - make_interval(mins => due.before_minutes) <= :now
       AND :now < due.starts_at
    ON CONFLICT (session_id, starts_at) DO NOTHING
    RETURNING session_id, starts_at
    """
)


def queue_due_reminders(now: datetime) -> int:
    """Queue the reminders due at ``now`` (aware) not queued before; returns how many emails.

    The caller commits: the claims and the queued emails land together.
    """
    zone = schedule_zone()
    today = now.astimezone(zone).date()
    claimed = db.session.execute(
        _CLAIM_DUE,
        {
            "zone": str(zone),
            "first_day": today - timedelta(days=1),
            "last_day": today + timedelta(days=_LOOKAHEAD_DAYS),
            "now": now,
        },
    ).all()
    queued = 0
    for session_id, starts_at in claimed:
        people = session_people(session_id, reminders_only=True)
        for user_id in people:
            defer("send_email", kind=EMAIL_REMINDER, user_id=user_id, session_id=session_id)
        db.session.execute(
            sa.text(
                "UPDATE session_reminders_sent SET recipients = :n "
                "WHERE session_id = :session_id AND starts_at = :starts_at"
            ),
            {"n": len(people), "session_id": session_id, "starts_at": starts_at},
        )
        queued += len(people)
    return queued
