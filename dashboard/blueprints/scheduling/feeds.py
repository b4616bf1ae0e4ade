"""Calendar feeds (``/feeds/<token>.ics``, ``/sessions/<id>.ics``, ``/account/feed``)
and the reminders fragment (``/reminders``)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from dashboard.access import load_session_for
from dashboard.blueprints.scheduling import bp
from dashboard.rendering import render_page
from dashboard.services import feeds
from dashboard.services.reminders import due_reminders

ICS_TYPE = "text/calendar; charset=utf-8"


def _ics(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = ICS_TYPE
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/feeds/<token>.ics")
def feed(token: str) -> Response:
    """The user's calendar feed; the token is the secret, so no sign-in."""
    user = feeds.user_for_token(token)
    if user is None:
        abort(404, description="There is no such calendar feed.")
    return _ics(feeds.user_feed(user, datetime.now(UTC)), "tutoring-sessions.ics")


@bp.get("/sessions/<int:session_id>.ics")
@login_required
def session_ics(session_id: int) -> Response:
    """Download one session as an .ics file."""
    view = load_session_for(session_id)
    response = _ics(feeds.single_session(view), f"session-{session_id}.ics")
    response.headers["Content-Disposition"] = f'attachment; filename="session-{session_id}.ics"'
    return response


@bp.get("/account/feed")
@login_required
def account_feed() -> str:
    """Show the user's secret feed URL and how to subscribe."""
    token = feeds.feed_token(current_user)
    url = url_for("scheduling.feed", token=token, _external=True)
    return render_template("scheduling/feed.html", feed_url=url)


@bp.post("/account/feed/regenerate")
@login_required
def regenerate_feed() -> Response:
    """Replace the feed token; the old URL answers 404 from now on."""
    feeds.regenerate_feed_token(current_user)
    flash("Your calendar feed has a new address; the old one no longer works.")
    return redirect(url_for("scheduling.account_feed"), 303)


@bp.get("/reminders")
@login_required
def reminders() -> Response:
    """The reminders notice: loaded by every page with its own ``hx-get``, then once a minute."""
    now = datetime.now(UTC)
    return render_page(
        "scheduling/reminders.html",
        "reminders",
        due=due_reminders(current_user, now),
        now=now,
    )
