"""``GET /``: send each role to its home page."""

from __future__ import annotations

from flask import Response, current_app, redirect, send_from_directory, url_for
from flask_login import current_user

from dashboard.blueprints.home import bp
from dashboard.services.accounts import home_url_for


@bp.get("/")
def index() -> Response:
    """Signed in: the role's home page; otherwise the sign-in page.

    A query string is not carried over: "/" has no parameters of its own, and each
    role's page reads different ones (the list's filters, the calendar's view and
    date, the upcoming tab), so nothing links here with one.
    """
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    return redirect(url_for("auth.login"))


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The site icon where browsers look for it by default (pages also link the SVG)."""
    response = send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon"
    )
    response.cache_control.max_age = 7 * 24 * 3600
    response.cache_control.public = True
    return response
