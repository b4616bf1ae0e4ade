"""Inline edits in Chromium (issue 5): attendance, priority, featuring, whiteboards, bulk.

Each test works on sessions and boards of its own (the ``scratch`` fixture) on
dates weeks past the demo's, so the demo centre other browser tests read stays
as it was. With JavaScript the forms are htmx posts that swap the card; without
it they are plain posts answered with 303 back to the page and a flashed message.
"""

from __future__ import annotations

import re
from datetime import time
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

MODES = [pytest.param(True, id="js"), pytest.param(False, id="no-js")]
TUTOR = "tutor1@example.com"
COORDINATOR = "coordinator@example.com"


def day_view(demo_ids, day) -> str:
    return f"/tutors/{demo_ids[TUTOR]}/calendar?view=day&date={day.isoformat()}"


def save(page, button, javascript: bool) -> None:
    """A Save button: with JS choosing the value saved it already (the button is hidden);
    without JS click it and check the post answered 303 back to this page."""
    if javascript:
        expect(button).to_be_hidden()
        return
    submit(page, button, javascript)


def submit(page, button, javascript: bool) -> None:
    """Click a form's button; without JS, check the post answered 303 back to this page."""
    if javascript:
        button.click()
        return
    before = page.url
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        button.click()
    assert posted.value.status == 303
    page.wait_for_load_state()
    assert page.url == before


@pytest.mark.parametrize("javascript", MODES)
def test_tutor_changes_attendance_on_a_session_card(page_as, scratch, demo_ids, javascript):
    day = scratch.day(-40)  # attendance is taken from the start: a past lesson
    session_id = scratch.session(day, time(10))
    page = page_as(TUTOR, javascript=javascript)
    page.goto(f"/sessions/{session_id}")
    card = page.locator(f"#session-{session_id}")
    card.get_by_label("Student attendance").select_option("absent")
    save(page, card.get_by_role("button", name="Save attendance"), javascript)

    if javascript:
        expect(card.get_by_role("status")).to_have_text("Saved")
    else:
        expect(page.locator(".flash")).to_have_text(re.compile(r": saved\.$"))
    expect(card).to_contain_text("tutor present, student absent")
    page.reload()
    expect(card.get_by_label("Student attendance")).to_have_value("absent")
    expect(card.get_by_label("Tutor attendance")).to_have_value("present")
    assert scratch.get(session_id).student_attendance_status == "absent"


def test_coordinator_features_a_session_for_the_student(page_as, scratch, demo_ids):
    session_id = scratch.session(scratch.day(41), time(16))
    student_page = f"/students/{demo_ids['student1@example.com']}/upcoming"
    strip_item = f"#featured-strip #featured-session-{session_id}"

    coordinator = page_as(COORDINATOR)
    coordinator.goto(f"/sessions/{session_id}")
    card = coordinator.locator(f"#session-{session_id}")
    card.get_by_role("button", name="Feature", exact=True).click()
    expect(card.get_by_role("status")).to_have_text("Saved")
    expect(card.locator(".badge.featured")).to_be_visible()

    student = page_as("student1@example.com")
    student.goto(student_page)
    expect(student.locator(strip_item)).to_be_visible()

    card.get_by_role("button", name="Unfeature").click()
    expect(card.get_by_role("button", name="Feature", exact=True)).to_be_visible()
    expect(card.locator(".badge.featured")).to_have_count(0)
    student.reload()
    expect(student.get_by_role("heading", name="Next sessions")).to_be_visible()
    expect(student.locator(strip_item)).to_have_count(0)
    assert scratch.get(session_id).is_featured is False


@pytest.mark.parametrize("javascript", MODES)
def test_tutor_links_and_unlinks_a_whiteboard(page_as, scratch, javascript):
    session_id = scratch.session(scratch.day(42), time(11))
    board_id = scratch.board("Algebra board")
    page = page_as(TUTOR, javascript=javascript)
    page.goto(f"/sessions/{session_id}")
    card = page.locator(f"#session-{session_id}")
    facts = page.locator("dl.facts")

    card.get_by_label("Whiteboard").select_option(label="Algebra board")
    save(page, card.get_by_role("button", name="Save whiteboard"), javascript)
    expect(card.get_by_role("link", name="Open Algebra board")).to_be_visible()
    page.reload()
    expect(facts.get_by_role("link", name=re.compile("^Algebra board"))).to_have_attribute(
        "href", "https://boards.example.com/algebra-board"
    )
    assert scratch.get(session_id).whiteboard_id == board_id

    card.get_by_label("Whiteboard").select_option(label="No whiteboard")
    save(page, card.get_by_role("button", name="Save whiteboard"), javascript)
    expect(card.get_by_text("No whiteboard linked.")).to_be_visible()
    page.reload()
    expect(facts).to_contain_text("Whiteboard none linked")
    assert scratch.get(session_id).whiteboard_id is None


