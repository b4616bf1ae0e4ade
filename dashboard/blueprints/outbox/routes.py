"""``GET /admin/outbox`` (emails waiting, retried or failed), ``POST …/<job_id>/retry``."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from dashboard.access import require
from dashboard.blueprints.outbox import bp
from dashboard.extensions import db
from dashboard.permissions import is_coordinator
from dashboard.rendering import render_page
from dashboard.services.outbox import outbox_counts, outbox_emails, retry_failed_email

COORDINATORS_ONLY = "Only coordinators can see the outbox."


@bp.get("/admin/outbox")
@login_required
def outbox() -> Response:
    """The queue of outgoing email, problems first."""
    require(is_coordinator(current_user), COORDINATORS_ONLY)
    return render_page(
        "outbox/outbox.html", "outbox", emails=outbox_emails(), counts=outbox_counts()
    )


@bp.post("/admin/outbox/<int:job_id>/retry")
@login_required
def retry(job_id: int) -> Response:
    """Try a failed email once more, now (e.g. after the mail server is fixed); 303 back."""
    require(is_coordinator(current_user), COORDINATORS_ONLY)
    if not FlaskForm().validate_on_submit():
        abort(400, description="The form has expired; reload the page and try again.")
    if not retry_failed_email(job_id):
        abort(404, description="There is no failed email with that number.")
    db.session.commit()
    flash("The email will be tried again in a moment.")
    return redirect(url_for("outbox.outbox"), code=303)
