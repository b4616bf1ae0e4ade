"""The coordinators' centre calendar: every tutor's sessions in one calendar."""

from flask import Blueprint

bp = Blueprint("centre", __name__)

from dashboard.blueprints.centre import routes  # noqa: E402,F401
