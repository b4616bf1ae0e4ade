"""Scheduling in Chromium (issue 6): a weekly series from the calendar, cancelling one
occurrence, moving the following ones, the calendar feed, and the pages' accessibility.

The series is made on dates weeks past the demo's and deleted afterwards (the
``scratch`` fixture), so the demo centre other browser tests read stays as it was.
"""

from __future__ import annotations

import re
from datetime import time, timedelta

import icalendar
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from dashboard.extensions import db
from dashboard.models import EnrolledCourse, Session
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.e2e

TUTOR = "tutor1@example.com"
COORDINATOR = "coordinator@example.com"


def agenda(demo_ids, day) -> str:
    return f"/tutors/{demo_ids[TUTOR]}/calendar?view=agenda&date={day.isoformat()}"


def card_ids(page) -> set[int]:
    return {
        int(i)
        for i in page.locator("#calendar .session-card").evaluate_all(
            "cards => cards.map(c => c.dataset.sessionId)"
        )
    }


def start_of(page, session_id: int) -> str:
    return page.locator(f"#session-{session_id} header time").first.inner_text()


def test_tutor_schedules_cancels_and_moves_a_weekly_series(page_as, scratch, demo_ids, screenshot):
    first_day = scratch.day(60, 1)
    page = page_as(TUTOR)
    page.get_by_role("button", name="New session").click()
    page.wait_for_url(re.compile(r"/sessions/new$"))
    form = page.locator("form.session-form")
    form.get_by_label("Enrolled course").select_option(str(scratch.enrolment()))
    form.get_by_label("Date", exact=True).fill(first_day.isoformat())
    form.get_by_label("Start", exact=True).fill("07:30")
    form.get_by_label("End", exact=True).fill("08:30")
    form.get_by_label("Topics (one per line)").fill("Quadratics\nGraphs")
    form.get_by_label("Repeats").select_option("weekly")
    form.get_by_label("Or number of sessions").fill("6")
    form.get_by_role("button", name="Schedule").click()

    page.wait_for_url(re.compile(r"/sessions/\d+$"))
    expect(page.locator(".flash")).to_have_text("6 sessions scheduled.")
    made = scratch.new_sessions()
    assert [s.session_date for s in made] == [first_day + timedelta(weeks=n) for n in range(6)]
    ids = [s.id for s in made]
    assert page.url.endswith(f"/sessions/{ids[0]}")

    # The agenda shows four weeks: the first four of the series.
    page.goto(agenda(demo_ids, first_day))
    assert card_ids(page) == set(ids[:4])
    assert {start_of(page, i) for i in ids[:4]} == {"07:30"}

    # Cancel only the second one, from its edit page.
    page.goto(f"/sessions/{ids[1]}")
    page.get_by_role("link", name=re.compile("^Edit")).click()
    page.wait_for_url(re.compile(rf"/sessions/{ids[1]}/edit$"))
    # Cancelling asks first, naming what each choice cancels, and why.
    page.get_by_role("button", name="Cancel session…").click()
    page.wait_for_url(re.compile(rf"/sessions/{ids[1]}/cancel$"))
    cancel = page.locator("#cancel-session form")
    expect(cancel.get_by_label("This and the 4 following")).to_be_visible()
    expect(cancel.get_by_label("All 6 of the series")).to_be_visible()
    cancel.get_by_label("This session").check()
    cancel.get_by_label("Tutor cancelled").check()
    cancel.get_by_role("button", name="Cancel these sessions").click()
    page.wait_for_url(re.compile(rf"/sessions/{ids[1]}$"))
    expect(page.locator(".flash")).to_have_text("1 session cancelled.")
    expect(page.locator(f"#session-{ids[1]}")).to_have_class(re.compile(r"\bcancelled\b"))
    page.goto(agenda(demo_ids, first_day))
    cancelled = page.locator(f"#session-{ids[1]}")
    expect(cancelled).to_have_class(re.compile(r"\bcancelled\b"))
    decoration = cancelled.locator("header").evaluate(
        "el => getComputedStyle(el).textDecorationLine"
    )
    assert "line-through" in decoration
    for other in (ids[0], ids[2], ids[3]):
        expect(page.locator(f"#session-{other}")).not_to_have_class(re.compile(r"\bcancelled\b"))

    # Move the fourth and the ones after it to 09:30.
    page.goto(f"/sessions/{ids[3]}/edit")
    form = page.locator("form.session-form")
    form.get_by_label("Start", exact=True).fill("09:30")
    form.get_by_label("End", exact=True).fill("10:30")
    form.get_by_label("This and following sessions").check()
    form.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(rf"/sessions/{ids[3]}$"))
    expect(page.locator(".flash")).to_have_text("3 sessions updated.")

    page.goto(agenda(demo_ids, first_day))
    assert [start_of(page, i) for i in ids[:4]] == ["07:30", "07:30", "07:30", "09:30"]
    screenshot(page, "tutor-calendar-series")
    page.goto(agenda(demo_ids, made[3].session_date))
    assert card_ids(page) == set(ids[3:])
    assert [start_of(page, i) for i in ids[3:]] == ["09:30", "09:30", "09:30"]
    statuses = [s.status for s in scratch.new_sessions()]
    assert statuses[1] == "cancelled" and statuses.count("cancelled") == 1

    # Extend it: from the fourth on, weekly for five sessions (two more), on a phone.
    page.set_viewport_size(PHONE)
    page.goto(f"/sessions/{ids[3]}/edit")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    repeat = page.locator("form.repeat-form")
    expect(repeat).to_contain_text("Repeats every week, 3 times")
    repeat.get_by_label("Or number of sessions").fill("5")
    repeat.get_by_role("button", name="Change the series").click()
    page.wait_for_url(re.compile(rf"/sessions/{ids[3]}$"))
    expect(page.locator(".flash")).to_have_text(
        "The series repeats anew: 3 sessions kept, 2 sessions added, 0 sessions cancelled."
    )
    extended = scratch.new_sessions()
    assert [s.session_date for s in extended] == [first_day + timedelta(weeks=n) for n in range(8)]
    assert {s.start_time for s in extended[6:]} == {time(9, 30)}
    assert {tuple(s.topics) for s in extended[6:]} == {("Quadratics", "Graphs")}


