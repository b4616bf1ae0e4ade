"""``GET /students/<student_id>/upcoming``."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user, login_required

from dashboard.access import require
from dashboard.blueprints.students import bp
from dashboard.choices import ROLE_STUDENT
from dashboard.permissions import may_view_student
from dashboard.services.people import get_person


@bp.get("/students/<int:student_id>/upcoming")
@login_required
def upcoming(student_id: int) -> str:
    """Placeholder until the page lands."""
    person = get_person(student_id, ROLE_STUDENT)
    if person is None:
        abort(404, description="No such person.")
    require(may_view_student(current_user, student_id))
    return render_template("placeholder.html", heading=person.full_name)
