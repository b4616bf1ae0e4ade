"""Scheduling bookkeeping: recurring series, conflict overrides, calendar feeds.

None of this lives on ``sessions`` (its columns are the spec's contract); each
concern has its own table pointing at sessions or users.
"""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.extensions import db


class SessionSeries(db.Model):
    """One recurring series: an RFC 5545 RRULE anchored at a local date and time in ``tzid``.

    Occurrences are real ``sessions`` rows whose ``recurring_pattern`` names the
    series (``series_id``). Editing "this and following" ends this series before
    the occurrence and starts a new one with ``parent_series_id`` pointing back.
    """

    __tablename__ = "session_series"
    __table_args__ = (
        sa.Index("idx_session_series_enrolled_courses", "enrolled_courses_id"),
        {"comment": "Recurring series of sessions; occurrences are rows of sessions."},
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    rrule: Mapped[str] = mapped_column(
        sa.String(500), nullable=False, comment="RFC 5545 RRULE value, e.g. FREQ=WEEKLY;COUNT=10"
    )
    tzid: Mapped[str] = mapped_column(
        sa.String(64), nullable=False, comment="IANA zone the local times below are in"
    )
    dtstart: Mapped[date] = mapped_column(
        sa.Date, nullable=False, comment="Local date of the first occurrence"
    )
    start_time: Mapped[time] = mapped_column(
        sa.Time, nullable=False, comment="Local start time of every occurrence"
    )
    end_time: Mapped[time] = mapped_column(
        sa.Time, nullable=False, comment="Local end time of every occurrence"
    )
    enrolled_courses_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enrolled_courses.id", ondelete="CASCADE"),
        nullable=False,
        comment="The enrolled course every occurrence belongs to",
    )
    created_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), comment="Who created the series"
    )
    created_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime, server_default=sa.text("CURRENT_TIMESTAMP"), comment="When the row was made"
    )
    parent_series_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("session_series.id", ondelete="SET NULL"),
        comment="The series this one was split from (this and following)",
    )


class SessionConflictOverride(db.Model):
    """A coordinator's written reason for scheduling despite an overlap."""

    __tablename__ = "session_conflict_overrides"
    __table_args__ = (
        sa.Index("idx_session_conflict_overrides_session", "session_id"),
        {"comment": "Why a coordinator saved a session that overlaps others."},
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        comment="The session saved despite the conflict",
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), comment="The coordinator who overrode"
    )
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False, comment="The written reason")
    created_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime, server_default=sa.text("CURRENT_TIMESTAMP"), comment="When it was overridden"
    )


class FeedToken(db.Model):
    """The secret in a user's calendar feed URL; regenerating replaces it."""

    __tablename__ = "feed_tokens"
    __table_args__ = {"comment": "Secret calendar-feed URL token, one per user."}

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, comment="Feed owner"
    )
    token: Mapped[str] = mapped_column(
        sa.String(64), nullable=False, unique=True, comment="URL-safe random token"
    )
    created_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime, server_default=sa.text("CURRENT_TIMESTAMP"), comment="When it was issued"
    )


class SessionFeedSequence(db.Model):
    """The iCalendar SEQUENCE of a session, bumped whenever its ``updated_at`` has moved.

    Every writer bumps ``sessions.updated_at`` (DESIGN.md); the feed builder
    compares it with ``seen_updated_at`` and adds one when they differ, so the
    SEQUENCE a calendar sees rises with every change it can observe.
    """

    __tablename__ = "session_feed_sequences"
    __table_args__ = {"comment": "iCalendar SEQUENCE per session, derived from updated_at."}

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True, comment="The session"
    )
    sequence: Mapped[int] = mapped_column(
        sa.Integer, nullable=False, server_default=sa.text("0"), comment="Current SEQUENCE"
    )
    seen_updated_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime, comment="The session's updated_at when sequence was last set"
    )
