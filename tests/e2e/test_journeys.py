"""Journeys through the read pages in Chromium, with JavaScript (htmx) and without.

The live app holds the demo centre (25 sessions around today, London time).
With JavaScript, navigation must be htmx swaps (the page is not reloaded: a
marker set on ``window`` survives) that push the URL, and Back must restore
what was shown. Without JavaScript the same links and forms work as plain
page loads.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from playwright.sync_api import expect

from dashboard.extensions import db
from dashboard.models import EnrolledCourse, Session
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.e2e

LONDON = ZoneInfo("Europe/London")
MODES = [pytest.param(True, id="js"), pytest.param(False, id="no-js")]


def today() -> date:
    return datetime.now(LONDON).date()


def session_ids(live_app, tutor_id: int, first: date, last: date) -> set[int]:
    """Ids of the tutor's demo sessions between two dates (London = viewer zone here)."""
    with live_app.app_context():
        return set(
            db.session.scalars(
                sa.select(Session.id)
                .join(EnrolledCourse, EnrolledCourse.id == Session.enrolled_courses_id)
                .where(
                    EnrolledCourse.tutor_id == tutor_id, Session.session_date.between(first, last)
                )
            )
        )


def shown_sessions(page) -> set[int]:
    """Ids of the sessions linked from the calendar (chips and cards)."""
    hrefs = page.locator("#calendar a[href^='/sessions/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return {int(h.rsplit("/", 1)[1]) for h in hrefs}


def assert_month_shows(page, expected: set[int]) -> None:
    """A month shows up to three chips a day, then "+N more": the chips plus the Ns add up."""
    shown = shown_sessions(page)
    more = page.locator(".chip-more a").evaluate_all(
        "links => links.map(a => parseInt(a.textContent.replace('+', ''), 10))"
    )
    assert shown <= expected
    assert len(shown) + sum(more) == len(expected)


def mark_page(page, javascript: bool) -> None:
    if javascript:
        page.evaluate("window.__stillHere = true")


def assert_not_reloaded(page, javascript: bool) -> None:
    """With JS the navigation was an htmx swap: the marker on window survived."""
    if javascript:
        assert page.evaluate("window.__stillHere === true"), "the page was reloaded"


def wait_for_view(page, view: str, anchor: date) -> None:
    """Wait until the calendar shows ``view`` around ``anchor`` (the swap has landed)."""
    expect(page.locator("#calendar")).to_have_class(re.compile(rf"\bview-{view}\b"))
    expect(page.locator("#view-month")).to_have_attribute(
        "href", re.compile(rf"date={anchor.isoformat()}$")
    )


def month_grid_range(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    last = first + relativedelta(months=1) - timedelta(days=1)
    return first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday())


@pytest.mark.parametrize("javascript", MODES)
def test_tutor_moves_through_months_and_weeks(page_as, sign_in, live_app, demo_ids, javascript):
    tutor = demo_ids["tutor1@example.com"]
    page = page_as(None, javascript=javascript)
    sign_in(page, "tutor1@example.com")
    assert page.url.endswith(f"/tutors/{tutor}/calendar")
    heading = page.locator("#calendar-heading")
    assert heading.inner_text() == f"{today():%B %Y}"
    assert_month_shows(page, session_ids(live_app, tutor, *month_grid_range(today())))
    mark_page(page, javascript)

    next_month = today() + relativedelta(months=1)
    page.get_by_role("link", name="Next month").click()
    page.wait_for_url(re.compile(rf"date={next_month.isoformat()}"))
    expect(heading).to_have_text(f"{next_month:%B %Y}")
    assert_month_shows(page, session_ids(live_app, tutor, *month_grid_range(next_month)))
    assert_not_reloaded(page, javascript)

    page.get_by_role("link", name="Previous month").click()
    page.get_by_role("link", name="Previous month").click()
    previous = today() - relativedelta(months=1)
    page.wait_for_url(re.compile(rf"date={previous.isoformat()}"))
    expect(heading).to_have_text(f"{previous:%B %Y}")

    page.go_back()
    page.wait_for_url(re.compile(rf"view=month&date={today().isoformat()}"))
    expect(heading).to_have_text(f"{today():%B %Y}")
    page.go_back()
    page.wait_for_url(re.compile(rf"date={next_month.isoformat()}"))
    expect(heading).to_have_text(f"{next_month:%B %Y}")
    assert_month_shows(page, session_ids(live_app, tutor, *month_grid_range(next_month)))

    # Weeks: switch view, then step forward one week.
    page.get_by_role("link", name="Today").click()
    page.wait_for_url(re.compile(r"calendar\?view=month$"))
    wait_for_view(page, "month", today())
    page.get_by_role("link", name="Week", exact=True).click()
    page.wait_for_url(re.compile(rf"view=week&date={today().isoformat()}"))
    wait_for_view(page, "week", today())
    monday = today() - timedelta(days=today().weekday())
    assert shown_sessions(page) == session_ids(live_app, tutor, monday, monday + timedelta(days=6))
    page.get_by_role("link", name="Next week").click()
    page.wait_for_url(re.compile(rf"date={(today() + timedelta(days=7)).isoformat()}"))
    wait_for_view(page, "week", today() + timedelta(days=7))
    following = monday + timedelta(days=7)
    assert shown_sessions(page) == session_ids(
        live_app, tutor, following, following + timedelta(days=6)
    )
    assert_not_reloaded(page, javascript)
    page.go_back()
    page.wait_for_url(re.compile(rf"view=week&date={today().isoformat()}"))
    wait_for_view(page, "week", today())
    assert shown_sessions(page) == session_ids(live_app, tutor, monday, monday + timedelta(days=6))

    # A day from the week, then a session: its popover with JavaScript, else its page.
    page.get_by_role("link", name="Day", exact=True).click()
    page.wait_for_url(re.compile(r"view=day"))
    wait_for_view(page, "day", today())
    todays = session_ids(live_app, tutor, today(), today())
    assert shown_sessions(page) == todays
    first = min(todays)
    page.locator(f"#calendar a[href='/sessions/{first}']").first.click()
    if javascript:
        popover = page.locator("dialog#session-popover")
        expect(popover.locator(f"#session-{first}")).to_be_visible()
        popover.get_by_role("link", name="All details").click()
    page.wait_for_url(re.compile(rf"/sessions/{first}$"))
    expect(page.get_by_role("heading", name="All details")).to_be_visible()


def test_url_of_every_calendar_view_opens_directly(page_as, demo_ids):
    tutor = demo_ids["tutor1@example.com"]
    page = page_as("tutor1@example.com")
    for view in ("month", "week", "day", "agenda"):
        response = page.goto(f"/tutors/{tutor}/calendar?view={view}&date=2025-03-30")
        assert response.status == 200
        assert page.locator("a[aria-current='page']", has_text=view.capitalize()).count() == 1
    response = page.goto(f"/tutors/{tutor}/calendar?view=fortnight")
    assert response.status == 400


def test_calendar_on_a_phone(page_as, demo_ids):
    tutor = demo_ids["tutor1@example.com"]
    page = page_as("tutor1@example.com", viewport=PHONE)
    for view in ("month", "week"):
        page.goto(f"/tutors/{tutor}/calendar?view={view}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{view} view scrolls sideways ({width}px)"
    page.goto(f"/tutors/{tutor}/calendar?view=month")
    assert not page.locator(".mg-weekdays").is_visible()  # the grid became a list
    assert page.locator(".mg-day.today").is_visible()


@pytest.mark.parametrize("javascript", MODES)
def test_student_sees_upcoming_and_past(page_as, sign_in, demo_ids, javascript):
    student = demo_ids["student1@example.com"]
    page = page_as(None, javascript=javascript)
    sign_in(page, "student1@example.com")
    assert page.url.endswith(f"/students/{student}/upcoming")
    assert page.get_by_role("heading", name="Next sessions").is_visible()
    assert page.locator(".featured-strip article").count() >= 1
    first_when = page.locator("ol.timeline .when time").first.inner_text()
    assert re.fullmatch(r"Now|In \d+ (minute|hour)s?|Tomorrow|In \d+ days", first_when)
    mark_page(page, javascript)

    page.get_by_role("link", name="Past").click()
    page.wait_for_url(re.compile(r"\?tab=past$"))
    expect(page.get_by_role("heading", name="Past sessions")).to_be_visible()
    expect(page.get_by_text("Covered: Fractions.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Attendance: Sam Student")).first).to_be_visible()
    assert_not_reloaded(page, javascript)

    page.go_back()
    page.wait_for_url(re.compile(r"/upcoming$"))
    expect(page.get_by_role("heading", name="Next sessions")).to_be_visible()


@pytest.mark.parametrize("javascript", MODES)
def test_parent_sees_both_children(page_as, sign_in, demo_ids, javascript):
    page = page_as(None, javascript=javascript)
    sign_in(page, "parent1@example.com")
    assert page.url.endswith(f"/parents/{demo_ids['parent1@example.com']}/upcoming")
    labels = set(page.locator("ol.timeline .child-label").all_inner_texts())
    assert labels == {"Sam Student", "Sofia Student"}
    page.get_by_role("link", name="Past").click()
    page.wait_for_url(re.compile(r"\?tab=past$"))
    expect(page.get_by_role("heading", name="Past sessions")).to_be_visible()
    labels = set(page.locator("ol.timeline .child-label").all_inner_texts())
    assert labels == {"Sam Student", "Sofia Student"}
    page.get_by_role("link", name="Sofia Student").first.click()
    page.wait_for_url(re.compile(rf"/students/{demo_ids['student2@example.com']}/upcoming"))


def result_courses(page) -> list[str]:
    return page.locator("#results tbody tr td:nth-child(2)").all_inner_texts()


@pytest.mark.parametrize("javascript", MODES)
def test_coordinator_filters_and_searches(page_as, sign_in, javascript):
    page = page_as(None, javascript=javascript)
    sign_in(page, "coordinator@example.com")
    assert page.url.endswith("/coordinator/sessions")
    count = page.locator("#result-count")
    window = re.compile(r"^Showing 1–\d+ of \d+ sessions from \w{3} \d+ \w{3} \d{4} to ")
    expect(count).to_have_text(window)
    mark_page(page, javascript)

    search = page.get_by_label("Search course, student, tutor or topic")
    if javascript:
        search.press_sequentially("physics", delay=20)  # active search: no button press
    else:
        search.fill("physics")
        page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"q=physics"))
    page.wait_for_function(
        "() => document.querySelector('#result-count').textContent.includes('matching')"
    )
    assert set(result_courses(page)) == {"A-level Physics"}
    expect(count).to_have_text(re.compile(r"^Showing 1–\d+ of \d+ sessions matching “physics”"))
    assert_not_reloaded(page, javascript)

    page.get_by_label("Status").select_option("completed")
    if not javascript:
        page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"status=completed"))
    # the short address, not every field of the form: "?status=completed&q=physics"
    assert not re.search(r"[?&][a-z]+=(&|$)", page.url), page.url
    expect(page.locator("#filter-status")).to_have_value("completed")
    expect(page.locator("#results tbody tr td:nth-child(6)").first).to_have_text("completed")
    statuses = page.locator("#results tbody tr td:nth-child(6)").all_inner_texts()
    assert statuses and set(statuses) == {"completed"}

    page.get_by_role("link", name="Priority").click()
    page.wait_for_url(re.compile(r"sort=priority"))
    expect(page.locator("th[aria-sort='ascending']")).to_have_text(re.compile(r"^\s*Priority"))
    assert "q=physics" in page.url and "status=completed" in page.url  # filters kept
    assert_not_reloaded(page, javascript)

    page.get_by_role("link", name="Clear filters").click()
    page.wait_for_url(re.compile(r"/coordinator/sessions$"))
    expect(count).to_have_text(window)

    # Every date, through the link in the summary.
    page.get_by_role("link", name="Show all dates").click()
    page.wait_for_url(re.compile(r"from=&to="))
    expect(count).to_have_text(re.compile(r"^Showing 1–25 of 25 sessions on any date\."))


def test_coordinator_sees_why_a_filter_is_refused(page_as):
    # A 400 carries the explanation in the results block; htmx is set to swap it.
    page = page_as("coordinator@example.com")
    page.goto("/coordinator/sessions")
    page.get_by_label("From", exact=True).fill("2025-03-10")
    page.wait_for_url(re.compile(r"from=2025-03-10"))
    page.get_by_label("To", exact=True).fill("2025-03-01")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The 'from' date is after the 'to' date")
    assert page.locator("#results tbody tr").count() == 0
