"""Every route × every kind of visitor → the status DESIGN.md promises.

``MATRIX`` has one entry per ``"METHOD /rule"`` of ``app.url_map`` (``static``
aside) and ``test_matrix_covers_every_route`` fails when a route is added
without one. To add a route:

1. add ``"POST /things/<int:thing_id>": expect(...)`` to ``MATRIX``;
2. if its URL has a new parameter, say in ``Subjects`` which row is "mine" and
   which is "other's" (and in ``subjects``);
3. if it is a POST that needs form fields, add them to ``POST_BODIES``
   (``"{session_id}"`` etc. are filled in; the CSRF token is always added).

Role cases: each signed-in role looks at something of its own (``*_own``; a
parent's own is their child's) and at someone else's (``*_other``):

- "mine": tutor1 teaching student1 (enrolment 0), student1's parent parent1,
  and tutor1's whiteboard;
- "other": tutor2 teaching student4 (enrolment 4), student4's parent parent2,
  and tutor2's whiteboard. tutor1 does not teach student4; parent1 is not
  student4's parent.

Anonymous and coordinator requests use the "mine" ids.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from dashboard.extensions import db
from dashboard.models import ApiToken, EnrolledCourse, Session, WhiteboardSession
from tests.conftest import AuthActions
from tests.helpers import database_fingerprint


@dataclass(frozen=True)
class RoleCase:
    """Who is signed in (None: nobody), and whose ids fill the URL."""

    email: str | None
    subjects: str  # "mine" or "other"


ROLE_CASES: dict[str, RoleCase] = {
    "anonymous": RoleCase(None, "mine"),
    "coordinator": RoleCase("coordinator@example.com", "mine"),
    "tutor_own": RoleCase("tutor1@example.com", "mine"),
    "tutor_other": RoleCase("tutor1@example.com", "other"),
    "student_own": RoleCase("student1@example.com", "mine"),
    "student_other": RoleCase("student1@example.com", "other"),
    "parent_child": RoleCase("parent1@example.com", "mine"),
    "parent_other": RoleCase("parent1@example.com", "other"),
}


def expect(
    *,
    anonymous: int,
    coordinator: int,
    tutor: tuple[int, int],
    student: tuple[int, int],
    parent: tuple[int, int],
) -> dict[str, int]:
    """One matrix row; ``tutor``/``student``/``parent`` are (own, other) statuses."""
    return {
        "anonymous": anonymous,
        "coordinator": coordinator,
        "tutor_own": tutor[0],
        "tutor_other": tutor[1],
        "student_own": student[0],
        "student_other": student[1],
        "parent_child": parent[0],
        "parent_other": parent[1],
    }


def everyone(status: int) -> dict[str, int]:
    """A row where every visitor gets ``status``."""
    return dict.fromkeys(ROLE_CASES, status)


def coordinators_only(status: int) -> dict[str, int]:
    """A coordinator-only row: ``status`` for coordinators, 403 for other roles."""
    return expect(
        anonymous=302, coordinator=status, tutor=(403, 403), student=(403, 403), parent=(403, 403)
    )


#: Signed-in visitors are sent on (302) by GET /login, GET / and POST /logout.
SIGNED_IN_REDIRECT = expect(
    anonymous=302, coordinator=302, tutor=(302, 302), student=(302, 302), parent=(302, 302)
)

MATRIX: dict[str, dict[str, int]] = {
    "GET /healthz": everyone(200),
    "GET /": SIGNED_IN_REDIRECT,
    "GET /login": {**SIGNED_IN_REDIRECT, "anonymous": 200},
    # Wrong credentials (POST_BODIES): 401 for a visitor; a signed-in user is sent home.
    "POST /login": {**SIGNED_IN_REDIRECT, "anonymous": 401},
    "POST /logout": SIGNED_IN_REDIRECT,
    "GET /tutors/<int:tutor_id>/calendar": expect(
        anonymous=302, coordinator=200, tutor=(200, 403), student=(403, 403), parent=(403, 403)
    ),
    "GET /students/<int:student_id>/upcoming": expect(
        anonymous=302, coordinator=200, tutor=(403, 403), student=(200, 403), parent=(200, 403)
    ),
    "GET /parents/<int:parent_id>/upcoming": expect(
        anonymous=302, coordinator=200, tutor=(403, 403), student=(403, 403), parent=(200, 403)
    ),
    "GET /coordinator/sessions": expect(
        anonymous=302, coordinator=200, tutor=(403, 403), student=(403, 403), parent=(403, 403)
    ),
    "GET /coordinator/attendance": expect(
        anonymous=302, coordinator=200, tutor=(403, 403), student=(403, 403), parent=(403, 403)
    ),
    "GET /coordinator/overrides": expect(
        anonymous=302, coordinator=200, tutor=(403, 403), student=(403, 403), parent=(403, 403)
    ),
    "GET /sessions/<int:session_id>": expect(
        anonymous=302, coordinator=200, tutor=(200, 403), student=(200, 403), parent=(200, 403)
    ),
    # The calendars' popover: who may see the session sees its card.
    "GET /sessions/<int:session_id>/card": expect(
        anonymous=302, coordinator=200, tutor=(200, 403), student=(200, 403), parent=(200, 403)
    ),
    "GET /calendar": expect(
        anonymous=302, coordinator=200, tutor=(403, 403), student=(403, 403), parent=(403, 403)
    ),
    "GET /favicon.ico": everyone(200),
    "GET /admin/families": expect(
        anonymous=302, coordinator=200, tutor=(403, 403), student=(403, 403), parent=(403, 403)
    ),
    "POST /admin/families/link": expect(
        anonymous=302, coordinator=303, tutor=(403, 403), student=(403, 403), parent=(403, 403)
    ),
    "POST /admin/families/unlink": expect(
        anonymous=302, coordinator=303, tutor=(403, 403), student=(403, 403), parent=(403, 403)
    ),
    # People, courses and enrolments: coordinators only. Empty forms give 422;
    # a filled-in one (POST_BODIES) answers 303.
    "GET /admin/people": coordinators_only(200),
    "GET /admin/people/new": coordinators_only(200),
    "POST /admin/people/new": coordinators_only(422),
    "GET /admin/people/<int:person_id>": coordinators_only(200),
    "POST /admin/people/<int:person_id>": coordinators_only(303),
    "GET /admin/courses": coordinators_only(200),
    "GET /admin/courses/new": coordinators_only(200),
    "POST /admin/courses/new": coordinators_only(422),
    "GET /admin/courses/<int:course_id>": coordinators_only(200),
    "POST /admin/courses/<int:course_id>": coordinators_only(303),
    "POST /admin/courses/<int:course_id>/archive": coordinators_only(303),
    "GET /admin/enrolments": coordinators_only(200),
    "GET /admin/enrolments/new": coordinators_only(200),
    "POST /admin/enrolments/new": coordinators_only(422),
    "GET /admin/enrolments/<int:enrolment_id>": coordinators_only(200),
    "POST /admin/enrolments/<int:enrolment_id>/tutor": coordinators_only(303),
    "POST /admin/enrolments/<int:enrolment_id>/end": coordinators_only(303),
    "GET /admin/enrolments/<int:enrolment_id>/delete": coordinators_only(200),
    # Without the confirmed count nothing is deleted: 409 and the fresh preview.
    "POST /admin/enrolments/<int:enrolment_id>/delete": coordinators_only(409),
    # Everyone's own settings; empty forms give 422.
    "GET /account": {**everyone(200), "anonymous": 302},
    "POST /account": {**everyone(422), "anonymous": 302},
    "GET /account/password": {**everyone(200), "anonymous": 302},
    "POST /account/password": {**everyone(422), "anonymous": 302},
    # Scheduling. Empty forms: allowed visitors get 422 (validation), others 403.
    "GET /sessions/new": expect(
        anonymous=302, coordinator=200, tutor=(200, 200), student=(403, 403), parent=(403, 403)
    ),
    "POST /sessions/new": expect(
        anonymous=302, coordinator=422, tutor=(422, 422), student=(403, 403), parent=(403, 403)
    ),
    "GET /sessions/<int:session_id>/edit": expect(
        anonymous=302, coordinator=200, tutor=(200, 403), student=(403, 403), parent=(403, 403)
    ),
    "POST /sessions/<int:session_id>/edit": expect(
        anonymous=302, coordinator=422, tutor=(422, 403), student=(403, 403), parent=(403, 403)
    ),
    "POST /sessions/<int:session_id>/reschedule": expect(
        anonymous=302, coordinator=422, tutor=(422, 403), student=(403, 403), parent=(403, 403)
    ),
    "GET /sessions/<int:session_id>/cancel": expect(
        anonymous=302, coordinator=200, tutor=(200, 403), student=(403, 403), parent=(403, 403)
    ),
    "POST /sessions/<int:session_id>/cancel": expect(
        anonymous=302, coordinator=422, tutor=(422, 403), student=(403, 403), parent=(403, 403)
    ),
    # The matrix's session is not cancelled: restoring it is refused with 422.
    "POST /sessions/<int:session_id>/restore": expect(
        anonymous=302, coordinator=422, tutor=(422, 403), student=(403, 403), parent=(403, 403)
    ),
    # The matrix's session is not part of a series: changing its repeat is refused with 422.
    "POST /sessions/<int:session_id>/repeat": expect(
        anonymous=302, coordinator=422, tutor=(422, 403), student=(403, 403), parent=(403, 403)
    ),
    "POST /sessions/<int:session_id>/complete": expect(
        anonymous=302, coordinator=303, tutor=(303, 403), student=(403, 403), parent=(403, 403)
    ),
    "GET /sessions/<int:session_id>.ics": expect(
        anonymous=302, coordinator=200, tutor=(200, 403), student=(200, 403), parent=(200, 403)
    ),
    # A made-up token: every visitor gets 404 (valid tokens: tests/unit/test_feeds.py).
    "GET /feeds/<token>.ics": everyone(404),
    "GET /account/feed": {**everyone(200), "anonymous": 302},
    "POST /account/feed/regenerate": {**everyone(303), "anonymous": 302},
    "GET /reminders": {**everyone(200), "anonymous": 302},
    # Reviews: the session's student, tutor and a linked parent write one each; the
    # matrix's session is completed (see subjects()). Coordinators read, never write.
    "GET /sessions/<int:session_id>/review": expect(
        anonymous=302, coordinator=403, tutor=(200, 403), student=(200, 403), parent=(200, 403)
    ),
    "POST /sessions/<int:session_id>/review": expect(
        anonymous=302, coordinator=403, tutor=(303, 403), student=(303, 403), parent=(303, 403)
    ),
    # Inline edits, without HX-Request: a permitted change answers 303 back to the page.
    "POST /sessions/<int:session_id>/attendance": expect(
        anonymous=302, coordinator=303, tutor=(303, 403), student=(403, 403), parent=(403, 403)
    ),
    "POST /sessions/<int:session_id>/priority": expect(
        anonymous=302, coordinator=303, tutor=(303, 403), student=(403, 403), parent=(403, 403)
    ),
    "POST /sessions/<int:session_id>/featured": expect(
        anonymous=302, coordinator=303, tutor=(403, 403), student=(403, 403), parent=(403, 403)
    ),
    "POST /sessions/<int:session_id>/whiteboard": expect(
        anonymous=302, coordinator=303, tutor=(303, 403), student=(403, 403), parent=(403, 403)
    ),
    "POST /sessions/attendance/bulk": expect(
        anonymous=302, coordinator=303, tutor=(303, 403), student=(403, 403), parent=(403, 403)
    ),
    # Reports: the centre for coordinators, a tutor's own figures (tests/integration/test_reports.py
    # checks that a tutor asking for another tutor's gets 403), nothing for students and parents.
    **{
        f"GET /reports{suffix}": expect(
            anonymous=302, coordinator=200, tutor=(200, 200), student=(403, 403), parent=(403, 403)
        )
        for suffix in (
            "",
            "/tutors.csv",
            "/students.csv",
            "/courses.csv",
            "/timesheet.csv",
            "/sessions.csv",
            "/hours.svg",
            "/attendance.svg",
        )
    },
    # Whiteboards: tutors manage their own, coordinators all. Empty forms give 422.
    "GET /whiteboards": expect(
        anonymous=302, coordinator=200, tutor=(200, 200), student=(403, 403), parent=(403, 403)
    ),
    "GET /whiteboards/new": expect(
        anonymous=302, coordinator=200, tutor=(200, 200), student=(403, 403), parent=(403, 403)
    ),
    "POST /whiteboards/new": expect(
        anonymous=302, coordinator=422, tutor=(422, 422), student=(403, 403), parent=(403, 403)
    ),
    "GET /whiteboards/<int:board_id>/edit": expect(
        anonymous=302, coordinator=200, tutor=(200, 403), student=(403, 403), parent=(403, 403)
    ),
    # Fields left out keep their current values, so an empty form saves unchanged.
    "POST /whiteboards/<int:board_id>/edit": expect(
        anonymous=302, coordinator=303, tutor=(303, 403), student=(403, 403), parent=(403, 403)
    ),
    "GET /whiteboards/<int:board_id>/delete": expect(
        anonymous=302, coordinator=200, tutor=(200, 403), student=(403, 403), parent=(403, 403)
    ),
    "POST /whiteboards/<int:board_id>/delete": expect(
        anonymous=302, coordinator=303, tutor=(303, 403), student=(403, 403), parent=(403, 403)
    ),
    # Emailed links (made-up secrets: every visitor gets 404; real ones: test_email.py).
    "GET /invitations/<token>": everyone(404),
    "POST /invitations/<token>": everyone(404),
    "GET /password-reset/<token>": everyone(404),
    "POST /password-reset/<token>": everyone(404),
    # "Forgot your password?": open to all, the same 303 whatever the address.
    "GET /password-reset": everyone(200),
    "POST /password-reset": everyone(303),
    "POST /admin/people/<int:user_id>/invitation": expect(
        anonymous=302, coordinator=303, tutor=(403, 403), student=(403, 403), parent=(403, 403)
    ),
    "GET /admin/outbox": expect(
        anonymous=302, coordinator=200, tutor=(403, 403), student=(403, 403), parent=(403, 403)
    ),
    # The demo has no failed email: the coordinator gets 404 (a real one: test_email.py).
    "POST /admin/outbox/<int:job_id>/retry": expect(
        anonymous=302, coordinator=404, tutor=(403, 403), student=(403, 403), parent=(403, 403)
    ),
    # Personal access tokens: one's own only; someone else's token is 404 (not even named).
    "GET /account/tokens": {**everyone(200), "anonymous": 302},
    "POST /account/tokens": {**everyone(422), "anonymous": 302},  # empty form
    "POST /account/tokens/<int:token_id>/revoke": {
        **everyone(404),
        "anonymous": 302,
        "tutor_own": 303,  # the "mine" token is tutor1's
    },
    # The JSON API. Requests carry the visitor's write token (API_TOKEN_USERS), never a
    # cookie; anonymous requests get 401, not the sign-in page. Bodies: API_BODIES.
    "GET /api/v1/openapi.json": everyone(200),
    "GET /api/v1/docs": everyone(200),
    "GET /api/v1/me": {**everyone(200), "anonymous": 401},
    "GET /api/v1/courses": {**everyone(200), "anonymous": 401},
    "GET /api/v1/enrolled_courses": {**everyone(200), "anonymous": 401},
    "GET /api/v1/sessions": {**everyone(200), "anonymous": 401},
    "GET /api/v1/sessions/<int:session_id>": expect(
        anonymous=401, coordinator=200, tutor=(200, 403), student=(200, 403), parent=(200, 403)
    ),
    # A date in the past: those who may schedule get 422 (like the form), others 403.
    "POST /api/v1/sessions": expect(
        anonymous=401, coordinator=422, tutor=(422, 422), student=(403, 403), parent=(403, 403)
    ),
    "PATCH /api/v1/sessions/<int:session_id>": expect(
        anonymous=401, coordinator=200, tutor=(200, 403), student=(403, 403), parent=(403, 403)
    ),
    # The lifecycle operations; the matrix's session is completed (see subjects()), so
    # moving, cancelling or restoring it is refused with 422; completing again is fine.
    "POST /api/v1/sessions/<int:session_id>/reschedule": expect(
        anonymous=401, coordinator=422, tutor=(422, 403), student=(403, 403), parent=(403, 403)
    ),
    "POST /api/v1/sessions/<int:session_id>/cancel": expect(
        anonymous=401, coordinator=422, tutor=(422, 403), student=(403, 403), parent=(403, 403)
    ),
    "POST /api/v1/sessions/<int:session_id>/restore": expect(
        anonymous=401, coordinator=422, tutor=(422, 403), student=(403, 403), parent=(403, 403)
    ),
    "POST /api/v1/sessions/<int:session_id>/complete": expect(
        anonymous=401, coordinator=200, tutor=(200, 403), student=(403, 403), parent=(403, 403)
    ),
    # ... and it is no series, so changing its repeat is refused with 422 too.
    "POST /api/v1/sessions/<int:session_id>/repeat": expect(
        anonymous=401, coordinator=422, tutor=(422, 403), student=(403, 403), parent=(403, 403)
    ),
    "GET /api/v1/whiteboard_sessions": expect(
        anonymous=401, coordinator=200, tutor=(200, 200), student=(403, 403), parent=(403, 403)
    ),
    # A coordinator's own account is no tutor, so a board owned by them is refused (422).
    "POST /api/v1/whiteboard_sessions": expect(
        anonymous=401, coordinator=422, tutor=(201, 201), student=(403, 403), parent=(403, 403)
    ),
    "PATCH /api/v1/whiteboard_sessions/<int:board_id>": expect(
        anonymous=401, coordinator=200, tutor=(200, 403), student=(403, 403), parent=(403, 403)
    ),
    "DELETE /api/v1/whiteboard_sessions/<int:board_id>": expect(
        anonymous=401, coordinator=200, tutor=(200, 403), student=(403, 403), parent=(403, 403)
    ),
}

#: Form fields of POST routes (besides the CSRF token); ``{name}`` is a ``Subjects`` field.
POST_BODIES: dict[str, dict[str, str]] = {
    "POST /login": {"email": "nobody@example.com", "password": "not-the-password"},
    "POST /password-reset": {"email": "nobody@example.com"},
    "POST /invitations/<token>": {
        "password": "long-enough-password",
        "confirm": "long-enough-password",
    },
    "POST /password-reset/<token>": {
        "password": "long-enough-password",
        "confirm": "long-enough-password",
    },
    "POST /admin/families/link": {"parent_id": "{parent_id}", "student_id": "{student_id}"},
    "POST /admin/families/unlink": {"parent_id": "{parent_id}", "student_id": "{student_id}"},
    "POST /admin/people/<int:person_id>": {
        "full_name": "Renamed Person",
        "email": "renamed@example.com",
        "active": "on",
    },
    "POST /admin/courses/<int:course_id>": {"title": "Renamed course"},
    "POST /admin/courses/<int:course_id>/archive": {"archived": "true"},
    "POST /admin/enrolments/<int:enrolment_id>/tutor": {"tutor_id": "{tutor_id}"},
    "POST /admin/enrolments/<int:enrolment_id>/end": {"ended": "true"},
    "POST /sessions/<int:session_id>/attendance": {
        "tutor_attendance_status": "late",
        "version": "{version}",
    },
    "POST /sessions/<int:session_id>/priority": {"priority_level": "high", "version": "{version}"},
    "POST /sessions/<int:session_id>/featured": {"is_featured": "true", "version": "{version}"},
    "POST /sessions/<int:session_id>/whiteboard": {
        "whiteboard_id": "{whiteboard_id}",
        "version": "{version}",
    },
    "POST /sessions/<int:session_id>/cancel": {"scope": "this", "version": "{version}"},
    "POST /sessions/<int:session_id>/complete": {"topics_covered": "Done", "version": "{version}"},
    "POST /sessions/<int:session_id>/review": {"rating": "4", "comment": "Good lesson"},
    "POST /sessions/<int:session_id>/restore": {"version": "{version}"},
    "POST /sessions/<int:session_id>/repeat": {
        "frequency": "weekly",
        "repeat_count": "3",
        "version": "{version}",
    },
    "POST /sessions/attendance/bulk": {
        "action": "all-present",
        "session_id": "{session_id}",
        "version-{session_id}": "{version}",
    },
}


#: JSON bodies of API writes (values from ``Subjects``), and the If-Match they send.
API_BODIES: dict[str, dict[str, str]] = {
    "POST /api/v1/sessions": {
        "enrolled_courses_id": "{enrolled_courses_id}",
        "session_date": "2000-01-03",
        "start_time": "10:00",
        "end_time": "11:00",
    },
    "PATCH /api/v1/sessions/<int:session_id>": {"priority_level": "high"},
    "POST /api/v1/sessions/<int:session_id>/reschedule": {
        "session_date": "2099-01-05",
        "start_time": "10:00",
        "end_time": "11:00",
    },
    "POST /api/v1/sessions/<int:session_id>/cancel": {"reason": "tutor-cancelled"},
    "POST /api/v1/sessions/<int:session_id>/restore": {},
    "POST /api/v1/sessions/<int:session_id>/complete": {"public_note": "Done"},
    "POST /api/v1/sessions/<int:session_id>/repeat": {
        "session_frequency": "weekly",
        "repeat_until": "2099-01-05",
    },
    "POST /api/v1/whiteboard_sessions": {
        "session_name": "Matrix board",
        "board_url": "https://board.example/matrix",
    },
    "PATCH /api/v1/whiteboard_sessions/<int:board_id>": {"session_name": "Renamed board"},
}
API_IF_MATCH = {
    "PATCH /api/v1/sessions/<int:session_id>",
    "POST /api/v1/sessions/<int:session_id>/reschedule",
    "POST /api/v1/sessions/<int:session_id>/cancel",
    "POST /api/v1/sessions/<int:session_id>/restore",
    "POST /api/v1/sessions/<int:session_id>/complete",
    "POST /api/v1/sessions/<int:session_id>/repeat",
}
#: Accounts that get a write token for the API rows (the role cases', and the "other" tutor).
API_TOKEN_USERS = sorted(
    {case.email for case in ROLE_CASES.values() if case.email} | {"tutor2@example.com"}
)


@dataclass(frozen=True)
class Subjects:
    """The ids that fill URL parameters (and POST bodies) for one side."""

    tutor_id: int
    student_id: int
    parent_id: int
    session_id: int
    whiteboard_id: int
    version: str
    enrolment_id: int
    course_id: int
    token: str = "not-a-real-feed-token"
    token_id: int = 0  # the side's tutor's API token (see ``api_tokens``)
    enrolled_courses_id: int = 0  # the side's tutor teaching the side's student

    @property
    def person_id(self) -> int:
        """The people pages look at the student."""
        return self.student_id

    @property
    def board_id(self) -> int:
        """The whiteboards pages call the whiteboard ``board_id``."""
        return self.whiteboard_id

    @property
    def user_id(self) -> int:
        """Pages about any person (e.g. resending an invitation) use the tutor."""
        return self.tutor_id


#: Side → (tutor, student, parent) demo account numbers.
SIDES = {"mine": (1, 1, 1), "other": (2, 4, 2)}


def subjects(app: Flask, demo: dict[str, int], side: str) -> Subjects:
    """The "mine" or "other" ids in the demo data (see the module docstring)."""
    tutor, student, parent = SIDES[side]
    tutor_id = demo[f"tutor{tutor}@example.com"]
    student_id = demo[f"student{student}@example.com"]
    with app.app_context():
        session_id = db.session.scalar(
            sa.select(sa.func.min(Session.id))
            .join(EnrolledCourse, EnrolledCourse.id == Session.enrolled_courses_id)
            .where(EnrolledCourse.tutor_id == tutor_id, EnrolledCourse.student_id == student_id)
        )
        version = db.session.scalar(sa.select(Session.updated_at).where(Session.id == session_id))
        enrolment_id, course_id = db.session.execute(
            sa.select(EnrolledCourse.id, EnrolledCourse.course_id)
            .join(Session, Session.enrolled_courses_id == EnrolledCourse.id)
            .where(Session.id == session_id)
        ).one()
        whiteboard_id = db.session.scalar(
            sa.select(sa.func.min(WhiteboardSession.id)).where(
                WhiteboardSession.owner_id == tutor_id
            )
        )
        token_id = db.session.scalar(
            sa.select(sa.func.min(ApiToken.id)).where(ApiToken.user_id == tutor_id)
        )
        enrolment_id = db.session.scalar(
            sa.select(sa.func.min(EnrolledCourse.id)).where(
                EnrolledCourse.tutor_id == tutor_id, EnrolledCourse.student_id == student_id
            )
        )
        db.session.remove()
    assert session_id is not None and whiteboard_id is not None
    return Subjects(
        tutor_id=tutor_id,
        student_id=student_id,
        parent_id=demo[f"parent{parent}@example.com"],
        session_id=session_id,
        whiteboard_id=whiteboard_id,
        version=version.isoformat(),
        token_id=token_id or 999_999,  # a valid id (routing matches) when the side has none
        enrolled_courses_id=enrolment_id or 0,
        enrolment_id=enrolment_id,
        course_id=course_id,
    )


def route_keys(app: Flask) -> set[str]:
    """``"METHOD /rule"`` for every route of ``app`` except static files."""
    return {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }


def build_url(app: Flask, route: str, values: Subjects | dict[str, int]) -> str:
    """The URL of ``route`` (a ``MATRIX`` key) with its parameters filled from ``values``."""
    method, path = route.split(" ", 1)
    rule = next(r for r in app.url_map.iter_rules() if r.rule == path and method in r.methods)
    given = values if isinstance(values, dict) else fields_of(values)
    missing = rule.arguments - given.keys()
    assert not missing, f"{route}: add {sorted(missing)} to Subjects in test_permissions_matrix"
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, {name: given[name] for name in rule.arguments}, method)


def post_body(route: str, values: Subjects | dict[str, int]) -> dict[str, str]:
    """The form fields ``POST_BODIES`` gives ``route``, with ids filled in."""
    given = values if isinstance(values, dict) else fields_of(values)
    return {
        name.format(**given): text.format(**given)
        for name, text in POST_BODIES.get(route, {}).items()
    }


def fields_of(values: Subjects) -> dict[str, object]:
    """Every id a URL or body may ask for, ``board_id`` included."""
    return {
        **vars(values),
        "board_id": values.board_id,
        "user_id": values.user_id,
        "person_id": values.person_id,
        "job_id": 1,
    }


def test_matrix_covers_every_route(app):
    routes = route_keys(app)
    assert routes - MATRIX.keys() == set(), "routes without a MATRIX entry"
    assert MATRIX.keys() - routes == set(), "MATRIX entries for routes that do not exist"
    for route, row in MATRIX.items():
        assert row.keys() == ROLE_CASES.keys(), f"{route}: give a status for every role case"
    assert POST_BODIES.keys() <= MATRIX.keys()


@pytest.fixture
def api_tokens(app: Flask, demo: dict[str, int]) -> dict[str, str]:
    """A write token for each of ``API_TOKEN_USERS``: email → secret."""
    from tests.builders import Builder

    build = Builder(app)
    return {email: build.api_token(demo[email]) for email in API_TOKEN_USERS}


def api_body(route: str, values: Subjects | dict[str, int]) -> dict[str, object]:
    """The JSON body ``API_BODIES`` gives ``route``: ids filled in as integers."""
    given = values if isinstance(values, dict) else fields_of(values)
    body: dict[str, object] = {}
    for name, text in API_BODIES.get(route, {}).items():
        filled = text.format(**given)
        body[name] = int(filled) if text.startswith("{") else filled
    return body


def api_request(client: FlaskClient, route: str, values: Subjects, url: str, secret: str | None):
    """Send an API ``route`` with the visitor's bearer token (no cookie authority)."""
    method = route.split(" ", 1)[0]
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    if route in API_IF_MATCH:
        headers["If-Match"] = f'"{values.version}"'
    body = api_body(route, values) if route in API_BODIES else None
    return client.open(url, method=method, json=body, headers=headers)


