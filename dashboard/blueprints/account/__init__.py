"""A signed-in person's own settings and password."""

from flask import Blueprint

bp = Blueprint("account", __name__)

from dashboard.blueprints.account import routes  # noqa: E402,F401
