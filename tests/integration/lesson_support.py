"""A small centre for the lesson-lifecycle tests: one tutor, one student, two parents.

Plain functions and a dataclass (no fixtures), built with ``tests.builders.Builder``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from dashboard.extensions import db
from dashboard.models import Session
from tests.builders import Builder


@dataclass(frozen=True)
class Centre:
    """Ids of the people and sessions of ``make_centre``."""

    coordinator: int
    tutor: int
    other_tutor: int
    student: int
    parent: int
    other_parent: int
    stranger_parent: int
    enrolment: int
    past: int  # ended two days ago, scheduled, attendance not taken
    future: int  # next week, scheduled
    completed: int  # completed three days ago
    cancelled: int  # cancelled, next week


def local_now(app: Flask) -> datetime:
    """Now in the schedule zone (the sessions' wall clock)."""
    return datetime.now(UTC).astimezone(ZoneInfo(app.config["SCHEDULE_TIMEZONE"]))


def slot(app: Flask, days: int, hour: int = 10) -> tuple[date, time]:
    """A date ``days`` from today (schedule zone) at ``hour``:00."""
    return (local_now(app).date() + timedelta(days=days), time(hour))


def make_centre(app: Flask, build: Builder) -> Centre:
    """The people, one enrolment and four sessions (see ``Centre``)."""
    coordinator = build.user("coordinator", "coord@test.example")
    tutor = build.user("tutor", "tutor@test.example", "Tia Tutor")
    other_tutor = build.user("tutor", "tutor2@test.example")
    student = build.user("student", "student@test.example", "Sam Student")
    parent = build.user("parent", "parent@test.example")
    other_parent = build.user("parent", "parent2@test.example")
    stranger_parent = build.user("parent", "stranger@test.example")
    build.link(parent, student)
    build.link(other_parent, student)
    enrolment = build.enrolment(tutor, student)
    past = build.session(enrolment, *slot(app, -2))
    future = build.session(enrolment, *slot(app, 7))
    completed = build.session(enrolment, *slot(app, -3), status="completed")
    cancelled = build.session(enrolment, *slot(app, 8), status="cancelled")
    return Centre(
        coordinator,
        tutor,
        other_tutor,
        student,
        parent,
        other_parent,
        stranger_parent,
        enrolment,
        past,
        future,
        completed,
        cancelled,
    )


def version(app: Flask, session_id: int) -> str:
    """The session's ``updated_at`` as the pages send it."""
    with app.app_context():
        value = db.session.scalar(sa.select(Session.updated_at).where(Session.id == session_id))
        db.session.remove()
    return value.isoformat()


def rows(app: Flask, sql: str, **params: object) -> list[tuple]:
    """Plain SQL rows (an independent check of what the app wrote)."""
    with app.app_context():
        found = [tuple(row) for row in db.session.execute(sa.text(sql), params)]
        db.session.remove()
    return found


def scalar(app: Flask, sql: str, **params: object) -> object:
    """One value of plain SQL."""
    found = rows(app, sql, **params)
    return found[0][0] if found else None
