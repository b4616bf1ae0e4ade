"""The coordinator's schedule."""

from flask import Blueprint

bp = Blueprint("coordinator", __name__)

from dashboard.blueprints.coordinator import routes  # noqa: E402,F401
