"""``/admin/outbox``: the email queue as coordinators see it."""

from flask import Blueprint

bp = Blueprint("outbox", __name__)

from dashboard.blueprints.outbox import routes  # noqa: E402,F401
