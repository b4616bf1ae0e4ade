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
    }
