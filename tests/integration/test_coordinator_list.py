"""``GET /coordinator/sessions``: filters, search, sorting, pages, errors, permissions."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from dashboard.choices import ROLE_COORDINATOR, ROLE_STUDENT, ROLE_TUTOR
from dashboard.services.demo_data import DEMO_SESSIONS

LIST = "/coordinator/sessions"
HTMX = {"HX-Request": "true"}


def row_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="row-session-(\d+)"', page)]


def count_line(page: str) -> str:
    """The result count's sentence (without the links that may follow it)."""
    return re.search(r'id="result-count" role="status">([^<]*)<', page).group(1).strip()


@pytest.fixture
def centre(build):
    """Two tutors, two students, three courses and a few varied sessions."""
    build.user(ROLE_COORDINATOR, "boss@test.example", "Bea Boss")
    tom = build.user(ROLE_TUTOR, "tom@test.example", "Tom Teach")
    tia = build.user(ROLE_TUTOR, "tia@test.example", "Tia Teach")
    sam = build.user(ROLE_STUDENT, "sam@test.example", "Sam Pupil")
    zoe = build.user(ROLE_STUDENT, "zoe@test.example", "Zoe Pupil")
    maths = build.enrolment(tom, sam, "Algebra 100% Fun")
    physics = build.enrolment(tia, zoe, "Physics")
    art = build.enrolment(tia, sam, "Art_History")
    ids = {
        "m1": build.session(
            maths, date(2025, 3, 3), time(10), priority_level="low", topics=["fractions"]
        ),
        "m2": build.session(
            maths,
            date(2025, 3, 5),
            time(10),
            priority_level="urgent",
            status="cancelled",
            topics=["under_score"],
        ),
        "p1": build.session(
            physics,
            date(2025, 3, 4),
            time(9),
            is_featured=True,
            priority_level="high",
            topics=["Forces"],
            topics_covered=["Momentum"],
        ),
        "a1": build.session(art, date(2025, 3, 6), time(14), status="completed"),
    }
    return {"tom": tom, "tia": tia, "sam": sam, "zoe": zoe, **ids}


def get(client, query: str = "", **options):
    """GET the list; over all dates unless ``query`` sets ``from`` or ``to``."""
    if "from=" not in query and "to=" not in query:
        query += ("&" if query else "?") + "from=&to="
    return client.get(LIST + query, **options)


def test_default_lists_every_session_by_date(client, auth, centre):
    auth.login("boss@test.example")
    response = get(client)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert row_ids(page) == [centre["m1"], centre["p1"], centre["m2"], centre["a1"]]
    assert count_line(page) == "Showing 1–4 of 4 sessions on any date."
    assert '<th scope="col" aria-sort="ascending">' in page
    assert 'class="cancelled"' in page
    for label in ("Search course, student, tutor or topic", "Tutor", "Student", "Course"):
        assert label in page
    for control in ("filter-q", "filter-tutor", "filter-from", "filter-to", "filter-featured"):
        assert f'<label for="{control}"' in page and f'id="{control}"' in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?tutor={tia}", ["p1", "a1"]),
        ("?student={sam}", ["m1", "m2", "a1"]),
        ("?status=cancelled", ["m2"]),
        ("?priority=urgent", ["m2"]),
        ("?featured=yes", ["p1"]),
        ("?featured=no", ["m1", "m2", "a1"]),
        ("?from=2025-03-04&to=2025-03-05", ["p1", "m2"]),
        ("?from=2025-03-06", ["a1"]),
        ("?to=2025-03-03", ["m1"]),
        ("?tutor={tia}&student={sam}", ["a1"]),
        ("?tutor=&student=&status=&q=", ["m1", "p1", "m2", "a1"]),  # empty = no filter
    ],
)
def test_filters(client, auth, centre, query, expected):
    auth.login("boss@test.example")
    # (empty filters are redirected to the address without them: followed here)
    page = get(client, query.format(**centre), follow_redirects=True).get_data(as_text=True)
    assert row_ids(page) == [centre[key] for key in expected]


