"""``GET|POST /sessions/<id>/review``: the student's, tutor's or a parent's review of a lesson.

Who writes which review is ``permissions.review_role`` (anyone else: 403);
a session that is not completed answers 422; saving redirects (303) to the
form's local ``next`` or the session page.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from dashboard.access import load_session_for
from dashboard.blueprints.sessions import bp
from dashboard.extensions import db
from dashboard.permissions import review_role
from dashboard.rendering import render_page
from dashboard.services.reviews import (
    NOT_COMPLETED_MESSAGE,
    ReviewView,
    parse_review,
    reviews_of,
    save_review,
)
from dashboard.services.session_views import SessionView
from dashboard.services.session_writes import EditRejected, SessionGone
from dashboard.urls import safe_local_path


@bp.route("/sessions/<int:session_id>/review", methods=["GET", "POST"])
@login_required
def review(session_id: int) -> Response:
    """Write or change one's review of a completed session (rating 1–5, comment)."""
    view = load_session_for(session_id)
    role = review_role(current_user, view)
    if role is None:
        abort(403, description="Only this session's student, tutor or a parent reviews it.")
    existing = reviews_of(view.id, [role]).get(role)
    next_url = safe_local_path(request.values.get("next"))
    if view.status != "completed":
        return _form(view, role, existing, next_url, 422, error=NOT_COMPLETED_MESSAGE)
    if request.method == "GET":
        return _form(view, role, existing, next_url)
    rating_text, comment = request.form.get("rating"), request.form.get("comment")
    try:
        rating, text = parse_review(rating_text, comment)
        save_review(view.id, role, current_user.id, rating, text)
    except EditRejected as rejected:
        db.session.rollback()
        if isinstance(rejected, SessionGone):
            abort(404, description=rejected.message)
        if rejected.status == 403:
            abort(403, description=rejected.message)
        return _form(
            view,
            role,
            existing,
            next_url,
            rejected.status,
            error=rejected.message,
            field=rejected.field,
            typed={"rating": rating_text or "", "comment": comment or ""},
        )
    db.session.commit()
    flash("Thank you: your review is saved." if existing is None else "Your review is updated.")
    return redirect(next_url or url_for("sessions.detail", session_id=view.id), 303)


def _form(
    view: SessionView,
    role: str,
    existing: ReviewView | None,
    next_url: str | None,
    status: int = 200,
    *,
    error: str | None = None,
    field: str | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    editable = existing is None or existing.editable_by(current_user.id)
    values = typed or {
        "rating": str(existing.rating) if existing else "",
        "comment": (existing.comment or "") if existing else "",
    }
    return render_page(
        "sessions/review.html",
        "review_form",
        status,
        s=view,
        role=role,
        existing=existing,
        editable=editable and view.status == "completed",
        values=values,
        error=error,
        error_field=field,
        next_url=next_url,
    )
