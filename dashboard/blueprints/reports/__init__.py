"""Reports: hours, attendance and cancellations as tables, SVG charts and CSV files."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from dashboard.blueprints.reports import routes  # noqa: E402,F401
