"""``GET /sessions/<id>``."""

from __future__ import annotations

from flask import render_template
from flask_login import login_required

from dashboard.access import load_session_for
from dashboard.blueprints.sessions import bp


@bp.get("/sessions/<int:session_id>")
@login_required
def detail(session_id: int) -> str:
    """Placeholder until the page lands."""
    view = load_session_for(session_id)
    return render_template("placeholder.html", heading=f"Session {view.id}")
