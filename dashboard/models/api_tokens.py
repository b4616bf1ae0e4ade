"""Personal access tokens for the JSON API (``/api/v1``), made at ``/account/tokens``."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.extensions import db


class ApiToken(db.Model):
    """One token: who it acts for, what it may do, until when.

    Only a SHA-256 digest of the secret is kept (``token_hash``): the secret is
    shown once when the token is made and cannot be recovered from the table.
    ``token_prefix`` (the first characters of the secret) lets people tell
    their tokens apart in the list without it being usable.
    """

    __tablename__ = "api_tokens"
    __table_args__ = (
        sa.Index("uq_api_tokens_token_hash", "token_hash", unique=True),
        sa.Index("idx_api_tokens_user", "user_id"),
        sa.CheckConstraint("scope IN ('read', 'write')", name="ck_api_tokens_scope"),
        {"comment": "Personal access tokens of the JSON API (only a digest of each secret)."},
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        comment="The person the token acts for",
    )
    name: Mapped[str] = mapped_column(
        sa.String(100), nullable=False, comment="What the owner called it"
    )
    scope: Mapped[str] = mapped_column(
        sa.String(10), nullable=False, comment="read (GET only) or write (everything the user may)"
    )
    token_hash: Mapped[str] = mapped_column(
        sa.String(64), nullable=False, comment="SHA-256 hex digest of the secret"
    )
    token_prefix: Mapped[str] = mapped_column(
        sa.String(16), nullable=False, comment="First characters of the secret, for the list"
    )
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True),
        nullable=False,
        server_default=sa.text("CURRENT_TIMESTAMP"),
        comment="When it was made",
    )
    expires_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, comment="It stops working at this instant"
    )
    last_used_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime(timezone=True), comment="Last request made with it (to the minute)"
    )
    revoked_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime(timezone=True), comment="When its owner revoked it (NULL: not revoked)"
    )

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.scope} user={self.user_id}>"
