"""``GET /calendar`` (the coordinators' centre calendar) and ``GET /sessions/<id>/card``
(the calendars' popover): who may see them, what they show, page vs fragment."""

from __future__ import annotations

import re
from datetime import date, time

import pytest

from dashboard.choices import ROLE_COORDINATOR, ROLE_PARENT, ROLE_STUDENT, ROLE_TUTOR
from tests.integration.edits_support import login, view_of

HTMX = {"HX-Request": "true"}


@pytest.fixture
def centre(build):
    """Two tutors with a student each, a coordinator and a parent; sessions on 7 May 2025."""
    boss = build.user(ROLE_COORDINATOR, "boss@test.example", "Bea Boss")
    tina = build.user(ROLE_TUTOR, "tina@test.example", "Tina Tutor")
    theo = build.user(ROLE_TUTOR, "theo@test.example", "Theo Tutor")
    sam = build.user(ROLE_STUDENT, "sam@test.example", "Sam Student")
    sue = build.user(ROLE_STUDENT, "sue@test.example", "Sue Student")
    parent = build.user(ROLE_PARENT, "pat@test.example", "Pat Parent")
    build.link(parent, sam)
    maths = build.enrolment(tina, sam, "Maths")
    music = build.enrolment(theo, sue, "Music")
    day = date(2025, 5, 7)
    return {
        "boss": boss,
        "tina": tina,
        "theo": theo,
        "sam": sam,
        "sue": sue,
        "maths_session": build.session(maths, day, time(9), 60),
        "music_session": build.session(music, day, time(9, 30), 30, status="cancelled"),
        "late_session": build.session(maths, day, time(17), 90, is_featured=True),
    }


def test_coordinator_sees_every_tutors_sessions_labelled_by_tutor(client, auth, centre):
    auth.login("boss@test.example")
    page = client.get("/calendar?view=week&date=2025-05-07").get_data(as_text=True)
    assert "<html" in page and 'id="calendar"' in page and "centre-calendar" in page
    for key in ("maths_session", "music_session", "late_session"):
        assert f'id="block-{centre[key]}"' in page
    assert "Tina Tutor" in page and "Theo Tutor" in page
    assert f"tutor-hue-{centre['tina'] % 8}" in page
    # Two overlapping sessions of different tutors sit side by side.
    assert "tg-lane-1-of-2" in page and "tg-lane-2-of-2" in page
    assert 'href="/calendar"' in page  # in the coordinator's navigation


@pytest.mark.parametrize("email", ["tina@test.example", "sam@test.example", "pat@test.example"])
def test_only_coordinators_see_the_centre_calendar(client, auth, centre, email):
    auth.login(email)
    assert client.get("/calendar").status_code == 403


def test_tutors_get_my_calendar_in_their_navigation(client, auth, centre):
    auth.login("tina@test.example")
    page = client.get(f"/tutors/{centre['tina']}/calendar").get_data(as_text=True)
    assert f'href="/tutors/{centre["tina"]}/calendar">My calendar</a>' in page
    assert 'href="/calendar"' not in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("tutor={theo}", ["music_session"], ["maths_session", "late_session"]),
        ("student={sam}", ["maths_session", "late_session"], ["music_session"]),
        ("status=cancelled", ["music_session"], ["maths_session", "late_session"]),
    ],
)
def test_filters(client, auth, centre, query, shown, hidden):
    auth.login("boss@test.example")
    url = "/calendar?view=day&date=2025-05-07&" + query.format(**centre)
    page = client.get(url).get_data(as_text=True)
    for key in shown:
        assert f'id="block-{centre[key]}"' in page
    for key in hidden:
        assert f'id="block-{centre[key]}"' not in page
    # Navigation keeps the filters.
    assert re.search(r'id="cal-next" href="[^"]*' + query.format(**centre).replace("=", "="), page)


def test_course_filter_and_selected_options(client, auth, centre, app):
    auth.login("boss@test.example")
    course_id = view_of(app, centre["music_session"]).course_id
    page = client.get(f"/calendar?view=month&date=2025-05-07&course={course_id}").get_data(
        as_text=True
    )
    assert f'id="block-{centre["music_session"]}"' in page
    assert f'id="block-{centre["maths_session"]}"' not in page
    assert f'<option value="{course_id}" selected>Music</option>' in page
    assert "Clear filters" in page


