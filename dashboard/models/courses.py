"""Courses and the two enrolment tables (the legacy one is kept for rollback)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.extensions import db


class Course(db.Model):
    """A subject the centre teaches, e.g. "GCSE Physics"."""

    __tablename__ = "courses"
    __table_args__ = {"comment": "Courses offered by the centre."}

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False, comment="Course name")
    subject: Mapped[str | None] = mapped_column(sa.String(100), comment="Subject area")
    description: Mapped[str | None] = mapped_column(sa.Text, comment="Longer description")
    created_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime, server_default=sa.text("CURRENT_TIMESTAMP"), comment="When the row was made"
    )
    archived_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime,
        nullable=True,
        comment="When the course was archived (no new enrolments); NULL = open",
    )


class EnrolledStudent(db.Model):
    """Legacy enrolment that ``sessions.course_enrollment_id`` pointed at before 0002.

    Kept so the spec's rollback has somewhere to point; new code uses
    ``EnrolledCourse``.
    """

    __tablename__ = "enrolled_students"
    __table_args__ = {"comment": "Legacy enrolments (before enrolled_courses); kept for rollback."}

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, comment="The course"
    )
    student_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, comment="The student"
    )
    tutor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), comment="The tutor, when recorded"
    )
    enrolled_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime,
        server_default=sa.text("CURRENT_TIMESTAMP"),
        comment="When the student enrolled",
    )


class EnrolledCourse(db.Model):
    """A student taking a course with a tutor: the owner of sessions."""

    __tablename__ = "enrolled_courses"
    __table_args__ = (
        sa.UniqueConstraint(
            "course_id", "tutor_id", "student_id", name="uq_enrolled_courses_course_tutor_student"
        ),
        sa.Index("idx_enrolled_courses_tutor", "tutor_id"),
        sa.Index("idx_enrolled_courses_student", "student_id"),
        sa.CheckConstraint(
            "(status = 'active' AND ended_at IS NULL)"
            " OR (status = 'ended' AND ended_at IS NOT NULL)",
            name="ck_enrolled_courses_status",
        ),
        {"comment": "Who teaches which course to whom; sessions belong to one row."},
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, comment="The course"
    )
    tutor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, comment="The tutor"
    )
    student_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, comment="The student"
    )
    status: Mapped[str] = mapped_column(
        sa.String(20),
        nullable=False,
        server_default=sa.text("'active'"),
        comment="active or ended",
    )
    enrolled_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime, server_default=sa.text("CURRENT_TIMESTAMP"), comment="When the enrolment began"
    )
    ended_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime,
        nullable=True,
        comment="When the enrolment ended (no new sessions); NULL while active",
    )
