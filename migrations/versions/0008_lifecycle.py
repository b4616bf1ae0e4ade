"""Lesson lifecycle: attendance taken, cancellations with reasons, lesson notes, reviews.

New tables only; ``sessions`` is untouched (its structure is the spec's contract).
The allowed values are written out here, not imported, so this released
revision never changes when ``dashboard/choices.py`` does.

Revision ID: 0008_lifecycle
Revises: 0004_scheduling
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_lifecycle"
down_revision = "0004_scheduling"
branch_labels = None
depends_on = None

NOW = sa.text("now()")
TIMESTAMPTZ = sa.DateTime(timezone=True)


def _user(name: str, comment: str) -> sa.Column:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), comment=comment
    )


def _session(primary_key: bool, comment: str) -> sa.Column:
    return sa.Column(
        "session_id",
        sa.Integer(),
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
        comment=comment,
    )


def upgrade() -> None:
    op.create_table(
        "session_attendance",
        _session(True, "The session whose attendance was taken"),
        _user("taken_by", "Who last recorded attendance"),
        sa.Column(
            "taken_at",
            TIMESTAMPTZ,
            nullable=False,
            server_default=NOW,
            comment="When attendance was last recorded",
        ),
        comment="When and by whom a session's attendance was actually taken.",
    )

    op.create_table(
        "session_cancellations",
        sa.Column("id", sa.Integer(), primary_key=True),
        _session(False, "The cancelled session"),
        sa.Column(
            "reason",
            sa.String(30),
            nullable=False,
            comment="One of choices.CANCELLATION_REASONS",
        ),
        sa.Column("reason_text", sa.Text(), comment="Free text; required when reason is 'other'"),
        sa.Column(
            "is_late",
            sa.Boolean(),
            nullable=False,
            comment="Cancelled less than 24 hours before the start",
        ),
        _user("cancelled_by", "Who cancelled"),
        sa.Column("cancelled_at", TIMESTAMPTZ, nullable=False, server_default=NOW, comment="When"),
        sa.Column(
            "restored_at",
            TIMESTAMPTZ,
            comment="When the session was restored; NULL while cancelled",
        ),
        _user("restored_by", "Who restored it"),
        sa.CheckConstraint(
            "reason IN ('student-cancelled', 'tutor-cancelled', 'centre-closed', 'no-show',"
            " 'other')",
            name="ck_session_cancellations_reason",
        ),
        sa.CheckConstraint(
            "reason <> 'other' OR reason_text IS NOT NULL",
            name="ck_session_cancellations_other_text",
        ),
        sa.CheckConstraint(
            "char_length(reason_text) <= 500", name="ck_session_cancellations_text_length"
        ),
        comment="Why, when and by whom sessions were cancelled (and restored).",
    )
    op.create_index("idx_session_cancellations_session", "session_cancellations", ["session_id"])

    op.create_table(
        "session_reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        _session(False, "The reviewed session"),
        _user("author_id", "Who wrote it"),
        sa.Column("author_role", sa.String(10), nullable=False, comment="student, tutor or parent"),
        sa.Column("rating", sa.SmallInteger(), nullable=False, comment="1 to 5"),
        sa.Column("comment", sa.Text(), comment="Up to 2,000 characters"),
        sa.Column(
            "created_at", TIMESTAMPTZ, nullable=False, server_default=NOW, comment="When written"
        ),
        sa.Column(
            "updated_at", TIMESTAMPTZ, nullable=False, server_default=NOW, comment="Last edited"
        ),
        sa.UniqueConstraint("session_id", "author_role", name="uq_session_reviews_session_role"),
        sa.CheckConstraint(
            "author_role IN ('student', 'tutor', 'parent')", name="ck_session_reviews_author_role"
        ),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_session_reviews_rating"),
        sa.CheckConstraint("char_length(comment) <= 2000", name="ck_session_reviews_comment"),
        comment="Reviews behind sessions.student/tutor/parent_review_id.",
    )

    op.create_table(
        "session_notes",
        _session(True, "The session the notes are about"),
        sa.Column("public_note", sa.Text(), comment="Seen by the student and their parents"),
        sa.Column("private_note", sa.Text(), comment="Seen by the tutor and coordinators only"),
        _user("updated_by", "Who last wrote the notes"),
        sa.Column(
            "updated_at", TIMESTAMPTZ, nullable=False, server_default=NOW, comment="Last written"
        ),
        comment="Lesson notes: public (families) and private (tutor, office).",
    )


def downgrade() -> None:
    op.drop_table("session_notes")
    op.drop_table("session_reviews")
    op.drop_index("idx_session_cancellations_session", "session_cancellations")
    op.drop_table("session_cancellations")
    op.drop_table("session_attendance")
