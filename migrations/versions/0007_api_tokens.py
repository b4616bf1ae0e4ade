"""Personal access tokens of the JSON API (``api_tokens``).

A new table only; ``sessions`` is untouched (its structure is the spec's contract).

Revision ID: 0007_api_tokens
Revises: 0006_email (chained after main's latest head)
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_api_tokens"
down_revision = "0006_email"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            comment="The person the token acts for",
        ),
        sa.Column("name", sa.String(100), nullable=False, comment="What the owner called it"),
        sa.Column(
            "scope",
            sa.String(10),
            nullable=False,
            comment="read (GET only) or write (everything the user may)",
        ),
        sa.Column(
            "token_hash", sa.String(64), nullable=False, comment="SHA-256 hex digest of the secret"
        ),
        sa.Column(
            "token_prefix",
            sa.String(16),
            nullable=False,
            comment="First characters of the secret, for the list",
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
            comment="When it was made",
        ),
        sa.Column(
            "expires_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="It stops working at this instant",
        ),
        sa.Column(
            "last_used_at",
            sa.DateTime(timezone=True),
            comment="Last request made with it (to the minute)",
        ),
        sa.Column(
            "revoked_at",
            sa.DateTime(timezone=True),
            comment="When its owner revoked it (NULL: not revoked)",
        ),
        sa.CheckConstraint("scope IN ('read', 'write')", name="ck_api_tokens_scope"),
        comment="Personal access tokens of the JSON API (only a digest of each secret).",
    )
    op.create_index("uq_api_tokens_token_hash", "api_tokens", ["token_hash"], unique=True)
    op.create_index("idx_api_tokens_user", "api_tokens", ["user_id"])


def downgrade() -> None:
    op.drop_index("idx_api_tokens_user", table_name="api_tokens")
    op.drop_index("uq_api_tokens_token_hash", table_name="api_tokens")
    op.drop_table("api_tokens")
