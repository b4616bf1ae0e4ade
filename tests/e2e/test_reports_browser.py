"""Reports in Chromium, as a coordinator would use them on the demo centre.

The charts are SVG images under the strict Content-Security-Policy: they must
draw (with their own style, allowed by hash) and the browser must report no
violation, whether the image is in the page or opened on its own.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

LOADED = "img => img.complete && img.naturalWidth > 0"


def test_coordinator_reads_last_months_report(page_as, screenshot):
    page = page_as("coordinator@example.com")
    page.goto("/")
    page.get_by_role("link", name="Reports").click()
    page.wait_for_url("**/reports")
    assert page.get_by_role("heading", name="Tutors").is_visible()
    assert page.locator("#table-tutors tbody tr").count() >= 1
    assert page.locator("#table-students tbody tr").count() >= 1
    images = page.locator(".report-charts img")
    assert images.count() == 2
    for n in range(2):
        images.nth(n).scroll_into_view_if_needed()
        page.wait_for_function(LOADED, arg=images.nth(n).element_handle())
    screenshot(page, "reports")
    # The timesheet downloads as a file named after the range.
    with page.expect_download() as download:
        page.get_by_role("link", name="timesheet").click()
    assert download.value.suggested_filename.startswith("timesheet-")


def test_the_chart_opened_alone_keeps_its_style_under_the_csp(page_as):
    page = page_as("coordinator@example.com")
    response = page.goto("/reports/hours.svg")
    assert response is not None and response.status == 200
    # pygal's stylesheet applied: the title is centred by its CSS (text-anchor: middle).
    anchor = page.evaluate("() => getComputedStyle(document.querySelector('.title')).textAnchor")
    assert anchor == "middle"


def test_report_is_accessible(page_as, axe_violations):
    page = page_as("coordinator@example.com", bypass_csp=True)
    assert page.goto("/reports").status == 200
    assert axe_violations(page) == []


def test_report_form_works_without_javascript(page_as):
    page = page_as("tutor1@example.com", javascript=False)
    page.goto("/reports")
    page.locator("#report-from").fill("2020-01-01")
    page.locator("#report-to").fill("2020-01-31")
    page.get_by_role("button", name="Show report").click()
    assert "from=2020-01-01" in page.url
    assert page.get_by_text("No sessions of yours in these dates").is_visible()
