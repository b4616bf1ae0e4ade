"""Students and parents never see the priority (the centre's internal triage).

Walks every GET route a student or parent may open, as a page and as an htmx
fragment, both tabs, with every session set to "urgent" so a leak would show.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from dashboard.extensions import db
from dashboard.models import Session
from tests.integration.edits_support import HTMX, login
from tests.integration.lesson_support import make_centre

LEAK = re.compile(r"priority|urgent", re.IGNORECASE)


@pytest.fixture
def centre(app, build):
    centre = make_centre(app, build)
    with app.app_context():
        db.session.execute(sa.update(Session).values(priority_level="urgent", is_featured=True))
        db.session.commit()
    return centre


def family_urls(app, centre) -> list[str]:
    """Every GET route with the family's own ids filled in (sessions: each of theirs)."""
    values = {
        "student_id": [centre.student],
        "parent_id": [centre.parent],
        "session_id": [centre.past, centre.future, centre.completed, centre.cancelled],
    }
    urls = []
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        if not rule.arguments <= values.keys():
            continue  # tutor, whiteboard, token pages: not the family's (403/404)
        if rule.rule.startswith("/api/"):
            continue  # the JSON API carries the seed's columns (its own contract), not pages
        combos = [{}]
        for name in rule.arguments:
            combos = [{**c, name: v} for c in combos for v in values[name]]
        urls += [adapter.build(rule.endpoint, combo) for combo in combos]
    return urls


@pytest.mark.parametrize("email", ["student@test.example", "parent@test.example"])
def test_no_student_or_parent_page_or_fragment_shows_the_priority(app, client, centre, email):
    login(client, email)
    checked = 0
    for url in family_urls(app, centre):
        for suffix in ("", "?tab=past"):
            for headers in ({}, HTMX):
                response = client.get(url + suffix, headers=headers)
                if response.status_code != 200 or response.mimetype.startswith("image/"):
                    continue  # the favicon is no page
                body = response.get_data(as_text=True)
                assert not LEAK.search(body), f"{url}{suffix} {headers}: {LEAK.search(body)}"
                checked += 1
    assert checked >= 20  # the upcoming pages, session pages, cards, reviews, .ics, reminders


def test_staff_still_see_it(app, client, centre):
    login(client, "tutor@test.example")
    body = client.get(f"/sessions/{centre.future}").get_data(as_text=True)
    assert "urgent priority" in body
