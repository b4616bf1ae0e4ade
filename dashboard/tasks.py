"""The worker's tasks (``flask --app wsgi worker`` runs them).

* ``send_email`` sends one email (``dashboard.services.email_messages.deliver``).
  A failure (SMTP down, refused, timed out) is retried with exponential
  backoff — 4 s, 16 s, 64 s, … 8 retries spanning about a day — and then
  stays ``failed``, listed for coordinators at ``/admin/outbox``.
* ``queue_due_reminders`` runs every minute (a procrastinate periodic task)
  and queues the session reminders that are due.
* ``remove_old_jobs`` runs nightly and forgets jobs finished two weeks ago.

Each task runs inside the Flask app the worker was started with (handed in
through the job context), with its own database session.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import procrastinate
from flask import Flask

from dashboard.extensions import db
from dashboard.jobs import EMAIL_QUEUE, queue

logger = logging.getLogger(__name__)

#: 4**1, 4**2, … 4**8 seconds before the retries: 9 attempts over about a day.
EMAIL_RETRY = procrastinate.RetryStrategy(max_attempts=8, exponential_wait=4)


@contextmanager
def _app_context(context: procrastinate.JobContext) -> Iterator[Flask]:
    app: Flask = context.additional_context["flask_app"]
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()


@queue.task(name="send_email", queue=EMAIL_QUEUE, retry=EMAIL_RETRY, pass_context=True)
def send_email(
    context: procrastinate.JobContext,
    kind: str,
    user_id: int,
    token_id: int | None = None,
    session_id: int | None = None,
) -> None:
    """Send one email of ``kind`` to ``user_id`` (raises on failure, so it is retried).

    A failure's reason is recorded for the outbox page before it is re-raised.
    """
    from dashboard.services.email_messages import deliver

    with _app_context(context):
        try:
            deliver(kind, user_id, token_id=token_id, session_id=session_id)
        except Exception as error:
            _remember_failure(context, error)
            raise


def _remember_failure(context: procrastinate.JobContext, error: Exception) -> None:
    """Record why this attempt failed (``email_send_errors``); never hide the failure itself."""
    from dashboard.services.outbox import record_send_error

    job = context.job
    try:
        db.session.rollback()
        record_send_error(job.id, job.attempts + 1, error)
        db.session.commit()
    except Exception:  # e.g. the database is down too: the retry matters more than the note
        db.session.rollback()
        logger.warning("could not record why email job %s failed", job.id, exc_info=True)


@queue.periodic(cron="* * * * *", periodic_id="session-reminders")
@queue.task(name="queue_due_reminders", queue=EMAIL_QUEUE, pass_context=True)
def queue_due_reminders(context: procrastinate.JobContext, timestamp: int) -> None:
    """Queue the session reminders due at the minute ``timestamp`` (seconds since the epoch)."""
    from dashboard.services.notifications import queue_due_reminders as queue_due

    with _app_context(context):
        queue_due(datetime.fromtimestamp(timestamp, UTC))
        db.session.commit()


#: Finished jobs are forgotten after two weeks (the sweep alone adds 1,440 a day);
#: what was sent stays recorded in ``user_tokens`` and ``session_reminders_sent``.
KEEP_FINISHED_JOBS_HOURS = 14 * 24


@queue.periodic(cron="17 3 * * *", periodic_id="remove-old-jobs")
@queue.task(name="remove_old_jobs", queue=EMAIL_QUEUE, pass_context=True)
async def remove_old_jobs(context: procrastinate.JobContext, timestamp: int) -> None:
    """Delete jobs that succeeded more than two weeks ago (failed ones stay for the outbox)."""
    await context.app.job_manager.delete_old_jobs(nb_hours=KEEP_FINISHED_JOBS_HOURS)
