"""People: finding, adding and changing the centre's accounts (coordinators' admin pages).

Writes happen in the caller's transaction (the caller commits). A refused form
is a ``FormError`` naming every bad field, raised before anything is written.

A person added here has no password they know: their hash is of a random
secret, so nobody can sign in as them until they accept the invitation that
``create_person`` sends. Deactivating a person (``active`` off) keeps every
row that mentions them; they cannot sign in, the user loader refuses the
cookies they already have (signed out everywhere), and they drop out of the
choices offered for new work (enrolments, families, whiteboard owners,
schedulable courses).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from dashboard.choices import ROLE_PARENT, ROLE_STUDENT, ROLES
from dashboard.extensions import db
from dashboard.models import ParentStudent, User
from dashboard.services import invitations
from dashboard.services.accounts import find_user_by_email, looks_like_email
from dashboard.services.form_values import FormError, clean_text
from dashboard.timezones import iana_zone_names

#: People per page of ``/admin/people``.
PAGE_SIZE = 25
#: Longest search text accepted (longer is cut, not refused).
MAX_SEARCH = 100


def get_person(user_id: int, role: str) -> User | None:
    """The user with this id if they have this role, else None."""
    user = db.session.get(User, user_id)
    return user if user is not None and user.role == role else None


@dataclass(frozen=True)
class PersonRow:
    """One line of the people list."""

    id: int
    full_name: str
    email: str
    role: str
    is_active: bool


@dataclass(frozen=True)
class PeoplePage:
    """One page of the people list and where it sits in the whole."""

    rows: list[PersonRow]
    page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def has_next(self) -> bool:
        """True if a later page exists."""
        return self.page < self.pages


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_people(role: str | None = None, search: str | None = None, page: int = 1) -> PeoplePage:
    """People by name, filtered by role and a name/email search; one query.

    ``role`` outside ``ROLES`` and a NUL in ``search`` are the caller's to refuse.
    """
    query = sa.select(
        User.id,
        User.full_name,
        User.email,
        User.role,
        User.is_active,
        sa.func.count().over().label("total"),
    )
    if role:
        query = query.where(User.role == role)
    text = (search or "").strip()[:MAX_SEARCH]
    if text:
        pattern = _like(text)
        query = query.where(
            sa.or_(
                User.full_name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\")
            )
        )
    query = (
        query.order_by(User.is_active.desc(), User.full_name, User.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    rows = db.session.execute(query).all()
    total = rows[0].total if rows else 0
    if not rows and page > 1:  # past the end: say how many there are without another page
        total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    return PeoplePage([PersonRow(*row[:5]) for row in rows], page, total)


@dataclass(frozen=True)
class PersonInput:
    """What the person forms send, as text (``active`` only on the edit form)."""

    full_name: str | None = None
    email: str | None = None
    timezone: str | None = None
    role: str | None = None
    active: bool = True


def canonical_zone(name: str | None, errors: dict[str, str], field: str = "timezone") -> str | None:
    """The IANA zone named (any letter case), None for blank; records a problem in ``errors``."""
    text = (name or "").strip()
    if not text:
        return None
    by_lower = {zone.lower(): zone for zone in iana_zone_names()}
    zone = by_lower.get(text.lower())
    if zone is None:
        errors[field] = "Choose a time zone from the list, e.g. Europe/London."
    return zone


def _check(data: PersonInput, person: User | None) -> tuple[dict[str, str], dict[str, object]]:
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    values["full_name"] = clean_text(
        data.full_name, "full_name", errors, label="The name", max_length=200
    )
    email = (data.email or "").strip()
    if not looks_like_email(email):
        errors["email"] = "Enter an email address, e.g. name@example.com."
    else:
        owner = find_user_by_email(email)
        if owner is not None and owner is not person:
            errors["email"] = f"{owner.full_name} already has the email {email}."
    values["email"] = email
    values["timezone"] = canonical_zone(data.timezone, errors)
    return errors, values


def create_person(data: PersonInput) -> User:
    """Add an active account of ``data.role`` and send its invitation; the caller commits."""
    errors, values = _check(data, None)
    if data.role not in ROLES:
        errors["role"] = "Choose coordinator, tutor, student or parent."
    if errors:
        raise FormError(errors)
    user = User(
        role=data.role,
        # Nobody knows this password: the person chooses theirs from the invitation.
        password_hash=generate_password_hash(secrets.token_urlsafe(32)),
        **values,
    )
    try:
        with db.session.begin_nested():  # a lost race on the email leaves the caller's work intact
            db.session.add(user)
    except IntegrityError as error:
        raise FormError({"email": f"Someone already has the email {user.email}."}) from error
    invitations.send_invitation(user)  # the one place new people are invited
    return user


def update_person(person: User, data: PersonInput, *, acting_user_id: int) -> User:
    """Change name, email, time zone and active flag; the caller commits.

    A coordinator may not deactivate their own account (nobody could undo it
    from the pages if they are the only one).
    """
    errors, values = _check(data, person)
    if not data.active and person.id == acting_user_id:
        errors["active"] = "You cannot deactivate your own account."
    if errors:
        raise FormError(errors)
    for name, value in values.items():
        setattr(person, name, value)
    person.is_active = data.active
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise FormError({"email": f"Someone already has the email {person.email}."}) from error
    return person


@dataclass(frozen=True)
class Relative:
    """A parent or child shown on a person's page."""

    id: int
    full_name: str
    email: str
    is_active: bool


@dataclass(frozen=True)
class Family:
    """A person's linked relatives and who else could be linked (for the link form)."""

    linked: list[Relative]
    candidates: list[Relative]


def family_of(person: User) -> Family | None:
    """A student's parents or a parent's children, and the active ones not yet linked.

    None for tutors and coordinators. One query: every account of the other
    role that is linked or active, with whether it is linked.
    """
    if person.role not in (ROLE_STUDENT, ROLE_PARENT):
        return None
    if person.role == ROLE_STUDENT:
        mine, theirs, other_role = ParentStudent.student_id, ParentStudent.parent_id, ROLE_PARENT
    else:
        mine, theirs, other_role = ParentStudent.parent_id, ParentStudent.student_id, ROLE_STUDENT
    is_linked = ParentStudent.parent_id.is_not(None)
    rows = db.session.execute(
        sa.select(User.id, User.full_name, User.email, User.is_active, is_linked)
        .outerjoin(ParentStudent, sa.and_(theirs == User.id, mine == person.id))
        .where(User.role == other_role, sa.or_(User.is_active, is_linked))
        .order_by(User.full_name, User.id)
    )
    linked: list[Relative] = []
    candidates: list[Relative] = []
    for *relative, linked_already in rows:
        (linked if linked_already else candidates).append(Relative(*relative))
    return Family(linked, candidates)
