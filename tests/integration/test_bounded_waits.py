"""Bounded database waits (issue 11 item 4): a held lock or a frozen server gets a clear answer.

The app is served over real HTTP in a background thread (werkzeug, threaded,
``tests/live_server.py``, like the browser tests), so a request stuck behind a
row lock and the requests that must keep answering meanwhile run at the same
time. Locks are held by a second, plain psycopg connection; the frozen
database is an embedded PostgreSQL of the test's own, stopped with SIGSTOP.
"""

from __future__ import annotations

import os
import re
import signal
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from datetime import time as clock
from http.cookiejar import CookieJar
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask

from dashboard import create_app
from dashboard.config import DatabaseTimeouts
from dashboard.database import (
    ensure_database,
    libpq_url,
    start_embedded_server,
    stop_embedded_server,
)
from dashboard.extensions import db
from tests.builders import Builder
from tests.conftest import app_config
from tests.integration.edits_support import HTMX, audit_rows, full_row, view_of
from tests.live_server import served

LOCK_TIMEOUT_S = 1.0
BUSY_TEXT = "Someone else is saving this session — try again in a moment."


# --- A live app with short timeouts -------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str
    seconds: float


class Browser:
    """A signed-in HTTP client of the live server (its own cookies and CSRF token)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()
        self.csrf = ""

    def request(
        self,
        path: str,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> Response:
        """GET (or POST ``data``), never following redirects; any status is returned."""
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirects()
        )
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        started = time.monotonic()
        try:
            with opener.open(request, timeout=timeout) as answer:
                status, head, text = answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as error:
            status, head, text = error.code, dict(error.headers), error.read()
        return Response(status, head, text.decode(), time.monotonic() - started)

    def sign_in(self, email: str) -> None:
        page = self.request("/login").body
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        answer = self.request(
            "/login", {"email": email, "password": "tutoring-demo", "csrf_token": token}
        )
        assert answer.status in (302, 303), answer.body
        home = self.request(answer.headers["Location"]).body
        self.csrf = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Centre:
    app: Flask
    base: str
    session_id: int
    coordinator: str
    url: str  # libpq URL of the app's database


def _short_timeouts(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    """Configure the timeouts the way an operator does: ``DB_*`` environment variables."""
    settings = {"DB_LOCK_TIMEOUT_MS": str(int(LOCK_TIMEOUT_S * 1000))} | values
    for name, value in settings.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def centre_factory(
    make_database, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Centre]]:
    """Factory: a migrated database with one session, and the app on it, served over HTTP."""
    from flask_migrate import upgrade

    stack: list[tuple[Flask, object]] = []

    def make(**timeouts: str) -> Centre:
        _short_timeouts(monkeypatch, **timeouts)
        url = make_database("waits")
        app = create_app(app_config(url))
        with app.app_context():
            upgrade()
        build = Builder(app)
        coordinator = build.user("coordinator", "boss@test.example")
        tutor = build.user("tutor")
        student = build.user("student")
        session_id = build.session(
            build.enrolment(tutor, student),
            date.today() + timedelta(days=3),
            clock(10),
            priority_level="low",
        )
        assert coordinator
        serving = served(app)
        base = serving.__enter__()
        stack.append((app, serving))
        return Centre(app, base, session_id, "boss@test.example", libpq_url(url))

    yield make
    for app, serving in stack:
        serving.__exit__(None, None, None)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@contextmanager
def row_locked(url: str, session_id: int) -> Iterator[None]:
    """Hold ``sessions`` row ``session_id`` FOR UPDATE in another connection, as a slow writer."""
    with psycopg.connect(url) as other:
        other.execute("SELECT 1 FROM sessions WHERE id = %s FOR UPDATE", (session_id,))
        yield
        other.rollback()


@contextmanager
def table_locked(url: str) -> Iterator[None]:
    """Hold an ACCESS EXCLUSIVE lock on ``sessions``: even plain reads of it must wait."""
    with psycopg.connect(url) as other:
        other.execute("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE")
        yield
        other.rollback()


def _priority_form(centre: Centre, browser: Browser, value: str = "urgent") -> dict[str, str]:
    return {
        "priority_level": value,
        "version": view_of(centre.app, centre.session_id).version,
        "csrf_token": browser.csrf,
    }


# --- A row someone else holds FOR UPDATE ---------------------------------------


def test_inline_edit_of_a_locked_row_answers_409_within_the_lock_timeout(centre_factory):
    centre = centre_factory()
    browser = Browser(centre.base)
    browser.sign_in(centre.coordinator)
    before = full_row(centre.app, centre.session_id)
    form = _priority_form(centre, browser)
    edit_path = f"/sessions/{centre.session_id}/priority"

    with row_locked(centre.url, centre.session_id), ThreadPoolExecutor(4) as pool:
        htmx_edit = pool.submit(browser.request, edit_path, form, HTMX)
        time.sleep(0.1)
        plain_edit = pool.submit(browser.request, edit_path, form)
        time.sleep(0.2)  # both edits are now waiting for the row
        # Meanwhile the rest of the app answers at once: the probe and a page of the same session.
        health = browser.request("/healthz")
        detail = browser.request(f"/sessions/{centre.session_id}")
        assert not htmx_edit.done(), "the edit should still be waiting for the lock"
        htmx_answer, plain_answer = htmx_edit.result(), plain_edit.result()

    assert health.status == 200 and health.seconds < 1, health
    assert detail.status == 200 and detail.seconds < 1, detail
    assert htmx_answer.seconds < LOCK_TIMEOUT_S + 1, htmx_answer.seconds
    # The second waits behind the first in PostgreSQL's queue for the row, and
    # lock_timeout counts for each lock waited for: at most twice the limit.
    assert plain_answer.seconds < 2 * LOCK_TIMEOUT_S + 1, plain_answer.seconds
    # htmx: the card with the latest values and the notice (htmx swaps 409s).
    assert htmx_answer.status == 409, htmx_answer.body
    assert BUSY_TEXT in htmx_answer.body
    assert 'class="session-card' in htmx_answer.body and "<html" not in htmx_answer.body
    # Without JavaScript: back to the page, with the notice flashed there.
    assert plain_answer.status == 303
    assert BUSY_TEXT in browser.request(plain_answer.headers["Location"]).body
    # Nothing was written; once the lock is gone the same edit goes through.
    assert full_row(centre.app, centre.session_id) == before
    assert audit_rows(centre.app, centre.session_id) == []
    retry = browser.request(edit_path, form, HTMX)
    assert retry.status == 200, retry.body
    assert full_row(centre.app, centre.session_id)["priority_level"] == "urgent"


def test_other_writes_of_a_locked_row_get_409_from_the_central_handler(centre_factory):
    centre = centre_factory()
    browser = Browser(centre.base)
    browser.sign_in(centre.coordinator)
    view = view_of(centre.app, centre.session_id)
    form = {
        "session_id": str(centre.session_id),
        f"tutor_attendance_status-{centre.session_id}": "present",
        f"version-{centre.session_id}": view.version,
        "action": "all-present",
        "csrf_token": browser.csrf,
    }
    with row_locked(centre.url, centre.session_id):
        answer = browser.request("/sessions/attendance/bulk", form, HTMX)
    assert answer.status == 409, answer.body
    assert answer.seconds < LOCK_TIMEOUT_S + 1
    assert "Someone else is saving this right now" in answer.body
    assert answer.headers["Retry-After"] == "5"
    assert audit_rows(centre.app, centre.session_id) == []


def test_a_read_kept_waiting_by_a_lock_is_503_with_retry_after(centre_factory):
    centre = centre_factory()
    browser = Browser(centre.base)
    browser.sign_in(centre.coordinator)
    with table_locked(centre.url):
        answer = browser.request(f"/sessions/{centre.session_id}")
        health = browser.request("/healthz")
    assert answer.status == 503, answer.body
    assert answer.seconds < LOCK_TIMEOUT_S + 1
    assert answer.headers["Retry-After"] == "5"
    assert "too busy" in answer.body
    assert health.status == 200
    assert browser.request(f"/sessions/{centre.session_id}").status == 200  # and it recovers


def test_a_statement_timeout_is_503_with_retry_after(centre_factory):
    # No lock timeout: the read waits until statement_timeout cancels it (57014).
    centre = centre_factory(DB_LOCK_TIMEOUT_MS="0", DB_STATEMENT_TIMEOUT_MS="700")
    browser = Browser(centre.base)
    browser.sign_in(centre.coordinator)
    with table_locked(centre.url):
        answer = browser.request(f"/sessions/{centre.session_id}", headers=HTMX)
    assert answer.status == 503, answer.body
    assert answer.seconds < 0.7 + 1
    assert answer.headers["Retry-After"] == "5"
    assert "<html" not in answer.body  # htmx gets the error block only


def test_timeouts_reach_every_connection_from_the_environment(centre_factory):
    centre = centre_factory(
        DB_STATEMENT_TIMEOUT_MS="4321", DB_IDLE_IN_TRANSACTION_TIMEOUT_MS="9876"
    )
    with centre.app.app_context():
        shown = {
            name: db.session.scalar(sa.text(f"SHOW {name}"))
            for name in (
                "statement_timeout",
                "lock_timeout",
                "idle_in_transaction_session_timeout",
                "join_collapse_limit",
            )
        }
    assert shown == {
        "statement_timeout": "4321ms",
        "lock_timeout": "1s",
        "idle_in_transaction_session_timeout": "9876ms",
        "join_collapse_limit": "1",  # config.PLANNER_SETTINGS travel with them
    }


def test_timeout_settings_are_validated(monkeypatch):
    monkeypatch.setenv("DB_LOCK_TIMEOUT_MS", "soon")
    with pytest.raises(ValueError, match="DB_LOCK_TIMEOUT_MS must be a whole number"):
        DatabaseTimeouts.from_environment()
    monkeypatch.delenv("DB_LOCK_TIMEOUT_MS")
    assert DatabaseTimeouts.from_environment() == DatabaseTimeouts(5, 10_000, 3_000, 60_000)


# --- A saved edit is answered as saved, even if the database goes right after COMMIT ---


@contextmanager
def database_lost_after_commit(app: Flask, server_url: str, url: str) -> Iterator[None]:
    """From the first COMMIT on, the database refuses every connection and has dropped ours."""
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    admin = psycopg.connect(server_url, autocommit=True)

    def lose_database(_session) -> None:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )

    sa.event.listen(db.session, "after_commit", lose_database, once=True)
    try:
        yield
    finally:
        sa.event.remove(db.session, "after_commit", lose_database)
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        admin.close()
        with app.app_context():
            db.engine.dispose()  # the pool's connections were terminated


@pytest.fixture
def one_session(app, build, auth) -> int:
    """A coordinator (signed in) and one past low-priority session, tutor absent; returns its id.

    Past, because attendance is taken from the session's start.
    """
    build.user("coordinator", "boss@test.example")
    session_id = build.session(
        build.enrolment(build.user("tutor"), build.user("student")),
        date.today() - timedelta(days=2),
        clock(9),
        priority_level="low",
        tutor_attendance_status="absent",
    )
    auth.login("boss@test.example")
    return session_id


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_a_committed_edit_is_answered_as_saved_when_the_database_dies_after_commit(
    app, client, auth, one_session, server_url, database_url, htmx
):
    form = {
        "priority_level": "high",
        "version": view_of(app, one_session).version,
        "csrf_token": auth.csrf_token(),
        "oob": "history",
    }
    with database_lost_after_commit(app, server_url, libpq_url(database_url)):
        answer = client.post(
            f"/sessions/{one_session}/priority", data=form, headers=HTMX if htmx else {}
        )
        with app.app_context(), pytest.raises(sa.exc.OperationalError):
            db.session.execute(sa.text("SELECT 1"))  # the loss is real
    if htmx:
        assert answer.status_code == 200, answer.get_data(as_text=True)
        body = answer.get_data(as_text=True)
        assert "Saved" in body and "high priority" in body
        assert 'id="session-history-' in body  # the out-of-band history came along
    else:
        assert answer.status_code == 303
        assert "saved." in client.get(answer.headers["Location"]).get_data(as_text=True)
    assert full_row(app, one_session)["priority_level"] == "high"


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_a_committed_bulk_attendance_is_answered_as_saved_when_the_database_dies(
    app, client, auth, one_session, server_url, database_url, htmx
):
    form = {
        "session_id": str(one_session),
        f"version-{one_session}": view_of(app, one_session).version,
        "action": "all-present",
        "csrf_token": auth.csrf_token(),
    }
    with database_lost_after_commit(app, server_url, libpq_url(database_url)):
        answer = client.post("/sessions/attendance/bulk", data=form, headers=HTMX if htmx else {})
    expected = "Attendance saved for 1 sessions (1 changed)."
    if htmx:
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert expected in answer.get_data(as_text=True)
    else:
        assert answer.status_code == 303
        page = client.get(answer.headers["Location"], follow_redirects=True)
        assert expected in page.get_data(as_text=True)
    assert full_row(app, one_session)["tutor_attendance_status"] == "present"


# --- A frozen PostgreSQL (SIGSTOP) ---------------------------------------------


def _server_processes(pgdata: Path) -> list[int]:
    """The postmaster (first line of ``postmaster.pid``) and every process it started."""
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:  # field 4 of /proc/PID/stat: the parent's pid
            children.append(int(entry.name))
    return [postmaster, *children]


@contextmanager
def frozen(pgdata: Path) -> Iterator[None]:
    """Stop every process of the server at ``pgdata``; always let them go on again."""
    stopped: list[int] = []
    try:
        for pid in _server_processes(pgdata):
            os.kill(pid, signal.SIGSTOP)
            stopped.append(pid)
        yield
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)


@pytest.fixture
def own_server() -> Iterator[tuple[Path, str]]:
    """An embedded PostgreSQL of this test's own (it gets frozen): (pgdata, database URL)."""
    with tempfile.TemporaryDirectory(prefix="tutoring-frozen-pg-") as tmp:
        os.chmod(tmp, 0o755)  # the embedded server runs as its own user when we are root
        pgdata = Path(tmp) / "pgdata"
        admin = start_embedded_server(pgdata)
        try:
            yield pgdata, ensure_database(admin, "frozen")
        finally:
            stop_embedded_server(pgdata)


