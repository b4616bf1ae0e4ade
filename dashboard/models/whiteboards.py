"""Online whiteboards a session can link to."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.extensions import db


class WhiteboardSession(db.Model):
    """A named online whiteboard (board URL) owned by a tutor."""

    __tablename__ = "whiteboard_sessions"
    __table_args__ = (
        sa.Index("idx_whiteboard_sessions_owner", "owner_id"),
        {"comment": "Online whiteboards; sessions.whiteboard_id points here (ON DELETE SET NULL)."},
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    session_name: Mapped[str] = mapped_column(
        sa.String(200), nullable=False, comment="Name shown when linking the board"
    )
    board_url: Mapped[str] = mapped_column(
        sa.String(2048), nullable=False, comment="http(s) address of the board"
    )
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), comment="Tutor who owns the board"
    )
    created_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime, server_default=sa.text("CURRENT_TIMESTAMP"), comment="When the row was made"
    )
    updated_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime, server_default=sa.text("CURRENT_TIMESTAMP"), comment="Last change"
    )
