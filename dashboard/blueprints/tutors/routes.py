"""``GET /tutors/<tutor_id>/calendar``."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user, login_required

from dashboard.access import require
from dashboard.blueprints.tutors import bp
from dashboard.choices import ROLE_TUTOR
from dashboard.permissions import may_view_tutor
from dashboard.services.people import get_person


@bp.get("/tutors/<int:tutor_id>/calendar")
@login_required
def calendar(tutor_id: int) -> str:
    """Placeholder until the page lands."""
    person = get_person(tutor_id, ROLE_TUTOR)
    if person is None:
        abort(404, description="No such person.")
    require(may_view_tutor(current_user, tutor_id))
    return render_template("placeholder.html", heading=person.full_name)
