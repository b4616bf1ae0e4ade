"""Migrations ``0001_baseline`` and ``0002_update_sessions_references`` on real PostgreSQL.

Every test gets its own empty database and runs the project's Alembic
migrations through Flask-Migrate, exactly as ``flask --app wsgi db upgrade``
does. The data tests fill the legacy (0001) schema the way a centre's
database looked before the update, then check that 0002 carries every session
over, refuses what it cannot map without changing anything, and that its
downgrade (the spec's rollback) gives back exactly what was there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_migrate import downgrade, upgrade

from dashboard import create_app
from dashboard.database import include_in_autogenerate
from dashboard.extensions import db
from dashboard.services.schema_contract import (
    EXPECTED_FOREIGN_KEYS,
    FOREIGN_KEYS_SQL,
    INDEXES_SQL,
    ORPHANS_SQL,
    run_checks,
)
from tests.conftest import app_config

BASELINE = "0001_baseline"
UPDATE = "0002_update_sessions_references"
#: Every revision, newest first; later ones add tables beside ``sessions``.
REVISIONS = [
    "0009_outbox_errors",
    "0007_api_tokens",
    "0006_email",
    "0005_admin",
    "0008_lifecycle",
    "0004_scheduling",
    "0003_session_changes",
    UPDATE,
    BASELINE,
]
LATEST = REVISIONS[0]

LEGACY_FOREIGN_KEYS = [
    (
        "sessions_course_enrollment_id_fkey",
        "FOREIGN KEY (course_enrollment_id) REFERENCES enrolled_students(id) ON DELETE CASCADE",
    )
]
JSON_COLUMNS = frozenset({"topics", "topics_covered", "recurring_pattern"})
LEGACY_INDEXES = [
    ("idx_sessions_date",),
    ("idx_sessions_enrollment",),
    ("idx_sessions_featured",),
    ("idx_sessions_recurring",),
    ("sessions_pkey",),
]


@pytest.fixture
def empty_app(make_database) -> Iterator[Flask]:
    """An app (context pushed) on a brand-new database no migration has touched."""
    app = create_app(app_config(make_database("mig")))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


# --- reading and writing the database ------------------------------------------------------
# Every statement runs in its own committed transaction, so no lock is held
# while a migration needs the tables.


def query(sql: str, **params: object) -> list[dict[str, Any]]:
    with db.engine.begin() as conn:
        return [dict(row) for row in conn.execute(sa.text(sql), params).mappings()]


def tuples(sql: str, **params: object) -> list[tuple]:
    with db.engine.begin() as conn:
        return [tuple(row) for row in conn.execute(sa.text(sql), params)]


def scalar(sql: str, **params: object) -> Any:
    with db.engine.begin() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def execute(sql: str, **params: object) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def insert(table: str, **values: object) -> int:
    """INSERT one row and return its id; JSON columns are given as JSON text."""
    names = ", ".join(values)
    placeholders = ", ".join(
        f"CAST(:{name} AS json)" if name in JSON_COLUMNS else f":{name}" for name in values
    )
    return scalar(f"INSERT INTO {table} ({names}) VALUES ({placeholders}) RETURNING id", **values)


def revision() -> list[str]:
    return [row[0] for row in tuples("SELECT version_num FROM alembic_version")]


def session_columns() -> list[str]:
    return [
        row[0]
        for row in tuples(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = 'sessions' ORDER BY ordinal_position"
        )
    ]


def public_relations() -> set[str]:
    """Every table, index, sequence and view left in the ``public`` schema."""
    return {
        row[0]
        for row in tuples(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public'"
        )
    }


def sessions_snapshot() -> dict[int, dict[str, Any]]:
    """Every session by id: each column's value, plus the row's exact text form.

    ``row_text`` is PostgreSQL's own rendering of the whole row, so JSON kept
    byte for byte and timestamps to the microsecond are compared too.
    """
    rows = query("SELECT s.*, s::text AS row_text FROM sessions s ORDER BY s.id")
    return {row["id"]: row for row in rows}


def without(rows: dict[int, dict[str, Any]], *keys: str) -> dict[int, dict[str, Any]]:
    return {
        sid: {k: v for k, v in row.items() if k not in keys and k != "row_text"}
        for sid, row in rows.items()
    }


def data_snapshot() -> dict[str, list[str]]:
    """Every row of every table in ``public`` (including alembic_version), as text."""
    tables = [row[0] for row in tuples("SELECT tablename FROM pg_tables WHERE schemaname='public'")]
    return {
        table: sorted(row[0] for row in tuples(f'SELECT t::text FROM "{table}" t'))
        for table in sorted(tables)
    }


def schema_snapshot() -> dict[str, list[tuple]]:
    """The ``public`` schema as the catalogue describes it: what a migration may change."""
    return {
        "columns": tuples(
            """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                      pg_get_expr(d.adbin, d.adrelid), col_description(c.oid, a.attnum)
               FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
               WHERE c.relkind = 'r' ORDER BY c.relname, a.attnum"""
        ),
        "tables": tuples(
            """SELECT tablename, obj_description(format('%I', tablename)::regclass, 'pg_class')
               FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"""
        ),
        "constraints": tuples(
            """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
               FROM pg_constraint WHERE connamespace = 'public'::regnamespace
               ORDER BY 1, 2"""
        ),
        "indexes": tuples(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
        ),
    }


def failing_spec_checks() -> list[str]:
    """Titles of the ``verify-schema`` checks that fail (the session is closed again)."""
    try:
        return [check.title for check in run_checks(db.session) if not check.ok]
    finally:
        db.session.remove()


def upgrade_refusal(capsys: pytest.CaptureFixture[str]) -> str:
    """Run the upgrade to head, expecting 0002 to refuse; return the error it logged.

    Flask-Migrate turns the migration's error into ``Error: …`` on stderr and
    exit status 1, which is what an operator running ``flask db upgrade`` sees.
    """
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        upgrade(revision=UPDATE)
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "Error: Cannot update the sessions table" in err, err
    return err


def named_session_ids(message: str) -> list[int]:
    found = re.search(r"session\(s\) ([\d, ]+) reference", message)
    assert found, message
    return [int(part) for part in found.group(1).split(",")]


# --- a legacy centre, as the database looked at 0001 --------------------------------------


def add_user(role: str, name: str) -> int:
    return insert(
        "users",
        email=f"{name.lower()}@example.com",
        full_name=name,
        role=role,
        password_hash="x",
    )


def add_session(enrolment: int | None, **values: object) -> int:
    """A legacy (0001) session; every column gets a non-default value unless given."""
    row: dict[str, object] = {
        "course_enrollment_id": enrolment,
        "topics": '["Fractions", "Decimals"]',
        "topics_covered": '["Fractions"]',
        "session_date": date(2025, 11, 3),
        "start_time": time(16, 0),
        "end_time": time(17, 0),
        "duration": 60,
        "session_mode": "in-person",
        "location": "Room 2, High Street centre",
        "whiteboard_id": None,
        "student_review_id": 11,
        "tutor_review_id": 12,
        "parent_review_id": 13,
        "tutor_attendance_status": "late",
        "student_attendance_status": "absent",
        "priority_level": "high",
        "is_recurring": True,
        "session_frequency": "weekly",
        "recurring_pattern": '{"rrule": "FREQ=WEEKLY;BYDAY=MO", "tz": "Europe/London"}',
        "notification_enabled": True,
        "alarm_enabled": True,
        "alarm_before_minutes": 30,
        "is_featured": True,
        "status": "completed",
        "created_at": datetime(2025, 10, 1, 9, 15, 0, 123456),
        "updated_at": datetime(2025, 11, 3, 17, 5, 0, 500000),
    }
    row.update(values)
    return insert("sessions", **row)


def add_enrolled_course(course: int, tutor: int, student: int) -> int:
    return insert("enrolled_courses", course_id=course, tutor_id=tutor, student_id=student)


def add_legacy_enrolment(course: int, student: int, tutor: int | None) -> int:
    return insert(
        "enrolled_students",
        course_id=course,
        student_id=student,
        tutor_id=tutor,
        enrolled_at=datetime(2024, 9, 2, 8, 30),
    )


def seed_legacy_centre() -> dict[str, int]:
    """A centre at 0001: people, courses, both enrolment tables, boards and six sessions.

    Legacy ids start at 101 so they can never be mistaken for enrolled_courses ids.
    Returns every id by a readable name.
    """
    ids: dict[str, int] = {}
    for key in ("t1", "t2", "t3"):
        ids[key] = add_user("tutor", key)
    for key in ("s1", "s2", "s3", "s4"):
        ids[key] = add_user("student", key)
    for key in ("maths", "physics", "english"):
        ids[key] = insert("courses", title=key.title(), subject=key)

    # enrolled_courses rows that already exist before the update.
    ids["ec_maths_s1"] = add_enrolled_course(ids["maths"], ids["t1"], ids["s1"])
    ids["ec_english_s3"] = add_enrolled_course(ids["english"], ids["t3"], ids["s3"])

    execute("SELECT setval('enrolled_students_id_seq', 100)")
    # Maps to the existing ec_maths_s1.
    ids["l_maths_s1"] = add_legacy_enrolment(ids["maths"], ids["s1"], ids["t1"])
    # No enrolled_courses row yet: the upgrade creates one, shared by both legacy rows.
    ids["l_physics_s2"] = add_legacy_enrolment(ids["physics"], ids["s2"], ids["t2"])
    ids["l_physics_s2_again"] = add_legacy_enrolment(ids["physics"], ids["s2"], ids["t2"])
    # No enrolled_courses row yet either.
    ids["l_maths_s2"] = add_legacy_enrolment(ids["maths"], ids["s2"], ids["t1"])
    # No tutor recorded; exactly one enrolled_courses row has this course and student.
    ids["l_english_s3"] = add_legacy_enrolment(ids["english"], ids["s3"], None)
    # No session uses it, so the upgrade has no reason to create an enrolled_courses row.
    ids["l_unused"] = add_legacy_enrolment(ids["maths"], ids["s4"], ids["t2"])

    ids["wb1"] = insert(
        "whiteboard_sessions", session_name="Tom's board", board_url="https://wb.example/1"
    )
    ids["wb2"] = insert(
        "whiteboard_sessions", session_name="Tara's board", board_url="https://wb.example/2"
    )

    ids["session_maths_s1"] = add_session(ids["l_maths_s1"], whiteboard_id=ids["wb1"])
    ids["session_physics_s2"] = add_session(
        ids["l_physics_s2"],
        topics='["Kinematics"]',
        topics_covered="[]",
        session_date=date(2025, 11, 4),
        start_time=time(17, 30),
        end_time=time(19, 0, 30),
        duration=90,
        session_mode="hybrid",
        location="Library",
        whiteboard_id=ids["wb2"],
        student_review_id=21,
        tutor_review_id=None,
        parent_review_id=23,
        tutor_attendance_status="excused",
        student_attendance_status="late",
        priority_level="urgent",
        is_recurring=False,
        session_frequency="biweekly",
        recurring_pattern='{"interval":  2}',
        notification_enabled=False,
        alarm_enabled=True,
        alarm_before_minutes=0,
        is_featured=False,
        status="rescheduled",
        created_at=datetime(2025, 9, 30, 23, 59, 59, 999999),
        updated_at=datetime(2025, 11, 1, 0, 0, 0, 1),
    )
    ids["session_physics_s2_again"] = add_session(
        ids["l_physics_s2_again"],
        topics='["Energy", "Power"]',
        topics_covered='["Energy"]',
        session_date=date(2026, 1, 15),
        session_mode="online",
        location=None,
        status="cancelled",
        priority_level="low",
        recurring_pattern=None,
        is_recurring=False,
        session_frequency="monthly",
    )
    ids["session_maths_s2"] = add_session(
        ids["l_maths_s2"],
        topics="[]",
        topics_covered=None,
        session_date=date(2024, 2, 29),
        start_time=time(8, 15, 45),
        end_time=time(9, 0),
        duration=None,
        session_frequency="daily",
        tutor_attendance_status="absent",
        student_attendance_status="excused",
        alarm_before_minutes=1440,
    )
    ids["session_english_s3"] = add_session(
        ids["l_english_s3"],
        whiteboard_id=ids["wb2"],
        topics='["Macbeth act 1"]',
        session_mode="in-person",
        status="scheduled",
        priority_level="medium",
        is_featured=False,
    )
    ids["session_without_enrolment"] = add_session(None, session_date=date(2025, 12, 24))
    return ids


def expected_enrolments(ids: dict[str, int]) -> dict[int, tuple[int, int, int] | None]:
    """session id → (course, student, tutor) its enrolled_courses row must have after 0002."""
    return {
        ids["session_maths_s1"]: (ids["maths"], ids["s1"], ids["t1"]),
        ids["session_physics_s2"]: (ids["physics"], ids["s2"], ids["t2"]),
        ids["session_physics_s2_again"]: (ids["physics"], ids["s2"], ids["t2"]),
        ids["session_maths_s2"]: (ids["maths"], ids["s2"], ids["t1"]),
        ids["session_english_s3"]: (ids["english"], ids["s3"], ids["t3"]),
        ids["session_without_enrolment"]: None,
    }


def actual_enrolments() -> dict[int, tuple[int, int, int] | None]:
    rows = tuples(
        """SELECT s.id, ec.course_id, ec.student_id, ec.tutor_id
           FROM sessions s LEFT JOIN enrolled_courses ec ON ec.id = s.enrolled_courses_id"""
    )
    return {
        sid: None if course is None else (course, student, tutor)
        for sid, course, student, tutor in rows
    }


def enrolled_courses() -> set[tuple[int, int, int]]:
    return set(tuples("SELECT course_id, tutor_id, student_id FROM enrolled_courses"))


def autogenerate_diff() -> list[Any]:
    """What ``flask db migrate`` would write: differences between the models and the DDL."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_object": include_in_autogenerate,
            },
        )
        return compare_metadata(context, db.metadata)


