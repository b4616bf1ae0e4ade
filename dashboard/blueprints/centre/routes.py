"""``GET /calendar``: the centre calendar (coordinators)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask import Response, abort, redirect, request, url_for
from flask_login import current_user, login_required

from dashboard.access import require
from dashboard.blueprints.centre import bp
from dashboard.blueprints.sessions.board_choices import load_board_choices
from dashboard.choices import SESSION_STATUSES
from dashboard.permissions import may_view_centre_calendar
from dashboard.query_params import BadParameter, iso_date, one_of, optional_one_of, positive_int
from dashboard.rendering import is_htmx, render_page
from dashboard.services.calendar import (
    CENTRE_LIMIT,
    DEFAULT_VIEW,
    VIEWS,
    CentreFilter,
    build_calendar,
    fetch_centre_sessions,
)
from dashboard.services.schedule_search import filter_options
from dashboard.timezones import schedule_zone, viewer_zone
from dashboard.urls import empty_keys, without_empty


def parse_filters(args: Mapping[str, str]) -> CentreFilter:
    """The schedule list's tutor, student, course and status filters; ``BadParameter`` if wrong."""
    return CentreFilter(
        tutor=positive_int("tutor", args.get("tutor")),
        student=positive_int("student", args.get("student")),
        course=positive_int("course", args.get("course")),
        status=optional_one_of("status", args.get("status"), SESSION_STATUSES),
    )


@bp.get("/calendar")
@login_required
def calendar() -> Response:
    """Every tutor's sessions by month, week, day or agenda, labelled and coloured by tutor.

    The filter form submitted without JavaScript sends ``tutor=&student=…`` for the
    filters left at "Any": that request is sent on to the same page without them
    (an empty value means the default here). htmx leaves them out itself.
    """
    require(may_view_centre_calendar(current_user), "Only coordinators see the centre calendar.")
    if empty_keys(request.args) and not is_htmx():
        return redirect(url_for("centre.calendar", **without_empty(request.args)))
    zone = viewer_zone()
    now = datetime.now(zone)
    today = now.date()
    try:
        view = one_of("view", request.args.get("view"), VIEWS, DEFAULT_VIEW)
        anchor = iso_date("date", request.args.get("date")) or today
        filters = parse_filters(request.args)
    except BadParameter as error:
        abort(400, description=str(error))
    cal = build_calendar(
        lambda first, last: fetch_centre_sessions(filters, first, last),
        view,
        anchor,
        today,
        week_starts_on=current_user.week_starts_on,
        schedule_tz=schedule_zone(),
        viewer_tz=zone,
        now=now,
        limit=CENTRE_LIMIT,
    )
    if view == "agenda":  # the one view that draws cards (with whiteboard choices)
        load_board_choices({d.session.tutor_id for day in cal.days for d in day.entries})
    return render_page(
        "calendar/centre.html",
        "calendar",
        cal=cal,
        today=today,
        views=VIEWS,
        filters=filters,
        # The filter form sits outside the "calendar" block: only a whole page draws it.
        options=None if is_htmx() else filter_options(),
        statuses=SESSION_STATUSES,
    )
