"""The loader every route uses (flaskr's ``get_post(id, check_author)`` pattern).

404 when the row does not exist, 403 when the signed-in user may not do the
action; the answer itself comes from ``dashboard.permissions``.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from dashboard.extensions import db
from dashboard.models import WhiteboardSession
from dashboard.permissions import Action, can, may_manage_whiteboard
from dashboard.services.session_views import SessionView, get_session_view


def load_session_for(session_id: int, action: Action = Action.VIEW) -> SessionView:
    """Return the session if ``current_user`` may do ``action`` on it; else abort."""
    view = get_session_view(session_id)
    if view is None:
        abort(404, description=f"There is no session #{session_id}.")
    if not can(current_user, action, view):
        abort(403, description="You do not have access to this session.")
    return view


def require(allowed: bool, message: str = "You do not have access to this page.") -> None:
    """Abort with 403 unless ``allowed`` (the answer of a ``may_*`` permission)."""
    if not allowed:
        abort(403, description=message)


def load_whiteboard_for(board_id: int) -> WhiteboardSession:
    """Return the whiteboard if ``current_user`` may manage it; else abort 404/403."""
    board = db.session.get(WhiteboardSession, board_id)
    if board is None:
        abort(404, description=f"There is no whiteboard #{board_id}.")
    if not may_manage_whiteboard(current_user, board):
        abort(403, description="You do not have access to this whiteboard.")
    return board
