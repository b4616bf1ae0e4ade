"""``/api/v1/sessions/<id>/reschedule|cancel|restore|complete|repeat``: what PATCH does not
change.

Date, times and status follow the scheduling rules (conflicts, series,
"completed only from the start"…), so they have their own operations, one per
action of the session's page, calling the same ``dashboard.services.scheduling``
functions. Each needs ``If-Match`` with the ETag read (428 without, 412 when
stale, like PATCH), and the right to schedule the session (its tutor, or a
coordinator). An overlap is 409 with the conflicting sessions; a coordinator
may send ``override_reason``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app
from flask_login import current_user

from dashboard.blueprints.api import bp
from dashboard.blueprints.api.docs import SECURITY_SCHEME, problems
from dashboard.blueprints.api.problems import Problem
from dashboard.blueprints.api.responses import json_response, session_response
from dashboard.blueprints.api.schemas import (
    SessionCancel,
    SessionComplete,
    SessionList,
    SessionOut,
    SessionRepeat,
    SessionReschedule,
    SessionRestore,
)
from dashboard.blueprints.api.sessions import (
    ETAG_HEADER,
    scheduling_problem,
    session_for,
    stale_problem,
    time_of,
    version_from_if_match,
    views_in_order,
)
from dashboard.extensions import db
from dashboard.models import Session
from dashboard.permissions import Action
from dashboard.services import scheduling
from dashboard.services.api_sessions import session_record
from dashboard.services.session_views import (
    get_session_view,
)
from dashboard.services.session_writes import Applied, InvalidEdit, SessionGone, StaleEdit

_ONE_SESSION = {
    200: {"description": "The session as it is now", "headers": ETAG_HEADER},
}


def _run(session_id: int, change: Callable[[Session, datetime | None], Any]) -> Any:
    """Authorise, check If-Match, then ``change(session, version)``; errors as problems.

    The service commits on success and rolls back on any refusal.
    """
    view = session_for(session_id, Action.SCHEDULE)
    version = version_from_if_match(view)
    session = db.session.get(Session, view.id)
    if session is None:  # deleted between the two reads
        raise Problem(404, f"There is no session #{view.id}.")
    try:
        return change(session, version)
    except SessionGone:
        raise Problem(404, f"There is no session #{view.id}.") from None
    except InvalidEdit as error:
        raise Problem(422, error.message, errors={error.field or "body": [error.message]}) from None
    except StaleEdit:
        raise stale_problem(view.id) from None
    except scheduling.SchedulingError as error:
        raise scheduling_problem(error) from None


def _the_session(session_id: int) -> Response:
    view = get_session_view(session_id)
    if view is None:  # pragma: no cover - it was just written in this request
        raise Problem(404, f"There is no session #{session_id}.")
    return session_response(view)


def _now() -> datetime:
    return datetime.now(UTC)


@bp.post("/sessions/<int:session_id>/reschedule")
@bp.input(SessionReschedule, location="json", arg_name="body")
@bp.output(SessionOut)
@bp.doc(
    summary="Move a session to a new date and time",
    description="In place: the session keeps its id, attendance and links; its status "
    "becomes `rescheduled`. Not for completed or cancelled sessions (422). Checked for "
    "overlaps with the tutor's and the student's other sessions (409).",
    tags=["Sessions"],
    security=SECURITY_SCHEME,
    responses={**_ONE_SESSION, **problems(403, 404, 409, 412, 422, 428)},
)
def reschedule_session(session_id: int, body: dict[str, Any]) -> Response:
    """Reschedule through ``scheduling.reschedule_session`` (times in the centre's zone)."""
    _run(
        session_id,
        lambda session, version: scheduling.reschedule_session(
            current_user._get_current_object(),
            session,
            body["session_date"],
            time_of(body["start_time"]),
            time_of(body["end_time"]),
            current_app.config["SCHEDULE_TIMEZONE"],
            body.get("override_reason"),
            _now(),
            version=version,
        ),
    )
    return _the_session(session_id)


@bp.post("/sessions/<int:session_id>/cancel")
@bp.input(SessionCancel, location="json", arg_name="body")
@bp.output(SessionList)
@bp.doc(
    summary="Cancel a session, or this and the following / all of its series",
    description="Rows are kept with status `cancelled` and the reason; a cancellation "
    "less than a day ahead is marked late. Completed sessions are not cancelled (422). "
    "Answers every session it cancelled.",
    tags=["Sessions"],
    security=SECURITY_SCHEME,
    responses=problems(403, 404, 412, 422, 428),
)
def cancel_session(session_id: int, body: dict[str, Any]) -> Response:
    """Cancel through ``scheduling.cancel_sessions``."""
    written: list[Applied] = _run(
        session_id,
        lambda session, version: scheduling.cancel_sessions(
            current_user._get_current_object(),
            session,
            scheduling.Scope(body.get("scope") or scheduling.Scope.THIS),
            _now(),
            version=version,
            reason=body["reason"],
            reason_text=body.get("reason_text"),
        ),
    )
    views = views_in_order(Session.id.in_([applied.session_id for applied in written]))
    return json_response({"data": [session_record(view, current_user) for view in views]})


@bp.post("/sessions/<int:session_id>/restore")
@bp.input(SessionRestore, location="json", arg_name="body")
@bp.output(SessionOut)
@bp.doc(
    summary="Restore a cancelled session",
    description="Back to `scheduled` if its slot is still free (409 otherwise; a "
    "coordinator may override). Only cancelled sessions (422).",
    tags=["Sessions"],
    security=SECURITY_SCHEME,
    responses={**_ONE_SESSION, **problems(403, 404, 409, 412, 422, 428)},
)
def restore_session(session_id: int, body: dict[str, Any]) -> Response:
    """Restore through ``scheduling.restore_session``."""
    _run(
        session_id,
        lambda session, version: scheduling.restore_session(
            current_user._get_current_object(),
            session,
            body.get("override_reason"),
            _now(),
            version=version,
        ),
    )
    return _the_session(session_id)


@bp.post("/sessions/<int:session_id>/complete")
@bp.input(SessionComplete, location="json", arg_name="body")
@bp.output(SessionOut)
@bp.doc(
    summary="Mark a session completed, with the topics covered and the lesson notes",
    description="From the session's start (422 before); not for cancelled sessions. "
    "Completing again updates the topics and notes.",
    tags=["Sessions"],
    security=SECURITY_SCHEME,
    responses={**_ONE_SESSION, **problems(403, 404, 412, 422, 428)},
)
def complete_session(session_id: int, body: dict[str, Any]) -> Response:
    """Complete through ``scheduling.complete_session``."""
    topics = [topic.strip() for topic in body.get("topics_covered", []) if topic.strip()]
    _run(
        session_id,
        lambda session, version: scheduling.complete_session(
            current_user._get_current_object(),
            session,
            topics,
            version=version,
            now=_now(),
            public_note=body.get("public_note"),
            private_note=body.get("private_note"),
        ),
    )
    return _the_session(session_id)


@bp.post("/sessions/<int:session_id>/repeat")
@bp.input(SessionRepeat, location="json", arg_name="body")
@bp.output(SessionList)
@bp.doc(
    summary="Change how a series repeats from this occurrence on",
    description="From this occurrence on; earlier ones keep the old rule. With the same "
    "first day, occurrences on the new rule's dates are kept, its other dates added and "
    "open occurrences off it cancelled. With another `starting` day (a date in the "
    "series' time zone), the occurrences move in order to the new dates (cancelled ones "
    "stay cancelled) and what is left over is cancelled or added. Moved and added ones "
    "are checked for overlaps (409). Answers the occurrences of the series from this one on.",
    tags=["Sessions"],
    security=SECURITY_SCHEME,
    responses=problems(403, 404, 409, 412, 422, 428),
)
def repeat_series(session_id: int, body: dict[str, Any]) -> Response:
    """Give the series a new rule through ``scheduling.change_repeat``."""
    _run(
        session_id,
        lambda session, version: scheduling.change_repeat(
            current_user._get_current_object(),
            session,
            scheduling.RepeatChange(
                frequency=body["session_frequency"],
                repeat_until=body.get("repeat_until"),
                repeat_count=body.get("repeat_count"),
                override_reason=body.get("override_reason"),
                starting=body.get("starting"),
            ),
            _now(),
            version=version,
        ),
    )
    session = db.session.get(Session, session_id, populate_existing=True)
    series_id = (session.recurring_pattern or {}).get("series_id") if session else None
    views = views_in_order(Session.recurring_pattern["series_id"].as_integer() == series_id)
    return json_response({"data": [session_record(view, current_user) for view in views]})
