"""``GET /admin/outbox``: emails waiting, being retried after a failure, or failed for good."""

from __future__ import annotations

from flask import Response
from flask_login import current_user, login_required

from dashboard.access import require
from dashboard.blueprints.outbox import bp
from dashboard.permissions import is_coordinator
from dashboard.rendering import render_page
from dashboard.services.outbox import outbox_counts, outbox_emails


@bp.get("/admin/outbox")
@login_required
def outbox() -> Response:
    """The queue of outgoing email, problems first."""
    require(is_coordinator(current_user), "Only coordinators can see the outbox.")
    return render_page(
        "outbox/outbox.html", "outbox", emails=outbox_emails(), counts=outbox_counts()
    )
