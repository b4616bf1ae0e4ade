"""The zero-config embedded PostgreSQL stops with the last process that uses it.

``make run`` relies on this: however the app is stopped (Ctrl+C, ``kill``, a
closed terminal), no server may be left running on ``instance/pgdata``, and a
process that was killed outright must not keep it running for ever.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]

START_THEN_WAIT = """
import signal, sys, time
from pathlib import Path
from dashboard.database import start_embedded_server
# As in a terminal, even when the test runner was started with SIGINT ignored.
signal.signal(signal.SIGINT, signal.default_int_handler)
start_embedded_server(Path(sys.argv[1]))
print("started", flush=True)
try:
    time.sleep(60)
except KeyboardInterrupt:
    pass
"""


@pytest.fixture(scope="module")
def pgdata() -> Iterator[Path]:
    """One data directory under /tmp for the module (initdb once); each test stops its server.

    Not ``tmp_path``: pytest keeps its base directory at mode 0700, which the
    server's own user (when the tests run as root) cannot traverse.
    """
    with tempfile.TemporaryDirectory(prefix="tutoring-pg-", ignore_cleanup_errors=True) as tmp:
        os.chmod(tmp, 0o755)
        pgdata = Path(tmp) / "pgdata"
        yield pgdata
        # A failed test must not leave its server behind: fast shutdown of that postmaster.
        pid_file = pgdata / "postmaster.pid"
        if pid_file.exists():
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
            wait_until_stopped(pgdata)


def postmaster_running(pgdata: Path) -> bool:
    """True while a postmaster owns ``pgdata`` (it removes postmaster.pid on shutdown)."""
    return (pgdata / "postmaster.pid").exists()


def wait_until_stopped(pgdata: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while postmaster_running(pgdata) and time.monotonic() < deadline:
        time.sleep(0.1)


def start_app(pgdata: Path) -> subprocess.Popen[str]:
    """A process that starts (or joins) the embedded server at ``pgdata``, then idles."""
    app = subprocess.Popen(
        [sys.executable, "-c", START_THEN_WAIT, str(pgdata)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert app.stdout is not None
    assert app.stdout.readline().strip() == "started"
    return app


def stop_app(app: subprocess.Popen[str], signum: int) -> None:
    app.send_signal(signum)
    try:
        app.wait(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()


def test_the_server_stops_when_the_app_is_terminated(pgdata):
    app = start_app(pgdata)
    assert postmaster_running(pgdata)
    stop_app(app, signal.SIGTERM)  # kill, a process manager; SIGHUP takes the same path
    assert not postmaster_running(pgdata)


def test_a_killed_app_does_not_keep_the_server_running_for_ever(pgdata):
    killed = start_app(pgdata)
    stop_app(killed, signal.SIGKILL)
    assert postmaster_running(pgdata), "nothing could stop it: the process died outright"

    # The next app joins the running server and, as its last live user, stops it on Ctrl+C.
    app = start_app(pgdata)
    stop_app(app, signal.SIGINT)
    assert not postmaster_running(pgdata)