def test_course_filter(client, auth, build, centre):
    auth.login("boss@test.example")
    page = get(client).get_data(as_text=True)
    course_id = re.search(r'<option value="(\d+)">Physics</option>', page).group(1)
    filtered = get(client, f"?course={course_id}").get_data(as_text=True)
    assert row_ids(filtered) == [centre["p1"]]
    assert f'<option value="{course_id}" selected>Physics</option>' in filtered


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("physics", ["p1"]),  # course title, any case
        ("ZOE", ["p1"]),  # student name
        ("tom teach", ["m1", "m2"]),  # tutor name, every word must match somewhere
        ("fractions", ["m1"]),  # topics (json)
        ("momentum", ["p1"]),  # topics covered
        ("pupil teach", ["m1", "p1", "m2", "a1"]),
        ("100%", ["m1", "m2"]),  # % is literal
        ("%", ["m1", "m2"]),
        ("_", ["m2", "a1"]),  # _ is literal: "under_score" topic, "Art_History" course
        ("nothing-like-this", []),
    ],
)
def test_text_search(client, auth, centre, q, expected):
    auth.login("boss@test.example")
    page = get(client, f"?q={quote(q)}").get_data(as_text=True)
    assert row_ids(page) == [centre[key] for key in expected]


def test_search_with_no_hits_says_what_to_do(client, auth, centre):
    auth.login("boss@test.example")
    page = get(client, "?q=zzz&status=scheduled").get_data(as_text=True)
    assert "No sessions match these filters" in page
    assert "clear all filters" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?sort=date&dir=desc", ["a1", "m2", "p1", "m1"]),
        ("?sort=course", ["m1", "m2", "a1", "p1"]),
        ("?sort=course&dir=desc", ["p1", "a1", "m1", "m2"]),
        ("?sort=priority&dir=desc", ["m2", "p1", "a1", "m1"]),
        ("?sort=student", ["m1", "m2", "a1", "p1"]),
        ("?sort=tutor", ["p1", "a1", "m1", "m2"]),
        ("?sort=status", ["m1", "p1", "a1", "m2"]),
        ("?sort=featured&dir=desc", ["p1", "m1", "m2", "a1"]),
    ],
)
def test_sorting(client, auth, centre, query, expected):
    auth.login("boss@test.example")
    page = get(client, query).get_data(as_text=True)
    assert row_ids(page) == [centre[key] for key in expected]


def test_sort_links_keep_the_filters(client, auth, centre):
    auth.login("boss@test.example")
    page = get(client, f"?tutor={centre['tia']}&sort=course").get_data(as_text=True)
    tia = centre["tia"]
    link = f"/coordinator/sessions?tutor={tia}&amp;sort=course&amp;dir=desc&amp;from=&amp;to="
    assert f'id="sort-course" href="{link}" hx-get="{link}"' in page
    assert '<input type="hidden" form="filters" name="sort" value="course">' in page


def test_pages_of_25(client, auth, build, centre):
    enrolment = build.enrolment(centre["tom"], centre["zoe"], "Bulk")
    start = date(2025, 6, 1)
    build.sessions(enrolment, [(start + timedelta(days=n), time(12)) for n in range(56)])
    auth.login("boss@test.example")
    first = get(client, "?q=bulk").get_data(as_text=True)
    assert len(row_ids(first)) == 25
    assert count_line(first) == "Showing 1–25 of 56 sessions matching “bulk” on any date."
    assert 'aria-current="page"><span class="visually-hidden">Page </span>1</a>' in first
    assert 'href="/coordinator/sessions?q=bulk&amp;page=3&amp;from=&amp;to="' in first
    third = get(client, "?q=bulk&page=3").get_data(as_text=True)
    assert len(row_ids(third)) == 6
    assert count_line(third) == "Showing 51–56 of 56 sessions matching “bulk” on any date."
    assert 'id="page-prev"' in third and 'id="page-next"' not in third
    beyond = get(client, "?q=bulk&page=7")
    assert beyond.status_code == 200
    assert "Page 7 is past the end of these results" in beyond.get_data(as_text=True)


def test_a_large_result_has_a_capped_count_and_every_page_stays_reachable(
    client, auth, build, centre, monkeypatch
):
    from dashboard.services import schedule_search

    monkeypatch.setattr(schedule_search, "COUNT_CAP", 30)
    enrolment = build.enrolment(centre["tom"], centre["zoe"], "Bulk")
    start = date(2025, 6, 1)
    build.sessions(enrolment, [(start + timedelta(days=n), time(12)) for n in range(80)])
    auth.login("boss@test.example")
    first = get(client, "?q=bulk").get_data(as_text=True)
    assert count_line(first) == "Showing 1–25 of 30+ sessions matching “bulk” on any date."
    assert 'id="page-next"' in first
    second = get(client, "?q=bulk&page=2").get_data(as_text=True)
    assert count_line(second) == "Showing 26–50 of 55+ sessions matching “bulk” on any date."
    third = get(client, "?q=bulk&page=3").get_data(as_text=True)
    assert count_line(third) == "Showing 51–75 of 80 sessions matching “bulk” on any date."
    fourth = get(client, "?q=bulk&page=4").get_data(as_text=True)
    assert len(row_ids(fourth)) == 5 and 'id="page-next"' not in fourth


