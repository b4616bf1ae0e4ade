"""``GET /students/<id>/upcoming`` and ``GET /parents/<id>/upcoming``."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard.choices import ROLE_COORDINATOR, ROLE_PARENT, ROLE_STUDENT, ROLE_TUTOR

LONDON = ZoneInfo("Europe/London")


def at(delta: timedelta) -> tuple:
    """(date, time) in the schedule zone ``delta`` from now, to the minute."""
    moment = (datetime.now(LONDON) + delta).replace(second=0, microsecond=0)
    return moment.date(), moment.time()


def card_ids(page: str, prefix: str = "session") -> list[int]:
    return [int(n) for n in re.findall(rf'id="{prefix}-(\d+)"', page)]


@pytest.fixture
def family(build):
    """A tutor, a parent with two children (each enrolled) and an unrelated student."""
    tutor = build.user(ROLE_TUTOR, "tutor@test.example", "Tina Tutor")
    parent = build.user(ROLE_PARENT, "parent@test.example", "Pat Parent")
    kid_a = build.user(ROLE_STUDENT, "kida@test.example", "Ada Kid")
    kid_b = build.user(ROLE_STUDENT, "kidb@test.example", "Bo Kid")
    other = build.user(ROLE_STUDENT, "other@test.example", "Otto Other")
    build.link(parent, kid_a)
    build.link(parent, kid_b)
    return {
        "tutor": tutor,
        "parent": parent,
        "a": kid_a,
        "b": kid_b,
        "other": other,
        "enrol_a": build.enrolment(tutor, kid_a, "Biology"),
        "enrol_b": build.enrolment(tutor, kid_b, "History"),
        "enrol_other": build.enrolment(tutor, other, "Secret Course"),
    }


def test_student_sees_next_sessions_first_with_relative_times(client, auth, build, family):
    later = build.session(family["enrol_a"], *at(timedelta(days=2)))
    soon = build.session(family["enrol_a"], *at(timedelta(hours=3)))
    past = build.session(family["enrol_a"], *at(timedelta(days=-2)), status="completed")
    auth.login("kida@test.example")
    response = client.get(f"/students/{family['a']}/upcoming")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert card_ids(page) == [soon, later]
    assert past not in card_ids(page)
    assert ">In 3 hours</time>" in page
    assert ">In 2 days</time>" in page
    assert "My sessions" in page


def test_tomorrow_and_now(client, auth, build, family):
    day = datetime.now(LONDON).date() + timedelta(days=1)
    build.session(family["enrol_a"], day, datetime.strptime("18:00", "%H:%M").time())
    build.session(family["enrol_a"], *at(timedelta(minutes=-20)), 60)  # in progress
    auth.login("kida@test.example")
    page = client.get(f"/students/{family['a']}/upcoming").get_data(as_text=True)
    assert ">Now</time>" in page
    assert ">Tomorrow</time>" in page  # 18:00 tomorrow is always over 6 hours away


def test_featured_strip_has_its_own_card_ids(client, auth, build, family):
    featured = build.session(family["enrol_a"], *at(timedelta(days=3)), is_featured=True)
    plain = build.session(family["enrol_a"], *at(timedelta(days=1)))
    build.session(family["enrol_a"], *at(timedelta(days=-3)), is_featured=True)  # past: not shown
    auth.login("kida@test.example")
    page = client.get(f"/students/{family['a']}/upcoming").get_data(as_text=True)
    strip = page[page.index('class="featured-strip"') : page.index("Next sessions")]
    assert card_ids(strip, "featured-session") == [featured]
    assert card_ids(page) == [plain, featured]
    ids = re.findall(r'(?<![\w-])id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "ids on the page must be unique"


def test_empty_featured_strip_is_there_for_edits_to_fill(client, auth, build, family):
    build.session(family["enrol_a"], *at(timedelta(days=1)))
    auth.login("kida@test.example")
    page = client.get(f"/students/{family['a']}/upcoming").get_data(as_text=True)
    assert '<div id="featured-strip" class="featured-items"></div>' in page  # hidden by CSS


def test_coordinator_edits_on_the_page_also_update_the_strip(client, auth, build, family):
    # The inline edits' contract: controls ask for the "featured-strip" out-of-band piece.
    build.user(ROLE_COORDINATOR, "boss@test.example", "Bea Boss")
    build.session(family["enrol_a"], *at(timedelta(days=1)))
    auth.login("boss@test.example")
    page = client.get(f"/students/{family['a']}/upcoming").get_data(as_text=True)
    assert '<input type="hidden" name="oob" value="featured-strip">' in page
    past = client.get(f"/students/{family['a']}/upcoming?tab=past").get_data(as_text=True)
    assert 'value="featured-strip"' not in past


def test_past_tab_shows_attendance_and_topics_covered(client, auth, build, family):
    older = build.session(
        family["enrol_a"],
        *at(timedelta(days=-5)),
        status="completed",
        topics=["Cells"],
        topics_covered=["Cells", "Mitosis"],
        student_attendance_status="late",
    )
    build.attendance_taken(older, family["tutor"])
    recent = build.session(family["enrol_a"], *at(timedelta(days=-1)), status="completed")
    build.session(family["enrol_a"], *at(timedelta(days=1)))
    auth.login("kida@test.example")
    page = client.get(f"/students/{family['a']}/upcoming?tab=past").get_data(as_text=True)
    assert card_ids(page) == [recent, older]
    assert "Covered: Cells, Mitosis." in page
    assert "Covered: nothing recorded yet." in page
    assert "Attendance: Ada Kid late, tutor present." in page
    assert 'id="tab-past" href="/students/' in page and 'aria-current="page">Past' in page


def test_past_tab_pages(client, auth, build, family):
    slots = [at(timedelta(days=-n)) for n in range(1, 31)]
    build.sessions(family["enrol_a"], slots, status="completed")
    auth.login("kida@test.example")
    first = client.get(f"/students/{family['a']}/upcoming?tab=past").get_data(as_text=True)
    assert len(card_ids(first)) == 25
    assert 'id="past-older"' in first and 'id="past-newer"' not in first
    second = client.get(f"/students/{family['a']}/upcoming?tab=past&page=2").get_data(as_text=True)
    assert len(card_ids(second)) == 5
    assert 'id="past-newer"' in second and 'id="past-older"' not in second
    beyond = client.get(f"/students/{family['a']}/upcoming?tab=past&page=9").get_data(as_text=True)
    assert "There are no older sessions" in beyond


def test_whiteboard_links_only_for_online_sessions_with_web_addresses(client, auth, build, family):
    good = build.whiteboard("https://boards.example.com/room/1", "Room 1")
    evil = build.whiteboard("javascript:alert(1)", "Evil")
    build.session(family["enrol_a"], *at(timedelta(days=1)), whiteboard_id=good)
    build.session(family["enrol_a"], *at(timedelta(days=2)), whiteboard_id=evil)
    build.session(
        family["enrol_a"],
        *at(timedelta(days=3)),
        whiteboard_id=good,
        session_mode="in-person",
        location="Room 4",
    )
    auth.login("kida@test.example")
    page = client.get(f"/students/{family['a']}/upcoming").get_data(as_text=True)
    links = re.findall(r'<a href="([^"]+)" rel="noopener noreferrer"', page)
    assert links == ["https://boards.example.com/room/1"]
    assert "javascript:" not in page


def test_parent_sees_both_children_labelled(client, auth, build, family):
    a = build.session(family["enrol_a"], *at(timedelta(days=1)))
    b = build.session(family["enrol_b"], *at(timedelta(days=2)))
    hidden = build.session(family["enrol_other"], *at(timedelta(days=1)))
    auth.login("parent@test.example")
    response = client.get(f"/parents/{family['parent']}/upcoming")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert card_ids(page) == [a, b]
    assert hidden not in card_ids(page)
    assert "Secret Course" not in page
    assert '<span class="badge child-label">Ada Kid</span>' in page
    assert '<span class="badge child-label">Bo Kid</span>' in page
    assert f'href="/students/{family["a"]}/upcoming">Ada Kid</a>' in page


def test_parent_past_tab(client, auth, build, family):
    a = build.session(family["enrol_a"], *at(timedelta(days=-1)), status="completed")
    b = build.session(family["enrol_b"], *at(timedelta(days=-2)), status="completed")
    auth.login("parent@test.example")
    page = client.get(f"/parents/{family['parent']}/upcoming?tab=past").get_data(as_text=True)
    assert card_ids(page) == [a, b]


def test_parent_may_open_a_childs_page(client, auth, family):
    auth.login("parent@test.example")
    assert client.get(f"/students/{family['b']}/upcoming").status_code == 200


def test_empty_states_say_what_to_do(client, auth, build, family):
    lonely = build.user(ROLE_PARENT, "lonely@test.example", "Lone Parent")
    auth.login("kida@test.example")
    page = client.get(f"/students/{family['a']}/upcoming").get_data(as_text=True)
    assert "No upcoming sessions. When the centre books sessions" in page
    past = client.get(f"/students/{family['a']}/upcoming?tab=past").get_data(as_text=True)
    assert "No past sessions yet" in past
    auth.login("lonely@test.example")
    page = client.get(f"/parents/{lonely}/upcoming").get_data(as_text=True)
    assert "No children are linked to this account yet. Ask the centre" in page


@pytest.mark.parametrize("tab", ["", "?tab=past"])
def test_htmx_tabs_return_only_the_block(client, auth, build, family, tab):
    build.session(family["enrol_a"], *at(timedelta(days=1)))
    auth.login("parent@test.example")
    for url in (
        f"/students/{family['a']}/upcoming{tab}",
        f"/parents/{family['parent']}/upcoming{tab}",
    ):
        response = client.get(url, headers={"HX-Request": "true"})
        body = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "<html" not in body
        assert body.lstrip().startswith('<section id="upcoming"')
        assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize(
    ("query", "message"),
    [("?tab=future", "tab must be one of upcoming, past"), ("?tab=past&page=0", "page must be")],
)
def test_bad_tab_or_page_is_a_400(client, auth, family, query, message):
    auth.login("kida@test.example")
    for url in (f"/students/{family['a']}/upcoming", f"/parents/{family['parent']}/upcoming"):
        if "/parents/" in url:
            auth.login("parent@test.example")
        response = client.get(url + query)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("email", "target", "status"),
    [
        ("kida@test.example", "other", 403),  # a student, another student
        ("parent@test.example", "other", 403),  # a parent, not their child
        ("tutor@test.example", "a", 403),
        ("kida@test.example", "parent", 404),  # a parent id is not a student
    ],
)
def test_student_page_permissions(client, auth, family, email, target, status):
    auth.login(email)
    assert client.get(f"/students/{family[target]}/upcoming").status_code == status


def test_parent_page_permissions(client, auth, build, family):
    stranger = build.user(ROLE_PARENT, "stranger@test.example", "Stranger Parent")
    auth.login("stranger@test.example")
    assert client.get(f"/parents/{family['parent']}/upcoming").status_code == 403
    auth.login("kida@test.example")
    assert client.get(f"/parents/{family['parent']}/upcoming").status_code == 403
    assert client.get(f"/parents/{family['a']}/upcoming").status_code == 404  # not a parent
    auth.login("parent@test.example")
    assert client.get(f"/parents/{stranger}/upcoming").status_code == 403


def test_coordinator_sees_both_pages(client, auth, demo):
    auth.login("coordinator@example.com")
    assert client.get(f"/students/{demo['student1@example.com']}/upcoming").status_code == 200
    assert client.get(f"/parents/{demo['parent2@example.com']}/upcoming").status_code == 200


def test_unknown_ids_are_404(client, auth, demo):
    auth.login("coordinator@example.com")
    assert client.get("/students/999999/upcoming").status_code == 404
    assert client.get("/parents/999999/upcoming").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, demo):
    for url in (
        f"/students/{demo['student1@example.com']}/upcoming",
        f"/parents/{demo['parent1@example.com']}/upcoming?tab=past",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
