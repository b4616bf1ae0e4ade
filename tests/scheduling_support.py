"""Helpers shared by the scheduling tests (real HTTP, real PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from dashboard.extensions import db
from dashboard.models import EnrolledCourse, Session, User, WhiteboardSession

#: Far enough ahead that no demo session (±21 days) is on these days.
FAR = 60


def future(days: int = FAR) -> date:
    """A date ``days`` from today (London, the demo's zone, is close enough to UTC)."""
    return date.today() + timedelta(days=days)


def enrolment(app, tutor: str, student: str) -> int:
    """Id of the enrolled course of tutorN with studentM (demo data)."""
    with app.app_context():
        tutor_id = db.session.scalar(sa.select(User.id).where(User.email == f"{tutor}@example.com"))
        student_id = db.session.scalar(
            sa.select(User.id).where(User.email == f"{student}@example.com")
        )
        return db.session.scalar(
            sa.select(EnrolledCourse.id).where(
                EnrolledCourse.tutor_id == tutor_id, EnrolledCourse.student_id == student_id
            )
        )


def board_of(app, tutor: str) -> int:
    """Id of the demo whiteboard owned by tutorN."""
    with app.app_context():
        return db.session.scalar(
            sa.select(WhiteboardSession.id)
            .join(User, User.id == WhiteboardSession.owner_id)
            .where(User.email == f"{tutor}@example.com")
        )


def session_count(app) -> int:
    """How many sessions rows there are."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Session))


def get_session(app, session_id: int) -> Session:
    """A detached copy of one sessions row."""
    with app.app_context():
        session = db.session.get(Session, session_id)
        db.session.expunge(session)
        return session


def session_form(course_id: int, token: str, **overrides: object) -> dict[str, object]:
    """A valid new-session form for ``course_id``, 60 days ahead 10:00–11:00."""
    data: dict[str, object] = {
        "csrf_token": token,
        "enrolled_courses_id": str(course_id),
        "session_date": future().isoformat(),
        "start_time": "10:00",
        "end_time": "11:00",
        "session_mode": "online",
        "location": "",
        "topics": "Fractions\nDecimals",
        "whiteboard_id": "",
        "priority_level": "medium",
        "alarm_before_minutes": "15",
        "frequency": "one-time",
    }
    data.update({k: v for k, v in overrides.items() if v is not None})
    return {k: v for k, v in data.items() if v is not False}


def new_ids(app, before: int) -> list[int]:
    """Ids of the sessions created after there were ``before`` rows (ids are sequential)."""
    with app.app_context():
        return list(db.session.scalars(sa.select(Session.id).order_by(Session.id).offset(before)))


def version_of(app, session_id: int) -> str:
    """The ``version`` a page shows for a session now (its ``updated_at``, ISO)."""
    with app.app_context():
        updated_at = db.session.scalar(
            sa.select(Session.updated_at).where(Session.id == session_id)
        )
        return updated_at.isoformat() if updated_at else ""


def post_new_session(
    app,
    client,
    auth,
    tutor: str = "tutor1",
    student: str = "student1",
    headers: dict[str, str] | None = None,
    **overrides: object,
):
    """``POST /sessions/new`` as the signed-in user: tutorN's course with studentM (demo data).

    The form is ``session_form`` with ``overrides``; returns the response, whatever it is.
    """
    return client.post(
        "/sessions/new",
        data=session_form(enrolment(app, tutor, student), auth.csrf_token(), **overrides),
        headers=headers or {},
    )


def schedule(
    app, client, auth, tutor: str = "tutor1", student: str = "student1", **overrides: object
) -> list[int]:
    """Schedule through the real form as the signed-in user (must succeed); the new ids."""
    before = session_count(app)
    response = post_new_session(app, client, auth, tutor, student, **overrides)
    assert response.status_code == 303, response.get_data(as_text=True)
    return new_ids(app, before)


def weekly_series(app, client, auth, count: int) -> list[int]:
    """Sign in as tutor1 and schedule ``count`` weekly sessions with student1; their ids.

    Through the real form (``POST /sessions/new``): 10:00–11:00 from ``FAR``
    days ahead, so the series meets no demo session. Needs the demo centre.
    """
    auth.login("tutor1@example.com")
    ids = schedule(app, client, auth, frequency="weekly", repeat_count=str(count))
    assert len(ids) == count
    return ids