def test_date_range_uses_the_viewers_dates(client, auth, build, centre):
    # 00:30 London on 10 March is 20:30 on 9 March for a coordinator in New York.
    enrolment = build.enrolment(centre["tom"], centre["zoe"], "Night class")
    late = build.session(enrolment, date(2025, 3, 10), time(0, 30))
    build.user(ROLE_COORDINATOR, "ny@test.example", "New York", timezone="America/New_York")
    auth.login("ny@test.example")
    ninth = get(client, "?from=2025-03-09&to=2025-03-09").get_data(as_text=True)
    assert late in row_ids(ninth)
    assert 'datetime="2025-03-09T20:30:00-04:00"' in ninth
    tenth = get(client, "?from=2025-03-10&to=2025-03-10").get_data(as_text=True)
    assert late not in row_ids(tenth)
    auth.login("boss@test.example")  # a London coordinator sees it on the 10th
    assert late in row_ids(get(client, "?from=2025-03-10&to=2025-03-10").get_data(as_text=True))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?tutor=abc", "tutor must be a whole number of 1 or more"),
        ("?status=done", "status must be one of scheduled, completed, cancelled, rescheduled"),
        ("?priority=1", "priority must be one of low, medium, high, urgent"),
        ("?featured=maybe", "featured must be one of yes, no"),
        ("?from=2025-02-30", "from is not a real calendar date"),
        (
            "?from=2025-03-10&to=2025-03-01",
            "The &#39;from&#39; date is after the &#39;to&#39; date",
        ),
        ("?sort=password_hash", "sort must be one of date, course"),
        ("?dir=sideways", "dir must be one of asc, desc"),
        ("?page=-1", "page must be a whole number of 1 or more"),
        ("?q=" + "x" * 300, "The search text is too long"),
    ],
)
def test_invalid_filters_are_a_400_that_explains(client, auth, centre, query, message):
    auth.login("boss@test.example")
    response = get(client, query)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'role="alert"' in page
    assert row_ids(page) == []
    fragment = client.get(LIST + query, headers={"HX-Request": "true"})
    assert fragment.status_code == 400
    assert fragment.headers["X-Swap-Error"] == "true"  # htmx-config.js swaps it in
    assert message in fragment.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)


def test_htmx_requests_get_only_the_results(client, auth, centre):
    auth.login("boss@test.example")
    for query in ("", "?q=phys", "?sort=course&dir=desc", "?tutor=1&page=1"):
        response = client.get(LIST + query, headers={"HX-Request": "true"})
        body = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "<html" not in body
        assert body.lstrip().startswith('<div id="results"')
        assert '<form id="filters"' not in body  # the form itself is not re-sent
        assert "HX-Request" in response.headers["Vary"]


def test_active_search_attributes(client, auth, centre):
    auth.login("boss@test.example")
    page = get(client).get_data(as_text=True)
    search = re.search(r'<input type="search"[^>]*>', page, re.S).group(0)
    assert 'hx-trigger="input changed delay:300ms, search"' in search
    assert 'hx-get="/coordinator/sessions"' in search
    assert 'hx-include="closest form"' in search
    form = re.search(r'<form id="filters"[^>]*>', page, re.S).group(0)
    assert 'method="get" action="/coordinator/sessions"' in form
    assert 'hx-target="#results"' in form and 'hx-push-url="true"' in form


def test_empty_schedule(client, auth, build):
    build.user(ROLE_COORDINATOR, "boss@test.example", "Bea Boss")
    auth.login("boss@test.example")
    assert "No sessions are scheduled yet" in get(client).get_data(as_text=True)
    window = client.get(LIST).get_data(as_text=True)
    assert "No sessions in these dates. Choose other dates above, or show all dates." in window


