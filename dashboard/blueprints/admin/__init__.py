"""Coordinator administration: which parent sees which student."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from dashboard.blueprints.admin import routes  # noqa: E402,F401
