"""The spec's update: sessions reference enrolled_courses and whiteboard_sessions.

1. ``course_enrollment_id`` → ``enrolled_courses_id``, now referencing
   ``enrolled_courses(id)`` ON DELETE CASCADE (``sessions_enrolled_courses_id_fkey``).
2. ``whiteboard_id`` references ``whiteboard_sessions(id)`` ON DELETE SET NULL
   (``sessions_whiteboard_id_fkey``).
3. ``idx_sessions_enrollment`` → ``idx_sessions_enrolled_courses``; comments updated.

Existing rows are carried over: each legacy ``enrolled_students`` row maps to the
``enrolled_courses`` row with the same course, student and tutor (created when
missing, with the legacy enrolment date). A legacy row without a tutor maps only
when exactly one enrolment of its course and student exists once those missing
rows are counted too; otherwise it is ambiguous. If any session cannot be
mapped, or names a whiteboard that does not exist, the upgrade stops before
changing anything and names the session ids.

The original legacy id of every session is kept in
``sessions_legacy_enrollment`` so ``downgrade`` (the spec's rollback) restores
exactly the values that were there. A session whose enrolment changed after the
upgrade (or was created after it) gets a legacy row with its course, student and
tutor instead, so upgrading again maps every session back to the same
``enrolled_courses`` row.

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

#: Every (course, student, tutor) the sessions can map to once the upgrade has run:
#: the existing enrolled_courses rows plus the ones it creates from legacy rows with a
#: tutor that some session uses.
ENROLMENTS_AFTER_UPGRADE_SQL = """
SELECT course_id, student_id, tutor_id FROM enrolled_courses
UNION
SELECT es.course_id, es.student_id, es.tutor_id
FROM enrolled_students es
WHERE es.tutor_id IS NOT NULL
  AND es.id IN (SELECT course_enrollment_id FROM sessions)
"""

UNMAPPABLE_SQL = f"""
WITH after_upgrade AS ({ENROLMENTS_AFTER_UPGRADE_SQL})
SELECT s.id
FROM sessions s
LEFT JOIN enrolled_students es ON es.id = s.course_enrollment_id
WHERE (es.id IS NOT NULL AND es.tutor_id IS NULL
       AND (SELECT count(*) FROM after_upgrade a
            WHERE a.course_id = es.course_id AND a.student_id = es.student_id) <> 1)
   OR (s.whiteboard_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM whiteboard_sessions w WHERE w.id = s.whiteboard_id))
ORDER BY s.id
"""

#: legacy enrolment id → enrolled_courses id. Run after the missing enrolled_courses
#: rows exist, so it sees the same enrolments UNMAPPABLE_SQL counted.
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

#: For each session at head, the legacy enrolment it had before 0002 when that row
#: would still map (by LEGACY_TO_COURSE_SQL's rule) to the session's current
#: enrolled_courses row. Other sessions get a legacy row matching their enrolment.
KEPT_LEGACY_SQL = """
SELECT s.id AS session_id, old.id AS legacy_id
FROM sessions s
JOIN enrolled_courses ec ON ec.id = s.enrolled_courses_id
JOIN sessions_legacy_enrollment kept ON kept.session_id = s.id
JOIN enrolled_students old ON old.id = kept.enrolled_students_id
WHERE old.course_id = ec.course_id
  AND old.student_id = ec.student_id
  AND (old.tutor_id = ec.tutor_id
       OR (old.tutor_id IS NULL
           AND (SELECT count(*) FROM enrolled_courses other
                WHERE other.course_id = ec.course_id AND other.student_id = ec.student_id) = 1))
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
            "enrolment with no tutor that does not match exactly one enrolled course, or a "
            "whiteboard that does not exist. Fix those rows (give the enrolment a tutor, "
            "create the enrolled_courses row, or clear whiteboard_id) and run the upgrade "
            "again. Nothing was changed."
        )

    # Enrolments the legacy rows describe but enrolled_courses lacks; they keep the
    # legacy enrolment date.
    op.execute(
        """
        INSERT INTO enrolled_courses (course_id, tutor_id, student_id, enrolled_at)
        SELECT es.course_id, es.tutor_id, es.student_id,
               COALESCE(min(es.enrolled_at), CURRENT_TIMESTAMP)
        FROM enrolled_students es
        WHERE es.tutor_id IS NOT NULL
          AND es.id IN (SELECT course_enrollment_id FROM sessions)
          AND NOT EXISTS (SELECT 1 FROM enrolled_courses ec
                          WHERE ec.course_id = es.course_id AND ec.tutor_id = es.tutor_id
                            AND ec.student_id = es.student_id)
        GROUP BY es.course_id, es.tutor_id, es.student_id
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
    mapped = conn.execute(
        sa.text(
            f"""
            UPDATE sessions s SET course_enrollment_id = m.course_id
            FROM ({LEGACY_TO_COURSE_SQL}) m
            WHERE s.course_enrollment_id = m.legacy_id
            """
        )
    ).rowcount
    expected = conn.execute(
        sa.text("SELECT count(*) FROM sessions WHERE course_enrollment_id IS NOT NULL")
    ).scalar_one()
    if mapped != expected:
        # Cannot happen after the check above; refuse rather than keep a legacy id
        # that might happen to be a valid enrolled_courses id.
        raise UnmappableSessionsError(
            f"Mapped {mapped} of {expected} sessions to enrolled_courses; nothing was changed."
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
    # upgrade while that still maps to its enrolled_courses row, else one with the
    # same course, student and tutor (created when missing).
    op.execute(f"CREATE TEMPORARY TABLE legacy_target AS {KEPT_LEGACY_SQL}")
    op.execute(
        """
        INSERT INTO enrolled_students (course_id, student_id, tutor_id, enrolled_at)
        SELECT ec.course_id, ec.student_id, ec.tutor_id,
               COALESCE(min(ec.enrolled_at), CURRENT_TIMESTAMP)
        FROM sessions s
        JOIN enrolled_courses ec ON ec.id = s.enrolled_courses_id
        WHERE s.id NOT IN (SELECT session_id FROM legacy_target)
          AND NOT EXISTS (SELECT 1 FROM enrolled_students es
                          WHERE es.course_id = ec.course_id AND es.student_id = ec.student_id
                            AND es.tutor_id = ec.tutor_id)
        GROUP BY ec.course_id, ec.student_id, ec.tutor_id
        """
    )
    op.execute(
        """
        INSERT INTO legacy_target (session_id, legacy_id)
        SELECT s.id, min(es.id)
        FROM sessions s
        JOIN enrolled_courses ec ON ec.id = s.enrolled_courses_id
        JOIN enrolled_students es
          ON es.course_id = ec.course_id AND es.student_id = ec.student_id
         AND es.tutor_id = ec.tutor_id
        WHERE s.id NOT IN (SELECT session_id FROM legacy_target)
        GROUP BY s.id
        """
    )
    op.execute(
        """
        UPDATE sessions s SET enrolled_courses_id = t.legacy_id
        FROM legacy_target t WHERE t.session_id = s.id
        """
    )
    op.execute("DROP TABLE legacy_target")
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