@pytest.mark.parametrize(
    "email", ["tutor1@example.com", "student1@example.com", "parent1@example.com"]
)
def test_only_coordinators(client, auth, demo, email):
    auth.login(email)
    assert get(client).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, demo):
    response = get(client, "?q=x")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_demo_schedule(client, auth, demo):
    auth.login("coordinator@example.com")
    page = get(client).get_data(as_text=True)
    assert count_line(page) == "Showing 1–25 of 25 sessions on any date."


def test_default_is_a_window_around_today(client, auth, demo):
    # Without from/to: a week back to four weeks ahead (the demo spans -14…+21 days).
    auth.login("coordinator@example.com")
    response = client.get(LIST)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    in_window = [s for s in DEMO_SESSIONS if s.day_offset >= -7]
    today = datetime.now(ZoneInfo("Europe/London")).date()
    first, last = today - timedelta(days=7), today + timedelta(days=28)
    assert count_line(page).startswith(
        f"Showing 1–{len(in_window)} of {len(in_window)} sessions from "
        f"{first:%a} {first.day} {first:%b} {first.year} to {last:%a} {last.day} {last:%b}"
    )
    assert f'value="{first.isoformat()}"' in page and f'value="{last.isoformat()}"' in page
    # Links of the default view leave the dates out, so a bookmark follows today.
    assert 'id="sort-course" href="/coordinator/sessions?sort=course"' in page
    everything = "/coordinator/sessions?from=&amp;to="
    assert f'id="all-dates" href="{everything}" hx-get="{everything}"' in page
    all_dates = client.get(LIST + "?from=&to=").get_data(as_text=True)
    assert count_line(all_dates).startswith("Showing 1–25 of 25 sessions on any date.")


def test_one_date_given_means_the_other_is_open(client, auth, centre):
    auth.login("boss@test.example")
    page = client.get(LIST + "?from=2025-03-05").get_data(as_text=True)
    assert row_ids(page) == [centre["m2"], centre["a1"]]
    assert "from Wed 5 Mar 2025 on." in count_line(page)
    assert 'href="/coordinator/sessions?sort=course&amp;from=2025-03-05&amp;to="' in page


# --- Featuring from the list -------------------------------------------------


def _feature_form(page: str, session_id: int) -> dict[str, str]:
    """The hidden fields of a row's feature form, as the browser would send them."""
    row = re.search(rf'<tr id="row-session-{session_id}".*?</tr>', page, re.S).group(0)
    form = re.search(r'<form class="inline-edit[^"]* edit-featured".*?</form>', row, re.S).group(0)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    fields.pop("csrf_token")
    return {name: value.replace("&amp;", "&") for name, value in fields.items()}


def test_each_row_has_a_feature_button_that_returns_to_the_same_list(client, centre):
    from tests.integration.edits_support import login

    login(client, "boss@test.example")
    url = f"{LIST}?from=2025-03-01&to=2025-03-31&sort=priority"
    page = client.get(url).get_data(as_text=True)
    for key in ("m1", "m2", "p1", "a1"):
        form = _feature_form(page, centre[key])
        assert form["next"] == url
        assert form["oob"] == "list-rows"
        assert form["is_featured"] == ("false" if key == "p1" else "true")
    assert page.count(">Unfeature<") == 1 and page.count(">Feature<") == 3


def test_featuring_from_the_list_swaps_the_row_in_place(app, client, centre):
    from tests.integration.edits_support import full_row, login

    poster = login(client, "boss@test.example")
    url = f"{LIST}?from=2025-03-01&to=2025-03-31"
    form = _feature_form(client.get(url).get_data(as_text=True), centre["m1"])
    response = poster.post(f"/sessions/{centre['m1']}/featured", form)
    assert response.status_code == 200
    assert full_row(app, centre["m1"])["is_featured"] is True
    body = response.get_data(as_text=True)
    row = re.search(r"<template>\s*(<tr .*?</tr>)\s*</template>", body, re.S).group(1)
    assert row.startswith(
        f'<tr id="row-session-{centre["m1"]}" data-session-id="{centre["m1"]}" hx-swap-oob="true">'
    )
    assert '<span aria-hidden="true">★</span>' in row and ">Unfeature<" in row
    assert 'role="status">Saved<' in row
    # the row's form now carries the new version, so the next click works too
    again = _feature_form(f"<table>{row}</table>", centre["m1"])
    assert again["version"] == full_row(app, centre["m1"])["updated_at"].isoformat()
    assert poster.post(f"/sessions/{centre['m1']}/featured", again).status_code == 200
    assert full_row(app, centre["m1"])["is_featured"] is False


