"""``/sessions/new``, ``/sessions/<id>/edit`` and the lifecycle POSTs.

Each handler parses a form, authorises (``require``/``load_session_for``),
calls ``dashboard.services.scheduling`` and renders. Invalid input → 422 with
the errors next to the fields and nothing saved. After a successful POST:
303 to the session (or a local ``next``) without htmx; with htmx the session
card fragment (lifecycle) or an ``HX-Redirect`` (the full forms).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from flask import Response, abort, flash, make_response, redirect, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from jinja2_fragments.flask import render_block

from dashboard.access import load_session_for, require
from dashboard.blueprints.scheduling import bp
from dashboard.blueprints.scheduling.forms import (
    CancelForm,
    CompleteForm,
    EditSessionForm,
    NewSessionForm,
    RepeatForm,
    RescheduleForm,
    RestoreForm,
)
from dashboard.blueprints.sessions.board_choices import provide_board_choices
from dashboard.extensions import db
from dashboard.models import Session
from dashboard.permissions import Action, may_override_conflicts, may_schedule
from dashboard.rendering import is_htmx, render_page
from dashboard.services import scheduling
from dashboard.services.lesson_record import lesson_record
from dashboard.services.scheduling import Conflict, SchedulingError, Scope
from dashboard.services.session_views import get_session_view
from dashboard.services.session_writes import STALE_MESSAGE, EditRejected, StaleEdit, parse_version
from dashboard.services.whiteboards import session_view_and_boards
from dashboard.timezones import viewer_zone
from dashboard.urls import safe_local_path

T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


def _attach(form: FlaskForm, error: SchedulingError) -> None:
    """Put the service's messages next to the matching fields."""
    for name, messages in error.errors.items():
        field = getattr(form, name, None)
        target = field.errors if field is not None else form.form_errors
        if isinstance(target, tuple):
            target = field.errors = list(target)
        target.extend(messages)


def _done(session_id: int, message: str) -> Response:
    """After a full-form success: 303 (or HX-Redirect for htmx) to the session."""
    flash(message)
    target = safe_local_path(request.form.get("next")) or url_for(
        "sessions.detail", session_id=session_id
    )
    if is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


def _page_context(form: FlaskForm, keep_course: int | None = None) -> dict:
    courses = scheduling.schedulable_courses(current_user, keep=keep_course)
    boards = scheduling.whiteboard_options(current_user)
    form.set_choices(courses, boards)
    return {"may_override": may_override_conflicts(current_user), "zone": viewer_zone().key}


@bp.route("/sessions/new", methods=["GET", "POST"])
@login_required
def new() -> Response:
    """Schedule a session (or a repeating series) for an enrolled course."""
    require(may_schedule(current_user), "Only coordinators and tutors schedule sessions.")
    form = NewSessionForm()
    context = _page_context(form)
    conflicts: list = []
    if request.method == "GET":
        form.session_date.data = default_new_date()
        form.enrolled_courses_id.data = request.args.get("course", type=int)
    elif form.validate_on_submit():
        try:
            created = scheduling.create_sessions(
                current_user, form.to_input(viewer_zone().key), _now()
            )
        except SchedulingError as error:
            _attach(form, error)
            conflicts = error.conflicts
        else:
            return _done(created[0].id, _counted(len(created), "scheduled"))
    status = 422 if request.method == "POST" else 200
    return render_page(
        "scheduling/new.html", "session_form", status, form=form, conflicts=conflicts, **context
    )


def _session_for(session_id: int) -> Session:
    load_session_for(session_id, Action.SCHEDULE)
    session = db.session.get(Session, session_id)
    if session is None:  # pragma: no cover - load_session_for already 404s
        abort(404)
    return session


def _edit_page(
    session: Session, status: int = 200, block: str = "session_form", **forms: FlaskForm
) -> Response:
    """The edit page (or one of its form blocks for htmx) with any forms given pre-filled."""
    session = db.session.get(Session, session.id, populate_existing=True) or abort(404)
    zone = viewer_zone().key
    form = forms.get("form") or EditSessionForm(data=scheduling.form_values(session, zone))
    context = _page_context(form, keep_course=session.enrolled_courses_id)
    values = scheduling.form_values(session, zone)
    reschedule_form = forms.get("reschedule_form") or RescheduleForm(
        data={key: values[key] for key in ("session_date", "start_time", "end_time")}
    )
    return render_page(
        "scheduling/edit.html",
        block,
        status,
        form=form,
        reschedule_form=reschedule_form,
        cancel_form=forms.get("cancel_form") or CancelForm(),
        complete_form=forms.get("complete_form") or CompleteForm(data=_completion_values(session)),
        repeat_form=forms.get("repeat_form") or RepeatForm(data=_repeat_values(session)),
        view=get_session_view(session.id),
        series=scheduling.series_of(session),
        conflicts=forms.get("conflicts") or [],
        notice=forms.get("notice"),
        **context,
    )