def test_deleting_a_linked_whiteboard_unlinks_its_sessions(page_as, scratch):
    board_id = scratch.board("Geometry board")
    linked = [
        scratch.session(scratch.day(43, weekday), time(9), whiteboard_id=board_id)
        for weekday in (0, 2)
    ]
    page = page_as(TUTOR)
    page.goto("/whiteboards")
    row = page.locator(f"#whiteboard-{board_id}")
    expect(row.locator("td").nth(1)).to_have_text("2")
    row.get_by_role("link", name="Delete Geometry board").click()
    page.wait_for_url(re.compile(rf"/whiteboards/{board_id}/delete$"))
    expect(page.locator("main")).to_contain_text("This whiteboard is linked to 2 sessions.")
    expect(page.locator("ul.linked-sessions li")).to_have_count(2)
    page.get_by_role("button", name="Delete whiteboard").click()
    page.wait_for_url(re.compile(r"/whiteboards$"))
    expect(page.locator(".flash")).to_have_text(
        "Whiteboard “Geometry board” deleted. 2 session(s) now have no whiteboard."
    )
    expect(page.locator(f"#whiteboard-{board_id}")).to_have_count(0)
    page.goto(f"/sessions/{linked[0]}")
    expect(page.locator("dl.facts")).to_contain_text("Whiteboard none linked")
    expect(page.locator(f"#session-{linked[0]}")).to_contain_text("No whiteboard linked.")


def test_a_stale_priority_edit_shows_the_latest_value(page_as, scratch):
    session_id = scratch.session(scratch.day(44), time(14))
    first = page_as(TUTOR)
    second = page_as(COORDINATOR)
    for page in (first, second):
        page.goto(f"/sessions/{session_id}")

    card = first.locator(f"#session-{session_id}")
    card.get_by_label("Priority").select_option("high")  # saved on change
    expect(card.get_by_role("status")).to_have_text("Saved")

    card = second.locator(f"#session-{session_id}")
    with second.expect_response(re.compile(rf"/sessions/{session_id}/priority$")) as answer:
        card.get_by_label("Priority").select_option("urgent")
    assert answer.value.status == 409
    notice = card.locator(".edit-notice.stale")
    expect(notice).to_contain_text(re.compile("changed by someone else", re.IGNORECASE))
    expect(card.get_by_label("Priority")).to_have_value("high")
    expect(card).to_contain_text("high priority")
    assert scratch.get(session_id).priority_level == "high"


@pytest.mark.parametrize("javascript", MODES)
def test_tutor_marks_a_whole_day_present(page_as, scratch, demo_ids, javascript):
    day = scratch.day(-45, 3)  # attendance is taken from the start: past lessons
    sessions = [
        scratch.session(day, time(9), tutor_attendance_status="late"),
        scratch.session(day, time(11), "student2@example.com", student_attendance_status="absent"),
        scratch.session(day, time(13), "student3@example.com", student_attendance_status="excused"),
    ]
    page = page_as(TUTOR, javascript=javascript)
    page.goto(day_view(demo_ids, day))
    bulk = page.locator("form.bulk-attendance")
    expect(bulk.locator("tbody tr")).to_have_count(3)
    submit(page, bulk.get_by_role("button", name="Mark all present"), javascript)

    saved = "Attendance saved for 3 sessions (3 changed)."
    if javascript:
        expect(page.locator("form.bulk-attendance").get_by_role("status")).to_have_text(saved)
    else:
        expect(page.locator(".flash")).to_have_text(saved)
    page.reload()
    for session_id in sessions:
        row = scratch.get(session_id)
        assert (row.tutor_attendance_status, row.student_attendance_status) == (
            "present",
            "present",
        )
        selects = page.locator(f"#bulk-row-{session_id} select")
        expect(selects.nth(0)).to_have_value("present")
        expect(selects.nth(1)).to_have_value("present")

    if javascript:
        # An edit in a block's popover afterwards refreshes the form's row (out of band).
        page.locator(f"#block-{sessions[0]}").click()
        expect(page.locator("dialog#session-popover")).to_be_visible(timeout=15_000)
        card = page.locator(f"dialog #session-{sessions[0]}")
        expect(card).to_be_visible(timeout=15_000)  # loaded by its own request
        card.get_by_label("Student attendance").select_option("late")
        # The popover loads and saves over two requests: allow for a busy machine.
        expect(card.get_by_role("status")).to_have_text("Saved", timeout=15_000)
        page.keyboard.press("Escape")
        row = page.locator(f"#bulk-row-{sessions[0]}")
        expect(row.locator("select").nth(1)).to_have_value("late", timeout=15_000)
        page.locator("form.bulk-attendance").get_by_role("button", name="Save attendance").click()
        expect(page.locator("form.bulk-attendance").get_by_role("status")).to_have_text(
            "Attendance saved for 3 sessions (0 changed)."
        )


