"""One-time emailed links: invitations (``/invitations/<token>``) and password resets."""

from flask import Blueprint

bp = Blueprint("onboarding", __name__)

from dashboard.blueprints.onboarding import routes  # noqa: E402,F401
