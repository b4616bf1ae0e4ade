"""Accounts: look-up, password checks and where each role starts."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.choices import ROLE_COORDINATOR, ROLE_PARENT, ROLE_STUDENT, ROLE_TUTOR
from dashboard.extensions import db
from dashboard.models import User

#: Checked against when the email is unknown, so both failures take as long.
_DUMMY_HASH = generate_password_hash("not-a-real-password-just-for-timing")


def find_user_by_email(email: str) -> User | None:
    """The user with this email, compared case-insensitively."""
    return db.session.scalar(
        sa.select(User).where(sa.func.lower(User.email) == email.strip().lower())
    )


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (no hint which part was wrong)."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    return user


def home_url_for(user: User) -> str:
    """Each role's home page (DESIGN.md → Who uses it)."""
    if user.role == ROLE_COORDINATOR:
        return url_for("coordinator.sessions")
    if user.role == ROLE_TUTOR:
        return url_for("tutors.calendar", tutor_id=user.id)
    if user.role == ROLE_STUDENT:
        return url_for("students.upcoming", student_id=user.id)
    if user.role == ROLE_PARENT:
        return url_for("parents.upcoming", parent_id=user.id)
    raise ValueError(f"unknown role {user.role!r}")
