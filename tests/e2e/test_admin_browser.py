"""Running the centre in Chromium (issue 13): a coordinator adds a course, a tutor and
a student, enrols the student, schedules their first session, and deletes the
enrolment again, seeing "1 session will be deleted" first, all from the pages.

Everything it makes has its own names and is removed when the test ends (the
enrolment and its session by the test itself, through the delete page), so the
demo centre other browser tests read stays as it was.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from dashboard.extensions import db
from dashboard.models import Course, EnrolledCourse, Session, User

pytestmark = pytest.mark.e2e

COORDINATOR = "coordinator@example.com"
TUTOR_EMAIL = "onboarded.tutor@e2e.example"
STUDENT_EMAIL = "onboarded.student@e2e.example"
COURSE = "Onboarding Astronomy"


@pytest.fixture
def cleanup(live_app):
    """Remove the people and course the test made, whatever happened."""
    yield
    with live_app.app_context():
        db.session.execute(
            sa.delete(User).where(User.email.in_((TUTOR_EMAIL, STUDENT_EMAIL)))
        )  # their enrolments and sessions cascade
        db.session.execute(sa.delete(Course).where(Course.title == COURSE))
        db.session.commit()
        db.session.remove()


def add_person(page, role: str, name: str, email: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_role("button", name="Add a person").click()
    page.get_by_label("Role").select_option(role)
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Time zone").fill("Europe/London")
    page.get_by_role("button", name="Add and invite").click()
    page.wait_for_url(re.compile(r"/admin/people/\d+$"))
    expect(page.locator(".flash")).to_contain_text(f"{name} was added as a {role}")


def test_coordinator_onboards_enrols_schedules_and_deletes(
    page_as, live_app, scratch, cleanup, screenshot
):
    page = page_as(COORDINATOR)

    # A course
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Courses").click()
    page.get_by_role("button", name="Add a course").click()
    page.get_by_label("Title").fill(COURSE)
    page.get_by_label("Description").fill("Stars, planets and telescopes.")
    page.get_by_role("button", name="Add course").click()
    page.wait_for_url(re.compile(r"/admin/courses$"))
    expect(page.get_by_role("link", name=COURSE)).to_be_visible()

    # A tutor and a student
    add_person(page, "tutor", "Orla Onboarded", TUTOR_EMAIL)
    add_person(page, "student", "Otto Onboarded", STUDENT_EMAIL)
    screenshot(page, "admin-person")

    # Both are found by the search as one types (htmx swaps the results in place)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_label("Name or email").fill("onboarded")
    page.wait_for_url(re.compile(r"/admin/people\?q=onboarded"))
    results = page.locator("#people-results tbody tr")
    expect(results).to_have_count(2)
    page.get_by_role("link", name="Otto Onboarded").click()
    page.wait_for_url(re.compile(r"/admin/people/\d+$"))

    # Enrol the student (from their page) with the tutor
    page.get_by_role("button", name="Enrol Otto Onboarded").click()
    page.wait_for_url(re.compile(r"/admin/enrolments/new\?student_id=\d+$"))
    page.get_by_label("Course").select_option(label=COURSE)
    page.get_by_label("Tutor").select_option(label=f"Orla Onboarded ({TUTOR_EMAIL})")
    page.get_by_role("button", name="Enrol").click()
    page.wait_for_url(re.compile(r"/admin/enrolments/\d+$"))
    enrolment_id = int(page.url.rsplit("/", 1)[1])

    # Schedule their first session
    page.get_by_role("button", name="Schedule a session").click()
    page.wait_for_url(re.compile(r"/sessions/new\?course=\d+$"))
    form = page.locator("form.session-form")
    expect(form.get_by_label("Enrolled course")).to_have_value(str(enrolment_id))
    day = scratch.day(70, 2)
    form.get_by_label("Date", exact=True).fill(day.isoformat())
    form.get_by_label("Start", exact=True).fill("17:00")
    form.get_by_label("End", exact=True).fill("18:00")
    form.get_by_role("button", name="Schedule").click()
    page.wait_for_url(re.compile(r"/sessions/\d+$"))
    expect(page.locator(".flash")).to_have_text("1 session scheduled.")
    with live_app.app_context():
        sessions = db.session.scalars(
            sa.select(Session.session_date).where(Session.enrolled_courses_id == enrolment_id)
        ).all()
        db.session.remove()
    assert sessions == [day]

    # The enrolments list counts it; deleting says so first, then does exactly that
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Enrolments").click()
    row = page.get_by_role("row", name=re.compile(COURSE))
    expect(row.get_by_role("cell").nth(3)).to_have_text("1")
    row.get_by_role("link", name=COURSE).click()
    page.get_by_role("link", name=re.compile("Delete this enrolment")).click()
    expect(page.locator("#delete-count")).to_contain_text("1 session will be deleted")
    expect(page.locator("#delete-count")).to_contain_text("0 completed, 1 upcoming")
    screenshot(page, "admin-enrolment-delete")
    page.get_by_role("button", name="Delete enrolment and 1 session").click()
    page.wait_for_url(re.compile(r"/admin/enrolments$"))
    expect(page.locator(".flash")).to_contain_text("with 1 session.")
    with live_app.app_context():
        assert db.session.get(EnrolledCourse, enrolment_id) is None
        left = db.session.scalar(
            sa.select(sa.func.count()).where(Session.enrolled_courses_id == enrolment_id)
        )
        db.session.remove()
    assert left == 0


def test_settings_zone_is_searchable_without_javascript(page_as):
    page = page_as("student2@example.com", javascript=False)
    account = page.get_by_role("navigation", name="Main").locator("details.nav-account")
    account.locator("summary").click()  # the account's items sit under the person's name
    account.get_by_role("link", name="Settings").click()
    zone = page.get_by_label("Time zone")
    expect(zone).to_have_attribute("list", "timezone-list")
    assert page.locator("#timezone-list option[value='Asia/Kolkata']").count() == 1
    original = zone.input_value()
    zone.fill("Asia/Kolkata")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Your settings are saved.")
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Kolkata")
    page.get_by_label("Time zone").fill(original)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Your settings are saved.")


#: (screenshot name or None, who, path); ``{student}`` etc. are demo ids.
PAGES = [
    ("admin-people", COORDINATOR, "/admin/people"),
    (None, COORDINATOR, "/admin/people/new"),
    (None, COORDINATOR, "/admin/people/{student}"),
    (None, COORDINATOR, "/admin/people/{parent}"),
    ("admin-courses", COORDINATOR, "/admin/courses"),
    (None, COORDINATOR, "/admin/courses/new"),
    ("admin-enrolments", COORDINATOR, "/admin/enrolments"),
    (None, COORDINATOR, "/admin/enrolments/new"),
    ("account-settings", "student1@example.com", "/account"),
    (None, "student1@example.com", "/account/password"),
]


@pytest.mark.parametrize(("name", "email", "path"), PAGES, ids=[f"{p[1]}{p[2]}" for p in PAGES])
def test_admin_pages_are_accessible(
    page_as, axe_violations, screenshot, demo_ids, name, email, path
):
    page = page_as(email, bypass_csp=True)
    url = path.format(
        student=demo_ids["student1@example.com"], parent=demo_ids["parent1@example.com"]
    )
    response = page.goto(url)
    assert response is not None and response.status == 200
    if name:
        screenshot(page, name)
    violations = axe_violations(page)
    assert violations == [], f"{path}: {violations}"
