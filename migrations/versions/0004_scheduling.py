"""Scheduling: recurring series, conflict overrides, calendar feed tokens and sequences.

New tables only; ``sessions`` is untouched (its structure is the spec's contract).

Revision ID: 0004_scheduling
Revises: 0002_update_sessions_references
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_scheduling"
down_revision = "0003_session_changes"
branch_labels = None
depends_on = None

NOW = sa.text("CURRENT_TIMESTAMP")


def upgrade() -> None:
    op.create_table(
        "session_series",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "rrule",
            sa.String(500),
            nullable=False,
            comment="RFC 5545 RRULE value, e.g. FREQ=WEEKLY;COUNT=10",
        ),
        sa.Column(
            "tzid", sa.String(64), nullable=False, comment="IANA zone the local times below are in"
        ),
        sa.Column(
            "dtstart", sa.Date(), nullable=False, comment="Local date of the first occurrence"
        ),
        sa.Column(
            "start_time", sa.Time(), nullable=False, comment="Local start time of every occurrence"
        ),
        sa.Column(
            "end_time", sa.Time(), nullable=False, comment="Local end time of every occurrence"
        ),
        sa.Column(
            "enrolled_courses_id",
            sa.Integer(),
            sa.ForeignKey("enrolled_courses.id", ondelete="CASCADE"),
            nullable=False,
            comment="The enrolled course every occurrence belongs to",
        ),
        sa.Column(
            "created_by",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            comment="Who created the series",
        ),
        sa.Column("created_at", sa.DateTime(), server_default=NOW, comment="When the row was made"),
        sa.Column(
            "parent_series_id",
            sa.Integer(),
            sa.ForeignKey("session_series.id", ondelete="SET NULL"),
            comment="The series this one was split from (this and following)",
        ),
        comment="Recurring series of sessions; occurrences are rows of sessions.",
    )
    op.create_index(
        "idx_session_series_enrolled_courses", "session_series", ["enrolled_courses_id"]
    )

    op.create_table(
        "session_conflict_overrides",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("sessions.id", ondelete="CASCADE"),
            nullable=False,
            comment="The session saved despite the conflict",
        ),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            comment="The coordinator who overrode",
        ),
        sa.Column("reason", sa.Text(), nullable=False, comment="The written reason"),
        sa.Column(
            "created_at", sa.DateTime(), server_default=NOW, comment="When it was overridden"
        ),
        comment="Why a coordinator saved a session that overlaps others.",
    )
    op.create_index(
        "idx_session_conflict_overrides_session", "session_conflict_overrides", ["session_id"]
    )

    op.create_table(
        "feed_tokens",
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
            comment="Feed owner",
        ),
        sa.Column(
            "token", sa.String(64), nullable=False, unique=True, comment="URL-safe random token"
        ),
        sa.Column("created_at", sa.DateTime(), server_default=NOW, comment="When it was issued"),
        comment="Secret calendar-feed URL token, one per user.",
    )

    op.create_table(
        "session_feed_sequences",
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("sessions.id", ondelete="CASCADE"),
            primary_key=True,
            comment="The session",
        ),
        sa.Column(
            "sequence",
            sa.Integer(),
            nullable=False,
            server_default=sa.text("0"),
            comment="Current SEQUENCE",
        ),
        sa.Column(
            "seen_updated_at",
            sa.DateTime(),
            comment="The session's updated_at when sequence was last set",
        ),
        comment="iCalendar SEQUENCE per session, derived from updated_at.",
    )


def downgrade() -> None:
    op.drop_table("session_feed_sequences")
    op.drop_table("feed_tokens")
    op.drop_index("idx_session_conflict_overrides_session", "session_conflict_overrides")
    op.drop_table("session_conflict_overrides")
    op.drop_index("idx_session_series_enrolled_courses", "session_series")
    op.drop_table("session_series")
