"""The migrated schema is exactly the spec's, read back from the catalogue.

Source: shared/spec/sessions-table-final-update.md. Also runs the spec's
"Testing Checklist" against the real database.
"""

from __future__ import annotations

from datetime import date, time

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from dashboard.extensions import db
from dashboard.services.schema_contract import (
    COLUMNS_SQL,
    EXPECTED_COLUMNS,
    EXPECTED_FOREIGN_KEYS,
    EXPECTED_INDEXES,
    FOREIGN_KEYS_SQL,
    INDEXES_SQL,
    run_checks,
)

SPEC_COLUMN_NAMES = [
    "id", "enrolled_courses_id", "topics", "topics_covered", "session_date", "start_time",
    "end_time", "duration", "session_mode", "location", "whiteboard_id", "student_review_id",
    "tutor_review_id", "parent_review_id", "tutor_attendance_status",
    "student_attendance_status", "priority_level", "is_recurring", "session_frequency",
    "recurring_pattern", "notification_enabled", "alarm_enabled", "alarm_before_minutes",
    "is_featured", "status", "created_at", "updated_at",
]  # fmt: skip


def rows(sql: str, **params: object) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(sa.text(sql), params)]


def test_sessions_has_the_spec_27_columns_in_order(app):
    with app.app_context():
        columns = rows(COLUMNS_SQL)
    assert [c[0] for c in columns] == SPEC_COLUMN_NAMES
    assert len(columns) == 27
    assert [c[:4] for c in columns] == EXPECTED_COLUMNS


def test_information_schema_agrees_on_types_and_nullability(app):
    with app.app_context():
        info = rows(
            """SELECT column_name, data_type, is_nullable, character_maximum_length
               FROM information_schema.columns WHERE table_name = 'sessions'
               ORDER BY ordinal_position"""
        )
    by_name = {name: (dtype, nullable, length) for name, dtype, nullable, length in info}
    assert by_name["id"] == ("integer", "NO", None)
    assert by_name["session_date"] == ("date", "NO", None)
    assert by_name["start_time"] == ("time without time zone", "NO", None)
    assert by_name["session_mode"] == ("character varying", "YES", 50)
    assert by_name["location"] == ("character varying", "YES", 255)
    assert by_name["topics"] == ("json", "YES", None)
    assert by_name["updated_at"] == ("timestamp without time zone", "YES", None)
    not_null = sorted(name for name, (_t, nullable, _l) in by_name.items() if nullable == "NO")
    assert not_null == ["end_time", "id", "session_date", "start_time"]


def test_every_sessions_column_has_a_comment(app):
    with app.app_context():
        columns = rows(COLUMNS_SQL)
    missing = [c[0] for c in columns if not c[4]]
    assert missing == []


def test_foreign_keys_match_the_spec_exactly(app):
    with app.app_context():
        assert rows(FOREIGN_KEYS_SQL) == EXPECTED_FOREIGN_KEYS


def test_exactly_the_five_spec_indexes(app):
    with app.app_context():
        assert rows(INDEXES_SQL) == EXPECTED_INDEXES


def test_all_verification_checks_pass_on_a_migrated_database(app):
    with app.app_context():
        assert [c.title for c in run_checks(db.session) if not c.ok] == []


# --- the spec's Testing Checklist ---------------------------------------------------------


@pytest.fixture
def world(app):
    """Two enrolments and two whiteboards to hang sessions on; yields ids."""
    with app.app_context():
        ids = {}
        ids["tutor"] = db.session.execute(
            sa.text(
                "INSERT INTO users (email, full_name, role, password_hash) "
                "VALUES ('t@example.com', 'T', 'tutor', 'x') RETURNING id"
            )
        ).scalar_one()
        ids["student"] = db.session.execute(
            sa.text(
                "INSERT INTO users (email, full_name, role, password_hash) "
                "VALUES ('s@example.com', 'S', 'student', 'x') RETURNING id"
            )
        ).scalar_one()
        ids["course"] = db.session.execute(
            sa.text("INSERT INTO courses (title) VALUES ('Physics') RETURNING id")
        ).scalar_one()
        for key in ("ec1", "ec2"):
            ids[key] = db.session.execute(
                sa.text(
                    "INSERT INTO enrolled_courses (course_id, tutor_id, student_id) "
                    "VALUES (:c, :t, :s) RETURNING id"
                ),
                {"c": ids["course"], "t": ids["tutor"], "s": ids["student"]}
                if key == "ec1"
                else {"c": ids["course"], "t": ids["student"], "s": ids["tutor"]},
            ).scalar_one()
        for key in ("wb1", "wb2"):
            ids[key] = db.session.execute(
                sa.text(
                    "INSERT INTO whiteboard_sessions (session_name, board_url) "
                    "VALUES (:n, 'https://board.example/x') RETURNING id"
                ),
                {"n": key},
            ).scalar_one()
        db.session.commit()
        yield ids


def insert_session(ec: int | None, wb: int | None) -> int:
    """The spec's "Create a new session with whiteboard" INSERT."""
    return db.session.execute(
        sa.text(
            """INSERT INTO sessions (enrolled_courses_id, whiteboard_id, topics, session_date,
                   start_time, end_time, duration, session_mode, status)
               VALUES (:ec, :wb, '["Introduction to Physics", "Newton''s Laws"]'::json,
                   '2025-12-01', '14:00:00', '15:30:00', 90, 'online', 'scheduled')
               RETURNING id"""
        ),
        {"ec": ec, "wb": wb},
    ).scalar_one()


