"""The loader every route uses (flaskr's ``get_post(id, check_author)`` pattern).

404 when the row does not exist, 403 when the signed-in user may not do the
action; the answer itself comes from ``dashboard.permissions``. Anonymous
visitors are sent to the sign-in page by ``unauthorized_response``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, abort, current_app, flash, make_response, redirect, request, url_for
from flask_login import current_user

from dashboard.extensions import db
from dashboard.models import WhiteboardSession
from dashboard.permissions import Action, can, may_manage_whiteboard
from dashboard.rendering import is_htmx
from dashboard.services.session_views import SessionView, get_session_view
from dashboard.services.whiteboards import BoardChoice, session_view_and_boards
from dashboard.urls import safe_local_path


def load_session_for(session_id: int, action: Action = Action.VIEW) -> SessionView:
    """Return the session if ``current_user`` may do ``action`` on it; else abort."""
    view = get_session_view(session_id)
    _authorise(session_id, view, action)
    return view


def load_session_and_boards_for(
    session_id: int, action: Action = Action.VIEW
) -> tuple[SessionView, list[BoardChoice]]:
    """``load_session_for`` plus the session's tutor's boards, in the same query."""
    found = session_view_and_boards(session_id)
    _authorise(session_id, found[0] if found else None, action)
    return found


def _authorise(session_id: int, view: SessionView | None, action: Action) -> None:
    """404 for no session, 403 when ``current_user`` may not do ``action`` on it."""
    if view is None:
        abort(404, description=f"There is no session #{session_id}.")
    if not can(current_user, action, view):
        abort(403, description="You do not have access to this session.")


def require(allowed: bool, message: str = "You do not have access to this page.") -> None:
    """Abort with 403 unless ``allowed`` (the answer of a ``may_*`` permission)."""
    if not allowed:
        abort(403, description=message)


def unauthorized_response() -> Response:
    """Send an anonymous visitor to ``/login?next=<where they were>``.

    A browser gets a 302. An htmx request gets 401 with ``HX-Redirect``, which
    makes htmx load the sign-in page as a whole page instead of swapping a
    sign-in form into a fragment's place.
    """
    login_url = url_for("auth.login", next=_return_path())
    if request.headers.get("HX-Request") == "true":
        response = make_response("Please sign in again.", 401)
        response.headers["HX-Redirect"] = login_url
        response.vary.add("HX-Request")
        return response
    flash(current_app.login_manager.login_message)  # type: ignore[attr-defined]
    return redirect(login_url)


def _return_path() -> str | None:
    """The local page to come back to after signing in, or None.

    A plain GET comes back to itself. A POST or an htmx request (whose URL may
    be a fragment or a form target) comes back to the page it was sent from.
    """
    if request.method == "GET" and not is_htmx():
        return safe_local_path(request.full_path.rstrip("?"))
    source = request.headers.get("HX-Current-URL") or request.referrer
    if not source:
        return safe_local_path(request.full_path.rstrip("?")) if request.method == "GET" else None
    parts = urlsplit(source)
    if parts.netloc and parts.netloc != request.host:
        return None
    return safe_local_path(parts.path + (f"?{parts.query}" if parts.query else ""))


def load_whiteboard_for(board_id: int) -> WhiteboardSession:
    """Return the whiteboard if ``current_user`` may manage it; else abort 404/403."""
    board = db.session.get(WhiteboardSession, board_id)
    if board is None:
        abort(404, description=f"There is no whiteboard #{board_id}.")
    if not may_manage_whiteboard(current_user, board):
        abort(403, description="You do not have access to this whiteboard.")
    return board
