"""``flask seed-bulk``: counts, integrity, reproducibility and refusal."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from dashboard import create_app
from dashboard.database import libpq_url
from dashboard.extensions import db
from dashboard.services.bulk_data import BulkDataRefused, seed_bulk
from dashboard.services.schema_contract import ORPHANS_SQL
from tests.conftest import app_config

FINGERPRINT_SQL = """
SELECT md5(string_agg(s::text, ',' ORDER BY s.id)) FROM sessions s
"""


@pytest.fixture
def bulk_db(make_database):
    """A fresh migrated database; yields (app, libpq conninfo)."""
    from flask_migrate import upgrade

    url = make_database("bulk")
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
    yield app, libpq_url(url)
    with app.app_context():
        db.engine.dispose()


def scalar(app, sql: str):
    with app.app_context():
        return db.session.execute(sa.text(sql)).scalar_one()


def test_ten_thousand_sessions_counts_and_integrity(bulk_db):
    app, conninfo = bulk_db
    summary = seed_bulk(conninfo, sessions=10_000, tutors=20, students=200, seed=7)
    assert summary.sessions == 10_000
    assert scalar(app, "SELECT count(*) FROM sessions") == 10_000
    assert scalar(app, "SELECT count(*) FROM users WHERE role = 'tutor'") == 20
    assert scalar(app, "SELECT count(*) FROM users WHERE role = 'student'") == 200
    assert scalar(app, "SELECT count(*) FROM users WHERE role = 'parent'") == 100
    assert scalar(app, ORPHANS_SQL) == 0
    assert scalar(app, "SELECT count(DISTINCT status) FROM sessions") == 4
    assert scalar(app, "SELECT count(*) FROM sessions WHERE is_featured") > 0
    assert scalar(app, "SELECT count(*) FROM sessions WHERE is_recurring") > 0
    assert (
        scalar(
            app,
            "SELECT count(*) FROM sessions s"
            " LEFT JOIN whiteboard_sessions w ON w.id = s.whiteboard_id"
            " WHERE s.whiteboard_id IS NOT NULL AND w.id IS NULL",
        )
        == 0
    )
    # new rows after the generated ones get fresh ids (sequences were moved on)
    assert scalar(app, "SELECT last_value FROM sessions_id_seq") == 10_000


ATTENDANCE_KEYS_SQL = """
SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), '; ' ORDER BY conname)
  FROM pg_constraint WHERE conrelid = 'session_attendance'::regclass AND contype = 'f'
"""


def test_past_sessions_have_their_attendance_history(bulk_db):
    """Every past session that was not cancelled has attendance taken, by its tutor at its end."""
    app, conninfo = bulk_db
    anchor = date(2026, 11, 1)
    keys = scalar(app, ATTENDANCE_KEYS_SQL)
    assert "REFERENCES sessions(id) ON DELETE CASCADE" in keys
    summary = seed_bulk(conninfo, sessions=5_000, tutors=10, students=80, seed=5, today=anchor)
    past = scalar(
        app,
        "SELECT count(*) FROM sessions WHERE session_date < '2026-11-01' AND status <> 'cancelled'",
    )
    assert past > 3_000
    assert summary.attendance == past
    assert scalar(app, "SELECT count(*) FROM session_attendance") == past
    wrong = scalar(
        app,
        "SELECT count(*) FROM session_attendance a"
        " JOIN sessions s ON s.id = a.session_id"
        " JOIN enrolled_courses ec ON ec.id = s.enrolled_courses_id"
        " WHERE s.status = 'cancelled' OR s.session_date >= '2026-11-01'"
        " OR a.taken_by IS DISTINCT FROM ec.tutor_id"
        " OR a.taken_at <> (s.session_date + s.end_time) AT TIME ZONE 'Europe/London'",
    )
    assert wrong == 0
    # the foreign keys set aside for the load are back, exactly as the migration made them
    assert scalar(app, ATTENDANCE_KEYS_SQL) == keys


def test_same_seed_same_data_other_seed_other_data(bulk_db):
    app, conninfo = bulk_db
    anchor = date(2026, 11, 1)
    seed_bulk(conninfo, sessions=2_000, tutors=5, students=40, seed=3, today=anchor)
    first = scalar(app, FINGERPRINT_SQL)
    seed_bulk(conninfo, sessions=2_000, tutors=5, students=40, seed=3, today=anchor)
    assert scalar(app, FINGERPRINT_SQL) == first
    seed_bulk(conninfo, sessions=2_000, tutors=5, students=40, seed=4, today=anchor)
    assert scalar(app, FINGERPRINT_SQL) != first


def test_refuses_a_database_with_other_data_unless_forced(bulk_db):
    app, conninfo = bulk_db
    with app.app_context():
        db.session.execute(
            sa.text(
                "INSERT INTO users (email, full_name, role, password_hash) "
                "VALUES ('real@school.example', 'Real Person', 'tutor', 'x')"
            )
        )
        db.session.commit()
    with pytest.raises(BulkDataRefused, match="--force"):
        seed_bulk(conninfo, sessions=100, tutors=2, students=4, seed=1)
    assert scalar(app, "SELECT count(*) FROM users") == 1
    summary = seed_bulk(conninfo, sessions=100, tutors=2, students=4, seed=1, force=True)
    assert summary.sessions == 100
    assert scalar(app, "SELECT count(*) FROM users WHERE email = 'real@school.example'") == 1
    assert scalar(app, ORPHANS_SQL) == 0


def test_cli_prints_a_summary(bulk_db):
    app, _conninfo = bulk_db
    result = app.test_cli_runner().invoke(
        args=["seed-bulk", "--sessions", "500", "--tutors", "3", "--students", "10"]
    )
    assert result.exit_code == 0, result.output
    assert "Generated 500 sessions (" in result.output
    assert "with attendance taken)" in result.output
