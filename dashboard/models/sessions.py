"""The ``sessions`` table: exactly the spec's final structure, nothing more.

See ``../shared/spec/sessions-table-final-update.md``. The column order, types,
nullability, server defaults, both foreign keys (names and ON DELETE rules)
and the five indexes are a contract checked by ``tests/integration/test_schema.py``
and by ``flask verify-schema``. Anything new goes into its own table.

``session_date``/``start_time``/``end_time`` are wall-clock values in the
schedule time zone (``SCHEDULE_TIMEZONE``); pages convert them to the viewer's.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.extensions import db


class Session(db.Model):
    """One tutoring session of an enrolled course."""

    __tablename__ = "sessions"
    __table_args__ = (
        sa.Index("idx_sessions_date", "session_date"),
        sa.Index("idx_sessions_enrolled_courses", "enrolled_courses_id"),
        sa.Index("idx_sessions_featured", "is_featured"),
        sa.Index("idx_sessions_recurring", "is_recurring"),
        {"comment": "Tutoring sessions; each belongs to one enrolled course."},
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, comment="Session id")
    enrolled_courses_id: Mapped[int | None] = mapped_column(
        sa.Integer,
        sa.ForeignKey(
            "enrolled_courses.id", name="sessions_enrolled_courses_id_fkey", ondelete="CASCADE"
        ),
        comment="References enrolled_courses(id) - the course enrollment this session belongs to",
    )
    topics: Mapped[Any | None] = mapped_column(
        sa.JSON, server_default=sa.text("'[]'::json"), comment="Topics planned for the session"
    )
    topics_covered: Mapped[Any | None] = mapped_column(
        sa.JSON, server_default=sa.text("'[]'::json"), comment="Topics actually covered"
    )
    session_date: Mapped[date] = mapped_column(
        sa.Date, nullable=False, comment="Day of the session (schedule time zone)"
    )
    start_time: Mapped[time] = mapped_column(
        sa.Time, nullable=False, comment="Start, wall-clock in the schedule time zone"
    )
    end_time: Mapped[time] = mapped_column(
        sa.Time, nullable=False, comment="End, wall-clock in the schedule time zone"
    )
    duration: Mapped[int | None] = mapped_column(sa.Integer, comment="Length in minutes")
    session_mode: Mapped[str | None] = mapped_column(
        sa.String(50),
        server_default=sa.text("'online'::character varying"),
        comment="online, in-person or hybrid",
    )
    location: Mapped[str | None] = mapped_column(
        sa.String(255), comment="Where an in-person session takes place"
    )
    whiteboard_id: Mapped[int | None] = mapped_column(
        sa.Integer,
        sa.ForeignKey(
            "whiteboard_sessions.id", name="sessions_whiteboard_id_fkey", ondelete="SET NULL"
        ),
        comment="References whiteboard_sessions(id) - the whiteboard used in this session",
    )
    student_review_id: Mapped[int | None] = mapped_column(
        sa.Integer, comment="Review written by the student"
    )
    tutor_review_id: Mapped[int | None] = mapped_column(
        sa.Integer, comment="Review written by the tutor"
    )
    parent_review_id: Mapped[int | None] = mapped_column(
        sa.Integer, comment="Review written by the parent"
    )
    tutor_attendance_status: Mapped[str | None] = mapped_column(
        sa.String(20),
        server_default=sa.text("'present'::character varying"),
        comment="present, absent, late or excused",
    )
    student_attendance_status: Mapped[str | None] = mapped_column(
        sa.String(20),
        server_default=sa.text("'present'::character varying"),
        comment="present, absent, late or excused",
    )
    priority_level: Mapped[str | None] = mapped_column(
        sa.String(20),
        server_default=sa.text("'medium'::character varying"),
        comment="low, medium, high or urgent",
    )
    is_recurring: Mapped[bool | None] = mapped_column(
        sa.Boolean, server_default=sa.text("false"), comment="Part of a recurring series"
    )
    session_frequency: Mapped[str | None] = mapped_column(
        sa.String(50),
        server_default=sa.text("'one-time'::character varying"),
        comment="one-time, daily, weekly, biweekly or monthly",
    )
    recurring_pattern: Mapped[Any | None] = mapped_column(
        sa.JSON, comment="Recurrence rule (RFC 5545 RRULE and IANA time zone)"
    )
    notification_enabled: Mapped[bool | None] = mapped_column(
        sa.Boolean, server_default=sa.text("false"), comment="Show a reminder before the start"
    )
    alarm_enabled: Mapped[bool | None] = mapped_column(
        sa.Boolean, server_default=sa.text("false"), comment="Add an alarm to calendar feeds"
    )
    alarm_before_minutes: Mapped[int | None] = mapped_column(
        sa.Integer, server_default=sa.text("15"), comment="Minutes before the start to remind"
    )
    is_featured: Mapped[bool | None] = mapped_column(
        sa.Boolean, server_default=sa.text("false"), comment="Highlighted by a coordinator"
    )
    status: Mapped[str | None] = mapped_column(
        sa.String(20),
        server_default=sa.text("'scheduled'::character varying"),
        comment="scheduled, completed, cancelled or rescheduled",
    )
    created_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime, server_default=sa.text("CURRENT_TIMESTAMP"), comment="When the row was made"
    )
    updated_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime,
        server_default=sa.text("CURRENT_TIMESTAMP"),
        comment="Last change; also the version checked by inline edits",
    )

    def __repr__(self) -> str:
        return f"<Session {self.id} {self.session_date} {self.start_time}>"
