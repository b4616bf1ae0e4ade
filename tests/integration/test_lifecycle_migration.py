"""Migration 0008 adds the lifecycle tables beside ``sessions``, and takes them away again."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from dashboard import create_app
from dashboard.extensions import db
from tests.conftest import app_config

LIFECYCLE_TABLES = {
    "session_attendance",
    "session_cancellations",
    "session_reviews",
    "session_notes",
}


def session_columns() -> list[str]:
    return [column["name"] for column in sa.inspect(db.engine).get_columns("sessions")]


def test_0008_downgrades_and_upgrades_cleanly_leaving_sessions_alone(make_database):
    app = create_app(app_config(make_database("mig8")))
    with app.app_context():
        upgrade(revision="0004_scheduling")
        before = session_columns()
        upgrade(revision="0008_lifecycle")
        assert set(sa.inspect(db.engine).get_table_names()) >= LIFECYCLE_TABLES
        assert session_columns() == before
        downgrade(revision="0004_scheduling")
        assert not LIFECYCLE_TABLES & set(sa.inspect(db.engine).get_table_names())
        upgrade(revision="0008_lifecycle")
        assert set(sa.inspect(db.engine).get_table_names()) >= LIFECYCLE_TABLES
        db.engine.dispose()
