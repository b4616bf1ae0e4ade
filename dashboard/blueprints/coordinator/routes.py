"""The coordinator's pages: the schedule, conflict overrides, attendance not taken."""

from __future__ import annotations

from datetime import datetime

from flask import Response, abort, redirect, request, url_for
from flask_login import current_user, login_required

from dashboard.access import require
from dashboard.blueprints.coordinator import bp
from dashboard.choices import PRIORITY_LEVELS, SESSION_STATUSES
from dashboard.permissions import is_coordinator
from dashboard.query_params import BadParameter, positive_int
from dashboard.rendering import is_htmx, render_page
from dashboard.services.attendance import overdue_attendance
from dashboard.services.schedule_search import (
    PAGE_SIZE,
    ResultPage,
    filter_options,
    parse_schedule_query,
    search_schedule,
)
from dashboard.services.scheduling import recent_overrides
from dashboard.timezones import schedule_zone, viewer_zone
from dashboard.urls import empty_keys


@bp.get("/coordinator/sessions")
@login_required
def sessions() -> Response:
    """Every session, filtered, searched, sorted and paginated by the query string.

    Invalid filter values answer 400 with the page (or results fragment) saying
    what is wrong, marked so htmx swaps it in; nothing is searched then.

    The filter form sends every field, so a filter left at "Any" arrives empty
    (``tutor=&status=…``). Such a request is answered with the list's own short
    address (``ScheduleQuery.args``): without JavaScript a redirect to it, with
    htmx the URL to push. Empty ``from``/``to`` are kept: they mean "no bound".
    """
    require(is_coordinator(current_user), "Only coordinators may see the whole schedule.")
    today = datetime.now(viewer_zone()).date()
    query, errors = parse_schedule_query(request.args, today)
    clean_url = None
    if not errors and empty_keys(request.args) - query.args().keys():
        clean_url = url_for("coordinator.sessions", **query.args())
        if not is_htmx():
            return redirect(clean_url)
    if errors:
        results = ResultPage(rows=[], total=0, page=1)
    else:
        results = search_schedule(query, viewer_zone().key, schedule_zone().key)
    response = render_page(
        "coordinator/sessions.html",
        "results",
        status=400 if errors else 200,
        query=query,
        errors=errors,
        results=results,
        # The filter form is outside the "results" block: only a whole page draws it.
        options=None if is_htmx() else filter_options(),
        statuses=SESSION_STATUSES,
        priorities=PRIORITY_LEVELS,
        page_size=PAGE_SIZE,
    )
    if errors:
        response.headers["X-Swap-Error"] = "true"  # htmx swaps this 400 (htmx-config.js)
    if clean_url:
        response.headers["HX-Push-Url"] = clean_url  # instead of the request's long URL
    return response


@bp.get("/coordinator/overrides")
@login_required
def overrides() -> Response:
    """Every session saved despite an overlap, newest first, with the written reason."""
    require(is_coordinator(current_user), "Only coordinators may see conflict overrides.")
    try:
        page = positive_int("page", request.args.get("page")) or 1
    except BadParameter as error:
        abort(400, description=str(error))
    rows, has_older = recent_overrides(page)
    return render_page(
        "coordinator/overrides.html", "overrides", rows=rows, page=page, has_older=has_older
    )


@bp.app_template_global("today_year")
def today_year() -> int:
    """This year in the viewer's zone (the schedule list leaves it out of its dates)."""
    return datetime.now(viewer_zone()).year


@bp.get("/coordinator/attendance")
@login_required
def attendance() -> Response:
    """Sessions whose attendance is still not taken 24 h after their end, per tutor and day.

    Each tutor-day has a "Mark all present" form posting to the bulk attendance
    endpoint (``sessions.bulk_attendance``), which comes back here.
    """
    require(is_coordinator(current_user), "Only coordinators see overdue attendance.")
    return render_page(
        "coordinator/attendance.html", "overdue", overdue=overdue_attendance(schedule_zone())
    )
