"""Configuration, read from the environment once at start-up."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

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


def default_config() -> dict[str, object]:
    """Settings every app gets; ``create_app(config)`` overrides any of them."""
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
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
