"""The calendars in Chromium (issue 12): a to-scale time grid, the session popover,
save on change, the centre calendar, and pages that fit a laptop and a phone.

Geometry is measured on the rendered page: every hour row the same height, and a
block's top and height proportional to its start and length. Tests that change data
use sessions of their own (``scratch``) weeks past the demo's.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.e2e

TUTOR = "tutor1@example.com"
COORDINATOR = "coordinator@example.com"
LAPTOP = {"width": 1366, "height": 768}


def week_of(demo_ids, day) -> str:
    return f"/tutors/{demo_ids[TUTOR]}/calendar?view=week&date={day.isoformat()}"


def open_card(page_as, scratch, demo_ids, weeks: int):
    """A tutor's new 10:00 session ``weeks`` ahead, its card opened in the week's popover.

    Returns (page, session id, the card in the dialog).
    """
    day = scratch.day(weeks, weekday=1)
    session_id = scratch.session(day, time(10))
    page = page_as(TUTOR, viewport=LAPTOP)
    page.goto(week_of(demo_ids, day))
    page.locator(f"#block-{session_id}").click()
    card = page.locator(f"dialog #session-{session_id}")
    expect(card).to_be_visible()
    return page, session_id, card


def box(page, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found, selector
    return found


def test_week_grid_is_to_scale(page_as, scratch, demo_ids, screenshot):
    day = scratch.day(50, weekday=1)
    half = scratch.session(day, time(9), minutes=30)
    hour = scratch.session(day, time(11), minutes=60)
    long = scratch.session(day, time(14), minutes=90)
    left = scratch.session(scratch.day(50, weekday=3), time(10), minutes=60)
    right = scratch.session(scratch.day(50, weekday=3), time(10, 30), minutes=60)
    page = page_as(TUTOR, viewport=LAPTOP)
    page.goto(week_of(demo_ids, day))

    hours = page.locator(".tg-hour")
    heights = [hours.nth(i).bounding_box()["height"] for i in range(hours.count())]
    assert hours.count() == 12  # 08:00–20:00
    assert max(heights) - min(heights) <= 1, heights
    hour_px = sum(heights) / len(heights)
    assert hour_px >= 30  # readable, yet 12 hours fit the screen
    origin = hours.first.bounding_box()["y"]  # the top of 08:00

    for session_id, start_hour, minutes in ((half, 9, 30), (hour, 11, 60), (long, 14, 90)):
        placed = box(page, f"#block-{session_id}")
        assert abs(placed["y"] - (origin + (start_hour - 8) * hour_px)) <= 2, session_id
        assert abs(placed["height"] - minutes / 60 * hour_px) <= 2, (session_id, placed)

    a, b = box(page, f"#block-{left}"), box(page, f"#block-{right}")
    assert abs(a["y"] - (origin + 2 * hour_px)) <= 2
    assert abs(b["y"] - (origin + 2.5 * hour_px)) <= 2
    assert abs(a["height"] - hour_px) <= 2 and abs(b["height"] - hour_px) <= 2
    assert a["x"] + a["width"] <= b["x"] + 1  # side by side, not on top of each other
    assert page.locator(".time-grid select, .time-grid button").count() == 0
    screenshot(page, "tutor-calendar-week-scale")


def test_demo_week_fits_a_laptop_screen(page_as, demo_ids, screenshot):
    page = page_as(TUTOR, viewport=LAPTOP)
    page.goto(f"/tutors/{demo_ids[TUTOR]}/calendar?view=week")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= LAPTOP["height"] + 50, height  # at most one short scroll (~30 px)
    grid = box(page, ".time-grid")
    assert grid["height"] <= LAPTOP["height"] - 100
    # The "now" line is on today's column while the time is within the grid's hours
    # (08:00–20:00 here): after 20:00 or before 08:00 there is none.
    hours = [int(label[:2]) for label in page.locator(".tg-hour").all_inner_texts()]
    now = datetime.now(ZoneInfo("Europe/London"))  # the demo tutor's zone
    within = hours[0] <= now.hour <= hours[-1]
    today_shown = page.locator(".tg-col.today").count() == 1
    assert page.locator(".tg-now").count() == (1 if today_shown and within else 0)


@pytest.mark.parametrize("how", ["click", "keyboard"])
def test_popover_saves_on_change_and_gives_focus_back(page_as, scratch, demo_ids, how):
    day = scratch.day(-51, weekday=2)  # attendance is taken from the start: a past lesson
    session_id = scratch.session(day, time(10))
    page = page_as(TUTOR, viewport=LAPTOP)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(week_of(demo_ids, day))
    block = page.locator(f"#block-{session_id}")
    if how == "click":
        block.click()
    else:
        block.focus()
        page.keyboard.press("Enter")
    dialog = page.locator("dialog#session-popover")
    expect(dialog).to_be_visible()
    card = dialog.locator(f"#session-{session_id}")
    expect(card.get_by_role("button", name="Save attendance")).to_be_hidden()

    control = card.get_by_label("Student attendance")
    control.focus()  # as a user's click or Tab would
    control.select_option("late")
    expect(card.get_by_role("status")).to_have_text("Saved")
    expect(dialog.get_by_label("Student attendance")).to_be_focused()
    assert scratch.get(session_id).student_attendance_status == "late"
    expect(page.locator(f"#block-{session_id}")).to_contain_text("S late")  # block refreshed

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator(f"#block-{session_id}")).to_be_focused()
    assert errors == []  # no htmx:oobErrorNoTarget: only the parts this page has came back


def test_close_button_returns_focus_and_links_are_there(page_as, scratch, demo_ids):
    day = scratch.day(51, weekday=4)
    session_id = scratch.session(day, time(15))
    page = page_as(TUTOR, viewport=LAPTOP)
    page.goto(f"/tutors/{demo_ids[TUTOR]}/calendar?view=month&date={day.isoformat()}")
    day_links = page.locator(".mg-date a").evaluate_all(
        "links => links.map(a => [a.getBoundingClientRect().width,"
        " a.getBoundingClientRect().height])"
    )
    assert min(min(size) for size in day_links) >= 24  # Lighthouse's target size
    page.locator(f"#block-{session_id}").click()
    dialog = page.locator("dialog#session-popover")
    for name in ("Edit", "Reschedule", "Cancel", "Complete", "Add to calendar (.ics)"):
        expect(dialog.get_by_role("link", name=name, exact=True)).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(f"#block-{session_id}")).to_be_focused()


def test_without_javascript_a_block_opens_the_session_page(page_as, scratch, demo_ids):
    day = scratch.day(-52, weekday=1)  # a past lesson, whose attendance may be taken
    session_id = scratch.session(day, time(10))
    page = page_as(TUTOR, javascript=False, viewport=LAPTOP)
    page.goto(week_of(demo_ids, day))
    page.locator(f"#block-{session_id}").click()
    page.wait_for_url(re.compile(rf"/sessions/{session_id}$"))
    card = page.locator(f"#session-{session_id}")
    card.get_by_label("Student attendance").select_option("absent")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        card.get_by_role("button", name="Save attendance").click()
    assert posted.value.status == 303
    page.wait_for_load_state()
    expect(page.locator(".flash")).to_have_text(re.compile(r": saved\.$"))
    assert scratch.get(session_id).student_attendance_status == "absent"


def test_centre_calendar_labels_blocks_by_tutor(page_as, demo_ids, screenshot):
    page = page_as(COORDINATOR, viewport=LAPTOP)
    page.goto("/coordinator/sessions")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Calendar", exact=True
    ).click()
    page.wait_for_url(re.compile(r"/calendar$"))
    screenshot(page, "coordinator-header")
    assert box(page, "body > header nav")["height"] <= 80  # one row at 1366 px
    page.get_by_role("link", name="Week", exact=True).click()
    expect(page.locator("#view-week")).to_have_attribute("aria-current", "page")
    blocks = page.locator(".cal-block")
    expect(blocks.first).to_be_visible()
    tutors = {blocks.nth(i).locator(".b-tutor").inner_text() for i in range(blocks.count())}
    assert len(tutors) >= 2  # several tutors, each named in their blocks
    screenshot(page, "centre-calendar-week")

    page.get_by_label("Tutor").select_option(label="Tom Tutor")
    expect(page).to_have_url(re.compile(rf"tutor={demo_ids[TUTOR]}"))
    expect(page.get_by_role("button", name="Apply filters")).to_be_hidden()
    names = {blocks.nth(i).locator(".b-tutor").inner_text() for i in range(blocks.count())}
    assert names <= {" · Tom Tutor"}


CONSOLE_PAGES = [
    (TUTOR, "/tutors/{tutor1}/calendar"),
    (TUTOR, "/tutors/{tutor1}/calendar?view=week"),
    (TUTOR, "/tutors/{tutor1}/calendar?view=day"),
    (TUTOR, "/tutors/{tutor1}/calendar?view=agenda"),
    (COORDINATOR, "/calendar?view=week"),
    (COORDINATOR, "/coordinator/sessions"),
    (COORDINATOR, "/whiteboards"),
    ("student1@example.com", "/students/{student1}/upcoming"),
    ("parent1@example.com", "/parents/{parent1}/upcoming"),
    (TUTOR, "/sessions/{session}"),
    (COORDINATOR, "/sessions/{session}"),
    (TUTOR, "/sessions/{session}/edit"),
    (COORDINATOR, "/admin/people"),
    (COORDINATOR, "/admin/courses"),
    (COORDINATOR, "/admin/enrolments"),
    (COORDINATOR, "/admin/people/{tutor1}"),
    (COORDINATOR, "/admin/outbox"),
]


def _short_ids(live_app, demo_ids) -> dict[str, int]:
    """Demo ids by short name, and ``session``: tutor 1's first (recurring if any) session."""
    import sqlalchemy as sa

    from dashboard.extensions import db
    from dashboard.models import EnrolledCourse, Session

    with live_app.app_context():
        session = db.session.scalar(
            sa.select(Session.id)
            .join(EnrolledCourse, EnrolledCourse.id == Session.enrolled_courses_id)
            .where(EnrolledCourse.tutor_id == demo_ids[TUTOR])
            .order_by(Session.is_recurring.desc(), Session.id)
            .limit(1)
        )
    return {**{email.split("@")[0]: id_ for email, id_ in demo_ids.items()}, "session": session}


