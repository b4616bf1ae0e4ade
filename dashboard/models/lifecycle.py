"""A lesson's life after scheduling: attendance taken, cancellations, notes, reviews.

None of this lives on ``sessions`` (its 27 columns are the spec's contract).
The seed's ``student_review_id``/``tutor_review_id``/``parent_review_id`` carry
no foreign key, so the app keeps them pointing at ``session_reviews`` itself
(``verify-schema`` reports any that do not).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.choices import (
    CANCELLATION_REASON_OTHER,
    CANCELLATION_REASON_TEXT_MAX,
    CANCELLATION_REASONS,
    REVIEW_AUTHOR_ROLES,
    REVIEW_COMMENT_MAX,
)
from dashboard.extensions import db

NOW = sa.text("now()")


def _in_list(column: str, values: tuple[str, ...]) -> str:
    """SQL for ``column IN (...)`` over a tuple from ``dashboard.choices``."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class SessionAttendance(db.Model):
    """Attendance has been taken for a session: who took it and when.

    The attendance columns on ``sessions`` keep the seed's defaults ("present"),
    so without this row nobody can tell a real "present" from an untouched one.
    """

    __tablename__ = "session_attendance"
    __table_args__ = {"comment": "When and by whom a session's attendance was actually taken."}

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        primary_key=True,
        comment="The session whose attendance was taken",
    )
    taken_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), comment="Who last recorded attendance"
    )
    taken_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True),
        nullable=False,
        server_default=NOW,
        comment="When attendance was last recorded",
    )


class SessionCancellation(db.Model):
    """One cancellation of a session, with its reason; a restore closes it.

    A cancelled session's current cancellation is its latest row with
    ``restored_at IS NULL``; restored rows stay as history.
    """

    __tablename__ = "session_cancellations"
    __table_args__ = (
        sa.Index("idx_session_cancellations_session", "session_id"),
        sa.CheckConstraint(
            _in_list("reason", CANCELLATION_REASONS), name="ck_session_cancellations_reason"
        ),
        sa.CheckConstraint(
            f"reason <> '{CANCELLATION_REASON_OTHER}' OR reason_text IS NOT NULL",
            name="ck_session_cancellations_other_text",
        ),
        sa.CheckConstraint(
            f"char_length(reason_text) <= {CANCELLATION_REASON_TEXT_MAX}",
            name="ck_session_cancellations_text_length",
        ),
        {"comment": "Why, when and by whom sessions were cancelled (and restored)."},
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        comment="The cancelled session",
    )
    reason: Mapped[str] = mapped_column(
        sa.String(30), nullable=False, comment="One of choices.CANCELLATION_REASONS"
    )
    reason_text: Mapped[str | None] = mapped_column(
        sa.Text, comment="Free text; required when reason is 'other'"
    )
    is_late: Mapped[bool] = mapped_column(
        sa.Boolean, nullable=False, comment="Cancelled less than 24 hours before the start"
    )
    cancelled_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), comment="Who cancelled"
    )
    cancelled_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, server_default=NOW, comment="When"
    )
    restored_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime(timezone=True), comment="When the session was restored; NULL while cancelled"
    )
    restored_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), comment="Who restored it"
    )


class SessionReview(db.Model):
    """A student's, tutor's or parent's rating of a completed session.

    ``sessions.<role>_review_id`` points at the row for its role (one per role).
    """

    __tablename__ = "session_reviews"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "author_role", name="uq_session_reviews_session_role"),
        sa.CheckConstraint(
            _in_list("author_role", REVIEW_AUTHOR_ROLES), name="ck_session_reviews_author_role"
        ),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_session_reviews_rating"),
        sa.CheckConstraint(
            f"char_length(comment) <= {REVIEW_COMMENT_MAX}", name="ck_session_reviews_comment"
        ),
        {"comment": "Reviews behind sessions.student/tutor/parent_review_id."},
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        comment="The reviewed session",
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), comment="Who wrote it"
    )
    author_role: Mapped[str] = mapped_column(
        sa.String(10), nullable=False, comment="student, tutor or parent"
    )
    rating: Mapped[int] = mapped_column(sa.SmallInteger, nullable=False, comment="1 to 5")
    comment: Mapped[str | None] = mapped_column(sa.Text, comment="Up to 2,000 characters")
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, server_default=NOW, comment="When written"
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, server_default=NOW, comment="Last edited"
    )


class SessionNote(db.Model):
    """A lesson's notes: a public one for the student and parents, a private one for staff."""

    __tablename__ = "session_notes"
    __table_args__ = {"comment": "Lesson notes: public (families) and private (tutor, office)."}

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        primary_key=True,
        comment="The session the notes are about",
    )
    public_note: Mapped[str | None] = mapped_column(
        sa.Text, comment="Seen by the student and their parents"
    )
    private_note: Mapped[str | None] = mapped_column(
        sa.Text, comment="Seen by the tutor and coordinators only"
    )
    updated_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), comment="Who last wrote the notes"
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, server_default=NOW, comment="Last written"
    )
