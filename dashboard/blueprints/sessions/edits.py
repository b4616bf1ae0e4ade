"""Inline edits: ``POST /sessions/<id>/{attendance,priority,featured,whiteboard}``, bulk attendance.

Responses (DESIGN.md → HTTP interface):

- htmx (``HX-Request: true``): the re-rendered card (``sessions/_card.html`` block
  ``session_card``) with a short message next to the control — 200 saved,
  422 invalid value (database unchanged), 409 stale version (the card shows
  the current values and a notice); plus out-of-band pieces the page asked
  for with hidden ``oob`` fields (see ``OOB_PARTS``).
- without JavaScript: always 303 to the form's ``next`` (a local path only,
  else the session's detail page) with the outcome as a flashed message —
  failures too, so the browser never shows a bare 4xx page for a choice the
  user can simply make again (Post/Redirect/Get).
- 404 unknown session and 403 no right come from ``load_session_for``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from flask import Response, abort, flash, make_response, redirect, request, url_for
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block, render_blocks
from sqlalchemy.exc import OperationalError

from dashboard.access import load_session_and_boards_for
from dashboard.blueprints.sessions import bp
from dashboard.blueprints.sessions.board_choices import (
    load_board_choices,
    provide_board_choices,
)
from dashboard.blueprints.sessions.routes import facts_context
from dashboard.errors import is_lock_timeout
from dashboard.extensions import db
from dashboard.models import Session
from dashboard.permissions import Action, can, may_see_history
from dashboard.rendering import is_htmx
from dashboard.services.attendance import record_attendance_taken
from dashboard.services.session_edits import (
    ATTENDANCE_FIELDS,
    BulkRejected,
    EditRejected,
    FormData,
    InvalidEdit,
    SessionGone,
    StaleEdit,
    attendance_changes,
    bulk_row_form,
    bulk_session_ids,
    featured_changes,
    history_for,
    parse_version,
    priority_changes,
    save_bulk_attendance,
    single_value,
    whiteboard_changes,
    write_session,
)
from dashboard.services.session_views import (
    SessionView,
    fetch_session_views,
    get_session_view,
    session_view_select,
    view_after_write,
)
from dashboard.timezones import viewer_zone
from dashboard.urls import safe_local_path

#: Out-of-band pieces a page may ask edit responses for, by sending hidden
#: ``oob`` fields (``_controls.html`` writes one per name in the ``edit_oob``
#: context variable). Asking keeps htmx from logging "no target" errors on
#: pages that do not show the piece.
#:   featured-strip — the page has ``#featured-strip`` with ``#featured-session-N`` items
#:   history        — the page shows ``#session-history-N`` (``_history.html``)
#:   bulk-rows      — the page has a bulk attendance form with rows ``#bulk-row-N``
#:   cards          — (bulk form) the page shows the sessions' cards ``#session-N``
#:   list-rows      — the page is the schedule list with rows ``#row-session-N``
#:   facts          — the page shows the detail page's "All details" ``#session-facts-N``
#:   blocks         — the page is a calendar with blocks ``#block-N`` (calendar/_block.html)
OOB_PARTS = frozenset(
    {"featured-strip", "history", "bulk-rows", "cards", "list-rows", "facts", "blocks"}
)


@bp.app_template_global("card_query_for")
def card_query_for(parts: Iterable[str]) -> str:
    """``?oob=a&oob=b`` for a calendar block's card URL (``""`` for none), parts sorted.

    The card (``GET /sessions/<id>/card``) passes them on to its forms, so its edits
    refresh exactly the pieces of the page the block is on.
    """
    wanted = sorted(set(parts) & OOB_PARTS)
    return "?" + urlencode([("oob", part) for part in wanted]) if wanted else ""


@dataclass(frozen=True)
class Feedback:
    """What to say next to a control after an edit."""

    control: str  # attendance | priority | featured | whiteboard | bulk
    kind: str  # saved | invalid | stale
    message: str
    field: str | None = None


#: Row edits on the schedule list that can change which rows it shows (a filter or sort
#: on the same column), and the event the response triggers so the list reloads.
LIST_REFRESHING_CONTROLS = {
    "featured": "schedule-featured-changed",
    "priority": "schedule-priority-changed",
}

_KIND = {200: "saved", InvalidEdit.status: "invalid", StaleEdit.status: "stale"}

#: Shown on the card when another request held the row past ``lock_timeout``.
BUSY_SESSION = "Someone else is saving this session — try again in a moment."


# --- The four single-session edits ------------------------------------------


@bp.post("/sessions/<int:session_id>/attendance")
@login_required
def edit_attendance(session_id: int) -> Response:
    """Set the tutor's and/or the student's attendance."""
    return _edit(
        session_id,
        Action.EDIT_ATTENDANCE,
        "attendance",
        attendance_changes,
        after_write=record_attendance_taken,
    )


@bp.post("/sessions/<int:session_id>/priority")
@login_required
def edit_priority(session_id: int) -> Response:
    """Set the priority level."""
    return _edit(
        session_id, Action.EDIT_PRIORITY, "priority", lambda form, _s: priority_changes(form)
    )


@bp.post("/sessions/<int:session_id>/featured")
@login_required
def edit_featured(session_id: int) -> Response:
    """Feature or unfeature a session (coordinators only)."""
    return _edit(session_id, Action.FEATURE, "featured", lambda form, _s: featured_changes(form))


@bp.post("/sessions/<int:session_id>/whiteboard")
@login_required
def edit_whiteboard(session_id: int) -> Response:
    """Link one of the session's tutor's whiteboards, or unlink (empty value)."""
    return _edit(session_id, Action.LINK_WHITEBOARD, "whiteboard", whiteboard_changes)


def _edit(
    session_id: int,
    action: Action,
    control: str,
    parse: Callable[[FormData, SessionView], dict[str, object]],
    after_write: Callable[[list[int], int | None], datetime | None] | None = None,
) -> Response:
    """Authorise, validate (422), version-check (409), write + audit, answer.

    The answer to a saved edit is built before COMMIT, inside the transaction
    that wrote it: once COMMIT has succeeded nothing can fail any more, so a
    database lost right after it cannot turn a saved change into an error page.

    ``after_write`` runs in the same transaction after a successful write
    (attendance: record that it was taken, by whom, and return when).

    The saved card is the loaded view with the written row's columns
    (``view_after_write``), not a second read of the session.
    """
    view, boards = load_session_and_boards_for(session_id, action)
    provide_board_choices(view.tutor_id, boards)  # the answer's card offers them
    next_url = _next_url(view.id)
    try:
        changes = parse(request.form, view)
        version = parse_version(single_value(request.form, "version"))
        applied = write_session(view.id, version, changes, current_user.id)
        known: dict[str, object] = {}
        if after_write is not None:
            known["attendance_taken_at"] = after_write([view.id], current_user.id)
    except EditRejected as rejected:
        db.session.rollback()
        if isinstance(rejected, SessionGone):
            abort(404, description=rejected.message)
        feedback = Feedback(control, _KIND[rejected.status], rejected.message, rejected.field)
        return _card_response(view, rejected.status, feedback, next_url)
    except OperationalError as error:
        if not is_lock_timeout(error):
            raise  # dashboard.errors answers timeouts and outages
        # Another request holds the row (FOR UPDATE) past lock_timeout: the latest card + notice.
        db.session.rollback()
        return _card_response(view, 409, Feedback(control, "stale", BUSY_SESSION), next_url)
    saved = Feedback(control, "saved", "Saved")
    after = view_after_write(view, applied.row, **known)
    response = _card_response(view, 200, saved, next_url, flash_later=True, after=after)
    db.session.commit()
    if not is_htmx():
        _flash(view, saved)
    return response


def _card_response(
    before: SessionView,
    status: int,
    feedback: Feedback,
    next_url: str,
    *,
    flash_later: bool = False,
    after: SessionView | None = None,
) -> Response:
    """The fresh card (+ requested out-of-band pieces) for htmx; else flash and 303.

    ``flash_later``: the caller flashes after COMMIT (a flash set before would
    survive a failed COMMIT and say "saved"); without JavaScript nothing is read.
    ``after``: the session as just written, when the caller has it (else read again).
    """
    if not is_htmx():
        if not flash_later:
            _flash(before, feedback)
        return _see_other(next_url)
    fresh = after or _fresh_view(before.id)
    load_board_choices([fresh.tutor_id])  # no query: provided by _edit, unless the tutor changed
    oob = _requested_oob()
    context = {"s": fresh, "feedback": feedback, "edit_next": next_url, "edit_oob": oob}
    # A schedule-list row swaps only itself (hx-swap="none"): no card to render.
    body = (
        "" if "list-rows" in oob else render_block("sessions/_card.html", "session_card", **context)
    )
    if "featured-strip" in oob and status == 200:
        body += _featured_strip_oob(fresh, was_featured=bool(before.is_featured))
    if "list-rows" in oob:
        body += render_block(
            "coordinator/_row.html",
            "schedule_row",
            s=fresh,
            row_oob=True,
            row_feedback=feedback,
            edit_next=next_url,
        )
    if "bulk-rows" in oob and can(current_user, Action.EDIT_ATTENDANCE, fresh):
        body += render_block("sessions/_bulk_row.html", "bulk_row", s=fresh, row_oob=True)
    if "blocks" in oob:
        body += _block_oob(fresh, oob)
    if "facts" in oob:
        body += render_block(
            "sessions/detail.html",
            "facts",
            s=fresh,
            **facts_context(fresh),
            facts_oob=True,
        )
    if "history" in oob and may_see_history(current_user, fresh):
        body += render_block(
            "sessions/_history.html",
            "history",
            s=fresh,
            history=history_for(fresh.id),
            history_oob=True,
        )
    response = _vary(make_response(body, status))
    if "list-rows" in oob and status == 200 and feedback.control in LIST_REFRESHING_CONTROLS:
        # The row may no longer match the list's filters or sort (coordinator/sessions.html
        # listens for this event and reloads its results when it filters or sorts by it).
        response.headers["HX-Trigger"] = LIST_REFRESHING_CONTROLS[feedback.control]
    return response


def _flash(view: SessionView, feedback: Feedback) -> None:
    """The outcome as a flashed message, for the page a no-JavaScript form returns to."""
    label = view.course_title or f"Session #{view.id}"
    flash(f"{label}: {feedback.message}" if feedback.kind != "saved" else f"{label}: saved.")


def _block_oob(s: SessionView, oob: frozenset[str]) -> str:
    """The session's calendar block (``#block-N``), replaced out of band."""
    return render_block(
        "calendar/_block.html",
        "session_block",
        s=s,
        block_oob=True,
        card_query=card_query_for(oob),
    )


