"""Email through a job queue: procrastinate's schema, one-time links, reminders sent.

- procrastinate's tables, types and functions (``procrastinate_*``), from the
  installed version's ``SchemaManager.get_schema()``; ``downgrade`` drops them.
  A later procrastinate that changes its schema ships SQL migrations
  (``procrastinate/sql/migrations``): apply them in a new revision.
- ``user_tokens``: invitation and password-reset links, stored hashed.
- ``session_reminders_sent``: which session starts were reminded by email.
- ``users.email_reminders`` (who wants reminders by email) is ``0005_admin``'s,
  the revision before this one.

``sessions`` is untouched (its structure is the spec's contract).

Revision ID: 0006_email
Revises: 0005_admin
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager

revision = "0006_email"
down_revision = "0005_admin"
branch_labels = None
depends_on = None

NOW = sa.text("CURRENT_TIMESTAMP")

#: Every function procrastinate's schema creates starts with this prefix.
DROP_PROCRASTINATE = r"""
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers,
    procrastinate_jobs, procrastinate_workers CASCADE;
DO $$
DECLARE fn regprocedure;
BEGIN
    FOR fn IN
        SELECT p.oid::regprocedure FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\_%'
    LOOP
        EXECUTE 'DROP FUNCTION ' || fn || ' CASCADE';
    END LOOP;
END $$;
DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type,
    procrastinate_job_status CASCADE;
"""


def _run_script(sql: str) -> None:
    """Run a multi-statement script on the migration's own connection and transaction.

    Through the driver directly: SQLAlchemy's ``text()`` would read ``:name`` as
    parameters, and psycopg sends a script with parameters as one statement only.
    """
    op.get_bind().connection.driver_connection.execute(sql)


def upgrade() -> None:
    _run_script(SchemaManager.get_schema())
    op.create_table(
        "user_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            comment="Whose account the link opens",
        ),
        sa.Column("purpose", sa.String(20), nullable=False, comment="invitation or password-reset"),
        sa.Column(
            "token_hash",
            sa.String(64),
            unique=True,
            comment="SHA-256 (hex) of the secret in the link; NULL until the email is sent",
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=NOW,
            comment="When the link was asked for",
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), comment="When the worker sent the email"),
        sa.Column(
            "expires_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="The link works until then",
        ),
        sa.Column(
            "used_at",
            sa.DateTime(timezone=True),
            comment="When the link was used (it works once)",
        ),
        sa.CheckConstraint(
            "purpose IN ('invitation', 'password-reset')", name="ck_user_tokens_purpose"
        ),
        comment="One-time links sent by email: invitations and password resets.",
    )
    op.create_index("idx_user_tokens_user", "user_tokens", ["user_id", "purpose"])
    op.create_table(
        "session_reminders_sent",
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("sessions.id", ondelete="CASCADE"),
            primary_key=True,
            comment="The session",
        ),
        sa.Column(
            "starts_at",
            sa.DateTime(timezone=True),
            primary_key=True,
            comment="The start the reminder was for",
        ),
        sa.Column(
            "queued_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=NOW,
            comment="When the sweep queued the emails",
        ),
        sa.Column(
            "recipients", sa.Integer(), nullable=False, comment="How many emails were queued"
        ),
        comment="Session reminders already queued, one row per session start.",
    )


def downgrade() -> None:
    op.drop_table("session_reminders_sent")
    op.drop_index("idx_user_tokens_user", table_name="user_tokens")
    op.drop_table("user_tokens")
    _run_script(DROP_PROCRASTINATE)