def test_insert_with_valid_whiteboard_gets_spec_defaults(app, world):
    with app.app_context():
        sid = insert_session(world["ec1"], world["wb1"])
        db.session.commit()
        row = (
            db.session.execute(sa.text("SELECT * FROM sessions WHERE id = :id"), {"id": sid})
            .mappings()
            .one()
        )
    assert row["whiteboard_id"] == world["wb1"]
    assert row["topics"] == ["Introduction to Physics", "Newton's Laws"]
    assert row["topics_covered"] == []
    assert row["tutor_attendance_status"] == "present"
    assert row["student_attendance_status"] == "present"
    assert row["priority_level"] == "medium"
    assert row["is_recurring"] is False and row["is_featured"] is False
    assert row["session_frequency"] == "one-time"
    assert row["alarm_before_minutes"] == 15
    assert row["created_at"] is not None and row["updated_at"] is not None
    assert row["session_date"] == date(2025, 12, 1) and row["start_time"] == time(14)


def test_insert_with_null_whiteboard(app, world):
    with app.app_context():
        sid = insert_session(world["ec1"], None)
        db.session.commit()
        wb = db.session.execute(
            sa.text("SELECT whiteboard_id FROM sessions WHERE id = :id"), {"id": sid}
        ).scalar_one()
    assert wb is None


@pytest.mark.parametrize("column", ["enrolled_courses_id", "whiteboard_id"])
def test_foreign_key_violations_are_rejected(app, world, column):
    with app.app_context():
        with pytest.raises(IntegrityError) as err:
            if column == "enrolled_courses_id":
                insert_session(999_999, None)
            else:
                insert_session(world["ec1"], 999_999)
        db.session.rollback()
        assert f"sessions_{column.removesuffix('_id')}_id_fkey" in str(err.value)
        assert db.session.execute(sa.text("SELECT count(*) FROM sessions")).scalar_one() == 0


def test_update_both_foreign_key_columns(app, world):
    with app.app_context():
        sid = insert_session(world["ec1"], world["wb1"])
        db.session.execute(
            sa.text(
                "UPDATE sessions SET enrolled_courses_id = :ec, whiteboard_id = :wb WHERE id = :id"
            ),
            {"ec": world["ec2"], "wb": world["wb2"], "id": sid},
        )
        db.session.commit()
        assert rows("SELECT enrolled_courses_id, whiteboard_id FROM sessions") == [
            (world["ec2"], world["wb2"])
        ]
        with pytest.raises(IntegrityError):
            db.session.execute(sa.text("UPDATE sessions SET whiteboard_id = 424242"))
        db.session.rollback()


def test_deleting_an_enrolled_course_cascades_to_its_sessions(app, world):
    with app.app_context():
        insert_session(world["ec1"], world["wb1"])
        keep = insert_session(world["ec2"], world["wb1"])
        db.session.execute(
            sa.text("DELETE FROM enrolled_courses WHERE id = :id"), {"id": world["ec1"]}
        )
        db.session.commit()
        assert rows("SELECT id FROM sessions") == [(keep,)]


def test_deleting_a_whiteboard_sets_null_and_keeps_the_session(app, world):
    with app.app_context():
        sid = insert_session(world["ec1"], world["wb1"])
        db.session.execute(
            sa.text("DELETE FROM whiteboard_sessions WHERE id = :id"), {"id": world["wb1"]}
        )
        db.session.commit()
        assert rows("SELECT id, whiteboard_id FROM sessions") == [(sid, None)]


def test_the_spec_join_queries(app, world):
    with app.app_context():
        with_board = insert_session(world["ec1"], world["wb1"])
        insert_session(world["ec2"], None)
        db.session.commit()
        whiteboards = rows(
            """SELECT s.id, ws.session_name as whiteboard_name FROM sessions s
               JOIN whiteboard_sessions ws ON s.whiteboard_id = ws.id
               WHERE s.whiteboard_id IS NOT NULL ORDER BY s.session_date DESC"""
        )
        assert whiteboards == [(with_board, "wb1")]
        by_tutor = rows(
            """SELECT s.id FROM sessions s JOIN enrolled_courses ec ON s.enrolled_courses_id = ec.id
               WHERE ec.tutor_id = :t ORDER BY s.session_date DESC""",
            t=world["tutor"],
        )
        assert by_tutor == [(with_board,)]
        by_student = rows(
            """SELECT s.id FROM sessions s JOIN enrolled_courses ec ON s.enrolled_courses_id = ec.id
               WHERE ec.student_id = :s ORDER BY s.session_date DESC""",
            s=world["student"],
        )
        assert by_student == [(with_board,)]


@pytest.mark.parametrize(
    ("where", "index"),
    [
        ("enrolled_courses_id = 1", "idx_sessions_enrolled_courses"),
        ("session_date = '2025-12-01'", "idx_sessions_date"),
        ("is_featured", "idx_sessions_featured"),
        ("is_recurring", "idx_sessions_recurring"),
    ],
)
def test_indexes_are_used(app, world, where, index):
    """With sequential scans priced out, the planner must choose the spec's index."""
    with app.app_context():
        insert_session(world["ec1"], None)
        db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(r[0] for r in rows(f"EXPLAIN SELECT * FROM sessions WHERE {where}"))
        db.session.rollback()
    assert index in plan
