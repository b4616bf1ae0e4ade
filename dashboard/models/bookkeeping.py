"""Tables that only migrations use."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.extensions import db


class SessionLegacyEnrollment(db.Model):
    """Each session's ``course_enrollment_id`` before migration 0002.

    Written by 0002's upgrade and read by its downgrade, so the spec's rollback
    restores the exact legacy ids. Application code never touches it.
    """

    __tablename__ = "sessions_legacy_enrollment"
    __table_args__ = {"comment": "Bookkeeping of migration 0002 so its downgrade is lossless."}

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True, comment="The session"
    )
    enrolled_students_id: Mapped[int] = mapped_column(
        sa.Integer,
        nullable=False,
        comment="Its course_enrollment_id before 0002, restored on downgrade",
    )