# --- the revision graph and the schema ---------------------------------------------------


def test_one_head_and_the_documented_revision_ids(empty_app):
    config = current_app.extensions["migrate"].migrate.get_config()
    script = ScriptDirectory.from_config(config)
    assert script.get_heads() == [LATEST]
    assert script.get_revision(BASELINE).down_revision is None
    assert script.get_revision(UPDATE).down_revision == BASELINE
    assert [rev.revision for rev in script.walk_revisions()] == REVISIONS


def test_base_head_base_head_on_an_empty_database(empty_app):
    upgrade(revision=UPDATE)
    assert revision() == [UPDATE]
    assert failing_spec_checks() == []
    head_schema = schema_snapshot()

    downgrade(revision="base")
    assert revision() == []
    assert public_relations() == {"alembic_version", "alembic_version_pkc"}

    upgrade(revision=BASELINE)
    baseline_schema = schema_snapshot()
    upgrade(revision=UPDATE)
    assert schema_snapshot() == head_schema
    downgrade(revision=BASELINE)
    assert revision() == [BASELINE]
    assert schema_snapshot() == baseline_schema, "0002's downgrade must restore 0001 exactly"

    downgrade(revision="base")
    assert public_relations() == {"alembic_version", "alembic_version_pkc"}
    upgrade(revision=UPDATE)
    assert revision() == [UPDATE]
    assert schema_snapshot() == head_schema
    assert failing_spec_checks() == []


