"""``gunicorn.conf.py``: bind from the environment, worker timeouts fit the database limits."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, object]:
    for name in ("GUNICORN_BIND", "GUNICORN_TIMEOUT", "DB_STATEMENT_TIMEOUT_MS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_defaults_outlast_every_database_wait(monkeypatch):
    conf = _settings(monkeypatch)
    assert conf["bind"] == "127.0.0.1:8000"
    assert conf["workers"] == 2
    # connect 5 s + two statements of 10 s each fit before gunicorn kills the worker.
    assert conf["timeout"] >= 5 + 2 * 10
    assert conf["graceful_timeout"] > 10


def test_environment_wins(monkeypatch):
    conf = _settings(monkeypatch, GUNICORN_BIND="0.0.0.0:9000", DB_STATEMENT_TIMEOUT_MS="60000")
    assert conf["bind"] == "0.0.0.0:9000"
    assert conf["timeout"] >= 2 * 60
    assert conf["graceful_timeout"] >= 60
    assert _settings(monkeypatch, GUNICORN_TIMEOUT="45")["timeout"] == 45


def tiny_app(environ, start_response):
    """A WSGI app for gunicorn to load (the real one would start a database)."""
    start_response("200 OK", [])
    return [b""]


def test_gunicorn_accepts_the_file():
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    # gunicorn itself parses the file and prints the settings it ends up with.
    out = subprocess.run(
        [gunicorn, "-c", str(CONF), "--print-config", "tests.unit.test_gunicorn_conf:tiny_app"],
        capture_output=True,
        text=True,
        check=True,
        cwd=CONF.parent,
        env={"PATH": "/usr/bin:/bin"},
    ).stdout
    settings = dict(
        (name.strip(), value.strip())
        for name, _, value in (line.partition("=") for line in out.splitlines())
    )
    assert settings["bind"] == "['127.0.0.1:8000']"
    assert settings["graceful_timeout"] == "15"
    assert int(settings["timeout"]) >= 25
