"""``GET /sessions/<id>``."""

from __future__ import annotations

from flask import Response
from flask_login import current_user, login_required

from dashboard.access import load_session_and_boards_for
from dashboard.blueprints.sessions import bp
from dashboard.blueprints.sessions.board_choices import provide_board_choices
from dashboard.permissions import (
    Action,
    can,
    may_read_private_note,
    may_see_history,
    may_view_tutor,
    review_role,
    visible_review_roles,
)
from dashboard.rendering import render_page
from dashboard.services.calendar import localise
from dashboard.services.lesson_record import lesson_record
from dashboard.services.reviews import reviews_of
from dashboard.services.scheduling import overrides_for
from dashboard.services.session_edits import history_for
from dashboard.services.session_views import SessionView
from dashboard.timezones import schedule_zone, viewer_zone


def facts_context(view: SessionView) -> dict[str, object]:
    """What the "All details" block of ``sessions/detail.html`` needs besides ``s``."""
    return {
        "when": localise(view, schedule_zone(), viewer_zone()),
        "viewer_zone": viewer_zone().key,
        "schedule_zone": schedule_zone().key,
    }


@bp.get("/sessions/<int:session_id>")
@login_required
def detail(session_id: int) -> Response:
    """Every column of one session in words, the editable card on top, changes below.

    The change history and any conflict overrides are for those who may edit
    the session; their edits on this page refresh the history and the details
    out of band (``edit_oob``).
    """
    view, boards = load_session_and_boards_for(session_id)
    provide_board_choices(view.tutor_id, boards)
    show_calendar = view.tutor_id is not None and may_view_tutor(current_user, view.tutor_id)
    editor = may_see_history(current_user, view)
    history = history_for(view.id) if editor else None
    overrides = overrides_for(view.id) if editor else []
    return render_page(
        "sessions/detail.html",
        "detail",
        s=view,
        **facts_context(view),
        show_calendar=show_calendar,
        history=history,
        overrides=overrides,
        edit_oob=["facts", "history"] if history is not None else ["facts"],
        **lesson_context(view),
    )


def lesson_context(view: SessionView) -> dict[str, object]:
    """The "The lesson" section (sessions/_lesson.html): two queries."""
    visible = visible_review_roles(current_user, view)
    return {
        "lesson": lesson_record(view.id),
        "show_private_note": may_read_private_note(current_user, view),
        "reviews": reviews_of(view.id, visible) if visible else {},
        "my_review_role": review_role(current_user, view),
        "may_restore": view.is_cancelled and can(current_user, Action.SCHEDULE, view),
    }
