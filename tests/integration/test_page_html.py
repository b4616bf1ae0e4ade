"""Markup the browser relies on: unique ids, labels that point at their field, alert roles.

Parsed with Python's own ``html.parser`` (no browser needed): the edit page
holds four forms whose fields share names, so their ids must differ or
"New date" would label the edit form's date.
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest

from tests.scheduling_support import (
    enrolment,
    future,
    new_ids,
    session_count,
    session_form,
    version_of,
)


class PageMarkup(HTMLParser):
    """Every element's ``id``, every ``<label for>``, and the tags carrying ``role="alert"``."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.label_targets: list[str] = []
        self.alert_tags: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(values["id"])
        if tag == "label" and values.get("for"):
            self.label_targets.append(values["for"])
        if values.get("role") == "alert":
            self.alert_tags.append(tag)

    def duplicate_ids(self) -> list[str]:
        return sorted(name for name, count in Counter(self.ids).items() if count > 1)


def assert_well_formed(html: str) -> PageMarkup:
    markup = PageMarkup(html)
    assert markup.duplicate_ids() == []
    assert set(markup.label_targets) <= set(markup.ids), "a label points at no element"
    return markup


@pytest.fixture
def scheduled(client, auth, demo, app) -> list[int]:
    """A one-off session and a weekly series of three, tutor1 with student1 (coordinator)."""
    auth.login("coordinator@example.com")
    course = enrolment(app, "tutor1", "student1")
    before = session_count(app)
    for form in (
        session_form(course, auth.csrf_token()),
        session_form(
            course,
            auth.csrf_token(),
            session_date=future(70).isoformat(),
            frequency="weekly",
            repeat_count="3",
        ),
    ):
        assert client.post("/sessions/new", data=form).status_code == 303
    return new_ids(app, before)


def test_edit_page_ids_are_unique_for_a_session_and_a_series(client, scheduled):
    for session_id in (scheduled[0], scheduled[1]):  # one-off, first of the series
        page = client.get(f"/sessions/{session_id}/edit").get_data(as_text=True)
        assert "Apply to" in page or session_id == scheduled[0]
        markup = assert_well_formed(page)
        # "New date" labels the reschedule form's own field.
        assert "reschedule-session_date" in markup.label_targets
        assert "session_date" in markup.label_targets


def test_edit_page_with_overlaps_shown_in_two_forms_keeps_ids_unique(app, client, auth, scheduled):
    one_off, series_first = scheduled[0], scheduled[1]
    # Move the series' first session onto the one-off's time: an overlap, so the page
    # comes back (422) with the override reason under the reschedule form.
    response = client.post(
        f"/sessions/{series_first}/reschedule",
        data={
            "csrf_token": auth.csrf_token(),
            "session_date": future().isoformat(),
            "start_time": "10:30",
            "end_time": "11:30",
            "version": version_of(app, series_first),
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Overlaps with other sessions" in page
    markup = assert_well_formed(page)
    assert "reschedule-override_reason" in markup.ids
    assert f"/sessions/{one_off}" in page


def test_error_page_alerts_with_its_message_not_the_article(client, auth, demo):
    auth.login("coordinator@example.com")
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get("/sessions/999999", headers=headers)
        assert response.status_code == 404
        markup = assert_well_formed(response.get_data(as_text=True))
        assert markup.alert_tags == ["p"]
