"""Reviews behind ``student_review_id``/``tutor_review_id``/``parent_review_id``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from dashboard.extensions import db
from dashboard.models import SessionReview
from dashboard.services.reviews import NOT_COMPLETED_MESSAGE
from tests.integration.edits_support import login
from tests.integration.lesson_support import make_centre, rows, scalar

POINTERS_SQL = (
    "SELECT student_review_id, tutor_review_id, parent_review_id FROM sessions WHERE id = :id"
)


@pytest.fixture
def centre(app, build):
    return make_centre(app, build)


def review(poster, session_id: int, rating="4", comment="Clear explanations", **extra):
    return poster.post(
        f"/sessions/{session_id}/review",
        {"rating": rating, "comment": comment, **extra},
        htmx=False,
    )


@pytest.mark.parametrize(
    ("email", "role", "column"),
    [
        ("student@test.example", "student", 0),
        ("tutor@test.example", "tutor", 1),
        ("parent@test.example", "parent", 2),
    ],
)
def test_each_role_writes_its_review_and_the_session_points_at_it(
    app, client, centre, email, role, column
):
    poster = login(client, email)
    assert client.get(f"/sessions/{centre.completed}/review").status_code == 200
    response = review(poster, centre.completed, next="/somewhere")
    assert response.status_code == 303
    assert response.headers["Location"] == "/somewhere"
    found = rows(
        app,
        "SELECT id, author_role, rating, comment FROM session_reviews WHERE session_id = :id",
        id=centre.completed,
    )
    assert len(found) == 1 and found[0][1:] == (role, 4, "Clear explanations")
    pointers = rows(app, POINTERS_SQL, id=centre.completed)[0]
    assert pointers[column] == found[0][0]
    assert [p for i, p in enumerate(pointers) if i != column] == [None, None]
    # through the write path: the pointer change is in the audit log
    assert rows(
        app,
        "SELECT field, new_value FROM session_changes WHERE session_id = :id",
        id=centre.completed,
    ) == [(f"{role}_review_id", str(found[0][0]))]


@pytest.mark.parametrize(
    "email", ["coord@test.example", "tutor2@test.example", "stranger@test.example"]
)
def test_anyone_else_is_refused(app, client, centre, email):
    poster = login(client, email)
    assert client.get(f"/sessions/{centre.completed}/review").status_code == 403
    assert review(poster, centre.completed).status_code == 403
    assert rows(app, "SELECT id FROM session_reviews") == []


@pytest.mark.parametrize("session", ["future", "past", "cancelled"])
def test_only_completed_sessions_are_reviewed(app, client, centre, session):
    session_id = getattr(centre, session)
    poster = login(client, "student@test.example")
    page = client.get(f"/sessions/{session_id}/review")
    assert page.status_code == 422
    assert NOT_COMPLETED_MESSAGE in page.get_data(as_text=True)
    assert review(poster, session_id).status_code == 422
    assert rows(app, "SELECT id FROM session_reviews") == []
    assert rows(app, POINTERS_SQL, id=session_id) == [(None, None, None)]


@pytest.mark.parametrize(
    ("rating", "comment"),
    [("0", ""), ("6", ""), ("", ""), ("four", ""), ("3", "x" * 2001), ("3", "nul\x00byte")],
)
def test_bad_input_is_422_and_writes_nothing(app, client, centre, rating, comment):
    poster = login(client, "student@test.example")
    assert review(poster, centre.completed, rating=rating, comment=comment).status_code == 422
    assert rows(app, "SELECT id FROM session_reviews") == []
    assert rows(app, POINTERS_SQL, id=centre.completed) == [(None, None, None)]


def test_authors_edit_their_own_review_within_14_days(app, client, centre):
    poster = login(client, "student@test.example")
    review(poster, centre.completed, rating="3")
    review_id = scalar(app, "SELECT id FROM session_reviews")
    assert review(poster, centre.completed, rating="5", comment="Better").status_code == 303
    assert rows(app, "SELECT id, rating, comment FROM session_reviews") == [
        (review_id, 5, "Better")
    ]
    assert rows(app, POINTERS_SQL, id=centre.completed) == [(review_id, None, None)]

    with app.app_context():  # the review was written 15 days ago
        db.session.execute(
            sa.update(SessionReview).values(created_at=datetime.now(UTC) - timedelta(days=15))
        )
        db.session.commit()
    page = client.get(f"/sessions/{centre.completed}/review").get_data(as_text=True)
    assert "can be changed for 14 days" in page and "<textarea" not in page
    assert review(poster, centre.completed, rating="1").status_code == 422
    assert scalar(app, "SELECT rating FROM session_reviews") == 5


def test_a_second_parent_cannot_overwrite_the_first_parents_review(app, client, centre):
    review(login(client, "parent@test.example"), centre.completed, rating="2")
    poster = login(client, "parent2@test.example")
    assert review(poster, centre.completed, rating="5").status_code == 403
    assert rows(app, "SELECT author_id, rating FROM session_reviews") == [(centre.parent, 2)]


def test_who_sees_which_review_on_the_session_page(app, client, centre):
    review(login(client, "student@test.example"), centre.completed, comment="From the student")
    review(login(client, "tutor@test.example"), centre.completed, comment="From the tutor")
    review(login(client, "parent@test.example"), centre.completed, comment="From the parent")
    seen = {}
    for email in ("coord@test.example", "tutor@test.example", "student@test.example"):
        login(client, email)
        body = client.get(f"/sessions/{centre.completed}").get_data(as_text=True)
        seen[email] = {who for who in ("student", "tutor", "parent") if f"From the {who}" in body}
    login(client, "parent2@test.example")
    body = client.get(f"/sessions/{centre.completed}").get_data(as_text=True)
    seen["parent2"] = {who for who in ("student", "tutor", "parent") if f"From the {who}" in body}
    assert seen == {
        "coord@test.example": {"student", "tutor", "parent"},
        "tutor@test.example": {"student", "tutor", "parent"},
        "student@test.example": {"student"},
        "parent2": {"student", "parent"},
    }


def test_the_past_tab_asks_how_was_it_until_reviewed(app, client, centre):
    poster = login(client, "student@test.example")
    past_tab = f"/students/{centre.student}/upcoming?tab=past"
    body = client.get(past_tab).get_data(as_text=True)
    assert body.count("How was it?") == 1  # only the completed session
    assert f"/sessions/{centre.completed}/review" in body
    review(poster, centre.completed)
    assert "How was it?" not in client.get(past_tab).get_data(as_text=True)
    # the parent has not reviewed it yet
    login(client, "parent@test.example")
    assert "How was it?" in client.get(f"/parents/{centre.parent}/upcoming?tab=past").get_data(
        as_text=True
    )


def test_verify_schema_reports_a_dangling_review_id(app, runner, centre):
    assert runner.invoke(args=["verify-schema"]).exit_code == 0
    with app.app_context():
        db.session.execute(
            sa.text("UPDATE sessions SET tutor_review_id = 4242 WHERE id = :id"),
            {"id": centre.completed},
        )
        db.session.commit()
    result = runner.invoke(args=["verify-schema"])
    assert result.exit_code == 1
    assert "Review ids that point at nothing" in result.output
    assert f"{centre.completed} | tutor | 4242" in result.output