def request_as(
    app: Flask,
    client: FlaskClient,
    case: str,
    route: str,
    demo: dict[str, int],
    tokens: dict[str, str],
):
    """Sign ``client`` in as the role case's user, then send ``route`` with that case's ids.

    API routes go with the user's token instead (``api_request``); signing in as
    well shows that the cookie adds nothing.
    """
    role = ROLE_CASES[case]
    auth = AuthActions(client)
    if role.email:
        assert auth.login(role.email).status_code == 302
    values = subjects(app, demo, role.subjects)
    url = build_url(app, route, values)
    if route.split(" ", 1)[1].startswith("/api/"):
        return api_request(client, route, values, url, tokens.get(role.email or ""))
    if route.startswith("GET "):
        return client.get(url)
    return client.post(url, data={**post_body(route, values), "csrf_token": auth.csrf_token()})


#: GETs that write bookkeeping on purpose (and why); all other GETs must change nothing.
GETS_THAT_WRITE = {
    "GET /sessions/<int:session_id>.ics": "records the iCalendar SEQUENCE it served",
    "GET /account/feed": "creates the user's secret feed token on the first visit",
}

SAFE_ROUTES = [route for route in MATRIX if route.startswith("GET ")]
UNSAFE_ROUTES = [route for route in MATRIX if not route.startswith("GET ")]


