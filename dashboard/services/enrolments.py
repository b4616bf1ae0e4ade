"""Enrolments (``enrolled_courses``): a student taking a course with a tutor.

Every session belongs to one enrolment, and the spec's foreign key is
``ON DELETE CASCADE``: deleting an enrolment deletes its sessions, and with
them (migration 0003's ``session_changes.session_id … ON DELETE CASCADE``)
their change history, conflict overrides and feed sequence numbers. That is
why deleting goes through a preview (``delete_preview``) that counts what will
go, and ``delete_enrolment`` refuses when that count is no longer true.
Ending an enrolment instead keeps everything and only stops new sessions.

An enrolment is *open* (takes new sessions) while its status is active and its
tutor and student are both active accounts: ``open_enrolment_filter()`` says so
in SQL, ``is_open()`` for a loaded row. Writes happen in the caller's
transaction (the caller commits); refusals are ``FormError``/``EnrolmentError``
raised before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from dashboard.choices import ENROLMENT_ACTIVE, ENROLMENT_ENDED, ROLE_STUDENT, ROLE_TUTOR
from dashboard.extensions import db
from dashboard.models import Course, EnrolledCourse, Session, User
from dashboard.services.form_values import FormError, parse_id
from dashboard.timezones import schedule_zone

#: Enrolments per page of ``/admin/enrolments``.
PAGE_SIZE = 50


class EnrolmentError(ValueError):
    """A change we refuse; the message says why in words a person understands."""


# --- open enrolments (for scheduling) ---------------------------------------


def open_enrolment_filter() -> sa.ColumnElement[bool]:
    """SQL condition on ``EnrolledCourse``: the enrolment takes new sessions.

    Active status, and both its tutor and its student are active accounts
    (a deactivated person disappears from the choices). Use it in any query
    over ``EnrolledCourse``, e.g. ``select(EnrolledCourse).where(open_enrolment_filter())``.
    """
    tutor = aliased(User)
    student = aliased(User)
    return sa.and_(
        EnrolledCourse.status == ENROLMENT_ACTIVE,
        sa.exists().where(tutor.id == EnrolledCourse.tutor_id, tutor.is_active),
        sa.exists().where(student.id == EnrolledCourse.student_id, student.is_active),
    )


def is_open(enrolment: EnrolledCourse) -> bool:
    """True if ``enrolment`` takes new sessions (see ``open_enrolment_filter``)."""
    if enrolment.status != ENROLMENT_ACTIVE:
        return False
    tutor = db.session.get(User, enrolment.tutor_id)
    student = db.session.get(User, enrolment.student_id)
    return bool(tutor and tutor.is_active and student and student.is_active)


# --- listing ----------------------------------------------------------------


@dataclass(frozen=True)
class EnrolmentRow:
    """One line of the enrolment list."""

    id: int
    course_id: int
    course_title: str
    course_archived: bool
    student_id: int
    student_name: str
    student_active: bool
    tutor_id: int
    tutor_name: str
    tutor_active: bool
    status: str
    enrolled_at: datetime | None
    ended_at: datetime | None
    sessions: int

    @property
    def is_ended(self) -> bool:
        """Ended enrolments keep their history and take no new sessions."""
        return self.status == ENROLMENT_ENDED


@dataclass(frozen=True)
class EnrolmentPage:
    """One page of enrolments and how many there are in all."""

    rows: list[EnrolmentRow]
    page: int
    total: int

    @property
    def has_next(self) -> bool:
        """True if a later page exists."""
        return self.page * PAGE_SIZE < self.total


def _rows_query() -> tuple[sa.Select, type[User], type[User]]:
    """The list's SELECT and its tutor and student aliases (to filter and sort by)."""
    tutor = aliased(User)
    student = aliased(User)
    session_count = (
        sa.select(sa.func.count())
        .where(Session.enrolled_courses_id == EnrolledCourse.id)
        .correlate(EnrolledCourse)
        .scalar_subquery()
    )
    return (
        (
            sa.select(
                EnrolledCourse.id,
                Course.id,
                Course.title,
                Course.archived_at.is_not(None),
                student.id,
                student.full_name,
                student.is_active,
                tutor.id,
                tutor.full_name,
                tutor.is_active,
                EnrolledCourse.status,
                EnrolledCourse.enrolled_at,
                EnrolledCourse.ended_at,
                session_count,
            )
            .join(Course, Course.id == EnrolledCourse.course_id)
            .join(student, student.id == EnrolledCourse.student_id)
            .join(tutor, tutor.id == EnrolledCourse.tutor_id)
        ),
        tutor,
        student,
    )


