"""Courses: what the centre teaches. Coordinators add, edit and archive them.

An archived course keeps its enrolments and their sessions but takes no new
enrolments (``enrolments.create_enrolment`` checks ``is_archived``). Writes
happen in the caller's transaction (the caller commits); a refused form is a
``FormError`` raised before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from dashboard.choices import ENROLMENT_ACTIVE
from dashboard.extensions import db
from dashboard.models import Course, EnrolledCourse
from dashboard.services.form_values import FormError, clean_text

MAX_DESCRIPTION = 5000


@dataclass(frozen=True)
class CourseRow:
    """One line of the course list."""

    id: int
    title: str
    description: str | None
    archived_at: datetime | None
    active_enrolments: int
    enrolments: int

    @property
    def is_archived(self) -> bool:
        """True once archived (no new enrolments)."""
        return self.archived_at is not None


def list_courses() -> list[CourseRow]:
    """Every course, open ones first, by title, with its enrolment counts; one query."""
    counts = (
        sa.select(
            EnrolledCourse.course_id,
            sa.func.count().label("enrolments"),
            sa.func.count().filter(EnrolledCourse.status == ENROLMENT_ACTIVE).label("active"),
        )
        .group_by(EnrolledCourse.course_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            Course.id,
            Course.title,
            Course.description,
            Course.archived_at,
            sa.func.coalesce(counts.c.active, 0),
            sa.func.coalesce(counts.c.enrolments, 0),
        )
        .outerjoin(counts, counts.c.course_id == Course.id)
        .order_by(Course.archived_at.is_not(None), Course.title, Course.id)
    )
    return [CourseRow(*row) for row in rows]


def open_courses() -> list[Course]:
    """Courses that take new enrolments, by title."""
    return list(
        db.session.scalars(
            sa.select(Course).where(Course.archived_at.is_(None)).order_by(Course.title, Course.id)
        )
    )


def is_archived(course: Course) -> bool:
    """An archived course takes no new enrolments."""
    return course.archived_at is not None


def _values(title: str | None, description: str | None) -> dict[str, str | None]:
    errors: dict[str, str] = {}
    values = {
        "title": clean_text(title, "title", errors, label="The title", max_length=200),
        "description": clean_text(
            description,
            "description",
            errors,
            label="The description",
            max_length=MAX_DESCRIPTION,
            required=False,
        ),
    }
    if errors:
        raise FormError(errors)
    return values


def create_course(title: str | None, description: str | None) -> Course:
    """Add an open course; the caller commits."""
    course = Course(**_values(title, description))
    db.session.add(course)
    db.session.flush()
    return course


def update_course(course: Course, title: str | None, description: str | None) -> Course:
    """Change a course's title and description; the caller commits."""
    for name, value in _values(title, description).items():
        setattr(course, name, value)
    db.session.flush()
    return course


def set_archived(course: Course, archived: bool) -> bool:
    """Archive (or reopen) a course; returns whether anything changed. The caller commits."""
    if archived == is_archived(course):
        return False
    course.archived_at = sa.func.now() if archived else None
    db.session.flush()
    return True
