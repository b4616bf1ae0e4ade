"""JSON responses of the API, the ETag of a session, and ids in URLs."""

from __future__ import annotations

import json

from flask import Response

from dashboard.blueprints.api.problems import Problem
from dashboard.input_limits import MAX_ID
from dashboard.services.api_sessions import session_record
from dashboard.services.session_views import SessionView

MAX_INT4 = MAX_ID  # ids are PostgreSQL integers (dashboard.input_limits)


def json_response(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """``body`` as JSON, keys in the order given (a session's columns stay in table order)."""
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json"
    )
    response.headers.update(headers or {})
    return response


def etag_of(view: SessionView) -> str:
    """A session's strong ETag: its ``updated_at`` (the version the write path checks), quoted."""
    return f'"{view.version}"'


def session_response(view: SessionView, status: int = 200) -> Response:
    """One session with its ETag."""
    return json_response(session_record(view), status, {"ETag": etag_of(view)})


def checked_id(value: int, what: str) -> int:
    """An id from the URL; beyond PostgreSQL's ``integer`` nothing can exist (404, no query)."""
    if value > MAX_INT4:
        raise Problem(404, f"There is no {what} #{value}.")
    return value
