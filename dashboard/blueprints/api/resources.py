"""``/api/v1/me``, ``/courses``, ``/enrolled_courses`` and ``/whiteboard_sessions``."""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for
from flask_login import current_user

from dashboard.access import load_whiteboard_for, require
from dashboard.blueprints.api import bp
from dashboard.blueprints.api.auth import presented_bearer
from dashboard.blueprints.api.docs import SECURITY_SCHEME, problems
from dashboard.blueprints.api.problems import Problem
from dashboard.blueprints.api.responses import json_response
from dashboard.blueprints.api.schemas import (
    CoursePage,
    EnrolledCoursePage,
    MeOut,
    PageQuery,
    WhiteboardCreate,
    WhiteboardDeleted,
    WhiteboardList,
    WhiteboardOut,
    WhiteboardPatch,
)
from dashboard.extensions import db
from dashboard.permissions import is_coordinator, may_create_whiteboard_for, may_list_whiteboards
from dashboard.services import api_reference
from dashboard.services.api_sessions import DEFAULT_PAGE_SIZE, json_value
from dashboard.services.whiteboards import (
    board_url_problem,
    create_board,
    delete_board,
    list_boards,
    tutor_choices,
    update_board,
)


@bp.get("/me")
@bp.output(MeOut)
@bp.doc(summary="Who the token acts for", tags=["Reference"], security=SECURITY_SCHEME)
def me() -> Response:
    """The token's owner and the token itself (name, scope, expiry)."""
    bearer = presented_bearer()
    assert bearer is not None  # authenticate_request let the request through
    user, token = bearer.user, bearer.token
    return json_response(
        {
            "id": user.id,
            "email": user.email,
            "full_name": user.full_name,
            "role": user.role,
            "timezone": user.timezone,
            "token": {
                "id": token.id,
                "name": token.name,
                "scope": token.scope,
                "expires_at": json_value(token.expires_at),
            },
        }
    )


def _after(query: dict[str, Any]) -> int | None:
    if not query.get("cursor"):
        return None
    try:
        return api_reference.decode_after(query["cursor"])
    except ValueError:
        raise Problem(
            400,
            "cursor is not one this API gave out; use the next link of a page as it is.",
            errors={"cursor": ["Unknown cursor."]},
        ) from None


def _page_response(endpoint: str, rows: list[dict[str, Any]], last_id: int | None) -> Response:
    next_url = None
    headers = {}
    if last_id is not None:
        args = {**request.args.to_dict(), "cursor": api_reference.encode_after(last_id)}
        next_url = url_for(endpoint, **args, _external=True)
        headers["Link"] = f'<{next_url}>; rel="next"'
    return json_response({"data": rows, "next": next_url}, headers=headers)


@bp.get("/courses")
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(CoursePage)
@bp.doc(
    summary="List courses", tags=["Reference"], security=SECURITY_SCHEME, responses=problems(400)
)
def list_courses(query: dict[str, Any]) -> Response:
    """The centre's courses, by id."""
    rows, last = api_reference.list_courses(_after(query), query.get("limit") or DEFAULT_PAGE_SIZE)
    return _page_response("api.list_courses", rows, last)


@bp.get("/enrolled_courses")
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(EnrolledCoursePage)
@bp.doc(
    summary="List enrolled courses",
    description="Who teaches which course to whom; sessions belong to one "
    "(`enrolled_courses_id`). Tutors see theirs, students theirs, parents their children's.",
    tags=["Reference"],
    security=SECURITY_SCHEME,
    responses=problems(400),
)
def list_enrolled_courses(query: dict[str, Any]) -> Response:
    """The enrolled courses whose sessions the token's owner may see, by id."""
    rows, last = api_reference.list_enrolled_courses(
        current_user, _after(query), query.get("limit") or DEFAULT_PAGE_SIZE
    )
    return _page_response("api.list_enrolled_courses", rows, last)


# --- whiteboards -------------------------------------------------------------


def _board_json(board_id: int) -> dict[str, Any]:
    record = api_reference.whiteboard_record(board_id)
    if record is None:
        raise Problem(404, f"There is no whiteboard #{board_id}.")
    return record


