"""Audit log of inline edits: ``session_changes``.

A new table (``sessions`` itself stays exactly the spec's structure). Each row
is one field of one session changed by one request, written in the same
transaction as the change.

Revision ID: 0003_session_changes
Revises: 0002_update_sessions_references
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_session_changes"
down_revision = "0002_update_sessions_references"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "session_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("sessions.id", ondelete="CASCADE"),
            nullable=False,
            comment="The session changed; its history goes with it",
        ),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            comment="Who made the change; NULL once that account is deleted",
        ),
        sa.Column(
            "field", sa.String(50), nullable=False, comment="Column of sessions that changed"
        ),
        sa.Column("old_value", sa.Text(), comment="Value before, as text"),
        sa.Column("new_value", sa.Text(), comment="Value after, as text"),
        sa.Column(
            "changed_at",
            sa.DateTime(),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
            comment="When; equals the session's new updated_at",
        ),
        comment="Audit log of changes made to sessions through the dashboard.",
    )
    op.create_index("idx_session_changes_session", "session_changes", ["session_id", "changed_at"])
    op.create_index("idx_session_changes_user", "session_changes", ["user_id"])


def downgrade() -> None:
    op.drop_index("idx_session_changes_user", table_name="session_changes")
    op.drop_index("idx_session_changes_session", table_name="session_changes")
    op.drop_table("session_changes")
