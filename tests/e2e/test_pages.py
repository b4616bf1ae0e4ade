"""Every read page in Chromium: no serious or critical axe-core violations, and a screenshot.

Screenshots go to ``test-results/screenshots/``; run with ``UPDATE_SCREENSHOTS=1`` to
refresh the ones committed in ``docs/screenshots/`` (shown in the README).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dashboard.extensions import db
from dashboard.models import Session
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.e2e

#: (screenshot name, who, path with {ids}, viewport)
PAGES = [
    ("tutor-calendar-month", "tutor1@example.com", "/tutors/{tutor1}/calendar", None),
    ("tutor-calendar-week", "tutor1@example.com", "/tutors/{tutor1}/calendar?view=week", None),
    ("tutor-calendar-day", "tutor1@example.com", "/tutors/{tutor1}/calendar?view=day", None),
    ("tutor-calendar-agenda", "tutor1@example.com", "/tutors/{tutor1}/calendar?view=agenda", None),
    ("tutor-calendar-month-phone", "tutor1@example.com", "/tutors/{tutor1}/calendar", PHONE),
    (
        "tutor-calendar-week-phone",
        "tutor1@example.com",
        "/tutors/{tutor1}/calendar?view=week",
        PHONE,
    ),
    ("student-upcoming", "student1@example.com", "/students/{student1}/upcoming", None),
    ("student-past", "student1@example.com", "/students/{student1}/upcoming?tab=past", None),
    ("parent-upcoming", "parent1@example.com", "/parents/{parent1}/upcoming", None),
    ("parent-upcoming-phone", "parent1@example.com", "/parents/{parent1}/upcoming", PHONE),
    ("coordinator-sessions", "coordinator@example.com", "/coordinator/sessions", None),
    (
        "coordinator-sessions-search",
        "coordinator@example.com",
        "/coordinator/sessions?q=physics&sort=priority&dir=desc",
        None,
    ),
    ("coordinator-overrides", "coordinator@example.com", "/coordinator/overrides", None),
    ("session-detail", "tutor1@example.com", "/sessions/{featured_today}", None),
    ("account-tokens", "tutor1@example.com", "/account/tokens", None),
]


@pytest.fixture(scope="module")
def ids(live_app, demo_ids) -> dict[str, int]:
    """Demo ids by short name, plus today's featured session of tutor 1."""
    today = datetime.now(ZoneInfo(live_app.config["SCHEDULE_TIMEZONE"])).date()
    with live_app.app_context():
        featured_today = db.session.scalar(
            sa.select(Session.id).where(Session.session_date == today, Session.is_featured)
        )
    short = {email.split("@")[0]: id_ for email, id_ in demo_ids.items()}
    return {**short, "featured_today": featured_today}


@pytest.mark.parametrize(
    ("name", "email", "path", "viewport"), PAGES, ids=[page[0] for page in PAGES]
)
def test_page_is_accessible(page_as, axe_violations, screenshot, ids, name, email, path, viewport):
    page = page_as(email, viewport=viewport, bypass_csp=True)
    response = page.goto(path.format(**ids))
    assert response is not None and response.status == 200
    screenshot(page, name)
    violations = axe_violations(page)
    assert violations == [], f"{name}: {violations}"
