"""Email bookkeeping: one-time account links, and which session reminders went out.

The messages themselves are jobs in procrastinate's tables (``procrastinate_jobs``,
created by migration 0006); these are the app's own records next to them.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.choices import TOKEN_PURPOSES
from dashboard.extensions import db

_PURPOSES_SQL = ", ".join(f"'{purpose}'" for purpose in TOKEN_PURPOSES)


class UserToken(db.Model):
    """A one-time link (invitation or password reset) sent to a person by email.

    Only the SHA-256 of the secret is kept. It is NULL while the email waits in
    the queue: the worker makes the secret when it sends the message, so the
    clear token exists in the email alone (never in the database, nor in the
    job's arguments).
    """

    __tablename__ = "user_tokens"
    __table_args__ = (
        sa.CheckConstraint(f"purpose IN ({_PURPOSES_SQL})", name="ck_user_tokens_purpose"),
        sa.Index("idx_user_tokens_user", "user_id", "purpose"),
        {"comment": "One-time links sent by email: invitations and password resets."},
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        comment="Whose account the link opens",
    )
    purpose: Mapped[str] = mapped_column(
        sa.String(20), nullable=False, comment="invitation or password-reset"
    )
    token_hash: Mapped[str | None] = mapped_column(
        sa.String(64),
        unique=True,
        comment="SHA-256 (hex) of the secret in the link; NULL until the email is sent",
    )
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True),
        nullable=False,
        server_default=sa.text("CURRENT_TIMESTAMP"),
        comment="When the link was asked for",
    )
    sent_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime(timezone=True), comment="When the worker sent the email"
    )
    expires_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, comment="The link works until then"
    )
    used_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime(timezone=True), comment="When the link was used (it works once)"
    )


class ReminderSent(db.Model):
    """A session reminder that has gone to the queue: the periodic sweep sends each once.

    Keyed by the start it was for, so a session moved to a new time is reminded
    again for the new time, and two sweeps (or two workers) never send twice.
    """

    __tablename__ = "session_reminders_sent"
    __table_args__ = {"comment": "Session reminders already queued, one row per session start."}

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True, comment="The session"
    )
    starts_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), primary_key=True, comment="The start the reminder was for"
    )
    queued_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True),
        nullable=False,
        server_default=sa.text("CURRENT_TIMESTAMP"),
        comment="When the sweep queued the emails",
    )
    recipients: Mapped[int] = mapped_column(
        sa.Integer, nullable=False, comment="How many emails were queued"
    )


#: The longest error text kept for one email (the page shows the start of it).
SEND_ERROR_MAX = 2000


class EmailSendError(db.Model):
    """Why the last attempt at sending an email failed, as the worker saw it.

    procrastinate keeps a job's status and attempt count but not the exception,
    so the ``send_email`` task writes it here (one row per job, replaced at each
    failure) for the outbox page. The foreign key to ``procrastinate_jobs``
    (ON DELETE CASCADE: forgetting a job forgets its error) is created by
    migration 0009 only, since procrastinate's tables are not among our models.
    """

    __tablename__ = "email_send_errors"
    __table_args__ = (
        sa.CheckConstraint(
            f"char_length(error) <= {SEND_ERROR_MAX}", name="ck_email_send_errors_length"
        ),
        {"comment": "The last send error of each email job (procrastinate keeps none)."},
    )

    job_id: Mapped[int] = mapped_column(
        sa.BigInteger,
        primary_key=True,
        autoincrement=False,
        comment="The send_email job (procrastinate_jobs.id)",
    )
    attempt: Mapped[int] = mapped_column(
        sa.Integer, nullable=False, comment="Which attempt failed (1 = the first)"
    )
    error: Mapped[str] = mapped_column(
        sa.Text, nullable=False, comment="What went wrong, e.g. the mail server's answer"
    )
    failed_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True),
        nullable=False,
        server_default=sa.text("CURRENT_TIMESTAMP"),
        comment="When that attempt failed",
    )
