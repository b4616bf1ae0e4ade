"""The spec's update: sessions reference enrolled_courses and whiteboard_sessions.

1. ``course_enrollment_id`` → ``enrolled_courses_id``, now referencing
   ``enrolled_courses(id)`` ON DELETE CASCADE (``sessions_enrolled_courses_id_fkey``).
2. ``whiteboard_id`` references ``whiteboard_sessions(id)`` ON DELETE SET NULL
   (``sessions_whiteboard_id_fkey``).
3. ``idx_sessions_enrollment`` → ``idx_sessions_enrolled_courses``; comments updated.

Existing rows are carried over: each legacy ``enrolled_students`` row maps to the
``enrolled_courses`` row with the same course, student and tutor (created when
missing). A legacy row without a tutor maps only when exactly one
``enrolled_courses`` row has its course and student. If any session cannot be
mapped, or names a whiteboard that does not exist, the upgrade stops before
changing anything and names the session ids.

The original legacy id of every session is kept in
``sessions_legacy_enrollment`` so ``downgrade`` (the spec's rollback) restores
exactly the values that were there.

Revision ID: 0002_update_sessions_references
Revises: 0001_baseline
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_update_sessions_references"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

#: legacy enrolment id → enrolled_courses id, for every legacy row that maps.
LEGACY_TO_COURSE_SQL = """
SELECT es.id AS legacy_id, ec.id AS course_id
FROM enrolled_students es
JOIN enrolled_courses ec
  ON ec.course_id = es.course_id
 AND ec.student_id = es.student_id
 AND (ec.tutor_id = es.tutor_id
      OR (es.tutor_id IS NULL
          AND (SELECT count(*) FROM enrolled_courses other
               WHERE other.course_id = es.course_id AND other.student_id = es.student_id) = 1))
"""

UNMAPPABLE_SQL = f"""
SELECT s.id FROM sessions s
WHERE (s.course_enrollment_id IS NOT NULL
       AND s.course_enrollment_id NOT IN (SELECT legacy_id FROM ({LEGACY_TO_COURSE_SQL}) m)
       AND NOT EXISTS (SELECT 1 FROM enrolled_students es
                       WHERE es.id = s.course_enrollment_id AND es.tutor_id IS NOT NULL))
   OR (s.whiteboard_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM whiteboard_sessions w WHERE w.id = s.whiteboard_id))
