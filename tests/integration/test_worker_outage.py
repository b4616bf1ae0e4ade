"""The worker (``flask --app wsgi worker``) outlives a database outage and stops cleanly.

The worker runs as the real command in a process of its own, on the test run's
database. The outage is real: the database refuses every new connection
(``ALLOW_CONNECTIONS false``) and the worker's open connections are
terminated (``pg_terminate_backend``), as when a server restarts; then it comes
back. Every wait is bounded, so a worker that hangs fails the test instead.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from dashboard.choices import EMAIL_PASSWORD_RESET
from dashboard.database import libpq_url
from dashboard.extensions import db
from dashboard.jobs import defer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STARTED = "Starting worker"
LOST = "trying again in"
BACK = "The database answers again"
STOPPED = "Worker stopped."


class Worker:
    """``flask --app wsgi worker`` in its own process, with its log lines collected."""

    def __init__(self, database_url: str, outbox: Path) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "MAIL_BACKEND": "file",
            "MAIL_FILE_PATH": str(outbox),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip())

    def log(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float, after: int = 0) -> int:
        """Wait until a log line (from line ``after`` on) contains ``text``; its index."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index in range(after, len(self.lines)):
                if text in self.lines[index]:
                    return index
            assert self.process.poll() is None, f"the worker exited:\n{self.log()}"
            time.sleep(0.1)
        pytest.fail(f"no {text!r} in the worker's log within {timeout} s:\n{self.log()}")

    def stop(self, signum: int, timeout: float = 40) -> int:
        """Send ``signum`` and wait for the exit; the exit status."""
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            pytest.fail(f"the worker did not stop within {timeout} s:\n{self.log()}")


@pytest.fixture
def worker(app, database_url, tmp_path) -> Iterator[Callable[[], Worker]]:
    """Factory: start the worker command; any worker still running is killed afterwards."""
    started: list[Worker] = []

    def start() -> Worker:
        one = Worker(database_url, tmp_path / "outbox")
        started.append(one)
        one.wait_for(STARTED, timeout=60)
        return one

    yield start
    for one in started:
        if one.process.poll() is None:
            one.process.kill()
            one.process.wait(10)


@contextmanager
def outage(server_url: str, database_url: str) -> Iterator[Callable[[], None]]:
    """The database refuses connections and drops the open ones; call the result to end it.

    It ends at the latest when the block does, so later tests find the database back.
    """
    name = psycopg.conninfo.conninfo_to_dict(libpq_url(database_url))["dbname"]
    admin = psycopg.connect(server_url, autocommit=True)
    admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
    admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    )

    def end() -> None:
        if not admin.closed:
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
            admin.close()

    try:
        yield end
    finally:
        end()


def queue_a_job(app) -> int:
    """Queue an email job (to no account, so it succeeds without sending); its id."""
    with app.app_context():
        defer("send_email", kind=EMAIL_PASSWORD_RESET, user_id=2_000_000)
        db.session.commit()
        job_id = db.session.scalar(sa.text("SELECT max(id) FROM procrastinate_jobs"))
        db.session.remove()
        db.engine.dispose()  # its connections would be dropped by the next outage
    return job_id


def job_status(app, job_id: int) -> str:
    with app.app_context():
        status = db.session.scalar(
            sa.text("SELECT status::text FROM procrastinate_jobs WHERE id = :id"), {"id": job_id}
        )
        db.session.remove()
        db.engine.dispose()
    return status


def wait_for_status(app, job_id: int, status: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while (seen := job_status(app, job_id)) != status:
        assert time.monotonic() < deadline, f"job {job_id} is {seen!r}, not {status!r}"
        time.sleep(0.2)


def test_the_worker_waits_out_an_outage_then_works_again(app, worker, server_url, database_url):
    running = worker()
    before = queue_a_job(app)
    wait_for_status(app, before, "succeeded", timeout=30)

    with outage(server_url, database_url) as end_outage:
        lost = running.wait_for(LOST, timeout=45)
        # It keeps trying (bounded back-off) instead of exiting.
        second = running.wait_for(LOST, timeout=15, after=lost + 1)
        assert running.process.poll() is None
        end_outage()
        running.wait_for(BACK, timeout=45, after=second)
    running.wait_for(STARTED, timeout=30, after=second)

    after = queue_a_job(app)
    wait_for_status(app, after, "succeeded", timeout=30)
    assert running.stop(signal.SIGTERM) == 0, running.log()
    assert STOPPED in running.log()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl+C"])
def test_a_signal_stops_the_worker_cleanly_even_during_an_outage(
    app, worker, server_url, database_url, signum
):
    running = worker()
    with outage(server_url, database_url):
        running.wait_for(LOST, timeout=45)
        started = time.monotonic()
        assert running.stop(signum) == 0, running.log()
        assert time.monotonic() - started < 15  # not after the back-off, nor a pool timeout
    assert STOPPED in running.log()


def test_a_signal_stops_a_healthy_worker_cleanly(app, worker):
    running = worker()
    assert running.stop(signal.SIGTERM) == 0, running.log()
    assert STOPPED in running.log()
    with app.app_context():
        left = db.session.scalar(sa.text("SELECT count(*) FROM procrastinate_workers"))
        db.session.remove()
    assert left == 0  # it unregistered itself
