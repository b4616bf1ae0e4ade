"""Baseline: the schema as it stood before the sessions update.

``sessions.course_enrollment_id`` points at the legacy ``enrolled_students``
table (ON DELETE CASCADE, ``sessions_course_enrollment_id_fkey``), is indexed
as ``idx_sessions_enrollment``, and ``whiteboard_id`` has no foreign key yet.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

NOW = sa.text("CURRENT_TIMESTAMP")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "email",
            sa.String(255),
            nullable=False,
            comment="Sign-in address, unique case-insensitively",
        ),
        sa.Column(
            "full_name", sa.String(200), nullable=False, comment="Name shown in the dashboard"
        ),
        sa.Column(
            "role", sa.String(20), nullable=False, comment="coordinator, tutor, student or parent"
        ),
        sa.Column(
            "password_hash",
            sa.String(255),
            nullable=False,
            comment="Werkzeug password hash (scrypt)",
        ),
        sa.Column(
            "timezone", sa.String(64), comment="IANA zone for showing times; NULL = app default"
        ),
        sa.Column(
            "week_starts_on",
            sa.SmallInteger(),
            nullable=False,
            server_default=sa.text("0"),
            comment="First weekday of calendar weeks: 0 = Monday … 6 = Sunday",
        ),
        sa.Column(
            "is_active",
            sa.Boolean(),
            nullable=False,
            server_default=sa.text("true"),
            comment="Inactive users cannot sign in",
        ),
        sa.Column(
            "created_at", sa.DateTime(), server_default=NOW, comment="When the account was made"
        ),
        sa.CheckConstraint(
            "role IN ('coordinator', 'tutor', 'student', 'parent')", name="ck_users_role"
        ),
        comment="Everyone who signs in to the dashboard.",
    )
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)

    op.create_table(
        "parent_students",
        sa.Column(
            "parent_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
            comment="The parent (users.id)",
        ),
        sa.Column(
            "student_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
            comment="The child (users.id)",
        ),
        comment="Which parent may see which student's sessions.",
    )
    op.create_index("idx_parent_students_student", "parent_students", ["student_id"])

    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False, comment="Course name"),
        sa.Column("subject", sa.String(100), comment="Subject area"),
        sa.Column("description", sa.Text(), comment="Longer description"),
        sa.Column("created_at", sa.DateTime(), server_default=NOW, comment="When the row was made"),
        comment="Courses offered by the centre.",
    )

    op.create_table(
        "enrolled_students",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "course_id",
            sa.Integer(),
            sa.ForeignKey("courses.id", ondelete="CASCADE"),
            nullable=False,
            comment="The course",
        ),
        sa.Column(
            "student_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            comment="The student",
        ),
        sa.Column(
            "tutor_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            comment="The tutor, when recorded",
        ),
        sa.Column(
            "enrolled_at", sa.DateTime(), server_default=NOW, comment="When the student enrolled"
        ),
        comment="Legacy enrolments (before enrolled_courses); kept for rollback.",
    )

    op.create_table(
        "enrolled_courses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "course_id",
            sa.Integer(),
            sa.ForeignKey("courses.id", ondelete="CASCADE"),
            nullable=False,
            comment="The course",
        ),
        sa.Column(
            "tutor_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            comment="The tutor",
        ),
        sa.Column(
            "student_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            comment="The student",
        ),
        sa.Column(
            "status",
            sa.String(20),
            nullable=False,
            server_default=sa.text("'active'"),
            comment="active or ended",
        ),
        sa.Column(
            "enrolled_at", sa.DateTime(), server_default=NOW, comment="When the enrolment began"
        ),
        sa.UniqueConstraint(
            "course_id", "tutor_id", "student_id", name="uq_enrolled_courses_course_tutor_student"
        ),
        comment="Who teaches which course to whom; sessions belong to one row.",
    )
    op.create_index("idx_enrolled_courses_tutor", "enrolled_courses", ["tutor_id"])
    op.create_index("idx_enrolled_courses_student", "enrolled_courses", ["student_id"])

    op.create_table(
        "whiteboard_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "session_name",
            sa.String(200),
            nullable=False,
            comment="Name shown when linking the board",
        ),
        sa.Column(
            "board_url", sa.String(2048), nullable=False, comment="http(s) address of the board"
        ),
        sa.Column(
            "owner_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            comment="Tutor who owns the board",
        ),
        sa.Column("created_at", sa.DateTime(), server_default=NOW, comment="When the row was made"),
        sa.Column("updated_at", sa.DateTime(), server_default=NOW, comment="Last change"),
        comment="Online whiteboards; sessions.whiteboard_id points here (ON DELETE SET NULL).",
    )
    op.create_index("idx_whiteboard_sessions_owner", "whiteboard_sessions", ["owner_id"])

    varchar_default = "'{}'::character varying"
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), primary_key=True, comment="Session id"),
        sa.Column(
            "course_enrollment_id",
            sa.Integer(),
            comment="References enrolled_students(id) - the enrolment this session belongs to",
        ),
        sa.Column(
            "topics",
            sa.JSON(),
            server_default=sa.text("'[]'::json"),
            comment="Topics planned for the session",
        ),
        sa.Column(
            "topics_covered",
            sa.JSON(),
            server_default=sa.text("'[]'::json"),
            comment="Topics actually covered",
        ),
        sa.Column(
            "session_date",
            sa.Date(),
            nullable=False,
            comment="Day of the session (schedule time zone)",
        ),
        sa.Column(
            "start_time",
            sa.Time(),
            nullable=False,
            comment="Start, wall-clock in the schedule time zone",
        ),
        sa.Column(
            "end_time",
            sa.Time(),
            nullable=False,
            comment="End, wall-clock in the schedule time zone",
        ),
        sa.Column("duration", sa.Integer(), comment="Length in minutes"),
        sa.Column(
            "session_mode",
            sa.String(50),
            server_default=sa.text(varchar_default.format("online")),
            comment="online, in-person or hybrid",
        ),
        sa.Column("location", sa.String(255), comment="Where an in-person session takes place"),
        sa.Column(
            "whiteboard_id", sa.Integer(), comment="Whiteboard session id (not yet a foreign key)"
        ),
        sa.Column("student_review_id", sa.Integer(), comment="Review written by the student"),
        sa.Column("tutor_review_id", sa.Integer(), comment="Review written by the tutor"),
        sa.Column("parent_review_id", sa.Integer(), comment="Review written by the parent"),
        sa.Column(
            "tutor_attendance_status",
            sa.String(20),
            server_default=sa.text(varchar_default.format("present")),
            comment="present, absent, late or excused",
        ),
        sa.Column(
            "student_attendance_status",
            sa.String(20),
            server_default=sa.text(varchar_default.format("present")),
            comment="present, absent, late or excused",
        ),
        sa.Column(
            "priority_level",
            sa.String(20),
            server_default=sa.text(varchar_default.format("medium")),
            comment="low, medium, high or urgent",
        ),
        sa.Column(
            "is_recurring",
            sa.Boolean(),
            server_default=sa.text("false"),
            comment="Part of a recurring series",
        ),
        sa.Column(
            "session_frequency",
            sa.String(50),
            server_default=sa.text(varchar_default.format("one-time")),
            comment="one-time, daily, weekly, biweekly or monthly",
        ),
        sa.Column(
            "recurring_pattern",
            sa.JSON(),
            comment="Recurrence rule (RFC 5545 RRULE and IANA time zone)",
        ),
        sa.Column(
            "notification_enabled",
            sa.Boolean(),
            server_default=sa.text("false"),
            comment="Show a reminder before the start",
        ),
        sa.Column(
            "alarm_enabled",
            sa.Boolean(),
            server_default=sa.text("false"),
            comment="Add an alarm to calendar feeds",
        ),
        sa.Column(
            "alarm_before_minutes",
            sa.Integer(),
            server_default=sa.text("15"),
            comment="Minutes before the start to remind",
        ),
        sa.Column(
            "is_featured",
            sa.Boolean(),
            server_default=sa.text("false"),
            comment="Highlighted by a coordinator",
        ),
        sa.Column(
            "status",
            sa.String(20),
            server_default=sa.text(varchar_default.format("scheduled")),
            comment="scheduled, completed, cancelled or rescheduled",
        ),
        sa.Column("created_at", sa.DateTime(), server_default=NOW, comment="When the row was made"),
        sa.Column(
            "updated_at",
            sa.DateTime(),
            server_default=NOW,
            comment="Last change; also the version checked by inline edits",
        ),
        sa.ForeignKeyConstraint(
            ["course_enrollment_id"],
            ["enrolled_students.id"],
            name="sessions_course_enrollment_id_fkey",
            ondelete="CASCADE",
        ),
        comment="Tutoring sessions; each belongs to one enrolled course.",
    )
    op.create_index("idx_sessions_date", "sessions", ["session_date"])
    op.create_index("idx_sessions_enrollment", "sessions", ["course_enrollment_id"])
    op.create_index("idx_sessions_featured", "sessions", ["is_featured"])
    op.create_index("idx_sessions_recurring", "sessions", ["is_recurring"])


def downgrade() -> None:
    for table in (
        "sessions",
        "whiteboard_sessions",
        "enrolled_courses",
        "enrolled_students",
        "courses",
        "parent_students",
        "users",
    ):
        op.drop_table(table)