@pytest.mark.parametrize(
    ("email", "page_path"),
    [
        ("student1@example.com", "/students/{student1}/upcoming"),
        ("student1@example.com", "/sessions/{session}"),
        ("parent1@example.com", "/parents/{parent1}/upcoming"),
        ("parent1@example.com", "/sessions/{session}"),
    ],
)
def test_students_and_parents_get_no_edit_controls(page_as, scratch, demo_ids, email, page_path):
    session_id = scratch.session(scratch.day(1, 2), time(18), is_featured=True)
    ids = {key.split("@")[0]: value for key, value in demo_ids.items()}
    page = page_as(email)
    response = page.goto(page_path.format(session=session_id, **ids))
    assert response is not None and response.status == 200
    expect(
        page.locator(f"#session-{session_id}, #featured-session-{session_id}")
    ).not_to_have_count(0)
    assert page.locator("form[action^='/sessions/']").count() == 0
    assert page.locator("select, .session-controls, form.bulk-attendance").count() == 0
    assert page.get_by_role("link", name=re.compile("^Edit")).count() == 0
    assert page.get_by_text("New session").count() == 0


@pytest.mark.parametrize("javascript", MODES)
def test_coordinator_features_a_session_from_the_schedule_list(
    page_as, scratch, demo_ids, javascript
):
    day = scratch.day(43)
    session_id = scratch.session(day, time(15))
    listing = f"/coordinator/sessions?from={day.isoformat()}&to={day.isoformat()}"
    page = page_as(COORDINATOR, javascript=javascript)
    page.goto(listing)
    row = page.locator(f"#row-session-{session_id}")
    submit(page, row.get_by_role("button", name=re.compile(r"^Feature\b")), javascript)

    if javascript:
        expect(row.get_by_role("status")).to_have_text("Saved")
        assert page.url.endswith(listing)  # swapped in place: no navigation, same filters
    expect(row.locator("button.star.on")).to_be_visible()
    assert scratch.get(session_id).is_featured is True

    submit(page, row.get_by_role("button", name=re.compile(r"^Unfeature\b")), javascript)
    expect(row.locator("button.star.on")).to_have_count(0)
    assert scratch.get(session_id).is_featured is False


def test_a_row_edit_that_leaves_the_filter_reloads_the_list(page_as, scratch):
    """Filtered by "Featured only", unfeaturing a row takes it out of the list at once
    and the count follows; filtered by a priority, changing a row's priority does too."""
    day = scratch.day(45, weekday=3)
    featured = scratch.session(day, time(9), is_featured=True)
    other = scratch.session(day, time(11), is_featured=True)
    dates = f"from={day.isoformat()}&to={day.isoformat()}"
    page = page_as(COORDINATOR)
    page.goto(f"/coordinator/sessions?featured=yes&{dates}")
    count = page.locator("#result-count")
    expect(count).to_contain_text("of 2 sessions")
    page.locator(f"#row-session-{featured}").get_by_role(
        "button", name=re.compile(r"^Unfeature\b")
    ).focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#row-session-{featured}")).to_have_count(0)
    expect(count).to_contain_text("of 1 session ")
    expect(count).to_be_focused()  # the row left with the focus: it goes to the count
    expect(page.locator(f"#row-session-{other}")).to_be_visible()
    assert scratch.get(featured).is_featured is False

    page.goto(f"/coordinator/sessions?priority=medium&{dates}")
    expect(count).to_contain_text("of 2 sessions")
    control = page.locator(f"#row-priority-{other}")
    control.focus()
    control.select_option("urgent")
    expect(page.locator(f"#row-session-{other}")).to_have_count(0)
    expect(count).to_contain_text("of 1 session ")


