"""``/admin/people``: coordinators find, add, change and deactivate people."""

from __future__ import annotations

from datetime import date, time

import pytest
import sqlalchemy as sa

from dashboard.choices import ROLE_COORDINATOR, ROLE_PARENT, ROLE_STUDENT, ROLE_TUTOR
from dashboard.extensions import db
from dashboard.models import ParentStudent, Session, User
from dashboard.services.accounts import authenticate
from tests.builders import record_queries
from tests.conftest import AuthActions
from tests.helpers import database_fingerprint


@pytest.fixture
def centre(build, auth):
    """A coordinator (signed in), a tutor, a student with a parent, and one session."""
    ids = {
        "coordinator": build.user(ROLE_COORDINATOR, "boss@test.example", "Bea Boss"),
        "tutor": build.user(ROLE_TUTOR, "tutor@test.example", "Tia Tutor"),
        "student": build.user(ROLE_STUDENT, "student@test.example", "Sam Student"),
        "parent": build.user(ROLE_PARENT, "parent@test.example", "Pat Parent"),
    }
    build.link(ids["parent"], ids["student"])
    ids["enrolment"] = build.enrolment(ids["tutor"], ids["student"], "Physics")
    ids["session"] = build.session(ids["enrolment"], date(2030, 1, 7), time(10))
    assert auth.login("boss@test.example").status_code == 302
    return ids


def post(client, auth, url: str, **data: str):
    return client.post(url, data={**data, "csrf_token": auth.csrf_token()})