def _featured_strip_oob(s: SessionView, was_featured: bool) -> str:
    """Add, replace or remove ``#featured-session-N`` in ``#featured-strip``."""
    if s.is_featured and not was_featured:
        block = "featured_add"
    elif s.is_featured:
        block = "featured_replace"
    elif was_featured:
        block = "featured_remove"
    else:
        return ""
    featured_oob = "true" if block == "featured_replace" else None
    return render_blocks("sessions/_featured_oob.html", [block], s=s, featured_oob=featured_oob)


# --- Bulk attendance ---------------------------------------------------------


@bp.post("/sessions/attendance/bulk")
@login_required
def bulk_attendance() -> Response:
    """Save the attendance of several sessions at once (all or nothing)."""
    next_url = _next_url(None)
    try:
        ids = bulk_session_ids(request.form)
    except InvalidEdit as invalid:
        feedback = Feedback("bulk", "invalid", invalid.message, invalid.field)
        return _bulk_response([], 422, feedback, next_url)
    views = _views_in_order(ids)
    if len(views) != len(ids):
        abort(404, description="Some of these sessions do not exist.")
    for view in views:
        if not can(current_user, Action.EDIT_ATTENDANCE, view):
            abort(403, description="You may not change the attendance of all these sessions.")
    all_present = request.form.get("action") == "all-present"
    try:
        applied = save_bulk_attendance(request.form, ids, current_user.id, all_present=all_present)
    except BulkRejected as rejected:
        db.session.rollback()
        status = rejected.status
        if status == 404:
            abort(404, description="Some of these sessions no longer exist.")
        errors = {sid: error.message for sid, error in rejected.errors.items()}
        pending = {} if all_present else _pending_choices(ids, errors)
        summary = (
            f"Nothing was saved: {len(errors)} of {len(ids)} sessions need attention."
            if status == 422
            else f"Nothing was saved: {len(errors)} of {len(ids)} sessions were changed by "
            "someone else — here is the latest."
        )
        feedback = Feedback("bulk", _KIND[status], summary)
        return _bulk_response(_views_in_order(ids), status, feedback, next_url, errors, pending)
    changed = sum(1 for result in applied if result.changes)
    message = f"Attendance saved for {len(applied)} sessions ({changed} changed)."
    if not is_htmx():
        db.session.commit()
        flash(message)
        return _see_other(next_url)
    # Built before COMMIT, as in _edit: a saved change is always answered as saved.
    saved = Feedback("bulk", "saved", message)
    response = _bulk_response(_views_in_order(ids), 200, saved, next_url)
    db.session.commit()
    return response