def _repeat_values(session: Session) -> dict[str, object]:
    """The repeat form starts at the occurrence's frequency and original date (a lesson
    moved on its own does not move the series); the end is asked anew."""
    frequency = session.session_frequency
    original = scheduling.original_day(session)
    if original is None or original < datetime.now(viewer_zone()).date():
        original = session.session_date  # moved on its own from a date now past
    return {
        "frequency": frequency if frequency in RepeatForm.frequency.kwargs["choices"] else None,
        "starting": original,
    }


def _completion_values(session: Session) -> dict[str, str]:
    """The complete form pre-filled with what is recorded (completing again edits the notes)."""
    record = lesson_record(session.id)
    covered = session.topics_covered if isinstance(session.topics_covered, list) else []
    return {
        "topics_covered": "\n".join(str(topic) for topic in covered),
        "public_note": record.public_note or "",
        "private_note": record.private_note or "",
    }


def _counted(count: int, done: str) -> str:
    """ "1 session cancelled." / "3 sessions cancelled." """
    return f"{count} session{'s' if count != 1 else ''} {done}."


def _version() -> datetime | None:
    """The ``version`` (``updated_at``) the submitted form was rendered with; junk is stale."""
    return parse_version(request.form.get("version"))


def _refused(session_id: int, rejected: EditRejected) -> Response:
    """404 for a session deleted meanwhile; 409 with the latest values for a stale form.

    The edit page is rendered anew from the row as it is now (every form
    pre-filled with the current values and version), with the notice on top.
    """
    if not isinstance(rejected, StaleEdit):
        abort(rejected.status)
    session = _session_for(session_id)
    return _edit_page(session, 409, notice=STALE_MESSAGE)


def _submit(
    session_id: int,
    form: FlaskForm,
    change: Callable[[], T],
    done: Callable[[T], Response],
    again: Callable[[list[Conflict]], Response],
) -> Response:
    """What every change POST of a session does: validate ``form``, make the ``change``.

    The answer is ``done(result)`` after a success; the refusal of a stale form (409)
    or of a session deleted meanwhile (404); else ``again(conflicts)``, the form shown
    again (422) with its errors attached and the conflicts the change ran into.
    """
    if not form.validate_on_submit():
        return again([])
    try:
        result = change()
    except EditRejected as rejected:
        return _refused(session_id, rejected)
    except SchedulingError as error:
        _attach(form, error)
        return again(error.conflicts)
    return done(result)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit(session_id: int) -> Response:
    """Change a session, or this-and-following / all of its series."""
    session = _session_for(session_id)
    if request.method == "GET":
        return _edit_page(session)
    form = EditSessionForm()
    _page_context(form, keep_course=session.enrolled_courses_id)
    return _submit(
        session_id,
        form,
        lambda: scheduling.update_sessions(
            current_user,
            session,
            form.to_input(viewer_zone().key),
            Scope(form.scope.data or Scope.THIS),
            _now(),
            version=_version(),
        ),
        lambda changed: _done(session_id, _counted(len(changed), "updated")),
        lambda conflicts: _edit_page(_session_for(session_id), 422, form=form, conflicts=conflicts),
    )


def _lifecycle_done(session_id: int, message: str) -> Response:
    """htmx: the updated session card; otherwise 303 back (local ``next``) or to the session."""
    if is_htmx():
        found = session_view_and_boards(session_id) or abort(404)
        view, boards = found
        provide_board_choices(view.tutor_id, boards)  # the card's whiteboard choices
        response = make_response(render_block("sessions/_card.html", "session_card", s=view))
        response.vary.add("HX-Request")
        return response
    flash(message)
    target = safe_local_path(request.form.get("next")) or url_for(
        "sessions.detail", session_id=session_id
    )
    return redirect(target, 303)