def test_baseline_is_the_legacy_schema(empty_app):
    upgrade(revision=BASELINE)
    assert revision() == [BASELINE]
    columns = session_columns()
    assert len(columns) == 27
    assert columns[1] == "course_enrollment_id"
    assert "enrolled_courses_id" not in columns
    assert tuples(FOREIGN_KEYS_SQL) == LEGACY_FOREIGN_KEYS
    assert tuples(INDEXES_SQL) == LEGACY_INDEXES
    assert "sessions_legacy_enrollment" not in public_relations()


def test_head_is_the_spec_schema(empty_app):
    upgrade()
    assert revision() == [LATEST]
    assert session_columns()[1] == "enrolled_courses_id"
    assert tuples(FOREIGN_KEYS_SQL) == EXPECTED_FOREIGN_KEYS
    assert failing_spec_checks() == []


def test_models_match_the_migrated_schema(empty_app):
    upgrade(revision=BASELINE)
    # The comparison does see differences: at 0001 the whiteboard FK is missing.
    assert "sessions_whiteboard_id_fkey" in repr(autogenerate_diff())
    upgrade()
    assert autogenerate_diff() == []


# --- carrying data over ------------------------------------------------------------------


def test_existing_sessions_survive_upgrade_downgrade_upgrade(empty_app):
    upgrade(revision=BASELINE)
    ids = seed_legacy_centre()
    original = sessions_snapshot()
    legacy_before = data_snapshot()["enrolled_students"]
    courses_before = enrolled_courses()
    assert len(original) == 6

    upgrade(revision=UPDATE)
    assert revision() == [UPDATE]
    upgraded = sessions_snapshot()
    assert actual_enrolments() == expected_enrolments(ids)
    assert upgraded[ids["session_maths_s1"]]["enrolled_courses_id"] == ids["ec_maths_s1"]
    assert upgraded[ids["session_english_s3"]]["enrolled_courses_id"] == ids["ec_english_s3"]
    assert (
        upgraded[ids["session_physics_s2"]]["enrolled_courses_id"]
        == upgraded[ids["session_physics_s2_again"]]["enrolled_courses_id"]
    )
    # Exactly the two missing enrolments were created; the unused legacy row made none.
    assert enrolled_courses() == courses_before | {
        (ids["physics"], ids["t2"], ids["s2"]),
        (ids["maths"], ids["t1"], ids["s2"]),
    }
    # A created enrolment keeps the date of the legacy enrolment it came from.
    assert scalar(
        "SELECT enrolled_at FROM enrolled_courses WHERE course_id = :c AND student_id = :s",
        c=ids["physics"],
        s=ids["s2"],
    ) == datetime(2024, 9, 2, 8, 30)
    assert scalar(ORPHANS_SQL) == 0
    assert failing_spec_checks() == []
    assert without(upgraded, "enrolled_courses_id") == without(original, "course_enrollment_id")

    downgrade(revision=BASELINE)
    assert revision() == [BASELINE]
    assert sessions_snapshot() == original
    assert data_snapshot()["enrolled_students"] == legacy_before
    assert "sessions_legacy_enrollment" not in public_relations()

    upgrade(revision=UPDATE)
    assert sessions_snapshot() == upgraded
    assert scalar(ORPHANS_SQL) == 0