#: Tables a GET may write for bookkeeping: an API token's ``last_used_at``.
BOOKKEEPING_TABLES = {"api_tokens"}


@pytest.mark.parametrize("route", SAFE_ROUTES, ids=SAFE_ROUTES)
def test_safe_route_answers_each_visitor_as_designed(app, demo, api_tokens, route):
    # GETs change nothing, so every visitor shares one seeded database (and we check that).
    before = database_fingerprint(app)
    actual = {}
    for case in ROLE_CASES:
        response = request_as(app, app.test_client(), case, route, demo, api_tokens)
        actual[case] = response.status_code
        response.close()  # a streamed body (e.g. /reports/sessions.csv) ends its request
        if case == "anonymous" and response.status_code == 302:
            assert response.location.split("?")[0] == "/login"
    assert actual == MATRIX[route]
    if route not in GETS_THAT_WRITE:
        after = database_fingerprint(app)
        for table in BOOKKEEPING_TABLES:
            before.pop(table, None)
            after.pop(table, None)
        assert after == before


@pytest.mark.parametrize(
    ("route", "case"),
    [(route, case) for route in UNSAFE_ROUTES for case in ROLE_CASES],
    ids=[f"{route} as {case}" for route in UNSAFE_ROUTES for case in ROLE_CASES],
)
def test_unsafe_route_answers_each_visitor_as_designed(app, client, demo, api_tokens, route, case):
    # One fresh database per visitor: a permitted POST must not change what the next one sees.
    response = request_as(app, client, case, route, demo, api_tokens)
    assert response.status_code == MATRIX[route][case]
    if case == "anonymous" and response.status_code == 302:
        assert response.location.split("?")[0] == "/login"


@pytest.mark.parametrize(
    "route", sorted(route for route in MATRIX if "<" in route), ids=lambda route: route
)
def test_unknown_ids_are_404(app, client, auth, demo, api_tokens, route):
    assert auth.login("coordinator@example.com").status_code == 302
    mine = subjects(app, demo, "mine")
    values = dict.fromkeys(fields_of(mine), 999_999)
    url = build_url(app, route, values)
    if route.split(" ", 1)[1].startswith("/api/"):
        response = api_request(client, route, mine, url, api_tokens["coordinator@example.com"])
    elif route.startswith("GET "):
        response = client.get(url)
    else:
        data = {**post_body(route, values), "csrf_token": auth.csrf_token()}
        response = client.post(url, data=data)
    assert response.status_code == 404