@bp.post("/sessions/<int:session_id>/reschedule")
@login_required
def reschedule(session_id: int) -> Response:
    """Move the session in place to a new date and time (status ``rescheduled``)."""
    session = _session_for(session_id)
    form = RescheduleForm()
    return _submit(
        session_id,
        form,
        lambda: scheduling.reschedule_session(
            current_user,
            session,
            form.session_date.data,
            form.start_time.data,
            form.end_time.data,
            viewer_zone().key,
            form.override_reason.data,
            _now(),
            version=_version(),
        ),
        lambda _moved: _lifecycle_done(session_id, "Session rescheduled."),
        lambda conflicts: _edit_page(
            _session_for(session_id),
            422,
            "reschedule_form",
            reschedule_form=form,
            conflicts=conflicts,
        ),
    )


def _cancel_page(session: Session, status: int = 200, form: CancelForm | None = None) -> Response:
    """The confirmation page: what each choice cancels (counted), and the reason."""
    session = db.session.get(Session, session.id, populate_existing=True) or abort(404)
    form = form or CancelForm()
    now = _now()
    counts = {scope: len(scheduling.cancellation_targets(session, scope, now)) for scope in Scope}
    form.label_scopes(counts)
    return render_page(
        "scheduling/cancel.html",
        "cancel_form",
        status,
        cancel_form=form,
        counts=counts,
        view=get_session_view(session.id),
        series=scheduling.series_of(session),
    )


@bp.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(session_id: int) -> Response:
    """Ask first (GET: what will be cancelled, and why), then cancel (POST; rows are kept)."""
    session = _session_for(session_id)
    if request.method == "GET":
        return _cancel_page(session)
    form = CancelForm()
    return _submit(
        session_id,
        form,
        lambda: scheduling.cancel_sessions(
            current_user,
            session,
            Scope(form.scope.data or Scope.THIS),
            _now(),
            version=_version(),
            reason=form.reason.data,
            reason_text=form.reason_text.data,
        ),
        lambda changed: _lifecycle_done(session_id, _counted(len(changed), "cancelled")),
        lambda _conflicts: _cancel_page(session, 422, form),
    )


@bp.post("/sessions/<int:session_id>/restore")
@login_required
def restore(session_id: int) -> Response:
    """Bring a cancelled session back to ``scheduled`` (conflict-checked, logged)."""
    session = _session_for(session_id)
    form = RestoreForm()
    return _submit(
        session_id,
        form,
        lambda: scheduling.restore_session(
            current_user, session, form.override_reason.data, _now(), version=_version()
        ),
        lambda _restored: _lifecycle_done(session_id, "Session restored: it is scheduled again."),
        lambda conflicts: _restore_page(session, form, conflicts),
    )


def _restore_page(session: Session, form: RestoreForm, conflicts: list[Conflict]) -> Response:
    """The restore form again (422): why it was refused, and the override for coordinators."""
    session = db.session.get(Session, session.id, populate_existing=True) or abort(404)
    return render_page(
        "scheduling/restore.html",
        "restore_form",
        422,
        form=form,
        conflicts=conflicts,
        view=get_session_view(session.id),
        may_override=may_override_conflicts(current_user),
    )


@bp.post("/sessions/<int:session_id>/complete")
@login_required
def complete(session_id: int) -> Response:
    """Mark the session completed: topics covered, public and private lesson notes."""
    session = _session_for(session_id)
    form = CompleteForm()
    return _submit(
        session_id,
        form,
        lambda: scheduling.complete_session(
            current_user,
            session,
            scheduling.parse_topics(form.topics_covered.data),
            version=_version(),
            now=_now(),
            public_note=form.public_note.data,
            private_note=form.private_note.data,
        ),
        lambda _completed: _lifecycle_done(session_id, "Session completed."),
        lambda _conflicts: _edit_page(session, 422, "complete_form", complete_form=form),
    )


@bp.post("/sessions/<int:session_id>/repeat")
@login_required
def repeat(session_id: int) -> Response:
    """Give the session's series a new rule from this occurrence on (kept/added/cancelled)."""
    session = _session_for(session_id)
    form = RepeatForm()
    return _submit(
        session_id,
        form,
        lambda: scheduling.change_repeat(
            current_user,
            session,
            scheduling.RepeatChange(
                frequency=form.frequency.data,
                repeat_until=form.repeat_until.data,
                repeat_count=form.repeat_count.data,
                override_reason=form.override_reason.data,
                starting=form.starting.data,
            ),
            _now(),
            version=_version(),
        ),
        lambda changed: _done(session_id, changed.summary()),
        lambda conflicts: _edit_page(
            session, 422, "repeat_form", repeat_form=form, conflicts=conflicts
        ),
    )


def default_new_date() -> date:
    """Tomorrow in the viewer's zone: the form's starting value."""
    return datetime.now(viewer_zone()).date() + timedelta(days=1)
