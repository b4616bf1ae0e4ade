"""Liveness/readiness probe for load balancers."""

from flask import Blueprint

bp = Blueprint("health", __name__)

from dashboard.blueprints.health import routes  # noqa: E402,F401