@pytest.mark.parametrize(
    ("query", "clean"),
    [
        # the filter form without JavaScript: every filter left at "Any" arrives empty
        (
            "view=week&date=2025-05-07&tutor=&student=&course=&status=",
            "/calendar?view=week&date=2025-05-07",
        ),
        (
            "tutor={theo}&student=&view=day&date=2025-05-07",
            "/calendar?tutor={theo}&view=day&date=2025-05-07",
        ),
        ("status=&status=cancelled", "/calendar?status=cancelled"),
        ("view=&date=", "/calendar"),
    ],
)
def test_empty_filters_are_redirected_away(client, auth, centre, query, clean):
    auth.login("boss@test.example")
    response = client.get("/calendar?" + query.format(**centre))
    assert response.status_code == 302
    assert response.headers["Location"] == clean.format(**centre)  # the same path, always
    assert client.get(response.headers["Location"]).status_code == 200


def test_empty_filters_are_not_redirected_for_htmx_or_other_roles(client, auth, centre):
    auth.login("boss@test.example")
    response = client.get("/calendar?view=week&tutor=", headers=HTMX)  # htmx swaps, no redirect
    assert response.status_code == 200
    auth.login("tina@test.example")
    assert client.get("/calendar?tutor=").status_code == 403  # refused first, not redirected


@pytest.mark.parametrize(
    "query", ["view=year", "date=2025-13-01", "tutor=abc", "status=lost", "tutor=99999999999"]
)
def test_bad_parameters_are_400(client, auth, centre, query):
    auth.login("boss@test.example")
    response = client.get(f"/calendar?{query}")
    assert response.status_code == 400


