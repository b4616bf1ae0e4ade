"""``/api/v1/sessions``: list (filters, cursor pages), read, create, patch with If-Match.

Concurrency: a session's ETag is its ``updated_at``. ``PATCH`` must send it
back in ``If-Match`` (428 without); the write path checks it under a row
lock, so of two clients editing the same version exactly one wins and the
other gets 412 with the session as it now is.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, request, url_for
from flask_login import current_user

from dashboard.access import load_session_for, require
from dashboard.blueprints.api import bp
from dashboard.blueprints.api.docs import SECURITY_SCHEME, problems
from dashboard.blueprints.api.problems import Problem
from dashboard.blueprints.api.responses import etag_of, json_response, session_response
from dashboard.blueprints.api.schemas import (
    SessionCreate,
    SessionCreated,
    SessionListQuery,
    SessionOut,
    SessionPage,
    SessionPatch,
)
from dashboard.extensions import db
from dashboard.models import Session
from dashboard.permissions import Action, fields_refused, may_schedule
from dashboard.services import api_sessions, scheduling
from dashboard.services.api_sessions import (
    DEFAULT_PAGE_SIZE,
    Position,
    SessionFilters,
    session_record,
)
from dashboard.services.session_views import (
    SessionView,
    fetch_session_views,
    get_session_view,
    session_view_select,
)
from dashboard.services.session_writes import InvalidEdit, SessionGone, StaleEdit, parse_version

ETAG_HEADER = {
    "ETag": {
        "description": "The session's version (its updated_at, quoted); send it in If-Match.",
        "schema": {"type": "string"},
        "required": True,
    }
}
_FILTERS = (
    "tutor_id",
    "student_id",
    "enrolled_courses_id",
    "status",
    "is_featured",
    "date_from",
    "date_to",
)
#: The scheduling service names the repeat choice ``frequency``; the API uses the column's name.
_API_FIELD_NAMES = {"frequency": "session_frequency"}


def session_for(session_id: int, action: Action = Action.VIEW) -> SessionView:
    # The shared ``int`` converter (dashboard.input_guard) already keeps ids past
    # PostgreSQL's integer out of the rule: they are a plain 404 before this runs.
    return load_session_for(session_id, action)


@bp.get("/sessions")
@bp.input(SessionListQuery, location="query", arg_name="query")
@bp.output(SessionPage)
@bp.doc(
    summary="List sessions",
    description="The sessions you may see, ordered by date, start time and id; "
    "follow `next` for the following page.",
    tags=["Sessions"],
    security=SECURITY_SCHEME,
    responses=problems(400, 403),
)
def list_sessions(query: dict[str, Any]) -> Response:
    """One page of the sessions the token's owner may see."""
    since = None
    if query.get("updated_since"):
        try:
            since = api_sessions.parse_timestamp(query["updated_since"])
        except ValueError:
            raise Problem(
                400,
                "updated_since must be an ISO 8601 timestamp, e.g. 2026-12-01T09:30:00.",
                errors={"updated_since": ["Not an ISO 8601 timestamp."]},
            ) from None
    after = None
    if query.get("cursor"):
        try:
            after = Position.decode(query["cursor"])
        except ValueError:
            raise Problem(
                400,
                "cursor is not one this API gave out; use the next link of a page as it is.",
                errors={"cursor": ["Unknown cursor."]},
            ) from None
    filters = SessionFilters(**{name: query.get(name) for name in _FILTERS}, updated_since=since)
    limit = query.get("limit") or DEFAULT_PAGE_SIZE
    views, position = api_sessions.list_sessions(current_user, filters, after, limit)
    next_url = None
    headers = {}
    if position is not None:
        args = {**request.args.to_dict(), "cursor": position.encode()}
        next_url = url_for("api.list_sessions", **args, _external=True)
        headers["Link"] = f'<{next_url}>; rel="next"'
    body = {"data": [session_record(view, current_user) for view in views], "next": next_url}
    return json_response(body, headers=headers)


@bp.get("/sessions/<int:session_id>")
@bp.output(SessionOut)
@bp.doc(
    summary="Read a session",
    tags=["Sessions"],
    security=SECURITY_SCHEME,
    responses={200: {"description": "The session", "headers": ETAG_HEADER}, **problems(403, 404)},
)
def get_session(session_id: int) -> Response:
    """One session, with its ETag."""
    return session_response(session_for(session_id))


def time_of(text: str) -> time:
    return time.fromisoformat(text)  # the schema's pattern admits only HH:MM[:SS]


