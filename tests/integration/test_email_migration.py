"""Migration 0006: procrastinate's schema and the email tables come and go cleanly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade

from dashboard import create_app
from dashboard.extensions import db
from tests.conftest import app_config

EMAIL_TABLES = {"user_tokens", "session_reminders_sent"}

#: Every object of procrastinate's (tables, types, functions) in the public schema.
PROCRASTINATE_OBJECTS = """
    SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND relname LIKE 'procrastinate%'
    UNION ALL
    SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = 'public' AND typname LIKE 'procrastinate%'
    UNION ALL
    SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public' AND proname LIKE 'procrastinate%'
"""


def objects() -> set[str]:
    return set(db.session.scalars(sa.text(PROCRASTINATE_OBJECTS)))


def test_0006_downgrades_and_upgrades_cleanly(make_database):
    app = create_app(app_config(make_database("mig")))
    with app.app_context():
        upgrade()
        created = objects()
        assert {"procrastinate_jobs", "procrastinate_defer_jobs_v1"} <= created
        assert set(sa.inspect(db.engine).get_table_names()) >= EMAIL_TABLES
        db.session.remove()

        # Just 0006 (and any revision chained on top of it), whatever it is chained after.
        script = current_app.extensions["migrate"].migrate.get_config()
        before_0006 = ScriptDirectory.from_config(script).get_revision("0006_email").down_revision
        downgrade(revision=before_0006)
        assert objects() == set()
        assert not EMAIL_TABLES & set(sa.inspect(db.engine).get_table_names())
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("users")}
        assert "email_reminders" in columns  # 0005_admin's, the revision before
        db.session.remove()

        upgrade()
        assert objects() == created
        db.session.remove()
        db.engine.dispose()
