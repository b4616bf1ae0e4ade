"""What PostgreSQL cannot hold is answered with a clear 4xx, and nothing is written.

The sweep over every route is ``test_url_fuzz``; these are the cases the
issue reported (each used to be a 500), with the messages people see.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import database_fingerprint
from tests.integration.edits_support import HTMX, login
from tests.scheduling_support import (
    enrolment,
    future,
    new_ids,
    session_count,
    session_form,
    version_of,
)

TOO_BIG = str(2**31)


@pytest.mark.parametrize(
    "path",
    [
        f"/sessions/{TOO_BIG}",
        f"/sessions/{TOO_BIG}.ics",
        f"/sessions/{TOO_BIG}/edit",
        f"/tutors/{2**63}/calendar",
        f"/students/{TOO_BIG}/upcoming",
        f"/parents/{TOO_BIG}/upcoming",
        f"/whiteboards/{TOO_BIG}/edit",
        "/sessions/0",
        "/sessions/007",
    ],
)
def test_ids_beyond_integer_in_a_path_are_404(client, demo, path):
    login(client, "coordinator@example.com")
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.parametrize("action", ["attendance", "priority", "edit", "reschedule", "cancel"])
def test_posts_to_an_id_beyond_integer_are_404_not_405(app, client, demo, action):
    poster = login(client, "coordinator@example.com")
    before = database_fingerprint(app)
    assert poster.post(f"/sessions/{TOO_BIG}/{action}", {}).status_code == 404
    assert poster.post(f"/whiteboards/{TOO_BIG}/delete", {}).status_code == 404
    assert database_fingerprint(app) == before


def test_a_nul_in_the_search_is_400_with_a_message(client, demo):
    login(client, "coordinator@example.com")
    response = client.get("/coordinator/sessions?q=%00")
    assert response.status_code == 400
    assert "cannot be used (NUL)" in response.get_data(as_text=True)
    fragment = client.get("/coordinator/sessions?q=a%00", headers=HTMX)
    assert fragment.status_code == 400
    assert "<html" not in fragment.get_data(as_text=True)


def test_a_nul_in_a_feed_token_is_400(client, demo):
    assert client.get("/feeds/abc%00def.ics").status_code == 400


def test_filters_beyond_integer_say_so(client, demo):
    login(client, "coordinator@example.com")
    response = client.get(f"/coordinator/sessions?tutor={TOO_BIG}")
    assert response.status_code == 400
    assert "tutor must be at most 2,147,483,647" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("enrolled_courses_id", TOO_BIG, "Choose one of the enrolled courses you may schedule."),
        ("enrolled_courses_id", str(2**63), "Choose one of the enrolled courses you may schedule."),
        ("whiteboard_id", TOO_BIG, "Choose a whiteboard of the course&#39;s tutor."),
        ("location", "x" * 256, "at most 255 characters"),
    ],
)
def test_new_session_form_refuses_what_cannot_be_stored(app, client, demo, field, value, message):
    poster = login(client, "tutor1@example.com")
    form = session_form(enrolment(app, "tutor1", "student1"), poster.token, **{field: value})
    before = database_fingerprint(app)
    response = client.post("/sessions/new", data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert database_fingerprint(app) == before


def test_an_override_reason_too_long_is_422_next_to_the_overlaps(app, client, demo):
    poster = login(client, "coordinator@example.com")
    course = enrolment(app, "tutor1", "student1")
    count = session_count(app)
    for day in (future(), future(61)):
        form = session_form(course, poster.token, session_date=day.isoformat())
        assert client.post("/sessions/new", data=form).status_code == 303
    first, second = new_ids(app, count)
    before = database_fingerprint(app)
    move = {"session_date": future().isoformat(), "start_time": "10:30", "end_time": "11:30"}
    move["version"] = version_of(app, second)
    response = poster.post(
        f"/sessions/{second}/reschedule", {**move, "override_reason": "x" * 2001}, htmx=False
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Keep the reason to 2000 characters." in page and f"/sessions/{first}" in page
    assert database_fingerprint(app) == before


@pytest.mark.parametrize("field", ["location", "topics", "override_reason"])
def test_a_nul_in_a_form_is_422_naming_the_field(app, client, demo, field):
    poster = login(client, "tutor1@example.com")
    form = session_form(enrolment(app, "tutor1", "student1"), poster.token, **{field: "a\x00b"})
    before = database_fingerprint(app)
    response = client.post("/sessions/new", data=form)
    assert response.status_code == 422
    label = field.replace("_", " ")
    assert f"The field “{label}” contains an invisible control character (NUL)" in (
        response.get_data(as_text=True)
    )
    assert database_fingerprint(app) == before


@pytest.mark.parametrize("value", [TOO_BIG, str(2**63), "0", "-1"])
def test_family_link_ids_beyond_integer_are_422(app, client, demo, value):
    poster = login(client, "coordinator@example.com")
    before = database_fingerprint(app)
    for field in ("parent_id", "student_id"):
        data = {"parent_id": str(demo["parent1@example.com"])}
        data["student_id"] = str(demo["student3@example.com"])
        data[field] = value
        response = poster.post("/admin/families/link", data, htmx=False)
        assert response.status_code == 422
        assert "Choose a parent and a student." in response.get_data(as_text=True)
    assert database_fingerprint(app) == before


def test_a_json_body_with_a_lone_surrogate_is_refused(app, client, demo):
    poster = login(client, "coordinator@example.com")
    response = client.post(
        "/sessions/attendance/bulk",
        data=json.dumps({"note": "\ud800"}),
        content_type="application/json",
        headers={"X-CSRFToken": poster.token},
    )
    assert response.status_code == 422
