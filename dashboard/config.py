"""Configuration, read from the environment once at start-up."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import orjson

from dashboard.choices import DEFAULT_SCHEDULE_TIMEZONE


def load_secret_key(instance_path: str | Path) -> str:
    """Return ``SECRET_KEY`` from the environment, else one stored in ``instance/``.

    The stored key is generated once with ``secrets`` and kept (mode 0600) so
    sign-ins survive restarts; it is never a constant in the code.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another worker starting at the same moment wrote it first: use theirs.
        return _read_when_written(path)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _read_when_written(path: Path) -> str:
    """Read a key file another process has just created (it may still be empty)."""
    import time

    for _ in range(50):
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.02)
    raise RuntimeError(f"{path} stayed empty; delete it or set SECRET_KEY")


#: Planner settings of the app's connections. A page's session query joins eight
#: tables (sessions, enrolment, course, tutor, student, whiteboard, attendance,
#: note), all driven from ``sessions`` through its indexes; searching every join
#: order took PostgreSQL ~4 ms of planning for ~2 ms of execution at 1M sessions.
#: Keeping the written join order (the planner still picks each join's method and
#: side) cut a calendar page by 15-30 % (bench/README.md).
PLANNER_SETTINGS = {"join_collapse_limit": 1}


@dataclass(frozen=True)
class DatabaseTimeouts:
    """How long the app waits for PostgreSQL, so no request can hang on it.

    Read from ``DB_*`` environment variables (README → Configuration). The
    server enforces the three ``*_ms`` limits; ``connect_timeout`` is libpq's
    limit on opening a connection. ``gunicorn.conf.py`` sizes the worker
    timeouts from the same values.
    """

    connect_s: int = 5
    statement_ms: int = 10_000
    lock_ms: int = 3_000
    idle_in_transaction_ms: int = 60_000

    @classmethod
    def from_environment(cls) -> DatabaseTimeouts:
        """Timeouts from ``DB_CONNECT_TIMEOUT`` (s) and ``DB_*_TIMEOUT_MS``, else the defaults."""
        return cls(
            connect_s=_int_env("DB_CONNECT_TIMEOUT", cls.connect_s),
            statement_ms=_int_env("DB_STATEMENT_TIMEOUT_MS", cls.statement_ms),
            lock_ms=_int_env("DB_LOCK_TIMEOUT_MS", cls.lock_ms),
            idle_in_transaction_ms=_int_env(
                "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", cls.idle_in_transaction_ms
            ),
        )

    def connect_args(self) -> dict[str, object]:
        """psycopg ``connect()`` arguments: libpq's connect timeout plus session settings.

        The settings travel in the startup packet (libpq ``options``), so they
        cost no extra round trip and hold from the first statement on. ``0``
        switches a limit off, as in PostgreSQL.
        """
        settings = {
            "statement_timeout": self.statement_ms,
            "lock_timeout": self.lock_ms,
            "idle_in_transaction_session_timeout": self.idle_in_transaction_ms,
            **PLANNER_SETTINGS,
        }
        return {
            "connect_timeout": self.connect_s,
            "options": " ".join(f"-c {name}={value}" for name, value in settings.items()),
        }


#: psycopg's own default: a statement run this many times on a connection is prepared.
DEFAULT_PREPARE_THRESHOLD = 5


def prepare_threshold_from_environment() -> int | None:
    """``DB_PREPARE_THRESHOLD``: after how many runs psycopg prepares a statement on the
    server (PostgreSQL then reuses its plan; ``dashboard/read_transactions.py``), or
    ``off`` for a connection pooler that cannot keep prepared statements (PgBouncer in
    transaction mode before 1.21, or without ``max_prepared_statements``)."""
    raw = os.environ.get("DB_PREPARE_THRESHOLD", "").strip().lower()
    if raw == "off":
        return None
    if not raw:
        return DEFAULT_PREPARE_THRESHOLD
    if not raw.isdigit():
        raise ValueError(
            f"DB_PREPARE_THRESHOLD must be a whole number of runs (0: prepare at once) "
            f"or off (never prepare); got {raw!r}"
        )
    return int(raw)


def _int_env(name: str, default: int) -> int:
    """A non-negative whole number from the environment; a clear error for anything else."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ValueError(f"{name} must be a whole number (0 switches the limit off); got {raw!r}")
    return int(raw)


def default_config() -> dict[str, object]:
    """Settings every app gets; ``create_app(config)`` overrides any of them."""
    timeouts = DatabaseTimeouts.from_environment()
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "connect_args": {
                **timeouts.connect_args(),
                "prepare_threshold": prepare_threshold_from_environment(),
            },
            # jsonb columns (topics, recurring_pattern) are decoded for every row a
            # calendar shows: orjson does it several times faster than json.loads.
            "json_deserializer": orjson.loads,
            # Waiting for a free pooled connection is bounded like opening one (then 503).
            "pool_timeout": timeouts.connect_s or 30,
        },
        "DATABASE_TIMEOUTS": timeouts,
        # /healthz opens its own connection and gives up after this long (seconds).
        "HEALTHZ_TIMEOUT": float(os.environ.get("HEALTHZ_TIMEOUT") or 1.5),
        "SCHEDULE_TIMEZONE": os.environ.get("SCHEDULE_TIMEZONE", DEFAULT_SCHEDULE_TIMEZONE),
        "DEFAULT_USER_TIMEZONE": os.environ.get("DEFAULT_USER_TIMEZONE", DEFAULT_SCHEDULE_TIMEZONE),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Explicit, because the one Limiter object would otherwise keep a previous app's "off".
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        # Requests per API token (or per address without a valid token) to /api/v1.
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "300 per minute"),
        # Benchmarks only: send X-Query-Count (SQL statements run by the request).
        "EXPOSE_QUERY_COUNT": os.environ.get("EXPOSE_QUERY_COUNT", "") == "1",
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES") or 0),
        **mail_config(),
    }


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def mail_config() -> dict[str, object]:
    """Flask-Mailman's own settings, plus where links in emails point and the reset limit.

    ``MAIL_BACKEND`` defaults to ``file``: every message is written to
    ``MAIL_FILE_PATH`` (``instance/outbox`` unless set), so the demo needs no
    mail server. ``smtp`` sends through ``MAIL_SERVER``.
    """
    return {
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND") or "file",
        # None: create_app puts it in the app's instance folder.
        "MAIL_FILE_PATH": os.environ.get("MAIL_FILE_PATH") or None,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or "localhost",
        "MAIL_PORT": int(os.environ.get("MAIL_PORT") or 25),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER")
        or "Tutoring centre <no-reply@localhost>",
        # Seconds before an unanswering SMTP server counts as a failed send (then retried).
        "MAIL_TIMEOUT": int(os.environ.get("MAIL_TIMEOUT") or 30),
        # Links in emails are built on this address (the worker has no request to copy it from).
        "PUBLIC_URL": os.environ.get("PUBLIC_URL") or "http://127.0.0.1:5000",
        "PASSWORD_RESET_RATE_LIMIT": os.environ.get("PASSWORD_RESET_RATE_LIMIT") or "5 per hour",
    }
