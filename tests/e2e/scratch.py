"""Rows a browser test makes for itself on the shared live app, and removes afterwards.

The live app's demo centre is shared by every browser test (``conftest.py``),
so tests that change data work on their own sessions and whiteboards, on dates
far from the demo's weeks, and delete everything they made when they end:
every session, whiteboard and series with an id above the highest one at the
start (change history and other per-session rows go with their session).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from dashboard.extensions import db
from dashboard.models import EnrolledCourse, Session, WhiteboardSession
from dashboard.models.scheduling import SessionSeries


class Scratch:
    """Make sessions and boards of the demo's tutor 1; see the module docstring."""

    def __init__(self, app: Flask, ids: dict[str, int]) -> None:
        self.app = app
        self.ids = ids
        zone = ZoneInfo(app.config["SCHEDULE_TIMEZONE"])
        self.today = datetime.now(zone).date()
        with app.app_context():
            self.floor = {
                model: db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(model.id), 0)))
                for model in (Session, WhiteboardSession, SessionSeries)
            }

    def day(self, weeks_ahead: int, weekday: int = 0) -> date:
        """A date ``weeks_ahead`` weeks from now on ``weekday`` (0 = Monday), past the demo."""
        monday = self.today - timedelta(days=self.today.weekday())
        return monday + timedelta(weeks=weeks_ahead, days=weekday)

    def enrolment(self, student: str = "student1@example.com") -> int:
        """Tutor 1's first enrolment of ``student`` (an email)."""
        with self.app.app_context():
            return db.session.scalar(
                sa.select(EnrolledCourse.id)
                .where(
                    EnrolledCourse.tutor_id == self.ids["tutor1@example.com"],
                    EnrolledCourse.student_id == self.ids[student],
                )
                .order_by(EnrolledCourse.id)
                .limit(1)
            )

    def session(
        self,
        day: date,
        start: time,
        student: str = "student1@example.com",
        minutes: int = 60,
        **columns: Any,
    ) -> int:
        """A scheduled session of tutor 1 with ``student``, one hour unless ``minutes``."""
        values: dict[str, Any] = {
            "topics": ["Revision"],
            "topics_covered": [],
            "duration": minutes,
            "session_mode": "online",
            "status": "scheduled",
            "priority_level": "medium",
            "tutor_attendance_status": "present",
            "student_attendance_status": "present",
        }
        values.update(columns)
        end = (datetime.combine(day, start) + timedelta(minutes=minutes)).time()
        with self.app.app_context():
            row = Session(
                enrolled_courses_id=self.enrolment(student),
                session_date=day,
                start_time=start,
                end_time=end,
                **values,
            )
            db.session.add(row)
            db.session.commit()
            return row.id

    def board(self, name: str) -> int:
        """A whiteboard owned by tutor 1."""
        with self.app.app_context():
            board = WhiteboardSession(
                session_name=name,
                board_url=f"https://boards.example.com/{name.lower().replace(' ', '-')}",
                owner_id=self.ids["tutor1@example.com"],
            )
            db.session.add(board)
            db.session.commit()
            return board.id

    def get(self, session_id: int) -> Session | None:
        """The session row as it is now (detached; None once deleted)."""
        with self.app.app_context():
            row = db.session.get(Session, session_id)
            if row is not None:
                db.session.expunge(row)
            return row

    def new_sessions(self) -> list[Session]:
        """Sessions made since the test began (through the UI too), by date and time."""
        with self.app.app_context():
            rows = list(
                db.session.scalars(
                    sa.select(Session)
                    .where(Session.id > self.floor[Session])
                    .order_by(Session.session_date, Session.start_time)
                )
            )
            db.session.expunge_all()
            return rows

    def clean(self) -> None:
        with self.app.app_context():
            for model in (Session, SessionSeries, WhiteboardSession):
                db.session.execute(sa.delete(model).where(model.id > self.floor[model]))
            db.session.commit()