def _bulk_response(
    views: list[SessionView],
    status: int,
    feedback: Feedback,
    next_url: str,
    errors: dict[int, str] | None = None,
    pending: dict[int, dict[str, str]] | None = None,
) -> Response:
    """The re-rendered bulk form (+ the cards, if the page asked); else flash and 303."""
    if not is_htmx():
        details = "; ".join(
            f"{_label(view)}: {errors[view.id]}" for view in views if view.id in (errors or {})
        )
        flash(f"{feedback.message} {details}".strip())
        return _see_other(next_url)
    oob = _requested_oob()
    body = render_block(
        "sessions/_bulk_attendance.html",
        "bulk_attendance",
        bulk_sessions=views,
        bulk_errors=errors or {},
        bulk_pending=pending or {},
        bulk_feedback=feedback,
        edit_next=next_url,
        edit_oob=oob,
    )
    if "blocks" in oob and status == 200:
        body += "".join(_block_oob(view, oob) for view in views)
    if "cards" in oob and status == 200:
        load_board_choices(view.tutor_id for view in views)  # the cards sent along
        for view in views:
            body += render_block(
                "sessions/_card.html",
                "session_card",
                s=view,
                card_oob=True,
                edit_next=next_url,
                edit_oob=oob,
            )
    return _vary(make_response(body, status))