def list_enrolments(
    *, course_id: int | None = None, person_id: int | None = None, page: int = 1
) -> EnrolmentPage:
    """Enrolments, active first, by course and student, with their session counts; one query.

    ``person_id`` keeps those where the person is the student or the tutor.
    """
    query, _, student = _rows_query()
    query = query.add_columns(sa.func.count().over())
    if course_id is not None:
        query = query.where(EnrolledCourse.course_id == course_id)
    if person_id is not None:
        query = query.where(
            sa.or_(EnrolledCourse.student_id == person_id, EnrolledCourse.tutor_id == person_id)
        )
    query = (
        query.order_by(
            EnrolledCourse.status != ENROLMENT_ACTIVE,
            Course.title,
            student.full_name,
            EnrolledCourse.id,
        )
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    rows = db.session.execute(query).all()
    return EnrolmentPage(
        [EnrolmentRow(*row[:-1]) for row in rows], page, rows[0][-1] if rows else 0
    )


def get_enrolment_row(enrolment_id: int) -> EnrolmentRow | None:
    """One enrolment as the list shows it, or None; one query."""
    query, _, _ = _rows_query()
    row = db.session.execute(query.where(EnrolledCourse.id == enrolment_id)).first()
    return EnrolmentRow(*row) if row else None


# --- choices for the forms --------------------------------------------------


class Choice(NamedTuple):
    """A person or course offered by a form (unpacks as ``value, text``)."""

    id: int
    label: str


def _active_people(*roles: str) -> dict[str, list[Choice]]:
    """Active accounts of ``roles`` by name, grouped by role; one query."""
    grouped: dict[str, list[Choice]] = {role: [] for role in roles}
    rows = db.session.execute(
        sa.select(User.id, User.full_name, User.email, User.role)
        .where(User.role.in_(roles), User.is_active)
        .order_by(User.full_name, User.id)
    )
    for row in rows:
        grouped[row.role].append(Choice(row.id, f"{row.full_name} ({row.email})"))
    return grouped


def tutor_choices() -> list[Choice]:
    """Active tutors, by name."""
    return _active_people(ROLE_TUTOR)[ROLE_TUTOR]


def student_and_tutor_choices() -> tuple[list[Choice], list[Choice]]:
    """Active students and active tutors, each by name; one query."""
    grouped = _active_people(ROLE_STUDENT, ROLE_TUTOR)
    return grouped[ROLE_STUDENT], grouped[ROLE_TUTOR]


def course_choices() -> list[Choice]:
    """Courses that take new enrolments (not archived), by title."""
    return [
        Choice(row.id, row.title)
        for row in db.session.execute(
            sa.select(Course.id, Course.title)
            .where(Course.archived_at.is_(None))
            .order_by(Course.title, Course.id)
        )
    ]


# --- writing ----------------------------------------------------------------


def _active_person(user_id: int | None, role: str) -> User | None:
    user = db.session.get(User, user_id) if user_id is not None else None
    return user if user is not None and user.role == role and user.is_active else None


def _duplicate_message(course_id: int, tutor_id: int, student_id: int) -> str | None:
    existing = db.session.scalar(
        sa.select(EnrolledCourse).where(
            EnrolledCourse.course_id == course_id,
            EnrolledCourse.tutor_id == tutor_id,
            EnrolledCourse.student_id == student_id,
        )
    )
    if existing is None:
        return None
    if existing.status == ENROLMENT_ENDED:
        return "This student was already enrolled in this course with this tutor (now ended)."
    return "This student is already enrolled in this course with this tutor."


def create_enrolment(course_id: object, student_id: object, tutor_id: object) -> EnrolledCourse:
    """Enrol an active student in an open course with an active tutor; the caller commits.

    Refuses an archived course and a duplicate (same course, student and tutor).
    """
    errors: dict[str, str] = {}
    course = db.session.get(Course, parse_id(course_id) or 0)
    if course is None:
        errors["course_id"] = "Choose a course."
    elif course.archived_at is not None:
        errors["course_id"] = f"{course.title} is archived and takes no new enrolments."
    student = _active_person(parse_id(student_id), ROLE_STUDENT)
    if student is None:
        errors["student_id"] = "Choose an active student."
    tutor = _active_person(parse_id(tutor_id), ROLE_TUTOR)
    if tutor is None:
        errors["tutor_id"] = "Choose an active tutor."
    if errors:
        raise FormError(errors)
    duplicate = _duplicate_message(course.id, tutor.id, student.id)
    if duplicate:
        raise FormError({"student_id": duplicate})
    enrolment = EnrolledCourse(course_id=course.id, tutor_id=tutor.id, student_id=student.id)
    try:
        with db.session.begin_nested():  # a savepoint: a lost race leaves the caller's work intact
            db.session.add(enrolment)
    except IntegrityError as error:
        raise FormError(
            {"student_id": "This student is already enrolled in this course with this tutor."}
        ) from error
    return enrolment


def change_tutor(enrolment: EnrolledCourse, tutor_id: object) -> bool:
    """Give the enrolment another active tutor; its sessions stay with it. The caller commits.

    Returns False when the tutor is the same one. The sessions' tutor is the
    enrolment's, so every session of the enrolment, past ones included, then
    shows the new tutor.
    """
    tutor = _active_person(parse_id(tutor_id), ROLE_TUTOR)
    if tutor is None:
        raise FormError({"tutor_id": "Choose an active tutor."})
    if tutor.id == enrolment.tutor_id:
        return False
    if _duplicate_message(enrolment.course_id, tutor.id, enrolment.student_id):
        raise FormError(
            {"tutor_id": f"{tutor.full_name} already teaches this course to this student."}
        )
    enrolment.tutor_id = tutor.id
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise FormError(
            {"tutor_id": f"{tutor.full_name} already teaches this course to this student."}
        ) from error
    return True


def set_ended(enrolment: EnrolledCourse, ended: bool) -> bool:
    """End (or reopen) an enrolment, keeping its sessions; returns whether it changed.

    Reopening an enrolment of an archived course is refused (it would be a new
    enrolment in all but name). The caller commits.
    """
    if ended == (enrolment.status == ENROLMENT_ENDED):
        return False
    if not ended:
        course = db.session.get(Course, enrolment.course_id)
        if course is not None and course.archived_at is not None:
            raise EnrolmentError(f"{course.title} is archived; its enrolments cannot reopen.")
    enrolment.status = ENROLMENT_ENDED if ended else ENROLMENT_ACTIVE
    enrolment.ended_at = sa.func.now() if ended else None
    db.session.flush()
    return True


# --- deleting (the CASCADE made visible) ------------------------------------


@dataclass(frozen=True)
class DeletePreview:
    """What deleting an enrolment takes with it."""

    enrolment: EnrolmentRow
    sessions: int
    completed: int
    upcoming: int

    @property
    def other(self) -> int:
        """Sessions that are neither completed nor upcoming (cancelled, or past and open)."""
        return self.sessions - self.completed - self.upcoming


class DeleteCountChanged(EnrolmentError):
    """The enrolment's sessions changed since the preview; ``preview`` is the new one."""

    def __init__(self, preview: DeletePreview) -> None:
        super().__init__(
            "The sessions of this enrolment changed since you looked: "
            f"{preview.sessions} session(s) would now be deleted. Check and confirm again."
        )
        self.preview = preview


def _counts(enrolment_id: int, *, lock: bool) -> tuple[int, int, int]:
    """(all, completed, upcoming) sessions of the enrolment.

    With ``lock`` the sessions are locked ``FOR UPDATE``, so none can move to
    another enrolment before the delete that follows in the same transaction.
    """
    starts = sa.func.timezone(schedule_zone().key, Session.session_date + Session.start_time)
    rows = sa.select(
        Session.status,
        (starts > sa.func.now()).label("ahead"),
    ).where(Session.enrolled_courses_id == enrolment_id)
    if lock:
        rows = rows.with_for_update()
    rows = rows.subquery()
    total, completed, upcoming = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(rows.c.status == "completed"),
            sa.func.count().filter(rows.c.ahead, rows.c.status.not_in(("completed", "cancelled"))),
        ).select_from(rows)
    ).one()
    return total, completed, upcoming


