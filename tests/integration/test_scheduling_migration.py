"""Migration 0004 matches the scheduling models exactly and leaves ``sessions`` alone."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from dashboard import create_app
from dashboard.database import include_in_autogenerate
from dashboard.extensions import db
from tests.conftest import app_config


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_object": include_in_autogenerate,
            },
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


SCHEDULING_TABLES = {
    "session_series",
    "session_conflict_overrides",
    "feed_tokens",
    "session_feed_sequences",
}


def test_0004_downgrades_and_upgrades_cleanly(make_database):
    app = create_app(app_config(make_database("mig")))
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert tables >= SCHEDULING_TABLES
        downgrade(revision="0003_session_changes")
        assert not SCHEDULING_TABLES & set(sa.inspect(db.engine).get_table_names())
        upgrade()
        assert set(sa.inspect(db.engine).get_table_names()) >= SCHEDULING_TABLES
        db.engine.dispose()
