"""Rows for tests: people, enrolments and sessions, written and committed for real.

``Builder(app)`` is handed out by the ``build`` fixture (tests/integration/conftest.py).
Every account's password is the demo one, so ``auth.login(email)`` works.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.security import generate_password_hash

from dashboard.extensions import db
from dashboard.models import (
    Course,
    EnrolledCourse,
    ParentStudent,
    Session,
    SessionAttendance,
    User,
    WhiteboardSession,
)
from dashboard.services.demo_data import DEMO_PASSWORD

_PASSWORD_HASH = generate_password_hash(DEMO_PASSWORD)


class Builder:
    """Small factory of rows; each method commits and returns the new id."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._count = 0

    def _next(self) -> int:
        self._count += 1
        return self._count

    def user(
        self,
        role: str,
        email: str | None = None,
        name: str | None = None,
        *,
        timezone: str | None = None,
        week_starts_on: int = 0,
    ) -> int:
        """A new account of ``role``."""
        n = self._next()
        with self.app.app_context():
            user = User(
                email=email or f"{role}{n}@test.example",
                full_name=name or f"{role.title()} {n}",
                role=role,
                password_hash=_PASSWORD_HASH,
                timezone=timezone,
                week_starts_on=week_starts_on,
            )
            db.session.add(user)
            db.session.commit()
            return user.id

    def update_user(self, user_id: int, **values: Any) -> None:
        """Change columns of an existing account (e.g. its time zone)."""
        with self.app.app_context():
            db.session.execute(sa.update(User).where(User.id == user_id).values(**values))
            db.session.commit()

    def link(self, parent_id: int, student_id: int) -> None:
        """Make ``student_id`` a child of ``parent_id``."""
        with self.app.app_context():
            db.session.add(ParentStudent(parent_id=parent_id, student_id=student_id))
            db.session.commit()

    def enrolment(self, tutor_id: int, student_id: int, course: str = "Mathematics") -> int:
        """An enrolment of the student with the tutor in a (new or existing) course."""
        with self.app.app_context():
            course_id = db.session.scalar(sa.select(Course.id).where(Course.title == course))
            if course_id is None:
                row = Course(title=course)
                db.session.add(row)
                db.session.flush()
                course_id = row.id
            enrolment = EnrolledCourse(
                course_id=course_id, tutor_id=tutor_id, student_id=student_id
            )
            db.session.add(enrolment)
            db.session.commit()
            return enrolment.id

    def api_token(
        self, user_id: int, scope: str = "write", *, days: int = 30, revoked: bool = False
    ) -> str:
        """A personal access token of ``user_id``; returns its secret (shown once in the app)."""
        from datetime import UTC

        from dashboard.services.api_tokens import create_token

        with self.app.app_context():
            now = datetime.now(UTC)
            made = create_token(user_id, f"token {self._next()}", scope, 30, now)
            made.token.expires_at = now + timedelta(days=days)  # days < 0: already expired
            if revoked:
                made.token.revoked_at = now
            db.session.commit()
            return made.secret

    def whiteboard(self, url: str, name: str = "Board") -> int:
        """A whiteboard with this address."""
        with self.app.app_context():
            board = WhiteboardSession(session_name=name, board_url=url)
            db.session.add(board)
            db.session.commit()
            return board.id

    def session(
        self,
        enrolment_id: int,
        day: date,
        start: time,
        minutes: int = 60,
        **columns: Any,
    ) -> int:
        """A session on ``day`` at ``start`` (schedule-zone wall clock) lasting ``minutes``."""
        return self.sessions(enrolment_id, [(day, start)], minutes, **columns)[0]

    def sessions(
        self,
        enrolment_id: int,
        slots: list[tuple[date, time]],
        minutes: int = 60,
        **columns: Any,
    ) -> list[int]:
        """Many sessions at once (one commit)."""
        with self.app.app_context():
            rows = []
            for day, start in slots:
                end = (datetime.combine(day, start) + timedelta(minutes=minutes)).time()
                values = {
                    "topics": [],
                    "topics_covered": [],
                    "duration": minutes,
                    "session_mode": "online",
                    "status": "scheduled",
                }
                values.update(columns)
                rows.append(
                    Session(
                        enrolled_courses_id=enrolment_id,
                        session_date=day,
                        start_time=start,
                        end_time=end,
                        **values,
                    )
                )
            db.session.add_all(rows)
            db.session.commit()
            return [row.id for row in rows]

    def attendance_taken(self, session_id: int, by: int | None = None) -> None:
        """Record that the session's attendance was taken (``session_attendance``)."""
        with self.app.app_context():
            db.session.add(SessionAttendance(session_id=session_id, taken_by=by))
            db.session.commit()


@dataclass(frozen=True)
class Recorded:
    """One SQL statement, its parameters and the project modules on the stack that sent it."""

    sql: str
    origins: frozenset[str]
    parameters: object = None
    #: the Jinja templates on the stack (templates never query: this should stay empty)
    templates: frozenset[str] = frozenset()


@contextmanager
def record_queries(app: Flask) -> Iterator[list[Recorded]]:
    """Collect every SQL statement sent on ``app``'s engine inside the block, with its origin.

    ``origins`` holds the ``dashboard/…`` files on the call stack, so a test can
    tell a page's own queries from those of shared pieces (e.g. reminders).
    """
    recorded: list[Recorded] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        stack = traceback.extract_stack()
        origins = frozenset(
            frame.filename[frame.filename.rindex("/dashboard/") + 1 :]
            for frame in stack
            if "/dashboard/" in frame.filename
        )
        templates = frozenset(
            frame.filename[frame.filename.rindex("/templates/") + 1 :]
            for frame in stack
            if "/templates/" in frame.filename
        )
        recorded.append(Recorded(statement, origins, parameters, templates))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield recorded
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
