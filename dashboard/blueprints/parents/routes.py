"""``GET /parents/<parent_id>/upcoming``."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, abort, request
from flask_login import current_user, login_required

from dashboard.access import require
from dashboard.blueprints.parents import bp
from dashboard.permissions import may_view_parent
from dashboard.query_params import BadParameter, one_of, positive_int
from dashboard.rendering import render_page
from dashboard.services.upcoming import TABS, family_of, past_for, upcoming_for
from dashboard.timezones import schedule_zone, viewer_zone


@bp.get("/parents/<int:parent_id>/upcoming")
@login_required
def upcoming(parent_id: int) -> Response:
    """All linked children's next sessions, each labelled with the child; ``?tab=past`` too."""
    family = family_of(parent_id)
    if family is None:
        abort(404, description=f"There is no parent #{parent_id}.")
    require(may_view_parent(current_user, parent_id), "You may only see your own family's page.")
    try:
        tab = one_of("tab", request.args.get("tab"), TABS, TABS[0])
        page = positive_int("page", request.args.get("page")) or 1
    except BadParameter as error:
        abort(400, description=str(error))
    children = [child.id for child in family.children]
    now = datetime.now(UTC)
    if tab == "past":
        content = {"past": past_for(children, now, page, schedule_zone(), viewer_zone())}
    else:
        content = {"upcoming": upcoming_for(children, now, schedule_zone(), viewer_zone())}
    return render_page("parents/upcoming.html", "upcoming", family=family, tab=tab, **content)
