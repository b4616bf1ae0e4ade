"""Reads end with COMMIT, so psycopg prepares a page's statements and PostgreSQL reuses
their plans (``dashboard/read_transactions.py``)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dashboard.extensions import db


def prepared_statements(app) -> list[str]:
    """The statements prepared on the pooled connection (the test client reuses one)."""
    with app.app_context():
        found = list(db.session.scalars(sa.text("SELECT statement FROM pg_prepared_statements")))
        db.session.commit()
    return found


def test_a_page_read_often_runs_prepared_statements(app, client, auth, demo):
    auth.login("tutor1@example.com")
    page = f"/tutors/{demo['tutor1@example.com']}/calendar?view=week"
    for _ in range(7):  # psycopg prepares a statement from its sixth run on one connection
        assert client.get(page).status_code == 200
    statements = prepared_statements(app)
    assert any("FROM users" in s for s in statements), statements  # the signed-in user
    assert any("FROM sessions" in s for s in statements), statements  # the calendar


def test_a_failed_read_still_rolls_back(app, client, auth, demo):
    auth.login("student1@example.com")
    other = demo["tutor2@example.com"]
    for _ in range(7):
        assert client.get(f"/tutors/{other}/calendar").status_code == 403
    # every answer was an error: each request ended with ROLLBACK, which clears psycopg's
    # counts, so nothing of the sign-in check was prepared
    assert not any("FROM users" in s for s in prepared_statements(app))


def test_prepared_statements_can_be_switched_off_for_a_pooler(monkeypatch, database_url):
    from dashboard import create_app
    from dashboard.config import prepare_threshold_from_environment
    from tests.conftest import app_config

    monkeypatch.setenv("DB_PREPARE_THRESHOLD", "off")
    app = create_app(app_config(database_url))
    with app.app_context():
        assert db.session.connection().connection.dbapi_connection.prepare_threshold is None
        db.session.rollback()
        db.engine.dispose()
    monkeypatch.setenv("DB_PREPARE_THRESHOLD", "sometimes")
    with pytest.raises(ValueError, match="DB_PREPARE_THRESHOLD must be a whole number"):
        prepare_threshold_from_environment()
    monkeypatch.setenv("DB_PREPARE_THRESHOLD", "2")
    assert prepare_threshold_from_environment() == 2
