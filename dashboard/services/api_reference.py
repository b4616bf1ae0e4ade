"""The API's smaller lists: courses, enrolled courses, whiteboards (one query per page).

Enrolled courses are filtered with the one "who sees which sessions" rule
(``permissions.reach_of``) on their tutor and student, so a token sees the
enrolments whose sessions it may see.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from dashboard.input_limits import is_database_id
from dashboard.models import Course, EnrolledCourse, Session, User, WhiteboardSession
from dashboard.permissions import Person, reach_of
from dashboard.services.api_sessions import json_value
from dashboard.services.core_rows import core_rows


def encode_after(last_id: int) -> str:
    """Opaque cursor: continue after this id."""
    return base64.urlsafe_b64encode(f"id|{last_id}".encode()).decode().rstrip("=")


def decode_after(cursor: str) -> int:
    """The id a cursor continues after; ``ValueError`` when it is not one of ours."""
    if len(cursor) > 100:
        raise ValueError("cursor too long")
    try:
        kind, _, raw = (
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition("|")
        )
        value = int(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise ValueError("not a cursor") from error
    if kind != "id" or not is_database_id(value):
        raise ValueError("not a cursor")
    return value


def _page(
    statement: sa.Select, id_column: Any, after: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    if after is not None:
        statement = statement.where(id_column > after)
    rows = [
        {key: json_value(value) for key, value in row.items()}
        for row in core_rows(statement.order_by(id_column).limit(limit + 1)).mappings()
    ]
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], rows[limit - 1]["id"]


def list_courses(after: int | None, limit: int) -> tuple[list[dict[str, Any]], int | None]:
    """One page of the centre's courses (everyone may read the catalogue), by id."""
    statement = sa.select(Course.id, Course.title, Course.subject, Course.description)
    return _page(statement, Course.id, after, limit)


def list_enrolled_courses(
    user: Person, after: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of the enrolled courses ``user`` may see, by id."""
    tutor = aliased(User)
    student = aliased(User)
    statement = (
        sa.select(
            EnrolledCourse.id,
            EnrolledCourse.course_id,
            Course.title.label("course_title"),
            EnrolledCourse.tutor_id,
            tutor.full_name.label("tutor_name"),
            EnrolledCourse.student_id,
            student.full_name.label("student_name"),
            EnrolledCourse.status,
            EnrolledCourse.enrolled_at,
        )
        .join(Course, Course.id == EnrolledCourse.course_id)
        .join(tutor, tutor.id == EnrolledCourse.tutor_id)
        .join(student, student.id == EnrolledCourse.student_id)
    )
    visible = statement.where(
        reach_of(user).where(EnrolledCourse.tutor_id, EnrolledCourse.student_id)
    )
    return _page(visible, EnrolledCourse.id, after, limit)


def whiteboard_record(board_id: int) -> dict[str, Any] | None:
    """One board as the API shows it (owner's name, sessions linking it), or None."""
    linked = (
        sa.select(sa.func.count())
        .where(Session.whiteboard_id == WhiteboardSession.id)
        .scalar_subquery()
    )
    row = (
        core_rows(
            sa.select(
                WhiteboardSession.id,
                WhiteboardSession.session_name,
                WhiteboardSession.board_url,
                WhiteboardSession.owner_id,
                User.full_name.label("owner_name"),
                linked.label("linked_sessions"),
                WhiteboardSession.updated_at,
            )
            .outerjoin(User, User.id == WhiteboardSession.owner_id)
            .where(WhiteboardSession.id == board_id)
        )
        .mappings()
        .one_or_none()
    )
    return None if row is None else {key: json_value(value) for key, value in row.items()}