@pytest.mark.parametrize(("email", "path"), CONSOLE_PAGES)
def test_no_console_errors_and_no_sideways_scroll_on_a_phone(
    page_as, live_app, demo_ids, email, path
):
    errors: list[str] = []
    page = page_as(email, viewport=PHONE)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.format(**_short_ids(live_app, demo_ids)))
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} is {width}px wide"
    header = box(page, "body > header nav")
    assert header["height"] <= 80, "the header takes one row (a menu) on a phone"
    assert errors == []


def test_an_agenda_save_logs_no_errors(page_as, scratch, demo_ids):
    day = scratch.day(53, weekday=1)
    session_id = scratch.session(day, time(9))
    errors: list[str] = []
    page = page_as(TUTOR, viewport=LAPTOP)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"/tutors/{demo_ids[TUTOR]}/calendar?view=agenda&date={day.isoformat()}")
    card = page.locator(f"#session-{session_id}")
    control = card.get_by_label("Priority")
    control.focus()
    control.select_option("high")
    expect(card.get_by_role("status")).to_have_text("Saved")
    expect(page.locator(f"#priority-{session_id}")).to_be_focused()
    assert errors == []  # no htmx:oobErrorNoTarget


def test_schedule_list_fits_a_laptop_and_saves_in_the_row(page_as, scratch, screenshot):
    day = scratch.day(54, weekday=2)
    session_id = scratch.session(day, time(12))
    page = page_as(COORDINATOR, viewport=LAPTOP)
    page.goto("/coordinator/sessions")
    screenshot(page, "coordinator-sessions-laptop")
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    table = page.locator(".results .overflow-auto")
    widths = table.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1], f"the table scrolls sideways: {widths}"
    heights = page.locator(".results tbody tr").evaluate_all(
        "rows => rows.map(r => r.getBoundingClientRect().height)"
    )
    assert max(heights) <= 2 * min(heights), heights  # one line each
    first_rows = box(page, ".results tbody tr:nth-child(3)")  # the filters leave room
    assert first_rows["y"] + first_rows["height"] <= LAPTOP["height"], first_rows
    expect(page.get_by_role("button", name="Apply filters")).to_be_hidden()

    page.goto(f"/coordinator/sessions?from={day.isoformat()}&to={day.isoformat()}")
    expect(page.locator("details.filter-panel")).to_have_js_property("open", True)
    row = page.locator(f"#row-session-{session_id}")
    control = row.get_by_label(re.compile("^Priority of"))
    control.focus()
    control.select_option("urgent")
    expect(row.get_by_role("status")).to_have_text("Saved")
    expect(page.locator(f"#row-priority-{session_id}")).to_be_focused()
    assert scratch.get(session_id).priority_level == "urgent"

    page.goto(f"/coordinator/sessions?status=scheduled&from={day.isoformat()}")
    expect(page.locator("details.filter-panel")).to_have_js_property("open", False)
    expect(page.locator("details.filter-panel > summary")).to_contain_text("status scheduled")


