"""Which parent sees which student: the links a coordinator manages.

Writes happen in the caller's transaction (the caller commits). A refusal is a
``FamilyError`` raised before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import aliased

from dashboard.choices import ROLE_PARENT, ROLE_STUDENT
from dashboard.extensions import db
from dashboard.models import ParentStudent, User


class FamilyError(ValueError):
    """A link we refuse (the ids are not a parent and a student); the message says which."""


@dataclass(frozen=True)
class Person:
    """What the families page shows about someone."""

    id: int
    full_name: str
    email: str
    is_active: bool = True


@dataclass(frozen=True)
class Family:
    """A parent and the students linked to them (by name)."""

    parent: Person
    children: list[Person]


def _people(role: str, *, active_only: bool = False) -> list[Person]:
    query = sa.select(User.id, User.full_name, User.email, User.is_active).where(User.role == role)
    if active_only:
        query = query.where(User.is_active)
    return [Person(*row) for row in db.session.execute(query.order_by(User.full_name, User.id))]


def list_students() -> list[Person]:
    """Active student accounts, by name (the ones a parent may be linked to)."""
    return _people(ROLE_STUDENT, active_only=True)


def list_families() -> list[Family]:
    """Every parent with their linked children, by name; two queries."""
    parents = _people(ROLE_PARENT)
    child = aliased(User)
    links = db.session.execute(
        sa.select(ParentStudent.parent_id, child.id, child.full_name, child.email, child.is_active)
        .join(child, child.id == ParentStudent.student_id)
        .order_by(child.full_name, child.id)
    )
    children: dict[int, list[Person]] = {}
    for parent_id, *person in links:
        children.setdefault(parent_id, []).append(Person(*person))
    return [Family(parent, children.get(parent.id, [])) for parent in parents]


@dataclass(frozen=True)
class LinkChange:
    """The outcome of a link/unlink: who, and whether anything changed."""

    parent_name: str
    student_name: str
    changed: bool


def _check_pair(parent_id: int, student_id: int) -> tuple[User, User]:
    parent = db.session.get(User, parent_id)
    if parent is None or parent.role != ROLE_PARENT:
        raise FamilyError(f"Account #{parent_id} is not a parent.")
    student = db.session.get(User, student_id)
    if student is None or student.role != ROLE_STUDENT:
        raise FamilyError(f"Account #{student_id} is not a student.")
    return parent, student


def link(parent_id: int, student_id: int) -> LinkChange:
    """Let the parent see the student's sessions (``changed`` False when they already could)."""
    parent, student = _check_pair(parent_id, student_id)
    inserted = db.session.scalar(
        insert(ParentStudent)
        .values(parent_id=parent_id, student_id=student_id)
        .on_conflict_do_nothing()
        .returning(ParentStudent.parent_id)
    )
    return LinkChange(parent.full_name, student.full_name, inserted is not None)


def unlink(parent_id: int, student_id: int) -> LinkChange:
    """Stop the parent seeing the student's sessions (``changed`` False when not linked)."""
    parent, student = _check_pair(parent_id, student_id)
    deleted = db.session.scalar(
        sa.delete(ParentStudent)
        .where(ParentStudent.parent_id == parent_id, ParentStudent.student_id == student_id)
        .returning(ParentStudent.parent_id)
    )
    return LinkChange(parent.full_name, student.full_name, deleted is not None)