def _pending_choices(ids: list[int], errors: dict[int, str]) -> dict[int, dict[str, str]]:
    """The valid selections of rows without a problem, kept when the form comes back."""
    pending: dict[int, dict[str, str]] = {}
    for session_id in ids:
        if session_id in errors:
            continue
        row = bulk_row_form(request.form, session_id)
        pending[session_id] = {
            name: values[0] for name in ATTENDANCE_FIELDS if (values := row.getlist(name))
        }
    return pending


def _views_in_order(ids: list[int]) -> list[SessionView]:
    """The sessions with these ids, in this order (one query)."""
    found = {v.id: v for v in fetch_session_views(session_view_select().where(Session.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _label(view: SessionView) -> str:
    return f"{view.course_title or 'Session'} on {view.session_date:%d %b} ({view.student_name})"


# --- Helpers shared by the edits --------------------------------------------


def _next_url(session_id: int | None) -> str:
    """Where a non-htmx form returns to: its ``next`` if local, else the detail page (or home)."""
    fallback = (
        url_for("sessions.detail", session_id=session_id)
        if session_id is not None
        else url_for("home.index")
    )
    return safe_local_path(request.form.get("next")) or fallback


def _requested_oob() -> frozenset[str]:
    return frozenset(request.form.getlist("oob")) & OOB_PARTS


def _fresh_view(session_id: int) -> SessionView:
    fresh = get_session_view(session_id)
    if fresh is None:
        abort(404, description=f"There is no session #{session_id}.")
    return fresh


def _see_other(target: str) -> Response:
    return _vary(redirect(target, 303))


def _vary(response: Response) -> Response:
    response.vary.add("HX-Request")
    return response


# --- Template helpers for _controls.html -------------------------------------


@bp.app_template_global("return_path")
def return_path() -> str:
    """The page being rendered, as a local path for a form's hidden ``next``."""
    return request.full_path.rstrip("?") if request.query_string else request.path


@bp.app_template_filter("viewer_time")
def viewer_time(moment: datetime | None) -> datetime | None:
    """An aware timestamp (e.g. ``HistoryEntry.changed_at``) in the viewer's time zone.

    None stays None, so ``x | viewer_time | long_datetime`` says "unknown" for it.
    """
    return moment.astimezone(viewer_zone()) if moment is not None else None
