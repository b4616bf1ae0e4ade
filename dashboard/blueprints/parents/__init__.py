"""Parents' view of their children's sessions."""

from flask import Blueprint

bp = Blueprint("parents", __name__)

from dashboard.blueprints.parents import routes  # noqa: E402,F401
