"""What the coordinators see of the email queue: emails waiting, being retried, or failed.

Read from procrastinate's ``procrastinate_jobs`` table (the ``send_email``
jobs) with the last error of each (``email_send_errors``: procrastinate keeps
none, so the task records it, ``record_send_error``); sent emails leave the
list. One query for the rows, one for the counts.
"""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from dashboard.extensions import db
from dashboard.models import EmailSendError
from dashboard.models.email import SEND_ERROR_MAX

#: How many rows the page shows (the newest problems first).
OUTBOX_LIMIT = 100
#: How much of an error the page shows; the rest is behind "more".
ERROR_SHOWN = 240
#: What PostgreSQL text cannot hold, and runs of whitespace (a reply's line breaks).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


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
    error: str | None = None  # why the last attempt failed (None: none failed, or not known)
    failed_at: datetime | None = None

    @property
    def retrying(self) -> bool:
        """A send that failed at least once and will be tried again."""
        return self.status == "todo" and self.attempts > 0

    @property
    def error_is_long(self) -> bool:
        """True when the page shows only the start of the error."""
        return self.error is not None and len(self.error) > ERROR_SHOWN

    @property
    def error_start(self) -> str | None:
        """The first ``ERROR_SHOWN`` characters of the error, cut at a word, with "…"."""
        if not self.error_is_long:
            return self.error
        cut = self.error[:ERROR_SHOWN].rsplit(" ", 1)[0]
        return cut.rstrip(" ,;:") + "…"


_ROWS = sa.text(
    """
    SELECT j.id, j.args->>'kind', j.status::text, j.attempts, j.scheduled_at,
           u.full_name, u.email, e.error, e.failed_at
      FROM procrastinate_jobs j
      LEFT JOIN users u ON u.id = CASE WHEN j.args->>'user_id' ~ '^[0-9]{1,9}$'
                                       THEN (j.args->>'user_id')::int END
      LEFT JOIN email_send_errors e ON e.job_id = j.id
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


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {text}"


def describe_send_error(error: BaseException) -> str:
    """One line saying why a send failed, for a coordinator: the mail server's own answer.

    SMTP refusals give the server's code and text (per refused recipient);
    anything else (a connection refused, a timeout) its type and message.
    Whitespace is folded, characters PostgreSQL cannot store are dropped, and
    the text is cut to ``SEND_ERROR_MAX`` characters.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{address}: {_reply(code, message)}"
            for address, (code, message) in error.recipients.items()
        )
        text = f"The mail server refused the recipient ({refused})"
    elif isinstance(error, smtplib.SMTPSenderRefused):
        text = f"The mail server refused the sender {error.sender}: "
        text += _reply(error.smtp_code, error.smtp_error)
    elif isinstance(error, smtplib.SMTPResponseException):
        text = "The mail server answered " + _reply(error.smtp_code, error.smtp_error)
    else:
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    text = _SPACES.sub(" ", _UNSTORABLE.sub("", text)).strip()
    return text[: SEND_ERROR_MAX - 1] + "…" if len(text) > SEND_ERROR_MAX else text


def record_send_error(job_id: int, attempt: int, error: BaseException) -> None:
    """Keep why attempt ``attempt`` of email job ``job_id`` failed (replacing an older error).

    Called by the ``send_email`` task before it re-raises (procrastinate then
    schedules the retry). The caller commits.
    """
    statement = insert(EmailSendError).values(
        job_id=job_id, attempt=attempt, error=describe_send_error(error)
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[EmailSendError.job_id],
            set_={
                EmailSendError.attempt: statement.excluded.attempt,
                EmailSendError.error: statement.excluded.error,
                EmailSendError.failed_at: statement.excluded.failed_at,
            },
        )
    )
