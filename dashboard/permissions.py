"""Who may do what: the one place that answers "may USER do ACTION on SESSION".

The rules are DESIGN.md → "Who uses it". Routes never check roles themselves:
they call ``load_session_for`` (sessions) or the ``may_view_*`` helpers (pages
about a person), which turn a refusal into 403 and a missing row into 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import sqlalchemy as sa
from flask import g, has_request_context

from dashboard.choices import (
    API_TOKEN_SCOPE_WRITE,
    ROLE_COORDINATOR,
    ROLE_PARENT,
    ROLE_STUDENT,
    ROLE_TUTOR,
)
from dashboard.extensions import db
from dashboard.models import ParentStudent


class Action(StrEnum):
    """Things one can do to a session."""

    VIEW = "view"
    EDIT_ATTENDANCE = "edit-attendance"
    EDIT_PRIORITY = "edit-priority"
    FEATURE = "feature"
    LINK_WHITEBOARD = "link-whiteboard"
    SCHEDULE = "schedule"  # edit, reschedule, cancel, complete (issue 6)


#: What each role may do to the sessions within its reach (see ``_within_reach``).
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    ROLE_COORDINATOR: frozenset(Action),
    ROLE_TUTOR: frozenset(
        {
            Action.VIEW,
            Action.EDIT_ATTENDANCE,
            Action.EDIT_PRIORITY,
            Action.LINK_WHITEBOARD,
            Action.SCHEDULE,
        }
    ),
    ROLE_STUDENT: frozenset({Action.VIEW}),
    ROLE_PARENT: frozenset({Action.VIEW}),
}


class Person(Protocol):
    """The bits of a user the rules look at."""

    id: int
    role: str


class OwnedSession(Protocol):
    """The bits of a session the rules look at: whose it is."""

    tutor_id: int | None
    student_id: int | None


def children_of(parent_id: int) -> set[int]:
    """Ids of the students linked to a parent (read once per request: pages ask several times)."""
    cache: dict[int, set[int]] | None = (
        g.setdefault("children_of", {}) if has_request_context() else None
    )
    if cache is not None and parent_id in cache:
        return set(cache[parent_id])
    found = set(
        db.session.scalars(
            sa.select(ParentStudent.student_id).where(ParentStudent.parent_id == parent_id)
        )
    )
    if cache is not None:
        cache[parent_id] = found
    return set(found)


@dataclass(frozen=True)
class Reach:
    """The sessions a user may see: every one, or those of these tutors or these students.

    The one rule of "who sees which sessions" (DESIGN.md → Who uses it), asked
    two ways: ``includes`` for one session in hand, ``where`` as SQL for
    queries that list sessions (calendar feeds, reminders).
    """

    everything: bool = False
    tutor_ids: frozenset[int] = frozenset()
    student_ids: frozenset[int] = frozenset()

    def includes(self, session: OwnedSession) -> bool:
        """Is ``session`` among them?"""
        return (
            self.everything
            or session.tutor_id in self.tutor_ids
            or session.student_id in self.student_ids
        )

    def where(
        self, tutor_id: sa.ColumnElement[int], student_id: sa.ColumnElement[int]
    ) -> sa.ColumnElement[bool]:
        """The same rule as a WHERE condition on a query's tutor and student columns."""
        if self.everything:
            return sa.true()
        conditions = [
            _among(column, ids)
            for column, ids in ((tutor_id, self.tutor_ids), (student_id, self.student_ids))
            if ids
        ]
        return sa.or_(*conditions) if conditions else sa.false()


def _among(column: sa.ColumnElement[int], ids: frozenset[int]) -> sa.ColumnElement[bool]:
    return column == next(iter(ids)) if len(ids) == 1 else column.in_(sorted(ids))


def reach_of(user: Person) -> Reach:
    """Coordinators see every session; tutors those they teach; students their own;
    parents their children's; anyone else none."""
    if user.role == ROLE_COORDINATOR:
        return Reach(everything=True)
    if user.role == ROLE_TUTOR:
        return Reach(tutor_ids=frozenset({user.id}))
    if user.role == ROLE_STUDENT:
        return Reach(student_ids=frozenset({user.id}))
    if user.role == ROLE_PARENT:
        return Reach(student_ids=frozenset(children_of(user.id)))
    return Reach()


def _within_reach(user: Person, session: OwnedSession) -> bool:
    if user.role == ROLE_COORDINATOR:
        return True  # without asking for a parent's children
    return reach_of(user).includes(session)