def test_a_refused_save_says_why_next_to_the_control(page_as, scratch, live_app, demo_ids):
    _page, session_id, card = open_card(page_as, scratch, demo_ids, 55)
    with live_app.app_context():  # someone deletes the session meanwhile
        import sqlalchemy as sa

        from dashboard.extensions import db
        from dashboard.models import Session

        db.session.execute(sa.delete(Session).where(Session.id == session_id))
        db.session.commit()
    card.get_by_label("Priority").select_option("high")
    expect(card.locator(".edit-priority .edit-feedback.invalid")).to_have_text(
        f"There is no session #{session_id}."
    )


@pytest.mark.parametrize("path", ["/tutors/{tutor1}/calendar?view=week", "/calendar?view=month"])
def test_calendar_toolbar_stays_inside_the_page(page_as, live_app, demo_ids, path):
    """Pico's negative nav margins once pushed "Agenda" past the edge and glued Next to Month."""
    page = page_as(COORDINATOR if path.startswith("/calendar") else TUTOR, viewport=LAPTOP)
    page.goto(path.format(**_short_ids(live_app, demo_ids)))
    toolbar = box(page, ".cal-toolbar")
    dates, views = box(page, ".cal-nav:not(.cal-views) ul"), box(page, ".cal-views ul")
    assert views["x"] + views["width"] <= toolbar["x"] + toolbar["width"] + 0.5
    if abs(dates["y"] - views["y"]) < 1:  # on one line: apart, not touching
        assert views["x"] - (dates["x"] + dates["width"]) >= 8