def test_healthz_answers_503_within_2_seconds_when_postgresql_is_frozen(own_server):
    pgdata, url = own_server
    app = create_app(app_config(url))
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))  # the pool now holds an established connection
        db.session.remove()
    with served(app) as base:
        browser = Browser(base)
        assert browser.request("/healthz").status == 200
        with frozen(pgdata), ThreadPoolExecutor(3) as pool:
            probes: list[Future[Response]] = [
                pool.submit(browser.request, "/healthz", timeout=10) for _ in range(3)
            ]
            answers = [probe.result() for probe in probes]
        for answer in answers:
            assert answer.status == 503, answer
            assert answer.seconds < 2, answer.seconds
            assert answer.headers["Retry-After"]
        recovered = browser.request("/healthz")
    assert recovered.status == 200 and recovered.seconds < 1
    with app.app_context():
        db.engine.dispose()


def test_no_free_pooled_connection_is_503_after_the_pool_timeout(database_url):
    options = {
        "pool_pre_ping": True,
        "connect_args": DatabaseTimeouts().connect_args(),
        "pool_size": 1,
        "max_overflow": 0,
        "pool_timeout": 1,
    }
    app = create_app(app_config(database_url, SQLALCHEMY_ENGINE_OPTIONS=options))
    with app.app_context():
        held = db.engine.connect()  # the pool's only connection, kept busy
        try:
            started = time.monotonic()
            answer = app.test_client().get("/feeds/no-such-token.ics")
            seconds = time.monotonic() - started
        finally:
            held.close()
        db.engine.dispose()
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    assert seconds < 2