def test_calendar_feed_is_a_calendar(page_as):
    page = page_as(TUTOR)
    page.get_by_role("link", name="Calendar feed").click()
    page.wait_for_url(re.compile(r"/account/feed$"))
    url = page.get_by_label("Feed address").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/feeds/[^/]+\.ics", url)
    response = page.request.get(url)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.body())
    events = list(calendar.walk("VEVENT"))
    assert events, "the demo tutor's feed has no sessions"
    assert all(event.get("DTSTART") and event.get("UID") for event in events)


def test_nav_links_by_role(page_as):
    tutor = page_as(TUTOR)
    nav = tutor.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Whiteboards")).to_be_visible()
    expect(nav.get_by_role("link", name="People")).to_have_count(0)
    coordinator = page_as(COORDINATOR)
    nav = coordinator.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Whiteboards")).to_be_visible()
    nav.get_by_role("link", name="People").click()
    coordinator.wait_for_url(re.compile(r"/admin/people$"))
    expect(coordinator.get_by_role("button", name="New session")).to_have_count(0)
    coordinator.goto("/coordinator/sessions")
    coordinator.get_by_role("button", name="New session").click()
    coordinator.wait_for_url(re.compile(r"/sessions/new$"))
    student = page_as("student1@example.com")
    nav = student.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Whiteboards")).to_have_count(0)
    expect(nav.get_by_role("link", name="Calendar feed")).to_be_visible()


@pytest.fixture(scope="module")
def upcoming_session(live_app, demo_ids) -> int:
    """A scheduled demo session of tutor 1, still to come."""
    with live_app.app_context():
        return db.session.scalar(
            sa.select(Session.id)
            .join(EnrolledCourse, EnrolledCourse.id == Session.enrolled_courses_id)
            .where(
                EnrolledCourse.tutor_id == demo_ids[TUTOR],
                Session.status == "scheduled",
                Session.session_date > sa.func.current_date(),
            )
            .order_by(Session.session_date)
            .limit(1)
        )


#: (screenshot name or None, who, path)
PAGES = [
    ("whiteboards", TUTOR, "/whiteboards"),
    (None, TUTOR, "/whiteboards/new"),
    (None, COORDINATOR, "/whiteboards/new"),
    ("session-new", TUTOR, "/sessions/new"),
    ("session-edit", TUTOR, "/sessions/{session}/edit"),
    (None, TUTOR, "/account/feed"),
    (None, COORDINATOR, "/admin/families"),
]


@pytest.mark.parametrize(("name", "email", "path"), PAGES, ids=[f"{p[1]}{p[2]}" for p in PAGES])
def test_scheduling_pages_are_accessible(
    page_as, axe_violations, screenshot, upcoming_session, name, email, path
):
    page = page_as(email, bypass_csp=True)
    response = page.goto(path.format(session=upcoming_session))
    assert response is not None and response.status == 200
    if name:
        screenshot(page, name)
    violations = axe_violations(page)
    assert violations == [], f"{path}: {violations}"
