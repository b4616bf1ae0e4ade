"""``GET /``: send each role to its home page."""

from __future__ import annotations

from flask import Response, redirect, url_for
from flask_login import current_user

from dashboard.blueprints.home import bp
from dashboard.services.accounts import home_url_for


@bp.get("/")
def index() -> Response:
    """Signed in: the role's home page; otherwise the sign-in page."""
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    return redirect(url_for("auth.login"))