def test_changes_made_after_the_upgrade_survive_downgrade_and_upgrade(empty_app):
    upgrade(revision=BASELINE)
    ids = seed_legacy_centre()
    upgrade(revision=UPDATE)

    # A new enrolment with no legacy counterpart, and a session on it.
    ec_new = add_enrolled_course(ids["physics"], ids["t3"], ids["s4"])
    new_session = insert(
        "sessions",
        enrolled_courses_id=ec_new,
        whiteboard_id=ids["wb1"],
        topics='["Optics"]',
        session_date=date(2026, 3, 2),
        start_time=time(10),
        end_time=time(11),
        updated_at=datetime(2026, 3, 1, 12, 0, 0, 42),
    )
    # A session moved to another tutor of the same course and student.
    ec_moved = add_enrolled_course(ids["maths"], ids["t2"], ids["s1"])
    execute(
        "UPDATE sessions SET enrolled_courses_id = :ec WHERE id = :id",
        ec=ec_moved,
        id=ids["session_maths_s1"],
    )
    # A second tutor for the course and student whose legacy enrolment had no tutor:
    # that legacy row alone no longer says which enrolled_courses row is meant.
    add_enrolled_course(ids["english"], ids["t1"], ids["s3"])
    before = sessions_snapshot()

    downgrade(revision=BASELINE)
    legacy = {
        row["id"]: (row["course_id"], row["student_id"], row["tutor_id"])
        for row in query("SELECT * FROM enrolled_students")
    }
    downgraded = sessions_snapshot()

    def legacy_enrolment_of(session_id: int) -> tuple[int, int, int | None]:
        return legacy[downgraded[session_id]["course_enrollment_id"]]

    assert legacy_enrolment_of(new_session) == (ids["physics"], ids["s4"], ids["t3"])
    assert legacy_enrolment_of(ids["session_maths_s1"]) == (ids["maths"], ids["s1"], ids["t2"])
    assert legacy_enrolment_of(ids["session_english_s3"]) == (ids["english"], ids["s3"], ids["t3"])
    # Untouched sessions still get their own legacy row back.
    assert (
        downgraded[ids["session_physics_s2_again"]]["course_enrollment_id"]
        == (ids["l_physics_s2_again"])
    )

    upgrade(revision=UPDATE)
    after = sessions_snapshot()
    assert after == before
    assert after[new_session]["enrolled_courses_id"] == ec_new
    assert after[ids["session_maths_s1"]]["enrolled_courses_id"] == ec_moved


