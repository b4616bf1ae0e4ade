"""Shared fixtures: a real PostgreSQL for the whole run, an app and client per test.

The database is an embedded PostgreSQL started once per test run in a temporary
directory (or the server in ``TEST_DATABASE_URL``). The app database is
migrated with the project's own Alembic migrations, so every test runs on the
schema the migrations produce. Tests commit for real (the concurrency tests
need two connections to see each other), and every table is truncated after
each test instead of rolling back a wrapping transaction.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from dashboard import create_app
from dashboard.database import (
    libpq_url,
    normalise_database_url,
    start_embedded_server,
    stop_embedded_server,
)
from dashboard.extensions import db

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

#: Tables of the job queue (procrastinate), emptied after each test with the app's own.
PROCRASTINATE_TABLES = [
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
]


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """libpq URL of a PostgreSQL server's ``postgres`` database, for the whole run."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield libpq_url(normalise_database_url(configured))
        return
    with tempfile.TemporaryDirectory(prefix="tutoring-pg-") as tmp:
        os.chmod(tmp, 0o755)  # the embedded server runs as its own user when we are root
        pgdata = Path(tmp) / "pgdata"
        url = start_embedded_server(pgdata)
        with psycopg.connect(url, autocommit=True) as conn:
            # Throw-away data: no need to wait for the disk.
            conn.execute("ALTER SYSTEM SET fsync = off")
            conn.execute("ALTER SYSTEM SET synchronous_commit = off")
            conn.execute("SELECT pg_reload_conf()")
        yield url
        stop_embedded_server(pgdata)  # before its directory goes


@pytest.fixture(scope="session")
def make_database(server_url: str):
    """Factory: create a fresh empty database and return its SQLAlchemy URL."""
    from dashboard.database import ensure_database

    created: list[str] = []

    def make(prefix: str = "t") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        created.append(name)
        return normalise_database_url(ensure_database(server_url, name))

    yield make
    if not os.environ.get("TEST_DATABASE_URL"):
        return  # the throw-away embedded server is deleted with all its databases
    with psycopg.connect(server_url, autocommit=True) as conn:
        for name in created:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_config(database_url: str, **overrides: object) -> dict[str, object]:
    """Config for an app under test: fixed secret, no Secure cookies over http."""
    config: dict[str, object] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_SECURE": False,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def database_url(make_database) -> str:
    """The test run's app database, migrated to head by the project's migrations."""
    from flask_migrate import upgrade

    url = make_database("app")
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """A fresh app on the migrated database; tables are emptied afterwards."""
    app = create_app(app_config(database_url))
    yield app
    with app.app_context():
        db.session.remove()
        names = [t.name for t in db.metadata.sorted_tables if t.name != "alembic_version"]
        names += PROCRASTINATE_TABLES  # the job queue's own tables (migration 0006)
        tables = ", ".join(f'"{name}"' for name in names)
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Test client of ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """CLI runner of ``app``."""
    return app.test_cli_runner()


@pytest.fixture
def demo(app: Flask) -> dict[str, int]:
    """Seed the demo centre; return user ids by email."""
    from dashboard.models import User
    from dashboard.services.demo_data import seed_demo

    with app.app_context():
        seed_demo(db.session, timezone=app.config["SCHEDULE_TIMEZONE"])
        db.session.commit()
        return {user.email: user.id for user in db.session.scalars(sa.select(User))}


class AuthActions:
    """Sign in and out through the real form (flaskr's ``auth`` fixture)."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def csrf_token(self) -> str:
        """A valid CSRF token for this client's session (from the sign-in page)."""
        import re

        page = self._client.get("/login", follow_redirects=True).get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            r'"X-CSRFToken": "([^"]+)"', page
        )
        assert match, "no CSRF token on the sign-in page"
        return match.group(1)

    def login(self, email: str, password: str = "tutoring-demo"):
        """Sign in as ``email``; returns the response of the POST."""
        for cookie in ("session", "remember_token"):
            self._client.delete_cookie(cookie)
        return self._client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": self.csrf_token()},
        )

    def logout(self):
        """Sign out."""
        return self._client.post("/logout", data={"csrf_token": self.csrf_token()})


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Sign-in helper bound to ``client``."""
    return AuthActions(client)
