"""A lesson's end in Chromium: a student reviews it from the Past tab; a tutor completes
one with notes and then reads the student's review."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

STUDENT = "student1@example.com"
TUTOR = "tutor1@example.com"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_student_reviews_a_completed_lesson_from_the_past_tab(
    page_as, scratch, demo_ids, javascript
):
    lesson = scratch.session(
        scratch.today - timedelta(days=1), time(6), status="completed", topics_covered=["Vectors"]
    )
    page = page_as(STUDENT, javascript=javascript)
    page.goto(f"/students/{demo_ids[STUDENT]}/upcoming")
    page.get_by_role("link", name="Past").click()
    item = page.locator("li", has=page.locator(f"#session-{lesson}"))
    item.get_by_role("link", name=re.compile("How was it?")).click()
    page.wait_for_url(re.compile(rf"/sessions/{lesson}/review"))
    page.get_by_label("5 (excellent)").check()
    page.get_by_label(re.compile("^Comment")).fill("Vectors finally make sense.")
    page.get_by_role("button", name="Save review").click()
    page.wait_for_url(re.compile(r"/upcoming\?tab=past"))
    expect(page.locator(".flash")).to_contain_text("your review is saved")
    item = page.locator("li", has=page.locator(f"#session-{lesson}"))
    expect(item.get_by_role("link", name=re.compile("How was it?"))).to_have_count(0)
    row = scratch.get(lesson)
    assert row is not None and row.student_review_id is not None


def test_a_tutor_completes_a_lesson_with_notes_and_sees_the_students_review(page_as, scratch):
    lesson = scratch.session(scratch.today - timedelta(days=1), time(6))
    tutor = page_as(TUTOR)
    tutor.goto(f"/sessions/{lesson}/edit")
    complete = tutor.locator("form", has=tutor.get_by_role("heading", name="Complete"))
    complete.get_by_label("Topics covered (one per line)").fill("Vectors")
    complete.get_by_label("Lesson note for the student and parents").fill("Practise 3 sums.")
    complete.get_by_label(re.compile("^Private note")).fill("Quiet today.")
    complete.get_by_role("button", name="Mark completed").click()
    tutor.wait_for_url(re.compile(rf"/sessions/{lesson}$"))
    expect(tutor.locator(".lesson-note")).to_have_text("Practise 3 sums.")
    expect(tutor.locator(".private-note")).to_have_text("Quiet today.")

    student = page_as(STUDENT)
    student.goto(f"/sessions/{lesson}")
    expect(student.locator(".private-note")).to_have_count(0)
    student.get_by_role("link", name="How was it? Review this lesson").click()
    student.get_by_label("4", exact=True).check()
    student.get_by_role("button", name="Save review").click()
    student.wait_for_url(re.compile(rf"/sessions/{lesson}$"))

    tutor.reload()
    expect(tutor.locator(".review-student")).to_contain_text("Student’s review: 4/5")


@pytest.mark.parametrize(
    ("email", "path"),
    [
        (STUDENT, "/sessions/{completed}/review"),
        (TUTOR, "/sessions/{upcoming}/cancel"),
        ("coordinator@example.com", "/coordinator/attendance"),
        (TUTOR, "/sessions/{completed}"),
    ],
)
def test_lesson_pages_are_accessible(page_as, axe_violations, scratch, email, path):
    completed = scratch.session(
        scratch.today - timedelta(days=1), time(6), status="completed", topics_covered=["Sets"]
    )
    upcoming = scratch.session(scratch.day(30), time(9))
    page = page_as(email, bypass_csp=True)
    response = page.goto(path.format(completed=completed, upcoming=upcoming))
    assert response is not None and response.status == 200
    assert axe_violations(page) == [], path