# --- refusing what cannot be carried over -------------------------------------------------


def _tutorless_without_match(ids: dict[str, int]) -> list[int]:
    legacy = add_legacy_enrolment(ids["physics"], ids["s4"], None)
    return [add_session(legacy), add_session(legacy, status="cancelled")]


def _tutorless_with_two_matches(ids: dict[str, int]) -> list[int]:
    add_enrolled_course(ids["physics"], ids["t1"], ids["s3"])
    add_enrolled_course(ids["physics"], ids["t2"], ids["s3"])
    return [add_session(add_legacy_enrolment(ids["physics"], ids["s3"], None))]


def _missing_whiteboard(ids: dict[str, int]) -> list[int]:
    return [add_session(ids["l_maths_s1"], whiteboard_id=987_654)]


def _all_at_once(ids: dict[str, int]) -> list[int]:
    return sorted(
        _tutorless_without_match(ids) + _tutorless_with_two_matches(ids) + _missing_whiteboard(ids)
    )


def _tutorless_while_the_upgrade_adds_a_second_tutor(ids: dict[str, int]) -> list[int]:
    # english/s3 has one enrolled_courses row (t3), but another legacy session says
    # t1 teaches it too; the upgrade would create that row, so the tutor-less
    # enrolment becomes ambiguous and must be refused, not guessed.
    add_session(add_legacy_enrolment(ids["english"], ids["s3"], ids["t1"]))
    return [ids["session_english_s3"]]


@pytest.mark.parametrize(
    "make_bad_rows",
    [
        _tutorless_without_match,
        _tutorless_with_two_matches,
        _missing_whiteboard,
        _all_at_once,
        _tutorless_while_the_upgrade_adds_a_second_tutor,
    ],
)
def test_upgrade_refuses_unmappable_sessions_and_changes_nothing(empty_app, capsys, make_bad_rows):
    upgrade(revision=BASELINE)
    ids = seed_legacy_centre()
    bad = make_bad_rows(ids)
    data_before = data_snapshot()
    schema_before = schema_snapshot()

    message = upgrade_refusal(capsys)

    assert named_session_ids(message) == bad
    assert "Nothing was changed" in message
    assert revision() == [BASELINE]
    assert session_columns()[1] == "course_enrollment_id"
    assert data_snapshot() == data_before
    assert schema_snapshot() == schema_before

    # Once those rows are dealt with, the same upgrade goes through.
    execute("DELETE FROM sessions WHERE id = ANY(:bad)", bad=bad)
    upgrade(revision=UPDATE)
    assert revision() == [UPDATE]
    assert scalar(ORPHANS_SQL) == 0
