"""``GET /tutors/<tutor_id>/calendar``."""

from __future__ import annotations

from datetime import datetime

from flask import Response, abort, request
from flask_login import current_user, login_required

from dashboard.access import require
from dashboard.blueprints.sessions.board_choices import load_board_choices
from dashboard.blueprints.tutors import bp
from dashboard.choices import ROLE_TUTOR
from dashboard.permissions import may_view_tutor
from dashboard.query_params import BadParameter, iso_date, one_of
from dashboard.rendering import render_page
from dashboard.services.calendar import (
    DEFAULT_VIEW,
    VIEWS,
    build_calendar,
    fetch_tutor_sessions,
)
from dashboard.services.people import get_person
from dashboard.timezones import schedule_zone, viewer_zone


@bp.get("/tutors/<int:tutor_id>/calendar")
@login_required
def calendar(tutor_id: int) -> Response:
    """A tutor's sessions by month, week, day or as an agenda, in the viewer's time zone."""
    tutor = get_person(tutor_id, ROLE_TUTOR)
    if tutor is None:
        abort(404, description=f"There is no tutor #{tutor_id}.")
    require(may_view_tutor(current_user, tutor_id), "You may only see your own calendar.")
    zone = viewer_zone()
    now = datetime.now(zone)
    today = now.date()
    try:
        view = one_of("view", request.args.get("view"), VIEWS, DEFAULT_VIEW)
        anchor = iso_date("date", request.args.get("date")) or today
    except BadParameter as error:
        abort(400, description=str(error))
    cal = build_calendar(
        lambda first, last: fetch_tutor_sessions(tutor_id, first, last),
        view,
        anchor,
        today,
        week_starts_on=current_user.week_starts_on,
        schedule_tz=schedule_zone(),
        viewer_tz=zone,
        now=now,
    )
    if view == "agenda":  # the one view that draws cards (with whiteboard choices)
        load_board_choices([tutor_id])  # every card on the page is this tutor's
    return render_page(
        "tutors/calendar.html", "calendar", tutor=tutor, cal=cal, today=today, views=VIEWS
    )
