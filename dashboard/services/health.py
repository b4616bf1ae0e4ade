"""Is the database there? Answered within a deadline, whatever the server does.

A load balancer's probe must get its answer quickly, also when PostgreSQL
hangs: a frozen server (SIGSTOP, a stuck VM) still accepts TCP connections in
the kernel but never answers, and a pooled connection would wait on it
forever (``statement_timeout`` is enforced by the server, so it cannot help).
So the probe opens its own connection with libpq's non-blocking API and waits
on the socket itself, never past the deadline; whatever happens, the
connection is closed before returning. It never touches the app's pool, so a
probe cannot leave a broken connection there or wait for a free one.
"""

from __future__ import annotations

import selectors
import time

import psycopg
from psycopg import pq
from psycopg.conninfo import make_conninfo

from dashboard.database import libpq_url
from dashboard.extensions import db


def database_is_reachable(timeout: float) -> bool:
    """True when the app's database answers ``SELECT 1`` within ``timeout`` seconds."""
    url = libpq_url(db.engine.url.render_as_string(hide_password=False))
    return database_answers(url, timeout)


def database_answers(conninfo: str, timeout: float) -> bool:
    """Connect to ``conninfo`` and run ``SELECT 1``, giving up after ``timeout`` seconds.

    Host names are resolved before the deadline starts (libpq does that
    synchronously); use an address or a socket directory where that matters.
    """
    deadline = time.monotonic() + timeout
    statement_ms = max(1, int(timeout * 1000))
    params = make_conninfo(conninfo, options=f"-c statement_timeout={statement_ms}")
    pgconn = pq.PGconn.connect_start(params.encode())
    try:
        return _connected(pgconn, deadline) and _selects_one(pgconn, deadline)
    except psycopg.Error:
        return False
    finally:
        pgconn.finish()


def _connected(pgconn: pq.abc.PGconn, deadline: float) -> bool:
    """Drive the connection handshake until it succeeds, fails, or the deadline passes."""
    if pgconn.status == pq.ConnStatus.BAD:
        return False
    while True:
        state = pgconn.connect_poll()
        if state == pq.PollingStatus.OK:
            return True
        if state == pq.PollingStatus.FAILED:
            return False
        # The socket can change while libpq tries the next address: ask each time.
        if not _ready(pgconn.socket, state == pq.PollingStatus.WRITING, deadline):
            return False


def _selects_one(pgconn: pq.abc.PGconn, deadline: float) -> bool:
    """Send ``SELECT 1`` and wait for its result until the deadline."""
    pgconn.nonblocking = 1
    pgconn.send_query(b"SELECT 1")
    while pgconn.flush():  # 1 = not all sent yet
        if not _ready(pgconn.socket, True, deadline):
            return False
    while True:
        pgconn.consume_input()
        if not pgconn.is_busy():
            break
        if not _ready(pgconn.socket, False, deadline):
            return False
    result = pgconn.get_result()
    return result is not None and result.status == pq.ExecStatus.TUPLES_OK


def _ready(fileno: int, for_writing: bool, deadline: float) -> bool:
    """Wait until the socket can be read (or written), at most until ``deadline``."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return False
    event = selectors.EVENT_WRITE if for_writing else selectors.EVENT_READ
    with selectors.DefaultSelector() as selector:
        selector.register(fileno, event)
        return bool(selector.select(remaining))