def test_featuring_from_the_list_without_javascript_goes_back_to_it(app, client, centre):
    from tests.integration.edits_support import full_row, login

    poster = login(client, "boss@test.example")
    url = f"{LIST}?from=2025-03-01&to=2025-03-31&status=scheduled"
    form = _feature_form(client.get(url).get_data(as_text=True), centre["m1"])
    response = poster.post(f"/sessions/{centre['m1']}/featured", form, htmx=False)
    assert response.status_code == 303
    assert response.headers["Location"] == url
    assert full_row(app, centre["m1"])["is_featured"] is True


def test_a_stale_row_is_refreshed_with_a_notice_and_nothing_changes(app, client, centre):
    from tests.integration.edits_support import full_row, login

    poster = login(client, "boss@test.example")
    url = f"{LIST}?from=2025-03-01&to=2025-03-31"
    form = _feature_form(client.get(url).get_data(as_text=True), centre["p1"])
    form["version"] = "2001-01-01T00:00:00"
    before = full_row(app, centre["p1"])
    response = poster.post(f"/sessions/{centre['p1']}/featured", form)
    assert response.status_code == 409
    assert full_row(app, centre["p1"]) == before
    body = response.get_data(as_text=True)
    assert (
        f'<tr id="row-session-{centre["p1"]}" data-session-id="{centre["p1"]}" hx-swap-oob="true">'
        in body
    )
    assert 'role="alert">' in body.split("<template>")[1]


CLEAR_LINK = '<a id="clear-filters" href="/coordinator/sessions">Clear filters</a>'


@pytest.mark.parametrize(
    ("query", "offered"),
    [
        ("", False),  # the default list: nothing to clear
        ("?sort=tutor&dir=desc&page=1", False),  # sorting is not a filter
        ("?status=completed", True),
        ("?q=physics", True),
        ("?featured=yes", True),
        ("?from=&to=", True),  # every date instead of the default window
        ("?from=2025-03-01", True),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_clear_filters_is_offered_only_when_a_filter_is_set(
    client, auth, centre, query, offered, htmx
):
    auth.login("boss@test.example")
    headers = {"HX-Request": "true"} if htmx else {}
    page = client.get(LIST + query, headers=headers).get_data(as_text=True)
    assert (CLEAR_LINK in page) is offered
    # in the results block, which htmx swaps when a filter changes
    assert page.count("Clear filters") == (1 if offered else 0)


@pytest.mark.parametrize(
    ("query", "clean"),
    [
        # the filter form without JavaScript: every field is sent, unset ones empty
        ("?q=&tutor=&student=&course=&status=completed&priority=&featured=", "?status=completed"),
        ("?q=&tutor=&status=", ""),
        # empty dates mean "no bound" and stay; default sort and page go with the empties
        ("?q=art&tutor=&from=&to=&sort=date&dir=asc&page=1", "?q=art&from=&to="),
        ("?status=&from=2025-03-01&to=", "?from=2025-03-01&to="),
    ],
)
def test_empty_filters_are_redirected_to_the_short_address(client, auth, centre, query, clean):
    auth.login("boss@test.example")
    response = client.get(LIST + query)
    assert response.status_code == 302
    assert response.headers["Location"] == LIST + clean  # the same path, always
    assert client.get(response.headers["Location"]).status_code == 200


def test_htmx_is_told_the_short_address_to_push(client, auth, centre):
    auth.login("boss@test.example")
    response = client.get(LIST + "?q=&tutor=&status=completed&from=&to=", headers=HTMX)
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
    assert response.headers["HX-Push-Url"] == LIST + "?status=completed&from=&to="
    # an address that is already short is pushed as htmx asked for it
    response = client.get(LIST + "?status=completed&from=&to=", headers=HTMX)
    assert "HX-Push-Url" not in response.headers


@pytest.mark.parametrize(
    "query", ["?from=&to=", "?sort=date&dir=desc", "?tutor=&from=2025-03-09&to=2025-03-01"]
)
def test_addresses_without_empty_filters_or_with_errors_are_answered_in_place(
    client, auth, centre, query
):
    auth.login("boss@test.example")
    response = client.get(LIST + query)
    assert response.status_code in (200, 400) and "Location" not in response.headers
