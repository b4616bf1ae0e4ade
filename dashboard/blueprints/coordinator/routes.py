"""``GET /coordinator/sessions``."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from dashboard.access import require
from dashboard.blueprints.coordinator import bp
from dashboard.permissions import is_coordinator


@bp.get("/coordinator/sessions")
@login_required
def sessions() -> str:
    """Placeholder until the page lands."""
    require(is_coordinator(current_user))
    return render_template("placeholder.html", heading="Schedule")
