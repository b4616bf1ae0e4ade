"""The loader every route uses (flaskr's ``get_post(id, check_author)`` pattern).

404 when the row does not exist, 403 when the signed-in user may not do the
action; the answer itself comes from ``dashboard.permissions``.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from dashboard.permissions import Action, can
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
