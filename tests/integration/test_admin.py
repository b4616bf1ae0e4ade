"""``/admin/families``: coordinators link parents to students; nobody else can."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dashboard.extensions import db
from dashboard.models import ParentStudent
from tests.helpers import database_fingerprint


def links(app) -> set[tuple[int, int]]:
    with app.app_context():
        found = set(
            db.session.execute(sa.select(ParentStudent.parent_id, ParentStudent.student_id))
        )
        db.session.remove()
    return {tuple(row) for row in found}


@pytest.fixture
def coordinator(client, auth, demo):
    """Sign the client in as the coordinator; returns a poster for the family forms.

    ``parent``/``student`` are demo emails (turned into ids) or raw form values.
    """
    auth.login("coordinator@example.com")

    def post(action: str, parent: str | int, student: str | int, **kwargs):
        data = {
            "parent_id": demo.get(parent, parent),
            "student_id": demo.get(student, student),
            "csrf_token": auth.csrf_token(),
        }
        return client.post(f"/admin/families/{action}", data=data, **kwargs)

    return post


def test_page_lists_parents_with_their_children(client, coordinator):
    page = client.get("/admin/families")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    paula = html.index("Paula Parent")
    peter = html.index("Peter Parent")
    assert "Sam Student" in html[paula:peter] and "Sofia Student" in html[paula:peter]
    assert "Sid Student" in html[peter:] and "Sara Student" in html[peter:]
    assert 'action="/admin/families/link"' in html and 'action="/admin/families/unlink"' in html


def test_page_fragment_for_htmx(client, coordinator):
    response = client.get("/admin/families", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)
    assert "Paula Parent" in response.get_data(as_text=True)


def test_link_gives_the_parent_access(app, client, auth, demo, coordinator):
    pair = (demo["parent1@example.com"], demo["student5@example.com"])
    response = coordinator("link", "parent1@example.com", "student5@example.com")
    assert response.status_code == 303
    assert response.location == "/admin/families"
    assert pair in links(app)
    page = client.get("/admin/families").get_data(as_text=True)
    assert "Paula Parent can now see Stan Student&#39;s sessions." in page

    auth.login("parent1@example.com")
    assert client.get(f"/students/{pair[1]}/upcoming").status_code == 200


def test_linking_twice_changes_nothing(app, client, demo, coordinator):
    before = links(app)
    response = coordinator("link", "parent1@example.com", "student1@example.com")
    assert response.status_code == 303
    assert links(app) == before
    assert "could already see" in client.get("/admin/families").get_data(as_text=True)


def test_unlink_takes_the_access_away(app, client, auth, demo, coordinator):
    pair = (demo["parent2@example.com"], demo["student3@example.com"])
    response = coordinator("unlink", "parent2@example.com", "student3@example.com")
    assert response.status_code == 303
    assert pair not in links(app)
    assert "no longer sees" in client.get("/admin/families").get_data(as_text=True)

    auth.login("parent2@example.com")
    assert client.get(f"/students/{pair[1]}/upcoming").status_code == 403


def test_unlinking_an_absent_link_changes_nothing(app, client, coordinator):
    before = links(app)
    response = coordinator("unlink", "parent1@example.com", "student6@example.com")
    assert response.status_code == 303
    assert links(app) == before
    assert "was not linked" in client.get("/admin/families").get_data(as_text=True)


@pytest.mark.parametrize("action", ["link", "unlink"])
@pytest.mark.parametrize(
    ("parent", "student", "message"),
    [
        ("tutor1@example.com", "student1@example.com", "is not a parent"),
        ("student2@example.com", "student1@example.com", "is not a parent"),
        ("parent1@example.com", "parent2@example.com", "is not a student"),
        ("parent1@example.com", "coordinator@example.com", "is not a student"),
        (999_999, "student1@example.com", "Account #999999 is not a parent."),
        ("parent1@example.com", 999_999, "Account #999999 is not a student."),
        ("abc", "student1@example.com", "Choose a parent and a student."),
        ("", "", "Choose a parent and a student."),
    ],
)
def test_bad_pairs_are_422_and_write_nothing(
    app, client, demo, coordinator, action, parent, student, message
):
    before = database_fingerprint(app)
    response = coordinator(action, parent, student)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert 'role="alert"' in body and "<html" in body
    assert database_fingerprint(app) == before


def test_bad_pair_fragment_for_htmx(app, client, coordinator):
    response = coordinator(
        "link", "tutor1@example.com", "student1@example.com", headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert "<html" not in response.get_data(as_text=True)
    assert "is not a parent" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "email", ["tutor1@example.com", "student1@example.com", "parent1@example.com"]
)
def test_only_coordinators_manage_families(app, client, auth, demo, email):
    auth.login(email)
    before = database_fingerprint(app)
    assert client.get("/admin/families").status_code == 403
    for action in ("link", "unlink"):
        response = client.post(
            f"/admin/families/{action}",
            data={
                "parent_id": demo["parent1@example.com"],
                "student_id": demo[
                    "student1@example.com" if action == "unlink" else "student6@example.com"
                ],
                "csrf_token": auth.csrf_token(),
            },
        )
        assert response.status_code == 403
    assert database_fingerprint(app) == before


def test_link_without_csrf_token_writes_nothing(app, client, demo, coordinator):
    before = links(app)
    response = client.post(
        "/admin/families/link",
        data={"parent_id": demo["parent1@example.com"], "student_id": demo["student6@example.com"]},
    )
    assert response.status_code == 400
    assert links(app) == before
    # The same request with its token does link: the 400 was the token's doing.
    assert coordinator("link", "parent1@example.com", "student6@example.com").status_code == 303
    assert links(app) != before