def test_a_session_page_with_its_change_history_fits_a_phone(page_as, scratch):
    session_id = scratch.session(scratch.day(56, weekday=2), time(16))
    page = page_as(TUTOR, viewport=PHONE)
    page.goto(f"/sessions/{session_id}")
    card = page.locator(f"#session-{session_id}")
    history = page.locator(f"#session-history-{session_id}")
    for level in ("high", "urgent"):
        control = card.get_by_label("Priority")
        control.select_option(level)
        expect(card.get_by_role("status")).to_have_text("Saved")
        # The next change only once this one is in the history: a change made before the
        # answer's card replaces the old one would carry the old version (a 409).
        expect(history).to_contain_text(level)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the session page is {width}px wide with its history"


def test_block_marks_show_without_an_emoji_font(page_as, scratch, demo_ids):
    """The reminder mark is drawn (CSS), not an emoji that shows as a box without an emoji font."""
    day = scratch.day(57, weekday=4)
    session_id = scratch.session(day, time(10), notification_enabled=True, is_featured=True)
    page = page_as(TUTOR, viewport=LAPTOP)
    page.goto(week_of(demo_ids, day))
    block = page.locator(f"#block-{session_id}")
    text = block.inner_text()
    assert not [c for c in text if ord(c) > 0xFFFF], f"astral-plane (emoji) text in {text!r}"
    bell = block.locator(".mark[title='Reminder on']")
    assert bell.bounding_box()["width"] >= 8
    assert bell.evaluate("e => getComputedStyle(e).backgroundImage").startswith("url(")


def test_people_search_has_no_stray_button_with_javascript(page_as):
    """It searches as one types; the "Search" button (no-JS only) once filled a third of the row."""
    page = page_as(COORDINATOR, viewport=LAPTOP)
    page.goto("/admin/people")
    expect(page.get_by_role("button", name="Search")).to_be_hidden()
    page.get_by_label("Name or email").fill("parent")
    expect(page.locator("#people-results")).to_contain_text("2 people")


def test_schedule_rows_offer_only_the_attendance_the_session_accepts(page_as, scratch):
    """As in the popover: before the start only "excused", one person at a time (a row's two
    drop-downs were always refused, since they also sent the other's "present"); none when
    cancelled."""
    day = scratch.day(58, weekday=2)
    ahead = scratch.session(day, time(9))
    cancelled = scratch.session(day, time(11), status="cancelled")
    page = page_as(COORDINATOR, viewport=LAPTOP)
    page.goto(f"/coordinator/sessions?from={day.isoformat()}&to={day.isoformat()}")
    row = page.locator(f"#row-session-{ahead}")
    expect(row.locator(".attendance-cell select")).to_have_count(0)
    row.get_by_role("button", name=re.compile(r"^Excuse S")).focus()
    page.keyboard.press("Enter")
    expect(row.get_by_role("status")).to_have_text("Saved")
    expect(row.locator(".attendance-cell")).to_contain_text("S excused")
    # the button used is gone: the focus goes to the row's other attendance button
    expect(page.locator(f"#row-tutor-excused-{ahead}")).to_be_focused()
    assert scratch.get(ahead).student_attendance_status == "excused"
    assert scratch.get(ahead).tutor_attendance_status == "present"
    gone = page.locator(f"#row-session-{cancelled} .attendance-cell")
    expect(gone.locator("select, button")).to_have_count(0)


