"""Count the SQL statements a request runs (for benchmarks; off by default)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, g, has_request_context

from dashboard.extensions import db


def expose_query_count(app: Flask) -> None:
    """Add an ``X-Query-Count`` header to every response of ``app``."""

    def count(*_args: Any, **_kwargs: Any) -> None:
        if has_request_context():
            g.query_count = g.get("query_count", 0) + 1

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)

    @app.after_request
    def add_header(response: Response) -> Response:
        response.headers["X-Query-Count"] = str(g.get("query_count", 0))
        return response