def _checked_url(url: str) -> str:
    url = url.strip()
    problem = board_url_problem(url)
    if problem:
        raise Problem(422, problem, errors={"board_url": [problem]})
    return url


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise Problem(422, "Enter a name.", errors={"session_name": ["Enter a name."]})
    return name


@bp.get("/whiteboard_sessions")
@bp.output(WhiteboardList)
@bp.doc(
    summary="List whiteboards",
    description="A tutor's own boards; every board for a coordinator.",
    tags=["Whiteboards"],
    security=SECURITY_SCHEME,
    responses=problems(403),
)
def list_whiteboards() -> Response:
    """The boards the token's owner manages, with how many sessions link each."""
    require(may_list_whiteboards(current_user), "Only tutors and coordinators have whiteboards.")
    owner = None if is_coordinator(current_user) else current_user.id
    rows = [
        {
            "id": row.id,
            "session_name": row.session_name,
            "board_url": row.board_url,
            "owner_id": row.owner_id,
            "owner_name": row.owner_name,
            "linked_sessions": row.linked_sessions,
            "updated_at": json_value(row.updated_at),
        }
        for row in list_boards(owner)
    ]
    return json_response({"data": rows})


@bp.post("/whiteboard_sessions")
@bp.input(WhiteboardCreate, location="json", arg_name="body")
@bp.output(WhiteboardOut, status_code=201)
@bp.doc(
    summary="Add a whiteboard",
    tags=["Whiteboards"],
    security=SECURITY_SCHEME,
    responses=problems(400, 403, 422),
)
def create_whiteboard(body: dict[str, Any]) -> Response:
    """A tutor adds a board for themselves; a coordinator for any active tutor."""
    require(may_list_whiteboards(current_user), "Only tutors and coordinators have whiteboards.")
    owner_id = body.get("owner_id", current_user.id)
    require(
        may_create_whiteboard_for(current_user, owner_id),
        "Tutors add whiteboards for themselves only.",
    )
    if owner_id not in {tutor_id for tutor_id, _name in tutor_choices()}:
        message = "The owner must be an active tutor."
        raise Problem(422, message, errors={"owner_id": [message]})
    board = create_board(
        _checked_name(body["session_name"]), _checked_url(body["board_url"]), owner_id
    )
    db.session.commit()
    location = url_for("api.patch_whiteboard", board_id=board.id, _external=True)
    return json_response(_board_json(board.id), 201, {"Location": location})


@bp.patch("/whiteboard_sessions/<int:board_id>")
@bp.input(WhiteboardPatch, location="json", arg_name="body")
@bp.output(WhiteboardOut)
@bp.doc(
    summary="Rename a whiteboard or change its address",
    tags=["Whiteboards"],
    security=SECURITY_SCHEME,
    responses=problems(403, 404, 422),
)
def patch_whiteboard(board_id: int, body: dict[str, Any]) -> Response:
    """Its owner or a coordinator changes a board's name and/or address."""
    board = load_whiteboard_for(board_id)
    name = _checked_name(body["session_name"]) if "session_name" in body else board.session_name
    url = _checked_url(body["board_url"]) if "board_url" in body else board.board_url
    update_board(board, name, url)
    db.session.commit()
    return json_response(_board_json(board.id))


@bp.delete("/whiteboard_sessions/<int:board_id>")
@bp.output(WhiteboardDeleted)
@bp.doc(
    summary="Delete a whiteboard",
    description="Its sessions stay and lose the link (the schema's ON DELETE SET NULL); "
    "`sessions_unlinked` lists them (their ETags change).",
    tags=["Whiteboards"],
    security=SECURITY_SCHEME,
    responses=problems(403, 404),
)
def delete_whiteboard(board_id: int) -> Response:
    """Delete a board the token's owner manages; report the sessions it was linked to."""
    board = load_whiteboard_for(board_id)
    unlinked = delete_board(board.id, current_user.id)
    db.session.commit()
    return json_response({"id": board_id, "sessions_unlinked": unlinked})
