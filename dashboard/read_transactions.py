"""A successful read ends its transaction with COMMIT, so psycopg keeps its prepared statements.

psycopg prepares a statement on the server once it has run five times on one
connection (``prepare_threshold``); PostgreSQL then reuses its plan instead of
planning it again on every run — for the session queries of the calendar and
the card, planning costs more than running (0.4–0.9 ms against ~0.1 ms at 1M
sessions, ``bench/explain_pages.py``). But psycopg forgets its prepared
statements, and the counts that lead to them, on every ROLLBACK (rolled-back
work may have changed the schema), and Flask-SQLAlchemy ends every request by
closing its session, which rolls back. So no statement was ever prepared and
every query of every page was planned afresh.

A GET or HEAD answered without an error wrote nothing, so COMMIT ends its
transaction just as well and keeps the cache. Writes commit themselves; failed
requests keep the ROLLBACK, and so do streamed answers (the CSV export reads
its rows after this hook, inside the same transaction).
"""

from __future__ import annotations

from flask import Flask, Response, request

from dashboard.extensions import db

#: Methods that never write (RFC 9110 safe methods the app serves).
READ_METHODS = frozenset({"GET", "HEAD"})


def end_reads_with_commit(app: Flask) -> None:
    """Register the hook on ``app``."""

    @app.after_request
    def _commit_read(response: Response) -> Response:
        if (
            request.method in READ_METHODS
            and response.status_code < 400
            and not response.is_streamed
            and db.session().in_transaction()
        ):
            db.session.commit()
        return response
