"""``GET /``."""

from __future__ import annotations

from flask import render_template

from dashboard.blueprints.home import bp


@bp.get("/")
def index() -> str:
    """Placeholder home page until sign-in sends each role to its own page."""
    return render_template("home/index.html")
