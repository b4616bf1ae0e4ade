"""Session detail and inline edits."""

from flask import Blueprint

bp = Blueprint("sessions", __name__)

from dashboard.blueprints.sessions import board_choices, card, edits, reviews, routes  # noqa: E402,F401
