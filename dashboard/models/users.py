"""People who sign in, and which parent sees which student."""

from __future__ import annotations

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

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role} {self.email}>"


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
