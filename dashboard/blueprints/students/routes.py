"""``GET /students/<student_id>/upcoming``."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, abort, request
from flask_login import current_user, login_required

from dashboard.access import require
from dashboard.blueprints.students import bp
from dashboard.choices import ROLE_STUDENT
from dashboard.permissions import may_view_student
from dashboard.query_params import BadParameter, one_of, positive_int
from dashboard.rendering import render_page
from dashboard.services.people import get_person
from dashboard.services.upcoming import TABS, past_for, upcoming_for
from dashboard.timezones import schedule_zone, viewer_zone


@bp.get("/students/<int:student_id>/upcoming")
@login_required
def upcoming(student_id: int) -> Response:
    """A student's next sessions with the featured ones on top; ``?tab=past`` for the history."""
    student = get_person(student_id, ROLE_STUDENT)
    if student is None:
        abort(404, description=f"There is no student #{student_id}.")
    require(may_view_student(current_user, student_id), "You may only see your own sessions.")
    try:
        tab = one_of("tab", request.args.get("tab"), TABS, TABS[0])
        page = positive_int("page", request.args.get("page")) or 1
    except BadParameter as error:
        abort(400, description=str(error))
    now = datetime.now(UTC)
    if tab == "past":
        content = {"past": past_for([student_id], now, page, schedule_zone(), viewer_zone())}
    else:
        content = {"upcoming": upcoming_for([student_id], now, schedule_zone(), viewer_zone())}
    return render_page("students/upcoming.html", "upcoming", student=student, tab=tab, **content)