def test_a_centre_calendar_filter_keeps_the_focus(page_as):
    """Choosing a filter swaps the whole calendar section; the drop-down keeps the focus."""
    page = page_as(COORDINATOR, viewport=LAPTOP)
    page.goto("/calendar?view=month")
    tutor = page.get_by_label("Tutor")
    tutor.focus()
    tutor.select_option(label="Tara Tutor")
    expect(page).to_have_url(re.compile(r"tutor=\d+"))
    expect(page.get_by_label("Tutor")).to_be_focused()
    assert "=&" not in page.url and not page.url.endswith("="), page.url  # no empty filters


@pytest.mark.parametrize("refusal", ["403", "400"])
def test_a_forbidden_or_expired_save_says_why_next_to_the_control(
    page_as, scratch, live_app, demo_ids, refusal
):
    """Not only 422/409: a 403 (no right) or a 400 (expired form) answer is said in the card."""
    import sqlalchemy as sa

    from dashboard.extensions import db
    from dashboard.models import EnrolledCourse, Session

    page, session_id, card = open_card(page_as, scratch, demo_ids, 59)
    if refusal == "403":  # the post lands on another tutor's session (as if reassigned)
        with live_app.app_context():
            others = db.session.scalar(
                sa.select(Session.id)
                .join(EnrolledCourse, EnrolledCourse.id == Session.enrolled_courses_id)
                .where(EnrolledCourse.tutor_id == demo_ids["tutor2@example.com"])
                .limit(1)
            )
        page.route(
            f"**/sessions/{session_id}/priority",
            lambda route: route.continue_(
                url=route.request.url.replace(f"/sessions/{session_id}/", f"/sessions/{others}/")
            ),
        )
        expected = "You do not have access to this session."
    else:
        card.locator("form.edit-priority input[name=csrf_token]").evaluate("i => i.value = 'x'")
        expected = "This form has expired. Please reload the page and try again."
    control = card.get_by_label("Priority")
    control.focus()
    control.select_option("high")
    expect(card.locator(".edit-priority .edit-feedback.invalid")).to_have_text(expected)
    expect(control).to_be_focused()
    assert scratch.get(session_id).priority_level == "medium"


def test_the_phone_menu_closes_on_escape_and_outside_clicks(page_as):
    page = page_as(TUTOR, viewport=PHONE)
    page.goto("/")
    menu = page.locator("body > header details.nav-menu")
    summary = menu.locator("summary")
    summary.click()
    expect(menu).to_have_js_property("open", True)
    expect(menu.get_by_role("link", name="Reports")).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).to_have_js_property("open", False)
    expect(summary).to_be_focused()
    summary.click()
    page.mouse.click(10, PHONE["height"] - 10)  # on the page, away from the open menu
    expect(menu).to_have_js_property("open", False)


def test_centre_week_fits_a_laptop_screen_under_its_filters(page_as):
    page = page_as(COORDINATOR, viewport=LAPTOP)
    page.goto("/calendar?view=week")
    filters = box(page, ".cal-filters")
    assert filters["height"] <= 45, filters  # one short row of labelled drop-downs
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= LAPTOP["height"] + 80, height  # one short scroll (~70 px) under the filters


def test_popover_links_follow_the_sessions_state(page_as, scratch, demo_ids):
    """No "Cancel"/"Complete" on a cancelled session; a completed one offers its notes."""
    day = scratch.day(-52, weekday=3)
    done = scratch.session(day, time(9), status="completed")
    called_off = scratch.session(day, time(12), status="cancelled")
    page = page_as(TUTOR, viewport=LAPTOP)
    page.goto(week_of(demo_ids, day))
    dialog = page.locator("dialog#session-popover")
    page.locator(f"#block-{done}").click()
    expect(dialog.get_by_role("link", name="Completion notes")).to_be_visible()
    expect(dialog.get_by_role("link", name="Complete", exact=True)).to_have_count(0)
    page.keyboard.press("Escape")
    page.locator(f"#block-{called_off}").click()
    expect(dialog.get_by_role("link", name="All details")).to_be_visible()
    expect(dialog.get_by_role("link", name="Cancel", exact=True)).to_have_count(0)
    expect(dialog.get_by_role("link", name="Complete", exact=True)).to_have_count(0)


def test_centre_filters_are_even_columns_on_a_phone(page_as):
    page = page_as(COORDINATOR, viewport=PHONE)
    page.goto("/calendar?view=week")
    widths = page.locator(".cal-filters select").evaluate_all(
        "selects => selects.map(s => s.getBoundingClientRect().width)"
    )
    assert len(widths) == 4 and max(widths) - min(widths) <= 1, widths
