"""``GET /students/<student_id>/upcoming``."""

from __future__ import annotations

from flask import Response, abort
from flask_login import current_user, login_required

from dashboard.access import require
from dashboard.blueprints.students import bp
from dashboard.blueprints.upcoming_tabs import tab_context
from dashboard.choices import ROLE_STUDENT
from dashboard.permissions import may_view_student
from dashboard.rendering import render_page
from dashboard.services.people import get_person


@bp.get("/students/<int:student_id>/upcoming")
@login_required
def upcoming(student_id: int) -> Response:
    """A student's next sessions with the featured ones on top; ``?tab=past`` for the history."""
    student = get_person(student_id, ROLE_STUDENT)
    if student is None:
        abort(404, description=f"There is no student #{student_id}.")
    require(may_view_student(current_user, student_id), "You may only see your own sessions.")
    content = tab_context([student_id])
    return render_page("students/upcoming.html", "upcoming", student=student, **content)
