"""People who sign in, and which parent sees which student."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.extensions import db


class User(UserMixin, db.Model):
    """A coordinator, tutor, student or parent (see ``dashboard.choices.ROLES``)."""

    __tablename__ = "users"
    __table_args__ = (
        sa.Index("uq_users_email_lower", sa.text("lower(email)"), unique=True),
        sa.CheckConstraint(
            "role IN ('coordinator', 'tutor', 'student', 'parent')", name="ck_users_role"
        ),
        {"comment": "Everyone who signs in to the dashboard."},
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    email: Mapped[str] = mapped_column(
        sa.String(255), nullable=False, comment="Sign-in address, unique case-insensitively"
    )
    full_name: Mapped[str] = mapped_column(
        sa.String(200), nullable=False, comment="Name shown in the dashboard"
    )
    role: Mapped[str] = mapped_column(
        sa.String(20), nullable=False, comment="coordinator, tutor, student or parent"
    )
    password_hash: Mapped[str] = mapped_column(
        sa.String(255), nullable=False, comment="Werkzeug password hash (scrypt)"
    )
    timezone: Mapped[str | None] = mapped_column(
        sa.String(64), nullable=True, comment="IANA zone for showing times; NULL = app default"
    )
    week_starts_on: Mapped[int] = mapped_column(
        sa.SmallInteger,
        nullable=False,
        server_default=sa.text("0"),
        comment="First weekday of calendar weeks: 0 = Monday … 6 = Sunday",
    )
    is_active: Mapped[bool] = mapped_column(
        sa.Boolean,
        nullable=False,
        server_default=sa.text("true"),
        comment="Inactive users cannot sign in",
    )
    created_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime,
        server_default=sa.text("CURRENT_TIMESTAMP"),
        comment="When the account was made",
    )
    email_reminders: Mapped[bool] = mapped_column(
        sa.Boolean,
        nullable=False,
        server_default=sa.text("true"),
        comment="Send this person session reminders by email",
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role} {self.email}>"

    def get_id(self) -> str:
        """What Flask-Login keeps in the session (and remember-me) cookie.

        The id plus a fingerprint of the password hash: when the password
        changes, every browser signed in with the old one no longer matches
        (``matches_login_id``) and is signed out on its next request.
        """
        fingerprint = hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]
        return f"{self.id}.{fingerprint}"

    def matches_login_id(self, login_id: str) -> bool:
        """True if ``login_id`` (from a cookie) was issued for this account and password."""
        return hmac.compare_digest(self.get_id().encode(), login_id.encode())


def account_id_of(login_id: str) -> int | None:
    """The account id in a Flask-Login id (``"<id>.<fingerprint>"``), or None if malformed."""
    account, dot, fingerprint = login_id.partition(".")
    if not (account.isascii() and account.isdecimal() and dot and fingerprint) or len(account) > 10:
        return None
    return int(account)


class ParentStudent(db.Model):
    """Link from a parent account to one of their children's student accounts."""

    __tablename__ = "parent_students"
    __table_args__ = (
        sa.Index("idx_parent_students_student", "student_id"),
        {"comment": "Which parent may see which student's sessions."},
    )

    parent_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
        comment="The parent (users.id)",
    )
    student_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
        comment="The child (users.id)",
    )
