"""Administration: archived courses, ended enrolments, email-reminder preference.

New columns on ``courses``, ``enrolled_courses`` and ``users`` only; ``sessions``
is untouched (its structure is the spec's contract).

- ``courses.archived_at``: set when a coordinator archives a course (it then
  takes no new enrolments); NULL = open.
- ``enrolled_courses.ended_at``: when the enrolment was ended. ``status``
  (``active``/``ended``, since 0001) stays the flag; a check keeps the two in
  step, and rows already ``ended`` get the migration's time.
- ``users.email_reminders``: whether the person wants session reminders by email
  (read by the email worker, which comes next in ``0006_email``; shown on ``/account``).

Revision ID: 0005_admin
Revises: 0008_lifecycle
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_admin"
down_revision = "0008_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "courses",
        sa.Column(
            "archived_at",
            sa.DateTime(),
            nullable=True,
            comment="When the course was archived (no new enrolments); NULL = open",
        ),
    )
    op.add_column(
        "enrolled_courses",
        sa.Column(
            "ended_at",
            sa.DateTime(),
            nullable=True,
            comment="When the enrolment ended (no new sessions); NULL while active",
        ),
    )
    op.execute(
        "UPDATE enrolled_courses SET status = 'ended' WHERE status NOT IN ('active', 'ended')"
    )
    op.execute(
        "UPDATE enrolled_courses SET ended_at = CURRENT_TIMESTAMP "
        "WHERE status = 'ended' AND ended_at IS NULL"
    )
    op.create_check_constraint(
        "ck_enrolled_courses_status",
        "enrolled_courses",
        "(status = 'active' AND ended_at IS NULL) OR (status = 'ended' AND ended_at IS NOT NULL)",
    )
    op.add_column(
        "users",
        sa.Column(
            "email_reminders",
            sa.Boolean(),
            nullable=False,
            server_default=sa.text("true"),
            comment="Send this person session reminders by email",
        ),
    )


def downgrade() -> None:
    op.drop_column("users", "email_reminders")
    op.drop_constraint("ck_enrolled_courses_status", "enrolled_courses", type_="check")
    op.drop_column("enrolled_courses", "ended_at")
    op.drop_column("courses", "archived_at")
