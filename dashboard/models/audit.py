"""The audit log of inline edits: who changed which field of a session, from what to what."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.extensions import db


class SessionChange(db.Model):
    """One field of one session changed by one request (written in the change's transaction).

    Its own table because ``sessions`` must stay exactly the spec's 27 columns.
    """

    __tablename__ = "session_changes"
    __table_args__ = (
        sa.Index("idx_session_changes_session", "session_id", "changed_at"),
        sa.Index("idx_session_changes_user", "user_id"),
        {"comment": "Audit log of changes made to sessions through the dashboard."},
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        comment="The session changed; its history goes with it",
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"),
        comment="Who made the change; NULL once that account is deleted",
    )
    field: Mapped[str] = mapped_column(
        sa.String(50), nullable=False, comment="Column of sessions that changed"
    )
    old_value: Mapped[str | None] = mapped_column(sa.Text, comment="Value before, as text")
    new_value: Mapped[str | None] = mapped_column(sa.Text, comment="Value after, as text")
    changed_at: Mapped[datetime] = mapped_column(
        sa.DateTime,
        nullable=False,
        server_default=sa.text("CURRENT_TIMESTAMP"),
        comment="When; equals the session's new updated_at",
    )

    def __repr__(self) -> str:
        change = f"{self.old_value!r}→{self.new_value!r}"
        return f"<SessionChange {self.session_id}.{self.field} {change}>"
