"""Coordinators run the centre: people (and families), courses and enrolments."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from dashboard.blueprints.admin import courses, enrolments, people, routes  # noqa: E402,F401