def test_an_edit_on_the_detail_page_refreshes_all_details(page_as, scratch):
    session_id = scratch.session(scratch.day(44), time(11))
    page = page_as(COORDINATOR)
    page.goto(f"/sessions/{session_id}")
    facts = page.locator(f"#session-facts-{session_id}")
    priority = facts.locator('dt:text-is("Priority") + dd')
    featured = facts.locator('dt:text-is("Featured") + dd')
    card = page.locator(f"#session-{session_id}")
    card.get_by_label("Priority").select_option("urgent")  # saved on change
    expect(card.get_by_role("status")).to_have_text("Saved")
    expect(priority).to_have_text("urgent")
    card.get_by_role("button", name="Feature", exact=True).click()
    expect(featured).to_have_text("yes, highlighted by a coordinator")


# Two changes made back to back, in one tick: the second is made while the first is on
# the wire, before its answer has replaced the card (or row) and its version.
BACK_TO_BACK = """(changes) => {
  for (const [selector, value] of changes) {
    const control = document.querySelector(selector);
    control.value = value;
    control.dispatchEvent(new Event("change", { bubbles: true }));
  }
}"""
CONTROLS = {  # where each control is, in the week's popover and in a schedule list row
    "popover": {
        "priority": "dialog #priority-{id}",
        "attendance": "dialog #student-attendance-{id}",
    },
    "row": {"priority": "#row-priority-{id}", "attendance": "#row-student-attendance-{id}"},
}


@pytest.mark.parametrize(
    ("place", "changes"),
    [
        pytest.param("popover", [("priority", "high"), ("attendance", "late")], id="popover"),
        pytest.param("popover", [("priority", "high"), ("priority", "urgent")], id="popover-twice"),
        pytest.param("row", [("priority", "high"), ("attendance", "late")], id="list-row"),
    ],
)
def test_two_quick_changes_on_one_session_both_save(page_as, scratch, demo_ids, place, changes):
    """The second change waits for the first answer and sends the version it brought
    (no 409 "changed by someone else"); both choices are saved and shown."""
    day = scratch.day(-53, weekday=2)  # a past lesson: attendance can be taken
    session_id = scratch.session(day, time(10))
    if place == "popover":
        page = page_as(TUTOR)
        page.goto(f"/tutors/{demo_ids[TUTOR]}/calendar?view=week&date={day.isoformat()}")
        page.locator(f"#block-{session_id}").click()
        expect(page.locator(f"dialog #session-{session_id}")).to_be_visible()
    else:
        page = page_as(COORDINATOR)
        page.goto(f"/coordinator/sessions?from={day.isoformat()}&to={day.isoformat()}")
    selectors = {c: s.format(id=session_id) for c, s in CONTROLS[place].items()}
    posts = []
    page.on("requestfinished", lambda r: posts.append(r) if r.method == "POST" else None)

    page.evaluate(BACK_TO_BACK, [(selectors[control], value) for control, value in changes])
    for _ in range(100):  # both answers, or 5 s
        if len(posts) == 2:
            break
        page.wait_for_timeout(50)
    assert len(posts) == 2, f"one change was never sent: {[p.url for p in posts]}"
    answers = [p.response() for p in posts]
    assert [a.status for a in answers] == [200, 200], [a.text()[:300] for a in answers]
    sent = [parse_qs(p.post_data)["version"][0] for p in posts]
    new_version = re.search(r'name="version" value="([^"]+)"', answers[0].text()).group(1)
    assert sent[1] == new_version != sent[0]  # the version the first answer brought

    final = dict(changes)  # the last choice of each control
    row = scratch.get(session_id)
    assert row.priority_level == final["priority"]
    assert row.student_attendance_status == final.get("attendance", "present")
    for control, value in final.items():
        expect(page.locator(selectors[control])).to_have_value(value)