ORDER BY s.id
"""


class UnmappableSessionsError(RuntimeError):
    """Raised (before any change) when some sessions cannot be carried over."""


def upgrade() -> None:
    conn = op.get_bind()
    bad = [row[0] for row in conn.execute(sa.text(UNMAPPABLE_SQL))]
    if bad:
        ids = ", ".join(str(i) for i in bad)
        raise UnmappableSessionsError(
            f"Cannot update the sessions table: session(s) {ids} reference a legacy "
            "enrolment with no tutor and no single matching enrolled_courses row, or a "
            "whiteboard that does not exist. Fix those rows (give the enrolment a tutor, "
            "create the enrolled_courses row, or clear whiteboard_id) and run the upgrade "
            "again. Nothing was changed."
        )

    # Enrolments the legacy rows describe but enrolled_courses lacks.
    op.execute(
        """
        INSERT INTO enrolled_courses (course_id, tutor_id, student_id)
        SELECT DISTINCT es.course_id, es.tutor_id, es.student_id
        FROM enrolled_students es
        WHERE es.tutor_id IS NOT NULL
          AND es.id IN (SELECT course_enrollment_id FROM sessions)
          AND NOT EXISTS (SELECT 1 FROM enrolled_courses ec
                          WHERE ec.course_id = es.course_id AND ec.tutor_id = es.tutor_id
                            AND ec.student_id = es.student_id)
        """
    )

    op.create_table(
        "sessions_legacy_enrollment",
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("sessions.id", ondelete="CASCADE"),
            primary_key=True,
            comment="The session",
        ),
        sa.Column(
            "enrolled_students_id",
            sa.Integer(),
            nullable=False,
            comment="Its course_enrollment_id before 0002, restored on downgrade",
        ),
        comment="Bookkeeping of migration 0002 so its downgrade is lossless.",
    )
    op.execute(
        """
        INSERT INTO sessions_legacy_enrollment (session_id, enrolled_students_id)
        SELECT id, course_enrollment_id FROM sessions WHERE course_enrollment_id IS NOT NULL
        """
    )

    op.drop_constraint("sessions_course_enrollment_id_fkey", "sessions", type_="foreignkey")
    op.execute(
        f"""
        UPDATE sessions s SET course_enrollment_id = m.course_id
        FROM ({LEGACY_TO_COURSE_SQL}) m
        WHERE s.course_enrollment_id = m.legacy_id
        """
    )
    op.alter_column("sessions", "course_enrollment_id", new_column_name="enrolled_courses_id")
    op.create_foreign_key(
        "sessions_enrolled_courses_id_fkey",
        "sessions",
        "enrolled_courses",
        ["enrolled_courses_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_foreign_key(
        "sessions_whiteboard_id_fkey",
        "sessions",
        "whiteboard_sessions",
        ["whiteboard_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.execute("ALTER INDEX idx_sessions_enrollment RENAME TO idx_sessions_enrolled_courses")
    op.execute(
        "COMMENT ON COLUMN sessions.enrolled_courses_id IS "
        "'References enrolled_courses(id) - the course enrollment this session belongs to'"
    )
    op.execute(
        "COMMENT ON COLUMN sessions.whiteboard_id IS "
        "'References whiteboard_sessions(id) - the whiteboard used in this session'"
    )


def downgrade() -> None:
    # 1. Drop new foreign keys
    op.drop_constraint("sessions_enrolled_courses_id_fkey", "sessions", type_="foreignkey")
    op.drop_constraint("sessions_whiteboard_id_fkey", "sessions", type_="foreignkey")

    # Point every session back at a legacy enrolment: the one it had before the
    # upgrade when that still describes the same course and student, else one
    # with the same course, student and tutor (created when missing).
    op.execute(
        """
        INSERT INTO enrolled_students (course_id, student_id, tutor_id)
        SELECT DISTINCT ec.course_id, ec.student_id, ec.tutor_id
        FROM sessions s
        JOIN enrolled_courses ec ON ec.id = s.enrolled_courses_id
        LEFT JOIN sessions_legacy_enrollment kept ON kept.session_id = s.id
        LEFT JOIN enrolled_students old ON old.id = kept.enrolled_students_id
             AND old.course_id = ec.course_id AND old.student_id = ec.student_id
        WHERE old.id IS NULL
          AND NOT EXISTS (SELECT 1 FROM enrolled_students es
                          WHERE es.course_id = ec.course_id AND es.student_id = ec.student_id
                            AND es.tutor_id = ec.tutor_id)
        """
    )
    op.execute(
        """
        UPDATE sessions s SET enrolled_courses_id = COALESCE(
            (SELECT old.id FROM sessions_legacy_enrollment kept
             JOIN enrolled_students old ON old.id = kept.enrolled_students_id
             WHERE kept.session_id = s.id
               AND old.course_id = ec.course_id AND old.student_id = ec.student_id),
            (SELECT min(es.id) FROM enrolled_students es
             WHERE es.course_id = ec.course_id AND es.student_id = ec.student_id
               AND es.tutor_id = ec.tutor_id))
        FROM enrolled_courses ec
        WHERE ec.id = s.enrolled_courses_id
        """
    )
    op.drop_table("sessions_legacy_enrollment")

    # 2. Rename column back
    op.alter_column("sessions", "enrolled_courses_id", new_column_name="course_enrollment_id")

    # 3. Recreate old foreign key
    op.create_foreign_key(
        "sessions_course_enrollment_id_fkey",
        "sessions",
        "enrolled_students",
        ["course_enrollment_id"],
        ["id"],
        ondelete="CASCADE",
    )

    # 4. Rename index back
    op.execute("ALTER INDEX idx_sessions_enrolled_courses RENAME TO idx_sessions_enrollment")
    op.execute(
        "COMMENT ON COLUMN sessions.course_enrollment_id IS "
        "'References enrolled_students(id) - the enrolment this session belongs to'"
    )
    op.execute(
        "COMMENT ON COLUMN sessions.whiteboard_id IS "
        "'Whiteboard session id (not yet a foreign key)'"
    )
