"""Students' upcoming sessions."""

from flask import Blueprint

bp = Blueprint("students", __name__)

from dashboard.blueprints.students import routes  # noqa: E402,F401
