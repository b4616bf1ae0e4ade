"""``GET /admin/families``, ``POST /admin/families/link``, ``POST /admin/families/unlink``."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, flash, redirect, request, url_for
from flask_login import current_user, login_required

from dashboard.access import require
from dashboard.blueprints.admin import bp
from dashboard.blueprints.admin.forms import FamilyLinkForm
from dashboard.extensions import db
from dashboard.permissions import is_coordinator
from dashboard.rendering import render_page
from dashboard.services import families
from dashboard.urls import safe_local_path

COORDINATORS_ONLY = "Only coordinators can manage families."


@bp.get("/admin/families")
@login_required
def family_list() -> Response:
    """Parents with their children, and the form to link another child."""
    require(is_coordinator(current_user), COORDINATORS_ONLY)
    return _page(FamilyLinkForm())


@bp.post("/admin/families/link")
@login_required
def link() -> Response:
    """Link a parent to a student; 303 back to the list, 422 for a bad pair."""
    return _change(
        families.link,
        "{parent} can now see {student}'s sessions.",
        "{parent} could already see {student}'s sessions.",
    )


@bp.post("/admin/families/unlink")
@login_required
def unlink() -> Response:
    """Unlink a parent from a student; 303 back to the list, 422 for a bad pair."""
    return _change(
        families.unlink,
        "{parent} no longer sees {student}'s sessions.",
        "{parent} was not linked to {student}.",
    )


def _change(
    change: Callable[[int, int], families.LinkChange], done: str, unchanged: str
) -> Response:
    """Authorise → parse → change → commit → 303 (the shared body of link and unlink)."""
    require(is_coordinator(current_user), COORDINATORS_ONLY)
    form = FamilyLinkForm()
    if not form.validate_on_submit():
        return _page(form, error="Choose a parent and a student.", status=422)
    try:
        outcome = change(form.parent_id.data, form.student_id.data)
    except families.FamilyError as error:
        db.session.rollback()
        return _page(form, error=str(error), status=422)
    db.session.commit()
    message = done if outcome.changed else unchanged
    flash(message.format(parent=outcome.parent_name, student=outcome.student_name))
    # The person pages post here too and come back to themselves.
    back = safe_local_path(request.form.get("next")) or url_for("admin.family_list")
    return redirect(back, code=303)


def _page(form: FamilyLinkForm, error: str | None = None, status: int = 200) -> Response:
    return render_page(
        "admin/families.html",
        "families",
        status=status,
        form=form,
        error=error,
        families=families.list_families(),
        students=families.list_students(),
    )
