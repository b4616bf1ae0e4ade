"""Scheduling: create and edit sessions, their lifecycle, series, feeds and reminders."""

from flask import Blueprint

bp = Blueprint("scheduling", __name__)

from dashboard.blueprints.scheduling import feeds, routes  # noqa: E402,F401
