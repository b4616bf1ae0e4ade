"""``GET /parents/<parent_id>/upcoming``."""

from __future__ import annotations

from flask import Response, abort
from flask_login import current_user, login_required

from dashboard.access import require
from dashboard.blueprints.parents import bp
from dashboard.blueprints.upcoming_tabs import tab_context
from dashboard.permissions import may_view_parent
from dashboard.rendering import render_page
from dashboard.services.upcoming import family_of


@bp.get("/parents/<int:parent_id>/upcoming")
@login_required
def upcoming(parent_id: int) -> Response:
    """All linked children's next sessions, each labelled with the child; ``?tab=past`` too."""
    family = family_of(parent_id)
    if family is None:
        abort(404, description=f"There is no parent #{parent_id}.")
    require(may_view_parent(current_user, parent_id), "You may only see your own family's page.")
    content = tab_context([child.id for child in family.children])
    return render_page("parents/upcoming.html", "upcoming", family=family, **content)
