"""``GET /parents/<parent_id>/upcoming``."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user, login_required

from dashboard.access import require
from dashboard.blueprints.parents import bp
from dashboard.choices import ROLE_PARENT
from dashboard.permissions import may_view_parent
from dashboard.services.people import get_person


@bp.get("/parents/<int:parent_id>/upcoming")
@login_required
def upcoming(parent_id: int) -> str:
    """Placeholder until the page lands."""
    person = get_person(parent_id, ROLE_PARENT)
    if person is None:
        abort(404, description="No such person.")
    require(may_view_parent(current_user, parent_id))
    return render_template("placeholder.html", heading=person.full_name)
