"""``/account/tokens``: personal access tokens for the JSON API (issue 16)."""

from flask import Blueprint

bp = Blueprint("tokens", __name__)

from dashboard.blueprints.tokens import routes  # noqa: E402,F401