def user_by_email(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        db.session.expunge_all()
        return user


# --- the list ---------------------------------------------------------------


def test_list_searches_by_name_and_email_and_filters_by_role(client, centre):
    html = client.get("/admin/people").get_data(as_text=True)
    assert all(name in html for name in ("Bea Boss", "Tia Tutor", "Sam Student", "Pat Parent"))
    html = client.get("/admin/people?q=sam").get_data(as_text=True)
    assert "Sam Student" in html and "Tia Tutor" not in html
    html = client.get("/admin/people?q=tutor%40test").get_data(as_text=True)
    assert "Tia Tutor" in html and "Sam Student" not in html
    html = client.get("/admin/people?role=parent").get_data(as_text=True)
    assert "Pat Parent" in html and "Sam Student" not in html
    # LIKE wildcards are searched for literally
    assert "Nobody matches." in client.get("/admin/people?q=%25").get_data(as_text=True)


def test_list_fragment_for_htmx(client, centre):
    response = client.get("/admin/people?q=sam", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'id="people-results"' in body and "Sam Student" in body


@pytest.mark.parametrize("query", ["role=wizard", "page=0", "page=abc", "q=a%00b"])
def test_list_refuses_bad_parameters(client, centre, query):
    assert client.get(f"/admin/people?{query}").status_code == 400


def test_list_pages_by_25(client, build, centre):
    for n in range(30):
        build.user(ROLE_STUDENT, f"many{n:02}@test.example", f"Many {n:02}")
    first = client.get("/admin/people?role=student").get_data(as_text=True)
    assert "31 people" in first and "page 1 of 2" in first and "Many 23" in first
    second = client.get("/admin/people?role=student&page=2").get_data(as_text=True)
    assert "Many 25" in second and "Many 23" not in second


# --- adding -----------------------------------------------------------------


def test_add_a_person_who_cannot_sign_in_until_invited(app, client, auth, centre):
    response = post(
        client,
        auth,
        "/admin/people/new",
        role="tutor",
        full_name="  Nia New ",
        email="Nia@Test.example",
        timezone="america/new_york",
    )
    assert response.status_code == 303
    user = user_by_email(app, "Nia@Test.example")
    assert user is not None
    assert (user.role, user.full_name, user.timezone) == ("tutor", "Nia New", "America/New_York")
    assert response.location == f"/admin/people/{user.id}"
    page = client.get(response.location).get_data(as_text=True)
    assert "Nia New was added as a tutor" in page and "Invitation" in page
    with app.app_context():
        # a random hash: no password anyone knows works
        assert authenticate("nia@test.example", "") is None
        assert authenticate("nia@test.example", "tutoring-demo") is None


@pytest.mark.parametrize(
    ("field", "data"),
    [
        ("email", {"email": "STUDENT@test.example"}),  # taken, in another case
        ("email", {"email": "not-an-email"}),
        ("full_name", {"full_name": "   "}),
        ("full_name", {"full_name": "Nul\x00Name"}),
        ("full_name", {"full_name": "x" * 201}),
        ("timezone", {"timezone": "Mars/Olympus_Mons"}),
        ("role", {"role": "wizard"}),
    ],
)
def test_add_refuses_bad_input_and_writes_nothing(app, client, auth, centre, field, data):
    before = database_fingerprint(app)
    form = {"role": "student", "full_name": "Ok Name", "email": "ok@test.example", **data}
    response = post(client, auth, "/admin/people/new", **form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    if any("\x00" in value for value in data.values()):  # refused up front by the input guard
        assert "(NUL)" in html
    else:
        assert f'id="{field}-error"' in html and 'aria-invalid="true"' in html
    assert database_fingerprint(app) == before


# --- a person's page --------------------------------------------------------


def test_student_page_links_parents_and_parent_page_links_children(client, centre):
    student_page = client.get(f"/admin/people/{centre['student']}").get_data(as_text=True)
    assert f'href="/admin/people/{centre["parent"]}"' in student_page
    assert "Pat Parent" in student_page and "Physics" in student_page
    parent_page = client.get(f"/admin/people/{centre['parent']}").get_data(as_text=True)
    assert f'href="/admin/people/{centre["student"]}"' in parent_page


def test_linking_from_a_person_page_comes_back_to_it(app, client, auth, build, centre):
    other = build.user(ROLE_STUDENT, "kid@test.example", "Kit Kid")
    page = f"/admin/people/{centre['parent']}"
    assert "Kit Kid" in client.get(page).get_data(as_text=True)  # offered
    response = post(
        client,
        auth,
        "/admin/families/link",
        parent_id=str(centre["parent"]),
        student_id=str(other),
        next=page,
    )
    assert response.status_code == 303 and response.location == page
    with app.app_context():
        assert db.session.get(ParentStudent, (centre["parent"], other)) is not None
    # an outside address is not followed
    response = post(
        client,
        auth,
        "/admin/families/unlink",
        parent_id=str(centre["parent"]),
        student_id=str(other),
        next="https://evil.example/",
    )
    assert response.location == "/admin/families"


def test_edit_name_email_and_zone(app, client, auth, centre):
    url = f"/admin/people/{centre['tutor']}"
    response = post(
        client,
        auth,
        url,
        full_name="Tia T. Tutor",
        email="tia@test.example",
        timezone="Asia/Tokyo",
        active="on",
    )
    assert response.status_code == 303 and response.location == url
    user = user_by_email(app, "tia@test.example")
    assert (user.full_name, user.timezone, user.is_active) == ("Tia T. Tutor", "Asia/Tokyo", True)


def test_edit_refuses_an_email_someone_else_has(app, client, auth, centre):
    before = database_fingerprint(app)
    response = post(
        client,
        auth,
        f"/admin/people/{centre['tutor']}",
        full_name="Tia",
        email="Student@test.example",
        active="on",
    )
    assert response.status_code == 422
    assert "Sam Student already has the email" in response.get_data(as_text=True)
    assert database_fingerprint(app) == before


def test_a_coordinator_cannot_deactivate_themselves(app, client, auth, centre):
    response = post(
        client,
        auth,
        f"/admin/people/{centre['coordinator']}",
        full_name="Bea Boss",
        email="boss@test.example",
    )
    assert response.status_code == 422
    assert "cannot deactivate your own account" in response.get_data(as_text=True)


@pytest.mark.parametrize("person_id", [999_999, 2_147_483_648, 99_999_999_999])
def test_unknown_people_are_404(client, centre, person_id):
    assert client.get(f"/admin/people/{person_id}").status_code == 404


# --- deactivating -----------------------------------------------------------


def test_deactivated_person_is_signed_out_refused_and_gone_from_choices(app, client, auth, centre):
    student_browser = app.test_client()
    assert AuthActions(student_browser).login("student@test.example").status_code == 302
    home = f"/students/{centre['student']}/upcoming"
    assert student_browser.get(home).status_code == 200

    response = post(
        client,
        auth,
        f"/admin/people/{centre['student']}",
        full_name="Sam Student",
        email="student@test.example",
    )
    assert response.status_code == 303
    assert "signed out everywhere" in client.get(response.location).get_data(as_text=True)

    # signed out where they were signed in, and refused at sign-in
    assert student_browser.get(home).status_code == 302
    assert AuthActions(app.test_client()).login("student@test.example").status_code == 401
    # gone from the choices of new work, still in the list as deactivated
    assert "Sam Student" not in client.get("/admin/enrolments/new").get_data(as_text=True)
    families = client.get("/admin/families").get_data(as_text=True)
    assert f'<option value="{centre["student"]}"' not in families
    assert "deactivated" in client.get("/admin/people?q=sam").get_data(as_text=True)
    # their sessions and history stay
    with app.app_context():
        assert db.session.get(Session, centre["session"]) is not None
        db.session.remove()
    assert client.get(f"/sessions/{centre['session']}").status_code == 200

    # and they can be made active again
    post(
        client,
        auth,
        f"/admin/people/{centre['student']}",
        full_name="Sam Student",
        email="student@test.example",
        active="on",
    )
    assert AuthActions(app.test_client()).login("student@test.example").status_code == 302


def test_people_pages_cost_a_fixed_number_of_queries(app, client, build, centre):
    def count(url: str) -> int:
        with record_queries(app) as statements:
            assert client.get(url).status_code == 200
        return sum("reminders.py" not in "".join(s.origins) for s in statements)

    pages = [
        "/admin/people",
        f"/admin/people/{centre['student']}",
        f"/admin/people/{centre['parent']}",
    ]
    few = [count(url) for url in pages]
    for n in range(20):
        student = build.user(ROLE_STUDENT, f"kid{n}@test.example")
        build.link(centre["parent"], student)
        build.enrolment(centre["tutor"], student, "Physics")
    assert [count(url) for url in pages] == few
    # the user, the person, invitation, family, enrolments
    assert few[0] <= 2 and max(few[1:]) <= 5


def test_every_admin_page_renders_as_an_htmx_fragment(client, centre):
    """Each page's block renders alone (imports and sets live inside it)."""
    urls = [
        "/admin/people",
        "/admin/people/new",
        f"/admin/people/{centre['student']}",
        "/admin/courses",
        "/admin/courses/new",
        "/admin/enrolments",
        "/admin/enrolments/new",
        f"/admin/enrolments/{centre['enrolment']}",
        f"/admin/enrolments/{centre['enrolment']}/delete",
        "/account",
        "/account/password",
    ]
    for url in urls:
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert "<html" not in body and ("<form" in body or "<table" in body), url


def test_a_person_added_on_the_page_is_invited_and_signs_in_with_their_password(
    app, client, auth, centre
):
    from tests.email_support import email_jobs, free_port, send_through_smtp, smtp_server, work

    port = free_port()
    send_through_smtp(app, port)
    with smtp_server(port) as inbox:
        response = post(
            client,
            auth,
            "/admin/people/new",
            role="tutor",
            full_name="Ivy Invited",
            email="ivy@test.example",
        )
        assert response.status_code == 303
        assert inbox.received == [] and email_jobs(app) == [("todo", 0)]  # queued, not sent
        assert "Queued" in client.get(response.location).get_data(as_text=True)
        work(app)
        [email] = inbox.to("ivy@test.example")
    secret = email.link("invitations")
    visitor = app.test_client()
    form = {"password": "ivy-chose-this-one", "confirm": "ivy-chose-this-one"}
    chosen = visitor.post(
        f"/invitations/{secret}", data={**form, "csrf_token": AuthActions(visitor).csrf_token()}
    )
    assert chosen.status_code == 303
    assert AuthActions(visitor).login("ivy@test.example", "ivy-chose-this-one").status_code == 302
    assert "Used" in client.get(response.location).get_data(as_text=True)