def allowed_actions(user: Person, session: OwnedSession) -> frozenset[Action]:
    """Every action ``user`` may take on ``session`` (empty when none)."""
    if not _within_reach(user, session):
        return frozenset()
    return ROLE_ACTIONS.get(user.role, frozenset())


def edit_actions(user: Person, session: OwnedSession) -> frozenset[Action]:
    """The changes ``user`` may make to ``session`` (no query for read-only roles)."""
    if not ROLE_ACTIONS.get(user.role, frozenset()) - {Action.VIEW}:
        return frozenset()
    return allowed_actions(user, session) - {Action.VIEW}


def can(user: Person, action: Action, session: OwnedSession) -> bool:
    """May ``user`` do ``action`` on ``session``?"""
    return action in allowed_actions(user, session)


def may_view_tutor(user: Person, tutor_id: int) -> bool:
    """Tutors see their own calendar; coordinators see every tutor's."""
    return user.role == ROLE_COORDINATOR or (user.role == ROLE_TUTOR and user.id == tutor_id)


def may_view_student(user: Person, student_id: int) -> bool:
    """A student's page: the student, their parents, and coordinators."""
    if user.role == ROLE_COORDINATOR:
        return True
    if user.role == ROLE_STUDENT:
        return user.id == student_id
    if user.role == ROLE_PARENT:
        return student_id in children_of(user.id)
    return False


def may_view_parent(user: Person, parent_id: int) -> bool:
    """A parent's page: the parent and coordinators."""
    return user.role == ROLE_COORDINATOR or (user.role == ROLE_PARENT and user.id == parent_id)


def may_see_priority(user: Person) -> bool:
    """Priority is the centre's internal triage: staff see it, students and parents never."""
    return user.role in (ROLE_COORDINATOR, ROLE_TUTOR)


def is_coordinator(user: Person) -> bool:
    """Coordinator-only pages (the schedule list, admin)."""
    return user.role == ROLE_COORDINATOR


def may_view_centre_calendar(user: Person) -> bool:
    """The centre calendar (every tutor's sessions) is for coordinators."""
    return user.role == ROLE_COORDINATOR


# --- Scheduling (issue 6): who may create sessions for which enrolled course ---


class Enrolment(Protocol):
    """The bits of an enrolled course the scheduling rules look at."""

    tutor_id: int


def may_schedule(user: Person) -> bool:
    """Coordinators and tutors create sessions; students and parents never do."""
    return user.role in (ROLE_COORDINATOR, ROLE_TUTOR)


def may_schedule_course(user: Person, enrolment: Enrolment) -> bool:
    """Coordinators schedule any enrolled course; tutors only the ones they teach."""
    if user.role == ROLE_COORDINATOR:
        return True
    return user.role == ROLE_TUTOR and enrolment.tutor_id == user.id


def may_override_conflicts(user: Person) -> bool:
    """Only a coordinator may save a session that overlaps others (with a reason)."""
    return user.role == ROLE_COORDINATOR


# --- Whiteboards and edit history (inline-edits work) -----------------------


class OwnedBoard(Protocol):
    """The bit of a whiteboard the rules look at: its owner."""

    owner_id: int | None


def may_list_whiteboards(user: Person) -> bool:
    """The whiteboards pages: tutors (their own boards) and coordinators (all)."""
    return user.role in (ROLE_COORDINATOR, ROLE_TUTOR)


def may_link_whiteboards(user: Person) -> bool:
    """Does ``user``'s role link whiteboards to any session at all (else no board is offered)?"""
    return Action.LINK_WHITEBOARD in ROLE_ACTIONS.get(user.role, frozenset())


def may_create_whiteboard_for(user: Person, owner_id: int) -> bool:
    """Tutors make boards for themselves; coordinators for any tutor."""
    return user.role == ROLE_COORDINATOR or (user.role == ROLE_TUTOR and user.id == owner_id)


def may_manage_whiteboard(user: Person, board: OwnedBoard) -> bool:
    """Rename, re-point or delete a board: its owner, or a coordinator."""
    if user.role == ROLE_COORDINATOR:
        return True
    return user.role == ROLE_TUTOR and board.owner_id is not None and board.owner_id == user.id


def board_fits_session(board: OwnedBoard, session: OwnedSession) -> bool:
    """A session may link only a board its own tutor owns (whoever makes the link)."""
    return board.owner_id is not None and board.owner_id == session.tutor_id


def may_see_history(user: Person, session: OwnedSession) -> bool:
    """The change log of a session is for the people who may change it."""
    return bool(edit_actions(user, session))