@bp.post("/sessions")
@bp.input(SessionCreate, location="json", arg_name="body")
@bp.output(SessionCreated, status_code=201)
@bp.doc(
    summary="Schedule a session or a series",
    description="The scheduling form's rules: your enrolled courses (tutors) or any "
    "(coordinators), not in the past, no overlap with the tutor's or the student's other "
    "sessions (409; a coordinator may override with `override_reason`).",
    tags=["Sessions"],
    security=SECURITY_SCHEME,
    responses=problems(400, 403, 409, 422),
)
def create_session(body: dict[str, Any]) -> Response:
    """Create sessions through the scheduling service (same checks as /sessions/new)."""
    require(may_schedule(current_user), "Only coordinators and tutors schedule sessions.")
    data = scheduling.SessionInput(
        enrolled_courses_id=body["enrolled_courses_id"],
        session_date=body["session_date"],
        start_time=time_of(body["start_time"]),
        end_time=time_of(body["end_time"]),
        tzid=current_app.config["SCHEDULE_TIMEZONE"],
        session_mode=body.get("session_mode", "online"),
        location=body.get("location"),
        topics=[topic.strip() for topic in body.get("topics", []) if topic.strip()],
        whiteboard_id=body.get("whiteboard_id"),
        priority_level=body.get("priority_level", "medium"),
        notification_enabled=body.get("notification_enabled", False),
        alarm_enabled=body.get("alarm_enabled", False),
        alarm_before_minutes=body.get("alarm_before_minutes", 15),
        frequency=body.get("session_frequency", "one-time"),
        repeat_until=body.get("repeat_until"),
        repeat_count=body.get("repeat_count"),
        override_reason=body.get("override_reason"),
    )
    try:
        created = scheduling.create_sessions(
            current_user._get_current_object(), data, datetime.now(UTC)
        )
    except scheduling.SchedulingError as error:
        db.session.rollback()
        raise scheduling_problem(error) from None
    views = views_in_order(Session.id.in_([session.id for session in created]))
    headers = {"Location": url_for("api.get_session", session_id=views[0].id, _external=True)}
    if len(views) == 1:
        headers["ETag"] = etag_of(views[0])
    return json_response(
        {"data": [session_record(view, current_user) for view in views]}, 201, headers
    )


def views_in_order(condition: sa.ColumnElement[bool]) -> list[SessionView]:
    """The sessions matching ``condition``, by date and start: what a write answers."""
    return fetch_session_views(
        session_view_select()
        .where(condition)
        .order_by(Session.session_date, Session.start_time, Session.id)
    )


def scheduling_problem(error: scheduling.SchedulingError) -> Problem:
    errors = {_API_FIELD_NAMES.get(name, name): messages for name, messages in error.errors.items()}
    detail = " ".join(message for messages in errors.values() for message in messages)
    if not error.conflicts:
        return Problem(422, detail, errors=errors)
    conflicts = [
        {
            "session_id": conflict.other.id,
            "session_date": conflict.other.session_date.isoformat(),
            "start_time": conflict.other.start_time.isoformat(),
            "end_time": conflict.other.end_time.isoformat(),
        }
        for conflict in error.conflicts
    ]
    return Problem(409, detail, errors=errors, conflicts=conflicts)


@bp.patch("/sessions/<int:session_id>")
@bp.input(SessionPatch, location="json", arg_name="body")
@bp.output(SessionOut)
@bp.doc(
    summary="Change some fields of a session",
    description="Send only the fields to change, with `If-Match: <ETag>` of the version you "
    "read. Each field needs its own right: tutors change attendance, priority, whiteboard, "
    "topics and reminders of their sessions; only coordinators feature sessions.",
    tags=["Sessions"],
    security=SECURITY_SCHEME,
    responses={
        200: {"description": "The changed session", "headers": ETAG_HEADER},
        **problems(403, 404, 409, 412, 422, 428),
    },
)
def patch_session(session_id: int, body: dict[str, Any]) -> Response:
    """Partial update through the one write path (version-checked, audited)."""
    view = session_for(session_id)
    if not body:
        raise Problem(422, "Send at least one field to change.")
    refused = fields_refused(current_user, view, body)
    if refused:
        raise Problem(
            403,
            f"You may not change {', '.join(refused)} of this session.",
            errors={name: ["Your account may not change this field."] for name in refused},
        )
    version = version_from_if_match(view)
    try:
        api_sessions.patch_session(view, version, body, current_user.id)
    except StaleEdit:
        db.session.rollback()
        raise stale_problem(view.id) from None
    except InvalidEdit as error:
        db.session.rollback()
        raise Problem(422, error.message, errors={error.field or "body": [error.message]}) from None
    except SessionGone:
        db.session.rollback()
        raise Problem(404, f"There is no session #{view.id}.") from None
    db.session.commit()
    return session_response(get_session_view(view.id) or view)


def version_from_if_match(view: SessionView) -> datetime | None:
    """The version the client read, from ``If-Match``: 428 without one, 412 if not current."""
    if not request.headers.get("If-Match", "").strip():
        raise Problem(
            428, "Send If-Match with the ETag of the session as you read it (GET it first)."
        )
    if request.if_match.star_tag:
        raise Problem(428, "If-Match: * is not enough; send the session's ETag.")
    if view.version not in request.if_match.as_set():
        raise stale_problem(view.id)
    return parse_version(view.version)


def stale_problem(session_id: int) -> Problem:
    current = get_session_view(session_id)
    if current is None:
        return Problem(404, f"There is no session #{session_id}.")
    return Problem(
        412,
        "The session changed since you read it: your If-Match is not its current ETag. "
        "Nothing was saved; `current` holds the session as it is now.",
        headers={"ETag": etag_of(current)},
        current=session_record(current, current_user),
    )
