"""The landing page (``GET /``)."""

from flask import Blueprint

bp = Blueprint("home", __name__)

from dashboard.blueprints.home import routes  # noqa: E402,F401
