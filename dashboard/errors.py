"""Friendly error pages, and a 503 page when the database is away.

Every error is shown with ``templates/errors/error.html``: the whole page for
a browser, only its ``error`` block for htmx (``dashboard.rendering``), so the
two say the same thing. A lost database connection is a 503 with the session
rolled back; ``pool_pre_ping`` then finds a fresh connection on the next
request, so the app recovers by itself once the database is back.
"""

from __future__ import annotations

import time

from flask import Flask, Response, current_app, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from dashboard.access import unauthorized_response
from dashboard.extensions import db, limiter, login_manager
from dashboard.rendering import is_htmx, render_page

#: What people read for each status: (title, message). Other statuses use their HTTP name.
MESSAGES: dict[int, tuple[str, str]] = {
    400: (
        "Something was wrong with that request",
        "Please go back, reload the page and try again.",
    ),
    403: ("You do not have access to this page", "Your account cannot see or change this."),
    404: ("Page not found", "There is nothing here. The link may be out of date."),
    405: ("That did not work", "This page cannot be used that way."),
    429: (
        "Too many attempts",
        "Please wait a minute before trying again.",
    ),
    500: (
        "Something went wrong on our side",
        "The problem has been logged. Please try again in a moment.",
    ),
    503: (
        "The dashboard is unavailable",
        "We cannot reach the database right now. Please try again in a minute.",
    ),
}

#: Shown for a missing or stale CSRF token (the form was older than the session).
CSRF_MESSAGE = "This form has expired. Please reload the page and try again."

#: Seconds a client should wait after a database outage before retrying.
RETRY_AFTER_OUTAGE = 30


def register_error_handlers(app: Flask) -> None:
    """Route every HTTP error and every database outage to the friendly pages."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DBAPIError, _database_error)


def render_error(
    code: int, message: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    """The error page (or its fragment for htmx) for ``code``."""
    title, default_message = MESSAGES.get(code, (_http_name(code), ""))
    response = render_page(
        "errors/error.html",
        "error",
        status=code,
        code=code,
        title=title,
        message=message or default_message,
    )
    response.headers.update(headers or {})
    return response


def _http_error(error: HTTPException) -> Response | HTTPException:
    """``abort(…)`` and routing errors: show the page; keep headers such as ``Allow``."""
    if error.code is None or error.code < 400:
        return error
    if error.code >= 500:
        _rollback()
    headers = {
        name: value
        for name, value in error.get_headers()
        if name.lower() not in ("content-type", "content-length")
    }
    if error.code == 429:
        headers.update(_retry_after())
    return render_error(error.code, _custom_description(error), headers)


def _csrf_error(error: CSRFError) -> Response:
    """400 for a missing/invalid token; an htmx page whose sign-in has gone goes to /login.

    Signing out (or the session ending) takes the CSRF token with it, so an htmx
    POST from a page left open gets here before ``login_required`` could say 401.
    """
    if is_htmx() and not current_user.is_authenticated:
        return unauthorized_response()
    return render_error(400, CSRF_MESSAGE)


def _database_error(error: DBAPIError) -> Response:
    """A lost or refused database connection is a 503; other database errors are bugs (500)."""
    if not (isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated):
        raise error
    current_app.logger.warning(
        "Database unavailable during %s %s: %s", request.method, request.path, error.orig
    )
    _rollback()
    # The page header shows who is signed in; asking the database again would fail too.
    login_manager._update_request_context_with_user(None)
    return render_error(503, headers={"Retry-After": str(RETRY_AFTER_OUTAGE)})


def _rollback() -> None:
    """Roll back the request's transaction; a dead connection may refuse even that."""
    try:
        db.session.rollback()
    except DBAPIError:
        db.session.close()


def _custom_description(error: HTTPException) -> str | None:
    """The message given to ``abort(code, description=…)``, if it is ours and safe to show."""
    if isinstance(error, InternalServerError | ServiceUnavailable) or error.code == 429:
        return None
    if error.description == type(error).description:
        return None
    return error.description


def _retry_after() -> dict[str, str]:
    """``Retry-After`` for a rate-limited request: seconds until the window resets."""
    current = limiter.current_limit
    if current is None:
        return {}
    return {"Retry-After": str(max(1, int(current.reset_at - time.time())))}


def _http_name(code: int) -> str:
    from werkzeug.http import HTTP_STATUS_CODES

    return HTTP_STATUS_CODES.get(code, "Error")