def delete_preview(enrolment_id: int) -> DeletePreview | None:
    """How many sessions (completed, upcoming) go with the enrolment; None if it is gone."""
    row = get_enrolment_row(enrolment_id)
    if row is None:
        return None
    return DeletePreview(row, *_counts(enrolment_id, lock=False))


def delete_enrolment(enrolment_id: int, expected_sessions: int | None) -> int | None:
    """Delete the enrolment and (CASCADE) its sessions; returns how many sessions went.

    ``expected_sessions`` is the count the person confirmed. The enrolment row
    is locked ``FOR UPDATE`` first, which holds back any new session for it
    (the foreign-key check needs a share lock on that row), and its sessions
    are locked too, so the count checked is exactly the count deleted. When it
    differs from ``expected_sessions``, nothing is deleted and
    ``DeleteCountChanged`` carries the fresh preview. None if the enrolment is
    gone. The caller commits.
    """
    locked = db.session.scalar(
        sa.select(EnrolledCourse.id).where(EnrolledCourse.id == enrolment_id).with_for_update()
    )
    if locked is None:
        return None
    total, completed, upcoming = _counts(enrolment_id, lock=True)
    if expected_sessions != total:
        row = get_enrolment_row(enrolment_id)
        assert row is not None  # locked above
        raise DeleteCountChanged(DeletePreview(row, total, completed, upcoming))
    db.session.execute(sa.delete(EnrolledCourse).where(EnrolledCourse.id == enrolment_id))
    db.session.expire_all()  # loaded sessions and enrolments of this one are gone
    return total