def test_fragment_is_the_calendar_section_only(client, auth, centre):
    auth.login("boss@test.example")
    response = client.get("/calendar?view=week&date=2025-05-07", headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body and body.lstrip().startswith('<section id="calendar"')
    assert "HX-Request" in response.headers["Vary"]
    assert "session-popover" not in body  # the dialog is outside the swapped section
    # The filter form (long option lists) stays on the page; the section carries its
    # view and date for it.
    assert "Any student" not in body
    assert '<input type="hidden" name="view" value="week" form="cal-filters">' in body
    assert '<input type="hidden" name="date" value="2025-05-07" form="cal-filters">' in body


def test_filter_form_is_outside_the_swapped_section(client, auth, centre):
    auth.login("boss@test.example")
    page = client.get(f"/calendar?view=week&date=2025-05-07&tutor={centre['theo']}").get_data(
        as_text=True
    )
    form = page.index('<form id="cal-filters"')
    assert form < page.index('<section id="calendar"')
    assert 'hx-target="#calendar"' in page[form : page.index("</form>", form)]
    clear = re.search(r'<a href="([^"]+)">Clear filters</a>', page)
    assert clear and clear.group(1) == "/calendar?view=week&amp;date=2025-05-07"


def test_month_shows_three_chips_then_more(client, auth, build, centre):
    maths = build.enrolment(centre["tina"], centre["sam"], "Extra maths")
    build.sessions(maths, [(date(2025, 5, 8), time(8 + n)) for n in range(5)], 30)
    auth.login("boss@test.example")
    page = client.get("/calendar?view=month&date=2025-05-08").get_data(as_text=True)
    grid = page[page.index('<ol class="mg-days">') :]
    cell = grid[grid.index("date=2025-05-08") : grid.index("date=2025-05-09")]
    assert cell.count('<li class="chip">') == 3
    assert "+2 more" in cell


# --- GET /sessions/<id>/card ---------------------------------------------------


def test_card_for_the_tutor_has_controls_and_links(client, auth, centre):
    auth.login("tina@test.example")
    session_id = centre["maths_session"]
    response = client.get(f"/sessions/{session_id}/card?oob=blocks&oob=nonsense", headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert f'id="session-{session_id}"' in body
    assert 'name="student_attendance_status"' in body and 'hx-trigger="change, submit"' in body
    assert f'href="/sessions/{session_id}/edit#reschedule"' in body
    assert f'href="/sessions/{session_id}/edit#cancel"' in body
    assert f'href="/sessions/{session_id}/edit#complete"' in body
    assert f'href="/sessions/{session_id}.ics"' in body
    assert 'name="oob" value="blocks"' in body and "nonsense" not in body
    assert "Feature" not in body  # coordinators only


def test_card_for_the_coordinator_can_feature(client, auth, centre):
    auth.login("boss@test.example")
    body = client.get(f"/sessions/{centre['music_session']}/card", headers=HTMX).get_data(
        as_text=True
    )
    assert ">Feature<" in body and 'name="priority_level"' in body
    assert 'name="oob"' not in body  # nothing asked for, nothing sent back


@pytest.mark.parametrize("email", ["sam@test.example", "pat@test.example"])
def test_card_for_students_and_parents_is_read_only(client, auth, centre, email):
    auth.login(email)
    body = client.get(f"/sessions/{centre['maths_session']}/card", headers=HTMX).get_data(
        as_text=True
    )
    assert "Maths" in body and "<form" not in body and "/edit" not in body
    assert ".ics" in body


def test_card_refuses_others_and_unknown_sessions(client, auth, centre):
    auth.login("tina@test.example")
    assert client.get(f"/sessions/{centre['music_session']}/card").status_code == 403
    assert client.get("/sessions/999999/card").status_code == 404
    assert client.get("/sessions/99999999999/card").status_code == 404


def test_card_without_htmx_is_a_page(client, auth, centre):
    auth.login("tina@test.example")
    page = client.get(f"/sessions/{centre['maths_session']}/card").get_data(as_text=True)
    assert "<html" in page and "popover-card" in page


def test_a_popover_edit_refreshes_the_block_out_of_band(client, app, centre):
    poster = login(client, "tina@test.example")
    session_id = centre["maths_session"]
    version = view_of(app, session_id).version
    response = poster.post(
        f"/sessions/{session_id}/attendance",
        {"student_attendance_status": "late", "version": version, "oob": "blocks"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(rf'id="block-{session_id}"[^>]*hx-swap-oob="true"', body, re.S)
    assert "S late" in body
    assert f'/sessions/{session_id}/card?oob=blocks"' in body  # the block asks the same again


def test_a_save_without_blocks_sends_no_block(client, app, centre):
    poster = login(client, "tina@test.example")
    session_id = centre["maths_session"]
    version = view_of(app, session_id).version
    body = poster.post(
        f"/sessions/{session_id}/priority", {"priority_level": "high", "version": version}
    ).get_data(as_text=True)
    assert "block-" not in body and "hx-swap-oob" not in body


def test_the_session_page_says_the_repeat_rule_in_words(client, auth, build, centre):
    maths = build.enrolment(centre["tina"], centre["sam"], "Weekly maths")
    pattern = {"rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=5", "tzid": "Europe/London"}
    session_id = build.session(
        maths,
        date(2025, 5, 5),
        time(9),
        is_recurring=True,
        session_frequency="weekly",
        recurring_pattern=pattern,
    )
    auth.login("tina@test.example")
    page = client.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert "Repeats every week on Monday, 5 times (Europe/London time)." in page
    assert "FREQ=" not in page and "rrule" not in page


def test_a_block_marks_attendance_only_once_it_was_taken(client, auth, build, centre):
    """The columns' defaults ("present") of a lesson nobody marked are not a mark."""
    auth.login("boss@test.example")
    url = "/calendar?view=week&date=2025-05-07"

    def marks_of(session_id: int) -> str:
        page = client.get(url, headers=HTMX).get_data(as_text=True)
        block = page[page.index(f'id="block-{session_id}"') :]
        return block[: block.index("</a>")]

    assert "Attendance:" not in marks_of(centre["maths_session"])
    build.attendance_taken(centre["maths_session"])
    assert "Both present" in marks_of(centre["maths_session"])
