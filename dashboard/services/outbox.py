"""What the coordinators see of the email queue: emails waiting, being retried, or failed.

Read from procrastinate's ``procrastinate_jobs`` table (the ``send_email``
jobs); sent emails leave the list. One query for the rows, one for the counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from dashboard.extensions import db

#: How many rows the page shows (the newest problems first).
OUTBOX_LIMIT = 100


@dataclass(frozen=True)
class OutboxEmail:
    """One queued email job."""

    job_id: int
    kind: str
    status: str  # todo (waiting or waiting to retry), doing, failed
    attempts: int
    scheduled_at: datetime | None
    recipient_name: str | None
    recipient_email: str | None

    @property
    def retrying(self) -> bool:
        """A send that failed at least once and will be tried again."""
        return self.status == "todo" and self.attempts > 0


_ROWS = sa.text(
    """
    SELECT j.id, j.args->>'kind', j.status::text, j.attempts, j.scheduled_at,
           u.full_name, u.email
      FROM procrastinate_jobs j
      LEFT JOIN users u ON u.id = CASE WHEN j.args->>'user_id' ~ '^[0-9]{1,9}$'
                                       THEN (j.args->>'user_id')::int END
     WHERE j.task_name = 'send_email' AND j.status IN ('todo', 'doing', 'failed')
     ORDER BY j.status = 'failed' DESC, j.attempts DESC, j.id DESC
     LIMIT :limit
    """
)

_COUNTS = sa.text(
    """
    SELECT j.status::text, count(*) FROM procrastinate_jobs j
     WHERE j.task_name = 'send_email' GROUP BY j.status
    """
)


def outbox_emails(limit: int = OUTBOX_LIMIT) -> list[OutboxEmail]:
    """Failed emails first, then those being retried, then those waiting."""
    return [OutboxEmail(*row) for row in db.session.execute(_ROWS, {"limit": limit})]


def outbox_counts() -> dict[str, int]:
    """How many email jobs are in each state (``succeeded`` included)."""
    return {status: count for status, count in db.session.execute(_COUNTS)}


#: procrastinate's job ids are ``bigint``.
_MAX_JOB_ID = 2**63 - 1

_RETRY_FAILED = sa.text(
    """
    SELECT procrastinate_retry_job_v2(j.id, now(), NULL, NULL, NULL)
      FROM procrastinate_jobs j
     WHERE j.id = :job_id AND j.status = 'failed' AND j.task_name = 'send_email'
    """
)


def retry_failed_email(job_id: int) -> bool:
    """Give a failed email one more attempt now; False if there is no such failed email.

    Through procrastinate's own retry function (the job is queued again, its
    attempts counted on). The caller commits.
    """
    if not 0 < job_id <= _MAX_JOB_ID:
        return False
    return len(db.session.execute(_RETRY_FAILED, {"job_id": job_id}).all()) == 1
