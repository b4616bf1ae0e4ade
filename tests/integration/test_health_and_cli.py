"""``/healthz``, ``seed-demo`` and ``verify-schema``."""

from __future__ import annotations

import sqlalchemy as sa

from dashboard import create_app
from dashboard.extensions import db
from dashboard.models import Session, User
from dashboard.services.demo_data import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.conftest import app_config


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_503_when_database_unreachable():
    # Port 1 on localhost: nothing listens there, so the connection is refused at once.
    app = create_app(app_config("postgresql://nobody@127.0.0.1:1/nowhere?connect_timeout=2"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_seed_demo_is_idempotent_and_complete(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "created" in first.output
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "nothing changed" in second.output
    assert DEMO_PASSWORD in second.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Session)) == 25
        roles = dict(
            db.session.execute(sa.select(User.role, sa.func.count()).group_by(User.role)).all()
        )
        assert roles == {"coordinator": 1, "tutor": 3, "student": 6, "parent": 2}
        emails = set(db.session.scalars(sa.select(User.email)))
        assert emails == {email for email, _n, _r in DEMO_ACCOUNTS}
        statuses = set(db.session.scalars(sa.select(Session.status)))
        assert statuses == {"scheduled", "completed", "cancelled", "rescheduled"}
        assert set(db.session.scalars(sa.select(Session.priority_level))) == {
            "low", "medium", "high", "urgent"
        }  # fmt: skip
        assert db.session.scalar(sa.select(sa.func.count()).where(Session.is_featured)) >= 3
        assert (
            db.session.scalar(sa.select(sa.func.count()).where(Session.whiteboard_id.is_not(None)))
            > 0
        )


def test_demo_passwords_are_hashed(app, demo):
    with app.app_context():
        hashes = set(db.session.scalars(sa.select(User.password_hash)))
    assert all(h.startswith("scrypt:") for h in hashes)
    assert DEMO_PASSWORD not in "".join(hashes)


def test_verify_schema_passes_on_a_migrated_database(runner):
    result = runner.invoke(args=["verify-schema"])
    assert result.exit_code == 0, result.output
    assert "sessions_whiteboard_id_fkey | FOREIGN KEY (whiteboard_id) REFERENCES" in result.output
    assert "Schema matches the spec." in result.output


def test_verify_schema_fails_after_an_index_is_dropped(make_database):
    from flask_migrate import upgrade

    app = create_app(app_config(make_database("verify")))
    with app.app_context():
        upgrade()
        db.session.execute(sa.text("DROP INDEX idx_sessions_featured"))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["verify-schema"])
    assert result.exit_code == 1
    assert "Indexes: DIFFERENT" in result.output
    with app.app_context():
        db.engine.dispose()
