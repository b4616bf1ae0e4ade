"""gunicorn settings: ``gunicorn -c gunicorn.conf.py wsgi:app`` (README → Serve in production).

Every value can be set from the environment; command-line flags still win
(``make bench`` passes its own ``-w``/``-b``). The worker timeouts are sized
from the database limits (``dashboard.config.DatabaseTimeouts``, the ``DB_*``
variables), so PostgreSQL gives up first and the request gets its clear
409/503 answer; gunicorn only kills a worker stuck for longer than any
database wait allows (e.g. a frozen server that never answers).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboard.config import DatabaseTimeouts

_db = DatabaseTimeouts.from_environment()
# A request may wait for a connection, then run a few statements each up to the
# statement timeout (a lock wait counts within it). 0 means "no limit" in PostgreSQL.
_longest_request = _db.connect_s + 2 * (_db.statement_ms or 30_000) / 1000

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Seconds of silence before the arbiter kills a worker; at least gunicorn's default of 30.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or max(30, round(_longest_request + 5)))
# On restart or SIGTERM, requests in flight get this long to finish.
graceful_timeout = int(
    os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or round(_db.statement_ms / 1000 + 5)
)
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None  # "-" logs requests to stdout