# --- The JSON API (issue 16): which action a changed column needs; token scopes ---

#: The ``sessions`` columns ``PATCH /api/v1/sessions/<id>`` may change, and the
#: action each needs (the same actions as the pages' inline edits and edit form).
#: Any other column (date, times, status, series, reviews, bookkeeping) is
#: changed through scheduling, never by a plain PATCH.
SESSION_FIELD_ACTIONS: dict[str, Action] = {
    "tutor_attendance_status": Action.EDIT_ATTENDANCE,
    "student_attendance_status": Action.EDIT_ATTENDANCE,
    "priority_level": Action.EDIT_PRIORITY,
    "is_featured": Action.FEATURE,
    "whiteboard_id": Action.LINK_WHITEBOARD,
    "topics": Action.SCHEDULE,
    "topics_covered": Action.SCHEDULE,
    "session_mode": Action.SCHEDULE,
    "location": Action.SCHEDULE,
    "notification_enabled": Action.SCHEDULE,
    "alarm_enabled": Action.SCHEDULE,
    "alarm_before_minutes": Action.SCHEDULE,
}


def fields_refused(user: Person, session: OwnedSession, fields: Iterable[str]) -> list[str]:
    """The columns in ``fields`` that ``user`` may not change on ``session`` (empty: all fine)."""
    allowed = allowed_actions(user, session)
    return [name for name in fields if SESSION_FIELD_ACTIONS.get(name) not in allowed]


def scope_allows(scope: str, method: str) -> bool:
    """A ``read`` token may only read (GET/HEAD/OPTIONS); a ``write`` token may also change."""
    return method in ("GET", "HEAD", "OPTIONS") or scope == API_TOKEN_SCOPE_WRITE


class OwnedToken(Protocol):
    """The bit of an API token the rules look at: whose it is."""

    user_id: int


def may_manage_token(user: Person, token: OwnedToken) -> bool:
    """People see and revoke only their own tokens (a coordinator too)."""
    return token.user_id == user.id


# --- Reports (issue 15) -------------------------------------------------------


def may_see_reports(user: Person) -> bool:
    """The reports pages: coordinators (the centre) and tutors (their own figures)."""
    return user.role in (ROLE_COORDINATOR, ROLE_TUTOR)


def reports_confined_to(user: Person) -> int | None:
    """The one tutor whose figures ``user``'s reports show: a tutor's own; None for the centre."""
    return user.id if user.role == ROLE_TUTOR else None


def may_see_report(user: Person, tutor_id: int | None) -> bool:
    """Coordinators see any report; a tutor only their own (``tutor_id`` themselves).

    ``tutor_id`` is the report's tutor filter (None: the whole centre).
    Students and parents have no reports.
    """
    if user.role == ROLE_COORDINATOR:
        return True
    return user.role == ROLE_TUTOR and tutor_id == user.id


# --- Lesson notes and reviews (issue 14) -------------------------------------


def may_read_private_note(user: Person, session: OwnedSession) -> bool:
    """The private lesson note: the session's tutor and coordinators (those who schedule it)."""
    return can(user, Action.SCHEDULE, session)


def review_role(user: Person, session: OwnedSession) -> str | None:
    """Which review of ``session`` the user writes: student, tutor, parent, or None (403).

    The session's student writes the student review, its tutor the tutor
    review, and any one of the student's linked parents the parent review.
    Coordinators see every review but write none.
    """
    if user.role == ROLE_STUDENT and session.student_id == user.id:
        return ROLE_STUDENT
    if user.role == ROLE_TUTOR and session.tutor_id == user.id:
        return ROLE_TUTOR
    if user.role == ROLE_PARENT and _within_reach(user, session):
        return ROLE_PARENT
    return None


def visible_review_roles(user: Person, session: OwnedSession) -> frozenset[str]:
    """Whose reviews of ``session`` the user may read.

    Coordinators and the session's tutor: all three. The student: their own.
    A parent: their own and their child's.
    """
    if not _within_reach(user, session):
        return frozenset()
    if user.role in (ROLE_COORDINATOR, ROLE_TUTOR):
        return frozenset({ROLE_STUDENT, ROLE_TUTOR, ROLE_PARENT})
    if user.role == ROLE_STUDENT:
        return frozenset({ROLE_STUDENT})
    if user.role == ROLE_PARENT:
        return frozenset({ROLE_STUDENT, ROLE_PARENT})
    return frozenset()
