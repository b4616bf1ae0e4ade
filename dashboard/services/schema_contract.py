"""The spec's verification queries and their expected output.

Source: ``shared/spec/sessions-table-final-update.md`` → "Data Verification".
``flask verify-schema`` prints each query's result beside what the spec
expects; the schema tests use the same constants.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession

FOREIGN_KEYS_SQL = """
SELECT
    conname,
    pg_get_constraintdef(oid) as definition
FROM pg_constraint
WHERE conrelid = 'sessions'::regclass
AND contype = 'f'
ORDER BY conname
"""

INDEXES_SQL = """
SELECT indexname
FROM pg_indexes
WHERE tablename = 'sessions'
ORDER BY indexname
"""

ORPHANS_SQL = """
SELECT COUNT(*) as orphaned_sessions
FROM sessions s
LEFT JOIN enrolled_courses ec ON s.enrolled_courses_id = ec.id
WHERE s.enrolled_courses_id IS NOT NULL
AND ec.id IS NULL
"""

EXPECTED_FOREIGN_KEYS: list[tuple[str, str]] = [
    (
        "sessions_enrolled_courses_id_fkey",
        "FOREIGN KEY (enrolled_courses_id) REFERENCES enrolled_courses(id) ON DELETE CASCADE",
    ),
    (
        "sessions_whiteboard_id_fkey",
        "FOREIGN KEY (whiteboard_id) REFERENCES whiteboard_sessions(id) ON DELETE SET NULL",
    ),
]

EXPECTED_INDEXES: list[tuple[str]] = [
    ("idx_sessions_date",),
    ("idx_sessions_enrolled_courses",),
    ("idx_sessions_featured",),
    ("idx_sessions_recurring",),
    ("sessions_pkey",),
]

EXPECTED_ORPHANS: list[tuple[int]] = [(0,)]

#: The seed's ``*_review_id`` columns carry no foreign key (the spec's schema is
#: the contract), so the app keeps them consistent: each must name a review of
#: the same session by the matching author role. Rows listed here point at nothing.
DANGLING_REVIEWS_SQL = """
SELECT s.id AS session_id, k.kind, k.review_id
FROM sessions s
CROSS JOIN LATERAL (VALUES
    ('student', s.student_review_id),
    ('tutor', s.tutor_review_id),
    ('parent', s.parent_review_id)
) AS k(kind, review_id)
LEFT JOIN session_reviews r
       ON r.id = k.review_id AND r.session_id = s.id AND r.author_role = k.kind
WHERE k.review_id IS NOT NULL AND r.id IS NULL
ORDER BY s.id, k.kind
"""

#: Is the reviews table there? (Before migration 0008 there is nothing to check.)
REVIEWS_TABLE_SQL = "SELECT to_regclass('session_reviews') IS NOT NULL"

#: The spec's "Final Sessions Table Structure": (name, type, nullable, default).
#: Types and defaults as PostgreSQL's ``information_schema`` reports them.
EXPECTED_COLUMNS: list[tuple[str, str, bool, str | None]] = [
    ("id", "integer", False, "nextval('sessions_id_seq'::regclass)"),
    ("enrolled_courses_id", "integer", True, None),
    ("topics", "json", True, "'[]'::json"),
    ("topics_covered", "json", True, "'[]'::json"),
    ("session_date", "date", False, None),
    ("start_time", "time without time zone", False, None),
    ("end_time", "time without time zone", False, None),
    ("duration", "integer", True, None),
    ("session_mode", "character varying(50)", True, "'online'::character varying"),
    ("location", "character varying(255)", True, None),
    ("whiteboard_id", "integer", True, None),
    ("student_review_id", "integer", True, None),
    ("tutor_review_id", "integer", True, None),
    ("parent_review_id", "integer", True, None),
    ("tutor_attendance_status", "character varying(20)", True, "'present'::character varying"),
    ("student_attendance_status", "character varying(20)", True, "'present'::character varying"),
    ("priority_level", "character varying(20)", True, "'medium'::character varying"),
    ("is_recurring", "boolean", True, "false"),
    ("session_frequency", "character varying(50)", True, "'one-time'::character varying"),
    ("recurring_pattern", "json", True, None),
    ("notification_enabled", "boolean", True, "false"),
    ("alarm_enabled", "boolean", True, "false"),
    ("alarm_before_minutes", "integer", True, "15"),
    ("is_featured", "boolean", True, "false"),
    ("status", "character varying(20)", True, "'scheduled'::character varying"),
    ("created_at", "timestamp without time zone", True, "CURRENT_TIMESTAMP"),
    ("updated_at", "timestamp without time zone", True, "CURRENT_TIMESTAMP"),
]

COLUMNS_SQL = """
SELECT a.attname,
       format_type(a.atttypid, a.atttypmod),
       NOT a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid),
       col_description(a.attrelid, a.attnum)
FROM pg_attribute a
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = 'sessions'::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""


@dataclass(frozen=True)
class Check:
    """One verification query: what the spec expects and what the database says."""

    title: str
    sql: str
    expected: list[tuple]
    actual: list[tuple]

    @property
    def ok(self) -> bool:
        """True when the database gives exactly the spec's rows."""
        return self.actual == self.expected


def _rows(session: OrmSession, sql: str) -> list[tuple]:
    return [tuple(row) for row in session.execute(sa.text(sql))]


def run_checks(session: OrmSession) -> list[Check]:
    """Run the spec's three verification queries (plus the column layout and review ids)."""
    columns = [row[:4] for row in _rows(session, COLUMNS_SQL)]
    checks = [
        Check(
            "Foreign key constraints",
            FOREIGN_KEYS_SQL,
            EXPECTED_FOREIGN_KEYS,
            _rows(session, FOREIGN_KEYS_SQL),
        ),
        Check("Indexes", INDEXES_SQL, EXPECTED_INDEXES, _rows(session, INDEXES_SQL)),
        Check(
            "Data integrity (orphaned sessions)",
            ORPHANS_SQL,
            EXPECTED_ORPHANS,
            _rows(session, ORPHANS_SQL),
        ),
        Check("Columns (name, type, nullable, default)", COLUMNS_SQL, EXPECTED_COLUMNS, columns),
    ]
    if session.execute(sa.text(REVIEWS_TABLE_SQL)).scalar():
        checks.append(
            Check(
                "Review ids that point at nothing (session, kind, review id)",
                DANGLING_REVIEWS_SQL,
                [],
                _rows(session, DANGLING_REVIEWS_SQL),
            )
        )
    return checks


def format_rows(rows: list[tuple]) -> list[str]:
    """Render rows the way psql's unaligned output would: cells joined by `` | ``."""
    return [" | ".join(str(cell) for cell in row) for row in rows] or ["(no rows)"]
