"""Tutors' calendars."""

from flask import Blueprint

bp = Blueprint("tutors", __name__)

from dashboard.blueprints.tutors import routes  # noqa: E402,F401
