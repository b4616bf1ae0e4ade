"""JSON responses of the API and the ETag of a session.

Ids in URLs need no check here: the shared ``int`` converter
(``dashboard.input_guard``) matches only ids PostgreSQL's ``integer`` holds.
"""

from __future__ import annotations

import json

from flask import Response
from flask_login import current_user

from dashboard.services.api_sessions import session_record
from dashboard.services.session_views import SessionView


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
    return json_response(session_record(view, current_user), status, {"ETag": etag_of(view)})
