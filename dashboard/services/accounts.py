"""Accounts: creating them, passwords, sign-in checks and where each role starts.

Writes happen in the caller's transaction (the caller commits); every refusal
is an ``AccountError`` whose message can be shown to a person as it is, and
is raised before anything is written.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.choices import (
    MIN_PASSWORD_LENGTH,
    ROLE_COORDINATOR,
    ROLE_PARENT,
    ROLE_STUDENT,
    ROLE_TUTOR,
    ROLES,
)
from dashboard.extensions import db
from dashboard.models import User

#: Longest password we hash (the sign-in form accepts no more either).
MAX_PASSWORD_LENGTH = 1024

#: Checked against when the email is unknown, so both failures take as long.
_DUMMY_HASH = generate_password_hash("not-a-real-password-just-for-timing")


class AccountError(ValueError):
    """An account change we refuse; the message says why in words a person understands."""


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


def looks_like_email(email: str) -> bool:
    """A plausible sign-in address: something@something, no spaces or NULs, fits the column."""
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        return False
    return len(email) <= 255 and not any(ch.isspace() or ch == "\x00" for ch in email)


def check_new_account(email: str, full_name: str, role: str) -> None:
    """Refuse an account that could not be created (bad email, empty name, unknown role, taken).

    Lets the CLI say so before asking for a password; ``create_user`` checks again.
    """
    cleaned = email.strip()
    if not looks_like_email(cleaned):
        raise AccountError(f"{email!r} is not an email address.")
    if not full_name.strip():
        raise AccountError("The name must not be empty.")
    if len(full_name.strip()) > 200:
        raise AccountError("The name must be at most 200 characters.")
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}; choose one of: {', '.join(ROLES)}.")
    if find_user_by_email(cleaned) is not None:
        raise AccountError(f"An account with the email {cleaned} already exists.")


def check_new_password(password: str) -> None:
    """Refuse a password shorter than ``MIN_PASSWORD_LENGTH`` (or absurdly long)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"The password must be at most {MAX_PASSWORD_LENGTH} characters long.")


def create_user(email: str, full_name: str, role: str, password: str) -> User:
    """Add an active account with a scrypt-hashed password; the caller commits."""
    check_new_account(email, full_name, role)
    check_new_password(password)
    user = User(
        email=email.strip(),
        full_name=full_name.strip(),
        role=role,
        password_hash=generate_password_hash(password),
    )
    try:
        with db.session.begin_nested():  # a savepoint: a lost race leaves the caller's work intact
            db.session.add(user)
    except IntegrityError as error:  # the same email registered a moment ago
        raise AccountError(f"An account with the email {user.email} already exists.") from error
    return user


def set_password(email: str, password: str) -> User:
    """Give the account with this email (any case) a new password; the caller commits."""
    user = find_user_by_email(email)
    if user is None:
        raise AccountError(f"There is no account with the email {email.strip()}.")
    check_new_password(password)
    user.password_hash = generate_password_hash(password)
    db.session.flush()
    return user
