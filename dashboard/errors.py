"""Friendly error pages, and clear answers when the database is away or busy.

Every error is shown with ``templates/errors/error.html``: the whole page for
a browser, only its ``error`` block for htmx (``dashboard.rendering``), so the
two say the same thing. Database trouble is answered here for every route,
always with the request's transaction rolled back:

* a lost or refused connection → 503 with ``Retry-After``; ``pool_pre_ping``
  then finds a fresh connection on the next request, so the app recovers by
  itself once the database is back;
* a lock not granted within ``lock_timeout`` (SQLSTATE 55P03: someone else is
  writing the same row) → 409 for a write, "try again in a moment"; 503 with
  ``Retry-After`` for a read;
* a statement cancelled by ``statement_timeout`` (57014), or no free pooled
  connection within ``pool_timeout`` → 503 with ``Retry-After``.

The limits themselves are set on every connection (``config.DatabaseTimeouts``).
Requests to the JSON API (``/api/…``) get the same statuses as RFC 9457 problem
details instead of a page (``render_error`` → ``dashboard.blueprints.api.problems``).
"""

from __future__ import annotations

import time

from flask import Flask, Response, current_app, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from psycopg import errors as pg_errors
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from dashboard.access import unauthorized_response
from dashboard.blueprints.api.problems import (
    is_api_request,
    problem_response,
)
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
    409: ("That was not saved", "Someone else changed this at the same time. Please try again."),
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

#: A write that could not get its row within ``lock_timeout``: another request holds it.
BUSY_MESSAGE = "Someone else is saving this right now — try again in a moment."

#: A request cut short by ``statement_timeout`` (or a read that waited too long for a lock).
SLOW_MESSAGE = "The database is too busy to answer right now. Please try again in a moment."

#: Seconds to wait before retrying after a lock or statement timeout: the other
#: request is usually done by then.
RETRY_AFTER_BUSY = 5


def is_lock_timeout(error: BaseException) -> bool:
    """Did PostgreSQL give up waiting for a lock (``lock_timeout``, SQLSTATE 55P03)?"""
    return isinstance(getattr(error, "orig", error), pg_errors.LockNotAvailable)


def is_statement_timeout(error: BaseException) -> bool:
    """Was the statement cancelled (``statement_timeout``, SQLSTATE 57014)?"""
    return isinstance(getattr(error, "orig", error), pg_errors.QueryCanceled)


def register_error_handlers(app: Flask) -> None:
    """Route every HTTP error and every database outage to the friendly pages."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(PoolTimeout, _pool_exhausted)


def render_error(
    code: int, message: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    """The error page (or its fragment for htmx) for ``code``; problem details for the API."""
    if is_api_request():
        return problem_response(code, message, headers=headers)
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
    """Timeouts are 409/503, a lost database is 503; other database errors are bugs (500)."""
    if is_lock_timeout(error) or is_statement_timeout(error):
        return _database_busy(error)
    if not (_is_outage(error) or error.connection_invalidated):
        raise error
    current_app.logger.warning(
        "Database unavailable during %s %s: %s", request.method, request.path, error.orig
    )
    _forget_database_state()
    return render_error(503, headers={"Retry-After": str(RETRY_AFTER_OUTAGE)})


def _database_busy(error: DBAPIError) -> Response:
    """A lock or statement timeout: nothing was written; say when to try again."""
    current_app.logger.warning(
        "Database timeout during %s %s: %s", request.method, request.path, error.orig
    )
    _forget_database_state()
    retry = {"Retry-After": str(RETRY_AFTER_BUSY)}
    if is_lock_timeout(error) and request.method not in ("GET", "HEAD"):
        return render_error(409, BUSY_MESSAGE, retry)
    return render_error(503, SLOW_MESSAGE, retry)


def _pool_exhausted(error: PoolTimeout) -> Response:
    """Every pooled connection stayed busy for ``pool_timeout``: 503, try again shortly."""
    current_app.logger.warning(
        "No free database connection for %s %s", request.method, request.path
    )
    _forget_database_state()
    return render_error(503, SLOW_MESSAGE, {"Retry-After": str(RETRY_AFTER_BUSY)})


def _is_outage(error: DBAPIError) -> bool:
    """Errors that mean the connection is gone (or never came), not that our SQL is wrong."""
    # The server ends a session left idle in a transaction (25P03) with a FATAL error
    # psycopg classes as InternalError; for the request it is a lost connection.
    return isinstance(error, OperationalError | InterfaceError) or isinstance(
        error.orig, pg_errors.IdleInTransactionSessionTimeout
    )


def _forget_database_state() -> None:
    """Roll back, and render the error page without asking the database anything more.

    The page header shows who is signed in, and the user row was expired by the
    rollback: loading it again would wait on a database that is away or busy.
    """
    _rollback()
    login_manager._update_request_context_with_user(None)


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
