"""Why an email failed: ``email_send_errors``, the last send error of each email job.

procrastinate keeps no exception text; the ``send_email`` task writes it here
for ``/admin/outbox``. A new table only; ``sessions`` is untouched (its
structure is the spec's contract).

Revision ID: 0009_outbox_errors
Revises: 0007_api_tokens
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_outbox_errors"
down_revision = "0007_api_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "email_send_errors",
        sa.Column(
            "job_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "procrastinate_jobs.id",
                ondelete="CASCADE",
                name="email_send_errors_job_id_fkey",
            ),
            primary_key=True,
            autoincrement=False,
            comment="The send_email job (procrastinate_jobs.id)",
        ),
        sa.Column(
            "attempt",
            sa.Integer(),
            nullable=False,
            comment="Which attempt failed (1 = the first)",
        ),
        sa.Column(
            "error",
            sa.Text(),
            nullable=False,
            comment="What went wrong, e.g. the mail server's answer",
        ),
        sa.Column(
            "failed_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
            comment="When that attempt failed",
        ),
        sa.CheckConstraint("char_length(error) <= 2000", name="ck_email_send_errors_length"),
        comment="The last send error of each email job (procrastinate keeps none).",
    )


def downgrade() -> None:
    op.drop_table("email_send_errors")
