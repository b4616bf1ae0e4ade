"""``/admin/courses`` and ``/admin/enrolments``: the centre's courses and who takes them.

Deleting an enrolment is the spec's ``ON DELETE CASCADE`` made visible: the
preview's count is the count deleted, and the sessions' change history
(``session_changes``, ``ON DELETE CASCADE`` since 0003) goes with them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from dashboard.choices import ROLE_COORDINATOR, ROLE_STUDENT, ROLE_TUTOR
from dashboard.extensions import db
from dashboard.models import Course, EnrolledCourse, Session, SessionChange, User
from dashboard.services import enrolments
from tests.helpers import database_fingerprint


@pytest.fixture
def centre(build, auth):
    """A coordinator (signed in), two tutors, two students, one enrolment with sessions."""
    ids = {
        "coordinator": build.user(ROLE_COORDINATOR, "boss@test.example", "Bea Boss"),
        "tutor": build.user(ROLE_TUTOR, "tutor@test.example", "Tia Tutor"),
        "tutor2": build.user(ROLE_TUTOR, "tutor2@test.example", "Ted Tutor"),
        "student": build.user(ROLE_STUDENT, "student@test.example", "Sam Student"),
        "student2": build.user(ROLE_STUDENT, "student2@test.example", "Sue Student"),
    }
    ids["enrolment"] = build.enrolment(ids["tutor"], ids["student"], "Physics")
    with build.app.app_context():
        ids["course"] = db.session.scalar(sa.select(Course.id).where(Course.title == "Physics"))
    today = date.today()
    ids["completed"] = build.sessions(
        ids["enrolment"],
        [(today - timedelta(days=14), time(10)), (today - timedelta(days=7), time(10))],
        status="completed",
    )
    ids["cancelled"] = build.session(
        ids["enrolment"], today - timedelta(days=3), time(10), status="cancelled"
    )
    ids["upcoming"] = build.sessions(
        ids["enrolment"],
        [(today + timedelta(days=7), time(10)), (today + timedelta(days=14), time(10))],
    )
    assert auth.login("boss@test.example").status_code == 302
    return ids


def post(client, auth, url: str, **data: str):
    return client.post(url, data={**data, "csrf_token": auth.csrf_token()})


def enrolment_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(EnrolledCourse))
        db.session.remove()
    return count


def scalar(app, statement):
    with app.app_context():
        value = db.session.scalar(statement)
        db.session.remove()
    return value


# --- courses ----------------------------------------------------------------


def test_add_edit_and_list_a_course(app, client, auth, centre):
    response = post(
        client, auth, "/admin/courses/new", title=" Chemistry ", description="Atoms and all"
    )
    assert response.status_code == 303 and response.location == "/admin/courses"
    course_id = scalar(app, sa.select(Course.id).where(Course.title == "Chemistry"))
    response = post(client, auth, f"/admin/courses/{course_id}", title="A-level Chemistry")
    assert response.status_code == 303
    page = client.get("/admin/courses").get_data(as_text=True)
    assert "A-level Chemistry" in page and "Physics" in page
    assert (
        client.get(f"/admin/courses/{centre['course']}").get_data(as_text=True).count("Sam Student")
    )


@pytest.mark.parametrize("title", ["", "  ", "x" * 201, "Bad\x00Title"])
def test_course_form_refuses_bad_titles(app, client, auth, centre, title):
    before = database_fingerprint(app)
    response = post(client, auth, "/admin/courses/new", title=title)
    assert response.status_code == 422
    # A NUL is refused up front by the input guard (naming the field); the rest by the form.
    expected = "(NUL)" if "\x00" in title else 'id="title-error"'
    assert expected in response.get_data(as_text=True)
    assert database_fingerprint(app) == before


def test_archived_course_takes_no_new_enrolments(app, client, auth, centre):
    response = post(client, auth, f"/admin/courses/{centre['course']}/archive", archived="true")
    assert response.status_code == 303
    assert "archived" in client.get("/admin/courses").get_data(as_text=True)
    # not offered, and refused when posted anyway
    assert "Physics" not in client.get("/admin/enrolments/new").get_data(as_text=True)
    before = enrolment_count(app)
    response = post(
        client,
        auth,
        "/admin/enrolments/new",
        course_id=str(centre["course"]),
        student_id=str(centre["student2"]),
        tutor_id=str(centre["tutor"]),
    )
    assert response.status_code == 422
    assert "archived and takes no new enrolments" in response.get_data(as_text=True)
    assert enrolment_count(app) == before
    # existing enrolments and sessions stay; it can be reopened
    assert scalar(app, sa.select(sa.func.count()).select_from(Session)) == 5
    post(client, auth, f"/admin/courses/{centre['course']}/archive", archived="false")
    assert "Physics" in client.get("/admin/enrolments/new").get_data(as_text=True)


# --- enrolling --------------------------------------------------------------


def test_enrol_a_student(app, client, auth, centre):
    page = client.get(f"/admin/enrolments/new?student_id={centre['student2']}").get_data(
        as_text=True
    )
    assert f'<option value="{centre["student2"]}" selected>' in page
    response = post(
        client,
        auth,
        "/admin/enrolments/new",
        course_id=str(centre["course"]),
        student_id=str(centre["student2"]),
        tutor_id=str(centre["tutor2"]),
    )
    assert response.status_code == 303
    new_id = int(response.location.rsplit("/", 1)[1])
    with app.app_context():
        row = db.session.get(EnrolledCourse, new_id)
        assert (row.course_id, row.student_id, row.tutor_id, row.status) == (
            centre["course"],
            centre["student2"],
            centre["tutor2"],
            "active",
        )
        db.session.remove()
    listing = client.get("/admin/enrolments").get_data(as_text=True)
    assert "Sue Student" in listing and "Ted Tutor" in listing


def test_a_duplicate_enrolment_is_refused(app, client, auth, centre):
    before = database_fingerprint(app)
    response = post(
        client,
        auth,
        "/admin/enrolments/new",
        course_id=str(centre["course"]),
        student_id=str(centre["student"]),
        tutor_id=str(centre["tutor"]),
    )
    assert response.status_code == 422
    assert "already enrolled" in response.get_data(as_text=True)
    assert database_fingerprint(app) == before


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"course_id": "abc"},
        {"course_id": "2147483648"},
        {"course_id": "-1"},
        {"student_id": "{tutor}"},  # a tutor is not a student
        {"tutor_id": "{student}"},
    ],
)
def test_enrolment_form_refuses_bad_ids(app, client, auth, centre, form):
    data = {
        "course_id": str(centre["course"]),
        "student_id": str(centre["student2"]),
        "tutor_id": str(centre["tutor"]),
    }
    data.update({k: v.format(**centre) for k, v in form.items()} if form else {"course_id": ""})
    before = database_fingerprint(app)
    response = post(client, auth, "/admin/enrolments/new", **data)
    assert response.status_code == 422
    assert database_fingerprint(app) == before


def test_inactive_people_cannot_be_enrolled(app, client, auth, build, centre):
    build.update_user(centre["student2"], is_active=False)
    response = post(
        client,
        auth,
        "/admin/enrolments/new",
        course_id=str(centre["course"]),
        student_id=str(centre["student2"]),
        tutor_id=str(centre["tutor"]),
    )
    assert response.status_code == 422 and "Choose an active student" in response.get_data(
        as_text=True
    )


# --- changing the tutor, ending ---------------------------------------------


def test_change_of_tutor_keeps_the_sessions(app, client, auth, centre):
    url = f"/admin/enrolments/{centre['enrolment']}"
    response = post(client, auth, f"{url}/tutor", tutor_id=str(centre["tutor2"]))
    assert response.status_code == 303 and response.location == url
    with app.app_context():
        assert db.session.get(EnrolledCourse, centre["enrolment"]).tutor_id == centre["tutor2"]
        count = db.session.scalar(
            sa.select(sa.func.count()).where(Session.enrolled_courses_id == centre["enrolment"])
        )
        db.session.remove()
    assert count == 5
    # a tutor who is not a tutor is refused
    response = post(client, auth, f"{url}/tutor", tutor_id=str(centre["student"]))
    assert response.status_code == 422


def test_change_of_tutor_refuses_a_duplicate(app, client, auth, build, centre):
    build.enrolment(centre["tutor2"], centre["student"], "Physics")
    response = post(
        client,
        auth,
        f"/admin/enrolments/{centre['enrolment']}/tutor",
        tutor_id=str(centre["tutor2"]),
    )
    assert response.status_code == 422
    assert "already teaches this course" in response.get_data(as_text=True)


def test_ending_keeps_history_and_closes_it_to_new_sessions(app, client, auth, centre):
    url = f"/admin/enrolments/{centre['enrolment']}"
    response = post(client, auth, f"{url}/end", ended="true")
    assert response.status_code == 303
    with app.app_context():
        row = db.session.get(EnrolledCourse, centre["enrolment"])
        assert row.status == "ended" and isinstance(row.ended_at, datetime)
        assert not enrolments.is_open(row)
        open_ids = set(
            db.session.scalars(
                sa.select(EnrolledCourse.id).where(enrolments.open_enrolment_filter())
            )
        )
        assert centre["enrolment"] not in open_ids
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Session)) == 5
        db.session.remove()
    assert "takes no new sessions" in client.get(url).get_data(as_text=True)
    post(client, auth, f"{url}/end", ended="false")
    with app.app_context():
        row = db.session.get(EnrolledCourse, centre["enrolment"])
        assert row.status == "active" and row.ended_at is None and enrolments.is_open(row)
        db.session.remove()


def test_open_filter_drops_enrolments_of_deactivated_people(app, build, centre):
    other = build.enrolment(centre["tutor2"], centre["student2"], "Physics")
    with app.app_context():

        def open_ids() -> set[int]:
            query = sa.select(EnrolledCourse.id).where(enrolments.open_enrolment_filter())
            return set(db.session.scalars(query))

        assert open_ids() == {centre["enrolment"], other}
        db.session.execute(
            sa.update(User).where(User.id == centre["tutor2"]).values(is_active=False)
        )
        assert open_ids() == {centre["enrolment"]}
        db.session.execute(
            sa.update(User).where(User.id == centre["student"]).values(is_active=False)
        )
        assert open_ids() == set()
        db.session.rollback()


# --- deleting: the CASCADE made visible -------------------------------------


def test_delete_preview_count_equals_sessions_deleted_and_history_goes(app, client, auth, centre):
    # some history on one of the sessions
    with app.app_context():
        db.session.add(
            SessionChange(
                session_id=centre["upcoming"][0],
                user_id=centre["coordinator"],
                field="priority_level",
                old_value="medium",
                new_value="high",
            )
        )
        db.session.commit()
    url = f"/admin/enrolments/{centre['enrolment']}/delete"
    preview = client.get(url).get_data(as_text=True)
    assert "5 sessions will be deleted" in preview
    assert "2 completed, 2 upcoming, 1 other" in preview
    shown = int(re.search(r'name="sessions" value="(\d+)"', preview).group(1))
    before = scalar(app, sa.select(sa.func.count()).select_from(Session))

    response = post(client, auth, url, sessions=str(shown))
    assert response.status_code == 303 and response.location == "/admin/enrolments"
    after = scalar(app, sa.select(sa.func.count()).select_from(Session))
    assert before - after == shown == 5
    assert (
        scalar(app, sa.select(EnrolledCourse).where(EnrolledCourse.id == centre["enrolment"]))
        is None
    )
    # the sessions' change history goes with them (session_changes … ON DELETE CASCADE)
    assert scalar(app, sa.select(sa.func.count()).select_from(SessionChange)) == 0
    assert "with 5 sessions" in client.get("/admin/enrolments").get_data(as_text=True)


def test_delete_refuses_when_the_count_changed_since_the_preview(app, client, auth, build, centre):
    url = f"/admin/enrolments/{centre['enrolment']}/delete"
    assert "5 sessions will be deleted" in client.get(url).get_data(as_text=True)
    build.session(centre["enrolment"], date.today() + timedelta(days=21), time(10))
    before = database_fingerprint(app)
    response = post(client, auth, url, sessions="5")
    assert response.status_code == 409
    assert "6 sessions will be deleted" in response.get_data(as_text=True)
    assert database_fingerprint(app) == before
    assert post(client, auth, url, sessions="6").status_code == 303
    assert scalar(app, sa.select(sa.func.count()).select_from(Session)) == 0


def test_one_session_is_named_in_the_singular(app, client, auth, build, centre):
    single = build.enrolment(centre["tutor2"], centre["student2"], "Physics")
    build.session(single, date.today() + timedelta(days=2), time(9))
    html = client.get(f"/admin/enrolments/{single}/delete").get_data(as_text=True)
    assert "1 session will be deleted" in html


def test_new_sessions_wait_for_a_delete_in_progress(app, centre):
    """The enrolment row the delete locks holds back a concurrent insert of a session."""
    with app.app_context():
        engine = db.engine
    with engine.connect() as deleting, engine.connect() as scheduling:
        deleting.execute(
            sa.select(EnrolledCourse.id)
            .where(EnrolledCourse.id == centre["enrolment"])
            .with_for_update()
        )
        scheduling.execute(sa.text("SET lock_timeout = '200ms'"))
        with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
            scheduling.execute(
                sa.insert(Session).values(
                    enrolled_courses_id=centre["enrolment"],
                    session_date=date(2031, 1, 1),
                    start_time=time(9),
                    end_time=time(10),
                    duration=60,
                )
            )
        scheduling.rollback()
        deleting.rollback()


def test_unknown_enrolments_and_courses_are_404(client, centre):
    for url in (
        "/admin/enrolments/999999",
        "/admin/enrolments/999999/delete",
        "/admin/enrolments/2147483648/delete",
        "/admin/courses/2147483648",
    ):
        assert client.get(url).status_code == 404, url
