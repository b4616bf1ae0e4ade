"""Whiteboards: tutors manage their own boards, coordinators everyone's."""

from flask import Blueprint

bp = Blueprint("whiteboards", __name__)

from dashboard.blueprints.whiteboards import routes  # noqa: E402,F401
